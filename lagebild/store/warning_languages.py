"""Languages a city added to the printable Substanzwarnung (#18): Arabic, Farsi, …

The fields and their checks are ``lagebild/drugcheck/languages.py`` (pure, German messages,
turned into :class:`Invalid` here); the shipped languages (de, de-LS, en) are not in the
database and cannot be overwritten. Reading is open to everyone who may see the city (every
account prints warnings); writing needs ``warnings.languages`` (admin, crisis team).
"""

from __future__ import annotations

import pandas as pd

from lagebild import clock
from lagebild.access import Actor
from lagebild.drugcheck import languages
from lagebild.store.errors import Invalid, NotFound

COLUMNS = ("code", "name", "name_de", "rtl", "heading", "labels", "advice", "footer",
           "date_format", "months")


class WarningLanguagesMixin:
    """The table ``warning_languages`` (migration 015)."""

    def warning_languages(self, actor: Actor, city: str) -> pd.DataFrame:
        """The city's own languages, one row each (``code``, ``name``, ``name_de``, ``rtl``,
        ``heading``, ``labels``/``advice``/``months`` as JSON text, ``footer``,
        ``date_format``, ``updated_by``, ``updated_at``), by code. For
        ``languages.templates_for``."""
        return self._df(f"SELECT {', '.join(COLUMNS)}, updated_by, updated_at "
                        "FROM warning_languages WHERE city_id = $city_id ORDER BY code",
                        {"city_id": self.city_id(actor, city)})

    def save_warning_language(self, actor: Actor, city: str, fields: dict) -> str:
        """Add or replace the city's language ``fields["code"]`` (fields of
        ``languages.check_template``; ``rtl`` None: detected from the text). One transaction
        with its audit row; returns the code. :class:`Invalid` names every faulty field."""
        self._require(actor, "warnings.languages")
        city_id = self.city_id(actor, city)
        try:
            template = languages.check_template(fields, shipped=languages.shipped_templates())
        except ValueError as exc:
            raise Invalid(str(exc)) from exc
        # fpdf and the fonts only when a language is saved: every process opens a Store,
        # and loading the PDF stack here cost each command about 0.6 s (#20)
        from lagebild.drugcheck.warning_pdf import missing_characters
        missing = missing_characters(*languages.texts(template))
        if missing:
            raise Invalid(f"Die Sprache „{template.code}“ lässt sich so nicht drucken: die "
                          f"Schrift des PDFs (DejaVu Sans) hat keine Zeichen für "
                          f"{' '.join(missing[:20])} (sie erschienen als leere Kästchen).")
        row = languages.to_row(template) | {"city_id": city_id, "by": actor.username,
                                            "at": clock.now()}
        with self.transaction() as cur:
            existed = cur.execute("SELECT count(*) FROM warning_languages WHERE city_id = "
                                  "$city_id AND code = $code",
                                  {"city_id": city_id, "code": template.code}).fetchone()[0]
            cur.execute("DELETE FROM warning_languages WHERE city_id = $city_id AND "
                        "code = $code", {"city_id": city_id, "code": template.code})
            cur.execute(f"INSERT INTO warning_languages ({', '.join(COLUMNS)}, city_id, "
                        f"updated_by, updated_at) VALUES "
                        f"({', '.join('$' + c for c in COLUMNS)}, $city_id, $by, $at)", row)
            self._audit(cur, actor, "warnings.language.save", city_id, code=template.code,
                        name_de=template.name_de, rtl=template.rtl,
                        change="geändert" if existed else "neu")
        return template.code

    def delete_warning_language(self, actor: Actor, city: str, code: str) -> None:
        """Remove the city's language ``code`` (one transaction with its audit row);
        :class:`NotFound` when the city has no such language (shipped ones included)."""
        self._require(actor, "warnings.languages")
        city_id = self.city_id(actor, city)
        ids = {"city_id": city_id, "code": code}
        with self.transaction() as cur:
            row = cur.execute("SELECT name_de FROM warning_languages WHERE city_id = $city_id "
                              "AND code = $code", ids).fetchone()
            if row is None:
                raise NotFound(f"Die Sprache „{code}“ ist für {city} nicht angelegt"
                               + (" (mitgelieferte Sprachen lassen sich nicht löschen)."
                                  if code in languages.shipped_templates() else "."))
            cur.execute("DELETE FROM warning_languages WHERE city_id = $city_id AND "
                        "code = $code", ids)
            self._audit(cur, actor, "warnings.language.delete", city_id, code=code,
                        name_de=row[0])
