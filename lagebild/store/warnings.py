"""Substanzwarnungen (#18, migration 014): the crisis team's public warnings about a substance
and their texts in further languages. Every account that may see the city reads them (no
personal data, meant for the street: ``warnings.view``); admin and crisis team write them
(``warnings.create``, ``warnings.edit``). Every write is one transaction with its audit row;
the checks are the pure ones of :mod:`lagebild.drugcheck.warnings` (German messages naming
the field), turned into :class:`Invalid` here."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild import clock
from lagebild.access import Actor, roles_for
from lagebild.drugcheck import warnings as w
from lagebild.drugcheck.languages import templates_for
from lagebild.drugcheck.substances import load_substances
from lagebild.store._db import query
from lagebild.store.errors import Invalid, NotFound

_COLUMNS = ("warning_id, substance, title, location, since, valid_until, advice, source, "
            "source_reason, revision, created_by, created_at, updated_by, updated_at, "
            "withdrawn_by, withdrawn_at")


def _checked(clean, *args, **kwargs):
    try:
        return clean(*args, **kwargs)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


class WarningsMixin:
    """Substance warnings (create, change, withdraw, texts per language, read)."""

    def substance_warnings(self, actor: Actor, city: str,
                           active_on: date | None = None) -> pd.DataFrame:
        """The city's warnings, newest first; with ``active_on`` only those in force that
        day (not withdrawn, since ≤ day ≤ valid until)."""
        self._require(actor, "warnings.view")
        params: dict = {"city_id": self.city_id(actor, city)}
        sql = f"SELECT {_COLUMNS} FROM substance_warnings WHERE city_id = $city_id"
        if active_on is not None:
            sql += (" AND withdrawn_at IS NULL AND since <= $day AND valid_until >= $day")
            params["day"] = active_on
        return self._df(sql + " ORDER BY since DESC, warning_id DESC", params)

    def substance_warning_texts(self, actor: Actor, city: str) -> pd.DataFrame:
        """The texts of the city's warnings in further languages (warning_id, language,
        title, location, advice, updated_by, updated_at)."""
        self._require(actor, "warnings.view")
        return self._df("SELECT x.* FROM substance_warning_texts x JOIN substance_warnings "
                        "s USING (warning_id) WHERE s.city_id = $city_id "
                        "ORDER BY x.warning_id, x.language",
                        {"city_id": self.city_id(actor, city)})

    def add_substance_warning(self, actor: Actor, city: str, *, source: str | None = None,
                              source_reason: str | None = None, **fields) -> int:
        """Create a warning (fields: ``drugcheck.warnings.FIELDS``; ``source`` = the signal
        it answers); returns its id."""
        self._require(actor, "warnings.create")
        city_id = self.city_id(actor, city)
        row = _checked(w.clean_warning, fields, substances=self._substance_keys(),
                       today=clock.today())
        row |= {"source": (source or None) and str(source)[:200],
                "source_reason": (source_reason or None) and str(source_reason)[:1000]}
        cols = list(row)
        with self.transaction() as cur:
            warning_id = self._one(
                f"INSERT INTO substance_warnings (city_id, {', '.join(cols)}, created_by, "
                f"created_at) VALUES ($city_id, {', '.join('$' + c for c in cols)}, $by, "
                "$now) RETURNING warning_id",
                {**row, "city_id": city_id, "by": actor.username, "now": clock.now()},
                cur)[0]
            self._audit(cur, actor, "warning.create", city_id, warning_id=warning_id,
                        substance=row["substance"], title=row["title"],
                        since=row["since"], valid_until=row["valid_until"],
                        source=row["source"])
        return warning_id

    def update_substance_warning(self, actor: Actor, city: str, warning_id: int,
                                 **changes) -> list[str]:
        """Change fields of a warning that is not withdrawn; returns the changed field
        names (a change counts as a new revision: its e-mail goes out once more).
        Nothing changed is refused."""
        self._require(actor, "warnings.edit")
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            old = self._warning_row(cur, city_id, city, warning_id)
            if old["withdrawn_at"] is not None and not pd.isna(old["withdrawn_at"]):
                raise Invalid(f"Warnung {warning_id} ist zurückgezogen und kann nicht mehr "
                              "geändert werden.")
            current = {k: old[k] for k in w.FIELDS}
            current["since"] = pd.Timestamp(current["since"]).date()
            current["valid_until"] = pd.Timestamp(current["valid_until"]).date()
            new = _checked(w.clean_warning, changes, substances=self._substance_keys(),
                           today=clock.today(), partial=True, current=current)
            diff = {k: v for k, v in new.items() if v != current[k]}
            if not diff:
                raise Invalid("Nichts geändert: bitte einen Wert ändern.")
            sets = ", ".join(f"{k} = ${k}" for k in diff)
            cur.execute(f"UPDATE substance_warnings SET {sets}, revision = revision + 1, "
                        "updated_by = $by, updated_at = $now WHERE warning_id = $id",
                        {**diff, "by": actor.username, "now": clock.now(),
                         "id": int(warning_id)}).fetchall()
            self._audit(cur, actor, "warning.update", city_id, warning_id=int(warning_id),
                        fields=sorted(diff), revision=int(old["revision"]) + 1,
                        **{k: v for k, v in diff.items() if k != "advice"})
        return sorted(diff)

    def withdraw_substance_warning(self, actor: Actor, city: str, warning_id: int,
                                   reason: str = "") -> None:
        """Take a warning back before it expires (it leaves every start page)."""
        self._require(actor, "warnings.edit")
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            old = self._warning_row(cur, city_id, city, warning_id)
            if old["withdrawn_at"] is not None and not pd.isna(old["withdrawn_at"]):
                raise Invalid(f"Warnung {warning_id} ist schon zurückgezogen.")
            cur.execute("UPDATE substance_warnings SET withdrawn_by = $by, withdrawn_at = $now "
                        "WHERE warning_id = $id", {"by": actor.username, "now": clock.now(),
                                                    "id": int(warning_id)}).fetchall()
            self._audit(cur, actor, "warning.withdraw", city_id, warning_id=int(warning_id),
                        title=old["title"], reason=" ".join(str(reason).split())[:500])

    def set_substance_warning_text(self, actor: Actor, city: str, warning_id: int,
                                   language: str, *, title: str, location: str = "",
                                   advice: str = "") -> None:
        """Store (or replace) the warning's text in a further ``language`` (a shipped one or
        one the city added, ``drugcheck.languages.templates_for``); an empty title together
        with empty place and advice removes that language's text."""
        self._require(actor, "warnings.edit")
        city_id = self.city_id(actor, city)
        remove = not any(str(v or "").strip() for v in (title, location, advice))
        code = _checked(w.clean_text, language, "–", "", "")[0] if remove else None
        if not remove:
            code, text = _checked(w.clean_text, language, title, location, advice)
            known = templates_for(self.warning_languages(actor, city))
            if code not in known:
                raise Invalid(f"Sprache: „{code}“ ist für Substanzwarnungen in {city} nicht "
                              f"angelegt (bekannt: {', '.join(c for c in known if c != 'de')})"
                              " – zuerst unter „Sprachen“ anlegen.")
        with self.transaction() as cur:
            self._warning_row(cur, city_id, city, warning_id)
            cur.execute("DELETE FROM substance_warning_texts WHERE warning_id = $id AND "
                        "language = $language", {"id": int(warning_id), "language": code}
                        ).fetchall()
            if not remove:
                cur.execute("INSERT INTO substance_warning_texts VALUES ($id, $language, "
                            "$title, $location, $advice, $by, $now)",
                            {"id": int(warning_id), "language": code, **text,
                             "by": actor.username, "now": clock.now()}).fetchall()
            self._audit(cur, actor, "warning.text.remove" if remove else "warning.text",
                        city_id, warning_id=int(warning_id), language=code,
                        **({} if remove else {"title": text["title"]}))

    def warning_recipients(self, actor: Actor, city: str) -> pd.DataFrame:
        """Who gets a substance warning by e-mail: every active account of the city with an
        e-mail address (``username``, ``email``, ``role``, ``organisation``) unless it switched
        the e-mails for this city off – outreach accounts too, without opting in (a warning is
        meant to reach the street), daily-digest subscribers at once. Admin only (sending)."""
        self._require(actor, "notify.send")
        self.city_id(actor, city)
        df = self._df(query("notification_recipients"),
                      {"city": city, "all_cities": list(roles_for("cities.all"))})
        keep = df["enabled"].astype("boolean").fillna(True).astype(bool)
        return df.loc[keep.to_numpy(), ["username", "email", "role", "organisation"]
                      ].reset_index(drop=True)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _substance_keys() -> set[str]:
        return set(load_substances().substances)

    def _warning_row(self, cur, city_id: int, city: str, warning_id) -> dict:
        try:
            ident = int(warning_id)
        except (TypeError, ValueError):
            raise NotFound(f"Warnung „{warning_id}“ gibt es in {city} nicht.") from None
        df = cur.execute(f"SELECT {_COLUMNS} FROM substance_warnings WHERE warning_id = $id "
                         "AND city_id = $city_id", {"id": ident, "city_id": city_id}).df()
        if df.empty:
            raise NotFound(f"Substanzwarnung {ident} gibt es in {city} nicht.")
        return df.iloc[0].to_dict()
