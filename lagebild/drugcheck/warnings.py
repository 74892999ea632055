"""Substanzwarnung (#18): the crisis team's public warning about a substance (pure).

A warning names a substance of ``data/substances.toml``, says in a sentence what is going on,
where the finds were made, since when, what to do (one instruction per line) and until when
it is valid. It is written in German; further languages (Leichte Sprache ``de-LS``,
English ``en``, the city's languages such as ``ar``) carry their own title, place and advice
(:class:`Text`); the captions of the printed page come from the language's template.

- :func:`clean_warning` / :func:`clean_text` check what a user entered (German messages that
  name the field; the store turns them into ``Invalid``);
- :func:`from_signal` fills the form from a drug-checking signal of the week: substance,
  title from the signal, where = the test sites (and their districts) with positive results
  of that week, since = the Monday of the signal's week, valid until = since + 28 days
  (:data:`DEFAULT_DAYS`: four weeks, the time the drug-checking signals look back at a rise
  in the weeks after; the crisis team shortens, extends or withdraws it), advice = one line
  particular to the signal (the standard safer-use advice is the printed template's);
- :func:`active` – the warnings in force on a day (``lagebild.clock.today()`` passed in:
  since ≤ day ≤ valid until, not withdrawn);
- :func:`sheet_for` – one language's printable page (:class:`~lagebild.drugcheck.sheet.
  WarningSheet`, through ``drugcheck.languages.sheet``: the template adds its captions and
  the standard safer-use advice after the warning's own lines, so a warning's advice says
  only what is particular to it).

>>> from datetime import date
>>> w = SubstanceWarning(1, "nitazene", "Nitazene in Heroin", "Bahnhofsviertel",
...                      date(2026, 11, 2), date(2026, 11, 30), ("Nicht allein konsumieren",))
>>> [x.warning_id for x in active([w], date(2026, 11, 18))], active([w], date(2026, 12, 1))
([1], [])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from lagebild.drugcheck.sheet import WarningSheet
from lagebild.drugcheck.substances import load_substances
from lagebild.i18n import t

DEFAULT_DAYS = 28          # valid until = since + 28 days unless the crisis team says otherwise
MAX_DAYS = 365             # a warning runs at most a year from its "since"; then a new one
LIMITS = {"title": 200, "location": 300, "advice": 2000}
MAX_ADVICE_LINES = 10      # the page is one A4 sheet
FIELDS = ("substance", "title", "location", "since", "valid_until", "advice")
SOURCE = "de"              # the language a warning is written in
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,8})?$")
LABELS = {"substance": "Substanz", "title": "Titel", "location": "Wo", "since": "Seit",
          "valid_until": "Gültig bis", "advice": "Was tun"}


@dataclass(frozen=True)
class Text:
    """The warning's words in one further language."""
    title: str
    location: str = ""
    advice: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubstanceWarning:
    warning_id: int
    substance: str
    title: str
    location: str
    since: date
    valid_until: date
    advice: tuple[str, ...] = ()
    source: str | None = None
    source_reason: str | None = None
    revision: int = 1
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    texts: dict[str, Text] = field(default_factory=dict)

    def active_on(self, day: date) -> bool:
        return self.withdrawn_at is None and self.since <= day <= self.valid_until

    def state(self, day: date) -> str:
        """``active`` | ``withdrawn`` | ``expired`` | ``upcoming`` on ``day``."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if day > self.valid_until:
            return "expired"
        return "upcoming" if day < self.since else "active"

    def languages(self) -> list[str]:
        """German and every language with a text of this warning."""
        return [SOURCE, *sorted(self.texts)]


def advice_lines(text) -> tuple[str, ...]:
    """One instruction per non-empty line (leading list marks "-", "•", "*" dropped).

    >>> advice_lines("- Nicht allein konsumieren\\n\\n• Naloxon mitnehmen ")
    ('Nicht allein konsumieren', 'Naloxon mitnehmen')
    """
    if text is None:
        return ()
    if isinstance(text, (list, tuple)):
        text = "\n".join(map(str, text))
    out = []
    for line in str(text).splitlines():
        line = line.strip().lstrip("-•*").strip()
        if line:
            out.append(line)
    return tuple(out)


def _date(value, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{label}: „{value}“ ist kein Datum (JJJJ-MM-TT).") from None


def _text(value, key: str, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValueError(f"{LABELS[key]}: bitte ausfüllen.")
    if len(text) > LIMITS[key]:
        raise ValueError(f"{LABELS[key]}: höchstens {LIMITS[key]} Zeichen "
                         f"(angegeben: {len(text)}).")
    return text


def _advice(value) -> str:
    lines = advice_lines(value)
    if len(lines) > MAX_ADVICE_LINES:
        raise ValueError(f"{LABELS['advice']}: höchstens {MAX_ADVICE_LINES} Zeilen – die "
                         f"Warnung passt auf eine A4-Seite (angegeben: {len(lines)}).")
    text = "\n".join(lines)
    if len(text) > LIMITS["advice"]:
        raise ValueError(f"{LABELS['advice']}: höchstens {LIMITS['advice']} Zeichen "
                         f"(angegeben: {len(text)}).")
    return text


def clean_warning(fields: dict, *, substances, today: date, partial: bool = False,
                  current: dict | None = None) -> dict:
    """The checked values of a new warning (all of :data:`FIELDS`) or of a change
    (``partial``: only the given ones, checked together with ``current``). German
    ``ValueError`` naming the field: unknown substance, empty title or place, dates that are
    not dates, "seit" after today, "gültig bis" before "seit" or more than a year later, an
    expired end for a new warning, too much advice for one page."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValueError(f"Unbekanntes Feld „{unknown[0]}“ (erlaubt: {', '.join(FIELDS)}).")
    if not partial:
        missing = [LABELS[k] for k in FIELDS if k not in fields and k != "advice"]
        if missing:
            raise ValueError(f"{missing[0]}: bitte ausfüllen.")
    out: dict = {}
    if "substance" in fields:
        key = str(fields["substance"] or "").strip()
        if key not in substances:
            raise ValueError(f"Substanz: „{key}“ steht nicht im Substanzkatalog "
                             f"(data/substances.toml; bekannt: {', '.join(sorted(substances))}).")
        out["substance"] = key
    for key in ("title", "location"):
        if key in fields:
            out[key] = _text(fields[key], key, required=True)
    for key in ("since", "valid_until"):
        if key in fields:
            out[key] = _date(fields[key], LABELS[key])
    if "advice" in fields or not partial:
        out["advice"] = _advice(fields.get("advice"))
    _check_dates({**(current or {}), **out}, today, new=not partial, changed=set(out))
    return out


