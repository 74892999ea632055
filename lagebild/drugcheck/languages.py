"""Language templates of the printable Substanzwarnung (issue #18): pure, no database.

A :class:`Template` is everything of the one-page PDF that does not come from the warning:
heading, captions, the standard safer-use advice, footer, how dates are written, and whether
the script runs right to left. Lagebild ships ``de`` (Deutsch), ``de-LS`` (Leichte Sprache)
and ``en`` in ``data/warning_languages.toml``; a city adds further languages (Arabic, Farsi,
…) with the same fields, stored by ``lagebild/store/warning_languages.py``.
:func:`templates_for` merges both, :func:`sheet` turns a warning's text into the
:class:`~lagebild.drugcheck.sheet.WarningSheet` the PDF (``warning_pdf.render_pdf``) sets.

>>> from datetime import date, timedelta
>>> t = shipped_templates()
>>> sorted(t), t["de-LS"].name
(['de', 'de-LS', 'en'], 'Leichte Sprache')
>>> fmt_date(date(2026, 11, 18), t["de"]), fmt_date(date(2026, 11, 3), t["de-LS"])
('18.11.2026', '3. November 2026')
>>> detect_rtl("تحذير"), detect_rtl("Warnung"), detect_rtl("هشدار درباره: Nitazene")
(True, False, True)
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from lagebild.config import ROOT
from lagebild.drugcheck.sheet import WarningSheet

PATH = ROOT / "data" / "warning_languages.toml"
CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,8})?")
LABEL_KEYS = ("substance", "where", "since", "valid_until", "advice", "issued_by")
# German names of the fields, for the messages (and the editor's captions).
FIELD_NAMES = {"code": "Sprachcode", "name": "Name (in der Sprache)", "name_de":
               "Name auf Deutsch", "heading": "Überschrift", "footer": "Fußzeile",
               "date_format": "Datumsformat", "advice": "Standardhinweise",
               "months": "Monatsnamen"}
LABEL_NAMES = {"substance": "Substanz", "where": "Wo", "since": "Seit",
               "valid_until": "Gültig bis", "advice": "Was tun?", "issued_by": "Herausgegeben von"}
LIMITS = {"name": 40, "name_de": 40, "heading": 80, "footer": 300, "label": 40,
          "advice_line": 300, "advice_lines": 12, "date_format": 20, "month": 20}
_DATE_TOKEN = re.compile(r"YYYY|MMMM|MM|M|DD|D")


@dataclass(frozen=True)
class Template:
    """One language of the warning sheet (shipped or entered by a city)."""

    code: str                   # "de", "de-LS", "en", "ar", …
    name: str                   # in its own language ("العربية")
    name_de: str                # in German ("Arabisch")
    rtl: bool                   # right-to-left script
    heading: str                # the red band ("Substanzwarnung")
    labels: dict[str, str]      # LABEL_KEYS → caption
    advice: tuple[str, ...]     # standard safer-use advice, after the warning's own lines
    footer: str                 # emergency number etc.
    date_format: str            # tokens DD D MM M MMMM YYYY
    months: tuple[str, ...] = ()  # 12 month names when date_format uses MMMM
    shipped: bool = False       # from data/warning_languages.toml (not editable by a city)


def detect_rtl(*texts: str) -> bool:
    """True when the texts have more right-to-left letters (Arabic, Hebrew, Syriac, Thaana…,
    Unicode bidi class R/AL) than left-to-right ones: a Latin substance name inside an Arabic
    sentence does not turn it around."""
    rtl = ltr = 0
    for ch in "".join(texts):
        kind = unicodedata.bidirectional(ch)
        rtl += kind in ("R", "AL")
        ltr += kind == "L"
    return rtl > ltr


def fmt_date(day: date, template: Template) -> str:
    """``day`` written with the template's ``date_format``."""
    def token(m: re.Match) -> str:
        return {"YYYY": f"{day.year:04d}", "MM": f"{day.month:02d}", "M": str(day.month),
                "DD": f"{day.day:02d}", "D": str(day.day),
                "MMMM": (template.months[day.month - 1] if len(template.months) == 12
                         else f"{day.month:02d}")}[m.group()]
    return _DATE_TOKEN.sub(token, template.date_format)


