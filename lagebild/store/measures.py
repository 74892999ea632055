"""Meetings, measures and their history (#6, migration 005). Everyone who may see the
city reads them (no person-related data); only admin/krisenstab write. Validation in
lagebild/measures.py (German messages)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild import clock
from lagebild.access import Actor

# section: measures (#6) – a stored measure row as the plain values clean_measure returns
def _measure_values(row: pd.Series) -> dict:
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


class MeasuresMixin:

    MEASURE_EDIT_ROLES = ("admin", "krisenstab")

    def meetings(self, actor: Actor, city: str) -> pd.DataFrame:
        """Meetings of a city, newest first (future dates = planned meetings)."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT meeting_id, held_on, title, participants, decisions, created_by,"
                      " created_at, updated_by, updated_at FROM meetings WHERE city_id = ? "
                      "ORDER BY held_on DESC, meeting_id DESC", [city_id])
        df["participants"] = df["participants"].map(list)
        return df

    def add_meeting(self, actor: Actor, city: str, **fields) -> int:
        """Record a meeting (held_on, title, participants, decisions); returns its id."""
        from lagebild import measures as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Sitzungen erfassen")
        city_id = self.city_id(actor, city)
        row = m.clean_meeting(fields)
        with self.transaction() as cur:
            meeting_id = self._one(
                "INSERT INTO meetings (city_id, held_on, title, participants, decisions, "
                "created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING meeting_id",
                [city_id, row["held_on"], row["title"], row["participants"], row["decisions"],
                 actor.username], cur)[0]
            self._audit(cur, actor, "meeting.add", city_id, meeting_id=meeting_id,
                        held_on=row["held_on"], title=row["title"])
        return meeting_id

    def update_meeting(self, actor: Actor, city: str, meeting_id: int, **fields) -> None:
        from lagebild import measures as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Sitzungen bearbeiten")
        city_id = self.city_id(actor, city)
        row = m.clean_meeting(fields, partial=True)
        with self.transaction() as cur:
            if self._one("SELECT 1 FROM meetings WHERE meeting_id = ? AND city_id = ?",
                         [int(meeting_id), city_id], cur) is None:
                raise KeyError(f"Sitzung {meeting_id} gibt es in {city} nicht.")
            if row:
                sets = ", ".join(f"{k} = ?" for k in row)
                cur.execute(f"UPDATE meetings SET {sets}, updated_by = ?, updated_at = "
                            f"current_timestamp WHERE meeting_id = ?",
                            [*row.values(), actor.username, int(meeting_id)]).fetchall()
            self._audit(cur, actor, "meeting.update", city_id, meeting_id=int(meeting_id),
                        fields=sorted(row))

    def measures(self, actor: Actor, city: str) -> pd.DataFrame:
        """Measures of a city, newest first; ``districts``/``indicators`` as Python lists."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT m.* EXCLUDE (city_id), g.held_on AS meeting_on FROM measures m "
                      "LEFT JOIN meetings g USING (meeting_id) WHERE m.city_id = ? "
                      "ORDER BY m.measure_id DESC", [city_id])
        df["districts"] = df["districts"].map(lambda v: [int(x) for x in v])
        df["indicators"] = df["indicators"].map(list)
        for col in ("alert_id", "meeting_id"):
            df[col] = df[col].astype("Int64")
        return df

    def measure_history(self, actor: Actor, city: str,
                        measure_id: int | None = None) -> pd.DataFrame:
        """Changes of the city's measures (one measure with ``measure_id``), oldest first."""
        city_id = self.city_id(actor, city)
        sql = ("SELECT h.* FROM measure_history h JOIN measures m USING (measure_id) "
               "WHERE m.city_id = ?")
        params: list = [city_id]
        if measure_id is not None:
            sql, params = sql + " AND h.measure_id = ?", params + [int(measure_id)]
        df = self._df(sql + " ORDER BY h.event_id", params)
        df["fields"] = df["fields"].map(list)
        return df

    def add_measure(self, actor: Actor, city: str, *, comment: str = "", **fields) -> int:
        """Create a measure (fields: ``measures.MEASURE_FIELDS``) with its first history row;
        returns its id. A measure created "in Umsetzung"/"umgesetzt" without
        ``implemented_on`` gets today's date."""
        from lagebild import measures as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Maßnahmen anlegen")
        city_id = self.city_id(actor, city)
        row = self._clean_measure(fields, partial=False)
        comment = m.clean_comment(comment)
        if row["status"] in m.IN_EFFECT and row["implemented_on"] is None:
            row["implemented_on"] = clock.today()
        with self.transaction() as cur:
            self._check_measure_refs(cur, city_id, city, row)
            cols = list(row)
            measure_id = self._one(
                f"INSERT INTO measures (city_id, {', '.join(cols)}, created_by) VALUES "
                f"(?, {', '.join('?' * len(cols))}, ?) RETURNING measure_id",
                [city_id, *row.values(), actor.username], cur)[0]
            cur.execute("INSERT INTO measure_history (measure_id, changed_by, from_status, "
                        "to_status, fields, comment) VALUES (?, ?, NULL, ?, ?, ?)",
                        [measure_id, actor.username, row["status"], cols, comment]).fetchall()
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
        from lagebild import measures as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Maßnahmen bearbeiten")
        city_id = self.city_id(actor, city)
        new = self._clean_measure(changes, partial=True)
        comment = m.clean_comment(comment)
        with self.transaction() as cur:
            old = cur.execute("SELECT * FROM measures WHERE measure_id = ? AND city_id = ?",
                              [int(measure_id), city_id]).df()
            if old.empty:
                raise KeyError(f"Maßnahme {measure_id} gibt es in {city} nicht.")
            old = _measure_values(old.iloc[0])
            diff = {k: v for k, v in new.items() if v != old[k]}
            status = diff.get("status", old["status"])
            if status in m.IN_EFFECT and old["status"] not in m.IN_EFFECT \
                    and diff.get("implemented_on", old["implemented_on"]) is None:
                diff["implemented_on"] = on or clock.today()
            if not diff and not comment:
                raise ValueError("Nichts geändert: bitte einen Wert ändern oder einen "
                                 "Kommentar angeben.")
            self._check_measure_refs(cur, city_id, city, diff)
            if diff:
                sets = ", ".join(f"{k} = ?" for k in diff)
                cur.execute(f"UPDATE measures SET {sets}, updated_by = ?, updated_at = "
                            f"current_timestamp WHERE measure_id = ?",
                            [*diff.values(), actor.username, int(measure_id)]).fetchall()
            cur.execute("INSERT INTO measure_history (measure_id, changed_by, from_status, "
                        "to_status, fields, comment) VALUES (?, ?, ?, ?, ?, ?)",
                        [int(measure_id), actor.username, old["status"], status, list(diff),
                         comment]).fetchall()
            self._audit(cur, actor, "measure.update", city_id, measure_id=int(measure_id),
                        fields=list(diff), status=status)
        return list(diff)

    def _clean_measure(self, fields: dict, partial: bool) -> dict:
        from lagebild import measures as m
        from lagebild.catalog import load_catalog
        return m.clean_measure(fields, bodies=m.load_bodies(), indicators=set(load_catalog().keys),
                               partial=partial)

    def _check_measure_refs(self, cur, city_id: int, city: str, row: dict) -> None:
        """Districts, meeting and alert of a measure must belong to the city."""
        if row.get("districts"):
            known = {r[0] for r in cur.execute("SELECT district_id FROM districts WHERE "
                                               "city_id = ?", [city_id]).fetchall()}
            bad = [d for d in row["districts"] if d not in known]
            if bad:
                raise ValueError(f"Stadtteil-Nummer {', '.join(map(str, bad))} gibt es in "
                                 f"{city} nicht.")
        for key, table, label in (("meeting_id", "meetings", "Sitzung"),
                                  ("alert_id", "alert_episodes", "Warnung")):
            if row.get(key) is not None and self._one(
                    f"SELECT 1 FROM {table} WHERE {key} = ? AND city_id = ?",
                    [row[key], city_id], cur) is None:
                raise ValueError(f"{label} {row[key]} gibt es in {city} nicht.")