def _check_dates(row: dict, today: date, new: bool, changed: set) -> None:
    since, until = row["since"], row["valid_until"]
    if "since" in changed and since > today:
        raise ValueError(f"Seit: {fmt_day(since)} liegt nach heute ({fmt_day(today)}) – "
                         "eine Warnung beschreibt Funde, die schon gemacht sind.")
    if until < since:
        raise ValueError(f"Gültig bis: {fmt_day(until)} liegt vor „seit“ ({fmt_day(since)}).")
    if until > since + timedelta(days=MAX_DAYS):
        raise ValueError(f"Gültig bis: höchstens {MAX_DAYS} Tage nach „seit“ "
                         f"({fmt_day(since + timedelta(days=MAX_DAYS))}).")
    if new and until < today:
        raise ValueError(f"Gültig bis: {fmt_day(until)} liegt vor heute ({fmt_day(today)}) – "
                         "die Warnung wäre nie zu sehen.")


def clean_text(language: str, title, location, advice) -> tuple[str, dict]:
    """(language code, checked title/location/advice) of a further language's text."""
    code = str(language or "").strip()
    if not LANGUAGE.match(code):
        raise ValueError(f"Sprache: „{code}“ ist kein Sprachcode (z. B. en, de-LS, ar).")
    if code == SOURCE:
        raise ValueError("Sprache: der deutsche Text ist die Warnung selbst – bitte dort "
                         "ändern.")
    return code, {"title": _text(title, "title", required=True),
                  "location": _text(location, "location", required=False),
                  "advice": _advice(advice)}


def fmt_day(day, fmt: str = "%d.%m.%Y") -> str:
    return pd.Timestamp(day).strftime(fmt)


# --------------------------------------------------------------------- from a signal
def signal_key(signal: dict) -> str:
    """``kind:substance:week[:sold_as]`` – which signal a warning answers."""
    week = pd.Timestamp(signal["week"]).date().isoformat()
    sold = signal.get("sold_as")
    tail = f":{sold}" if signal.get("kind") == "sold_as" and isinstance(sold, str) else ""
    return f"{signal['kind']}:{signal['substance']}:{week}{tail}"


def signal_places(tests: pd.DataFrame | None, signal: dict) -> list[str]:
    """The test sites (with their district) where the signal's substance tested positive in
    the signal's week – in samples sold as ``sold_as`` for that signal."""
    if tests is None or tests.empty:
        return [signal["site"]] if isinstance(signal.get("site"), str) and signal["site"] \
            else []
    monday = pd.Timestamp(signal["week"])
    days = pd.to_datetime(tests["date"])
    hit = tests[((days >= monday) & (days < monday + pd.Timedelta(days=7))).to_numpy()
                & (tests["substance"] == signal["substance"]).to_numpy()
                & (tests["result"] == "positiv").to_numpy()]
    if signal.get("kind") == "sold_as" and isinstance(signal.get("sold_as"), str):
        hit = hit[hit["sold_as"] == signal["sold_as"]]
    out = []
    for site, rows in hit.groupby("site", sort=True):
        district = rows["district"].dropna() if "district" in rows else pd.Series([])
        out.append(f"{site} ({district.iloc[0]})" if len(district) else str(site))
    return out


