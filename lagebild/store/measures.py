"""Meetings, measures and their history (#6, migration 005). Everyone who may see the
city reads them (no person-related data); only admin/krisenstab write. Validation in
lagebild/measures/model.py (pure functions, German messages), turned into :class:`Invalid` here."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import pandas as pd

from lagebild import clock
from lagebild.measures import model as m
from lagebild.access import Actor
from lagebild.catalog import DEFAULT_PATH as CATALOG_PATH, load_catalog
from lagebild.store.errors import Invalid, NotFound


@functools.lru_cache(maxsize=4)
def _vocabulary(bodies: Path, bodies_mtime: int, catalog: Path,
                catalog_mtime: int) -> tuple[dict, frozenset]:
    return m.load_bodies(bodies), frozenset(load_catalog(catalog).keys)


def vocabulary() -> tuple[dict, frozenset]:
    """(responsible bodies, indicator keys) a measure may name: read once and again only
    when data/bodies.toml or the catalogue changes on disk (not on every write)."""
    return _vocabulary(m.BODIES_PATH, m.BODIES_PATH.stat().st_mtime_ns,
                       CATALOG_PATH, CATALOG_PATH.stat().st_mtime_ns)


def _valid(clean, *args, **kwargs):
    """Run a pure validation of lagebild/measures/model.py; its German ValueError becomes
    :class:`Invalid` (what the pages show as a form error)."""
    try:
        return clean(*args, **kwargs)
    except (ValueError, OSError) as exc:
        raise Invalid(str(exc)) from exc


def _measure_values(row: pd.Series) -> dict:
    """A stored measure row as the plain values clean_measure returns."""
    def opt(v, conv):
        return None if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) \
            else conv(v)
    return {"title": row["title"], "description": row["description"], "body": row["body"],
            "districts": sorted(int(d) for d in row["districts"]),
            "indicators": [str(i) for i in row["indicators"]],
            "alert_id": opt(row["alert_id"], int), "meeting_id": opt(row["meeting_id"], int),
            "due_on": opt(row["due_on"], lambda v: pd.Timestamp(v).date()),
            "status": row["status"],
            "implemented_on": opt(row["implemented_on"], lambda v: pd.Timestamp(v).date())}


def _assignments(row: dict) -> tuple[str, dict]:
    """``a = $a, b = $b`` and its parameters for an UPDATE of the columns in ``row``."""
    return ", ".join(f"{k} = ${k}" for k in row), dict(row)


class MeasuresMixin:
    """Meetings, measures and their history."""

    def meetings(self, actor: Actor, city: str) -> pd.DataFrame:
        """Meetings of a city, newest first (future dates = planned meetings)."""
        df = self._df("SELECT meeting_id, held_on, title, participants, decisions, created_by,"
                      " created_at, updated_by, updated_at FROM meetings WHERE "
                      "city_id = $city_id ORDER BY held_on DESC, meeting_id DESC",
                      {"city_id": self.city_id(actor, city)})
        df["participants"] = df["participants"].map(list)
        return df

    def add_meeting(self, actor: Actor, city: str, **fields) -> int:
        """Record a meeting (held_on, title, participants, decisions); returns its id."""
        self._require(actor, "meetings.add")
        city_id = self.city_id(actor, city)
        row = _valid(m.clean_meeting, fields)
        with self.transaction() as cur:
            meeting_id = self._one(
                "INSERT INTO meetings (city_id, held_on, title, participants, decisions, "
                "created_by) VALUES ($city_id, $held_on, $title, $participants, $decisions, "
                "$by) RETURNING meeting_id",
                {"city_id": city_id, "by": actor.username,
                 **{k: row[k] for k in ("held_on", "title", "participants", "decisions")}},
                cur)[0]
            self._audit(cur, actor, "meeting.add", city_id, meeting_id=meeting_id,
                        held_on=row["held_on"], title=row["title"])
        return meeting_id

    def update_meeting(self, actor: Actor, city: str, meeting_id: int, **fields) -> None:
        self._require(actor, "meetings.edit")
        city_id = self.city_id(actor, city)
        row = _valid(m.clean_meeting, fields, partial=True)
        ids = {"meeting_id": int(meeting_id), "city_id": city_id}
        with self.transaction() as cur:
            if self._one("SELECT 1 FROM meetings WHERE meeting_id = $meeting_id AND "
                         "city_id = $city_id", ids, cur) is None:
                raise NotFound(f"Sitzung {meeting_id} gibt es in {city} nicht.")
            if row:
                sets, params = _assignments(row)
                cur.execute(f"UPDATE meetings SET {sets}, updated_by = $by, updated_at = "
                            f"current_timestamp WHERE meeting_id = $meeting_id",
                            params | {"by": actor.username, "meeting_id": int(meeting_id)}
                            ).fetchall()
            self._audit(cur, actor, "meeting.update", city_id, meeting_id=int(meeting_id),
                        fields=sorted(row))

    def measures(self, actor: Actor, city: str) -> pd.DataFrame:
        """Measures of a city, newest first; ``districts``/``indicators`` as Python lists."""
        df = self._df("SELECT m.* EXCLUDE (city_id), g.held_on AS meeting_on FROM measures m "
                      "LEFT JOIN meetings g USING (meeting_id) WHERE m.city_id = $city_id "
                      "ORDER BY m.measure_id DESC", {"city_id": self.city_id(actor, city)})
        df["districts"] = df["districts"].map(lambda v: [int(x) for x in v])
        df["indicators"] = df["indicators"].map(list)
        for col in ("alert_id", "meeting_id"):
            df[col] = df[col].astype("Int64")
        return df

    def measure_history(self, actor: Actor, city: str,
                        measure_id: int | None = None) -> pd.DataFrame:
        """Changes of the city's measures (one measure with ``measure_id``), oldest first."""
        params = {"city_id": self.city_id(actor, city)}
        sql = ("SELECT h.* FROM measure_history h JOIN measures m USING (measure_id) "
               "WHERE m.city_id = $city_id")
        if measure_id is not None:
            sql += " AND h.measure_id = $measure_id"
            params["measure_id"] = int(measure_id)
        df = self._df(sql + " ORDER BY h.event_id", params)
        df["fields"] = df["fields"].map(list)
        return df

    def add_measure(self, actor: Actor, city: str, *, comment: str = "", **fields) -> int:
        """Create a measure (fields: ``measures.MEASURE_FIELDS``) with its first history row;
        returns its id. A measure created "in Umsetzung"/"umgesetzt" without
        ``implemented_on`` gets today's date."""
        self._require(actor, "measures.add")
        city_id = self.city_id(actor, city)
        row = self._clean_measure(fields, partial=False)
        comment = _valid(m.clean_comment, comment)
        if row["status"] in m.IN_EFFECT and row["implemented_on"] is None:
            row["implemented_on"] = clock.today()
        with self.transaction() as cur:
            self._check_measure_refs(cur, city_id, city, row)
            cols = list(row)
            measure_id = self._one(
                f"INSERT INTO measures (city_id, {', '.join(cols)}, created_by) VALUES "
                f"($city_id, {', '.join('$' + c for c in cols)}, $by) RETURNING measure_id",
                {**row, "city_id": city_id, "by": actor.username}, cur)[0]
            self._history(cur, actor, measure_id, None, row["status"], cols, comment)
            self._audit(cur, actor, "measure.add", city_id, measure_id=measure_id,
                        title=row["title"], status=row["status"])
        return measure_id

    def update_measure(self, actor: Actor, city: str, measure_id: int, *, comment: str = "",
                       on: date | None = None, **changes) -> list[str]:
        """Change fields and/or the status of a measure in ONE transaction with a history row
        (who, when, status from → to, changed fields, comment). Entering "in Umsetzung" or
        "umgesetzt" without an ``implemented_on`` sets it to ``on`` (default today).
        Returns the changed field names; a change without any difference and without a
        comment is refused."""
        self._require(actor, "measures.edit")
        city_id = self.city_id(actor, city)
        new = self._clean_measure(changes, partial=True)
        comment = _valid(m.clean_comment, comment)
        ids = {"measure_id": int(measure_id), "city_id": city_id}
        with self.transaction() as cur:
            old = cur.execute("SELECT * FROM measures WHERE measure_id = $measure_id AND "
                              "city_id = $city_id", ids).df()
            if old.empty:
                raise NotFound(f"Maßnahme {measure_id} gibt es in {city} nicht.")
            old = _measure_values(old.iloc[0])
            diff = {k: v for k, v in new.items() if v != old[k]}
            status = diff.get("status", old["status"])
            if status in m.IN_EFFECT and old["status"] not in m.IN_EFFECT \
                    and diff.get("implemented_on", old["implemented_on"]) is None:
                diff["implemented_on"] = on or clock.today()
            if not diff and not comment:
                raise Invalid("Nichts geändert: bitte einen Wert ändern oder einen "
                              "Kommentar angeben.")
            self._check_measure_refs(cur, city_id, city, diff)
            if diff:
                sets, params = _assignments(diff)
                cur.execute(f"UPDATE measures SET {sets}, updated_by = $by, updated_at = "
                            f"current_timestamp WHERE measure_id = $measure_id",
                            params | {"by": actor.username, "measure_id": int(measure_id)}
                            ).fetchall()
            self._history(cur, actor, int(measure_id), old["status"], status, list(diff),
                          comment)
            self._audit(cur, actor, "measure.update", city_id, measure_id=int(measure_id),
                        fields=list(diff), status=status)
        return list(diff)

    @staticmethod
    def _history(cur, actor: Actor, measure_id: int, from_status: str | None,
                 to_status: str, fields: list[str], comment: str) -> None:
        cur.execute("INSERT INTO measure_history (measure_id, changed_by, from_status, "
                    "to_status, fields, comment) VALUES ($measure_id, $by, $from_status, "
                    "$to_status, $fields, $comment)",
                    {"measure_id": measure_id, "by": actor.username,
                     "from_status": from_status, "to_status": to_status, "fields": fields,
                     "comment": comment}).fetchall()

    @staticmethod
    def _clean_measure(fields: dict, partial: bool) -> dict:
        bodies, indicators = _valid(vocabulary)
        return _valid(m.clean_measure, fields, bodies=bodies, indicators=set(indicators),
                      partial=partial)

    def _check_measure_refs(self, cur, city_id: int, city: str, row: dict) -> None:
        """Districts, meeting and alert of a measure must belong to the city."""
        if row.get("districts"):
            known = {r[0] for r in cur.execute("SELECT district_id FROM districts WHERE "
                                               "city_id = $city_id",
                                               {"city_id": city_id}).fetchall()}
            bad = [d for d in row["districts"] if d not in known]
            if bad:
                raise Invalid(f"Stadtteil-Nummer {', '.join(map(str, bad))} gibt es in "
                              f"{city} nicht.")
        for key, table, label in (("meeting_id", "meetings", "Sitzung"),
                                  ("alert_id", "alert_episodes", "Warnung")):
            if row.get(key) is not None and self._one(
                    f"SELECT 1 FROM {table} WHERE {key} = $id AND city_id = $city_id",
                    {"id": row[key], "city_id": city_id}, cur) is None:
                raise Invalid(f"{label} {row[key]} gibt es in {city} nicht.")