def check_template(fields: Mapping, *, shipped: Iterable[str] = (), is_shipped: bool = False
                   ) -> Template:
    """A validated :class:`Template` from ``fields`` (code, name, name_de, rtl (None: detect
    from the text), heading, labels {key: text}, advice [lines] or text with one line each,
    footer, date_format, months [12 names] or comma-separated text). ``shipped`` are the codes
    a city may not use. German ``ValueError`` naming every faulty field."""
    problems: list[str] = []
    code = str(fields.get("code") or "").strip()
    if not CODE.fullmatch(code):
        problems.append(f"{FIELD_NAMES['code']} „{code}“ ist ungültig (erwartet 2–3 "
                        "Kleinbuchstaben, optional mit Zusatz, z. B. ar, fa, pt-BR)")
    elif code.lower() in {c.lower() for c in shipped}:
        problems.append(f"{FIELD_NAMES['code']} „{code}“ ist eine mitgelieferte Sprache und "
                        "kann nicht überschrieben werden")
    text = {k: _text(fields.get(k), FIELD_NAMES[k], LIMITS[k], problems, required=k != "footer")
            for k in ("name", "name_de", "heading", "footer")}
    raw_labels = fields.get("labels") or {}
    labels = {k: _text(raw_labels.get(k), f"Beschriftung „{LABEL_NAMES[k]}“", LIMITS["label"],
                       problems) for k in LABEL_KEYS}
    advice = _lines(fields.get("advice"))
    if len(advice) > LIMITS["advice_lines"]:
        problems.append(f"{FIELD_NAMES['advice']}: höchstens {LIMITS['advice_lines']} Zeilen "
                        f"(eingegeben: {len(advice)})")
    for i, line in enumerate(advice, 1):
        if len(line) > LIMITS["advice_line"]:
            problems.append(f"{FIELD_NAMES['advice']}: Zeile {i} ist länger als "
                            f"{LIMITS['advice_line']} Zeichen")
    months = tuple(_lines(fields.get("months"), sep=","))
    date_format = str(fields.get("date_format") or "").strip()
    _check_date_format(date_format, months, problems)
    if problems:
        raise ValueError("Die Sprache ist so nicht speicherbar: " + "; ".join(problems) + ".")
    rtl = fields.get("rtl")
    if rtl is None:
        rtl = detect_rtl(text["heading"], *labels.values(), *advice, text["footer"])
    return Template(code=code, name=text["name"], name_de=text["name_de"], rtl=bool(rtl),
                    heading=text["heading"], labels=labels, advice=tuple(advice),
                    footer=text["footer"], date_format=date_format, months=months,
                    shipped=is_shipped)


def _text(value, field: str, limit: int, problems: list[str], required: bool = True) -> str:
    out = " ".join(str(value or "").split())
    if required and not out:
        problems.append(f"{field} fehlt")
    elif len(out) > limit:
        problems.append(f"{field} ist länger als {limit} Zeichen")
    return out


def _lines(value, sep: str = "\n") -> list[str]:
    if value is None:
        return []
    items = value.split(sep) if isinstance(value, str) else list(value)
    return [" ".join(str(v).split()) for v in items if str(v).strip()]


def _check_date_format(fmt: str, months: tuple[str, ...], problems: list[str]) -> None:
    name = FIELD_NAMES["date_format"]
    tokens = _DATE_TOKEN.findall(fmt)
    if not fmt:
        problems.append(f"{name} fehlt (z. B. DD.MM.YYYY)")
    elif len(fmt) > LIMITS["date_format"]:
        problems.append(f"{name} ist länger als {LIMITS['date_format']} Zeichen")
    elif "YYYY" not in tokens or not {"D", "DD"} & set(tokens) \
            or not {"M", "MM", "MMMM"} & set(tokens) \
            or any(ch.isalpha() for ch in _DATE_TOKEN.sub("", fmt)):
        problems.append(f"{name} „{fmt}“ braucht Tag (DD oder D), Monat (MM, M oder MMMM) und "
                        "Jahr (YYYY) und sonst keine Buchstaben")
    if "MMMM" in tokens and len(months) != 12:
        problems.append(f"{FIELD_NAMES['months']}: für MMMM genau 12 Namen, durch Komma "
                        f"getrennt (eingegeben: {len(months)})")
    if any(len(m) > LIMITS["month"] for m in months):
        problems.append(f"{FIELD_NAMES['months']}: ein Name ist länger als {LIMITS['month']} "
                        "Zeichen")