def from_signal(signal: dict, tests: pd.DataFrame | None = None, *, city: str = "") -> dict:
    """The form of a new warning filled from a drug-checking signal (a row of
    ``drugcheck.alerts.week_signals``): see the module docstring. German."""
    cat = load_substances()
    name = cat.name(signal["substance"], "de")
    kind = signal["kind"]
    sold = signal.get("sold_as")
    title = t(f"warnings.title.{kind}", "de", substance=name, city=city or "der Stadt",
              sold_as=cat.name(sold, "de") if isinstance(sold, str) else "–")
    since = pd.Timestamp(signal["week"]).date()
    places = signal_places(tests, signal)
    return {"substance": signal["substance"], "title": title,
            "location": ", ".join(places) or city,
            "since": since, "valid_until": since + timedelta(days=DEFAULT_DAYS),
            "advice": t("warnings.advice.sold_as" if kind == "sold_as" else
                        "warnings.advice.other", "de", substance=name,
                        sold_as=cat.name(sold, "de") if isinstance(sold, str) else "–"),
            "source": signal_key(signal), "source_reason": signal.get("reason")}


# --------------------------------------------------------------------- reading
def active(warnings, today: date) -> list[SubstanceWarning]:
    """The warnings in force on ``today``: not withdrawn, since ≤ today ≤ valid until;
    the newest "since" first."""
    return sorted((w for w in warnings if w.active_on(today)),
                  key=lambda w: (w.since, w.warning_id), reverse=True)


def _opt(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def from_frames(rows: pd.DataFrame, texts: pd.DataFrame | None = None
                ) -> list[SubstanceWarning]:
    """The store's frames (``substance_warnings``, ``substance_warning_texts``) as objects."""
    per: dict[int, dict[str, Text]] = {}
    if texts is not None:
        for r in texts.to_dict("records"):
            per.setdefault(int(r["warning_id"]), {})[r["language"]] = Text(
                r["title"], r["location"] or "", advice_lines(r["advice"]))
    out = []
    for r in rows.to_dict("records"):
        out.append(SubstanceWarning(
            int(r["warning_id"]), r["substance"], r["title"], r["location"],
            pd.Timestamp(r["since"]).date(), pd.Timestamp(r["valid_until"]).date(),
            advice_lines(r["advice"]), _opt(r.get("source")), _opt(r.get("source_reason")),
            int(r.get("revision", 1)), r.get("created_by", ""), _opt(r.get("created_at")),
            _opt(r.get("updated_at")), _opt(r.get("withdrawn_at")),
            _opt(r.get("withdrawn_by")), per.get(int(r["warning_id"]), {})))
    return out


# --------------------------------------------------------------------- the printed page
def substance_in(key: str, language: str) -> str:
    """The substance's name on a page in ``language``: German for ``de`` and ``de-LS``,
    the catalogue's English name otherwise (Latin letters inside an Arabic page are read as
    such; the catalogue has no Arabic names)."""
    return load_substances().name(key, "de" if language.split("-")[0] == "de" else "en")


def sheet_for(warning: SubstanceWarning, template, city: str, today: date) -> WarningSheet:
    """The page of ``warning`` in the language of ``template`` (a ``drugcheck.languages.
    Template``): the warning's words in that language (German for ``de``, else its
    :class:`Text`; a missing place falls back to the German one), the template's captions,
    standard advice and footer; issued by the city on the day of the last change.
    A language without a text raises ``KeyError``."""
    from lagebild.drugcheck.languages import sheet
    language = template.code
    words = Text(warning.title, warning.location, warning.advice) if language == SOURCE \
        else warning.texts[language]
    issued = warning.updated_at or warning.created_at or today
    return sheet(template, substance=substance_in(warning.substance, language),
                 title=words.title, where=words.location or warning.location,
                 since=warning.since, valid_until=warning.valid_until, advice=words.advice,
                 issued_by=city, issued_on=pd.Timestamp(issued).date())


def printable(warning: SubstanceWarning, templates: dict) -> list[str]:
    """The language codes ``warning`` can be printed in, in the templates' order: German and
    every language with both a template and a text of the warning."""
    return [code for code in templates if code == SOURCE or code in warning.texts]