@lru_cache(maxsize=4)
def shipped_templates(path: str | Path = PATH) -> dict[str, Template]:
    """The templates in ``data/warning_languages.toml`` (checked like a city's)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out = {}
    for code, fields in data.items():
        try:
            out[code] = check_template({**fields, "code": code}, is_shipped=True)
        except ValueError as exc:
            raise ValueError(f"{Path(path).name}, Sprache [{code}]: {exc}") from None
    return out


def texts(template: Template) -> tuple[str, ...]:
    """Every text of a template that is printed (for the font check)."""
    return (template.heading, *template.labels.values(), *template.advice,
            template.footer, *template.months)


def to_row(template: Template) -> dict:
    """The database columns of a city's template (lists as JSON text)."""
    return {"code": template.code, "name": template.name, "name_de": template.name_de,
            "rtl": template.rtl, "heading": template.heading,
            "labels": json.dumps(template.labels, ensure_ascii=False),
            "advice": json.dumps(list(template.advice), ensure_ascii=False),
            "footer": template.footer, "date_format": template.date_format,
            "months": json.dumps(list(template.months), ensure_ascii=False)}


def from_row(row: Mapping) -> Template:
    """A city's template from its database row (the inverse of :func:`to_row`)."""
    def parsed(value, empty):
        return json.loads(value) if isinstance(value, str) and value else (value or empty)
    return Template(code=row["code"], name=row["name"], name_de=row["name_de"],
                    rtl=bool(row["rtl"]), heading=row["heading"],
                    labels=dict(parsed(row["labels"], {})),
                    advice=tuple(parsed(row["advice"], [])), footer=row["footer"] or "",
                    date_format=row["date_format"], months=tuple(parsed(row["months"], [])))


def templates_for(city_rows) -> dict[str, Template]:
    """Shipped templates first (de, de-LS, en), then the city's (rows of
    ``Store.warning_languages``, a DataFrame or mappings) in code order."""
    if hasattr(city_rows, "to_dict"):
        city_rows = city_rows.to_dict("records")
    city = sorted((from_row(r) for r in city_rows or ()), key=lambda t: t.code)
    return {**shipped_templates(), **{t.code: t for t in city}}


def sheet(template: Template, *, substance: str, title: str, where: str, since: date,
          valid_until: date, advice: Iterable[str], issued_by: str, issued_on: date
          ) -> WarningSheet:
    """The page of one warning in ``template``'s language: dates formatted per template, the
    warning's own advice lines (text already in that language) followed by the template's
    standard advice (a line the warning already has is not repeated)."""
    own = _lines(advice)
    combined = tuple(dict.fromkeys([*own, *template.advice]))
    return WarningSheet(
        language=template.code, rtl=template.rtl, heading=template.heading,
        title=" ".join(title.split()), substance=" ".join(substance.split()),
        where=" ".join(where.split()), since=fmt_date(since, template),
        valid_until=fmt_date(valid_until, template), advice=combined,
        issued_by=" ".join(issued_by.split()), issued_on=fmt_date(issued_on, template),
        labels=dict(template.labels), footer=template.footer)


def sample_sheet(template: Template, *, city: str, today: date) -> WarningSheet:
    """A preview page for a template: substance "Nitazene", the heading as title, the city as
    place and issuer, only the template's standard advice."""
    return sheet(template, substance="Nitazene", title=template.heading, where=city,
                 since=today - timedelta(days=7), valid_until=today + timedelta(days=21),
                 advice=(), issued_by=city, issued_on=today)


def pdf_language(code: str) -> str:
    """The BCP 47 tag for the PDF's /Lang: Leichte Sprache has none of its own (``de-LS``
    would read as German in Lesotho), so it is ``de``."""
    return "de" if code == "de-LS" else code
