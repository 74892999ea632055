"""Measures (Maßnahmen) and meetings: vocabulary, responsible bodies, validation.

Pure functions (no database, no Streamlit). The store validates every write with
:func:`clean_measure` / :func:`clean_meeting`; pages show the German messages as they are.

Statuses are stored as keys: ``geplant``, ``in_umsetzung``, ``umgesetzt``, ``verworfen``.
Responsible bodies come from ``data/bodies.toml`` (extendable without code).

>>> clean_measure({"title": " Mehr Reinigung ", "body": "stadtreinigung"},
...               bodies={"stadtreinigung"}, indicators={"spritzenfunde"})["title"]
'Mehr Reinigung'
>>> try:
...     clean_measure({"title": "", "body": "zoll"}, bodies={"polizei"}, indicators=set())
... except ValueError as exc:
...     print(str(exc).split(": ", 1)[1])
Titel fehlt; unbekannte zuständige Stelle 'zoll'.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from lagebild.config import DATA_DIR

STATUSES = ("geplant", "in_umsetzung", "umgesetzt", "verworfen")
IN_EFFECT = ("in_umsetzung", "umgesetzt")       # implemented_on is set when entering these
OPEN = ("geplant", "in_umsetzung")               # may be due or overdue
BODIES_PATH = DATA_DIR / "bodies.toml"
MEASURE_FIELDS = ("title", "description", "body", "districts", "indicators", "alert_id",
                  "meeting_id", "due_on", "status", "implemented_on")
LIMITS = {"title": 200, "description": 4000, "comment": 2000, "decisions": 8000,
          "meeting_title": 200}


@dataclass(frozen=True)
class Body:
    key: str
    label_de: str
    label_en: str

    def label(self, lang: str = "de") -> str:
        return self.label_en if lang == "en" else self.label_de


def load_bodies(path: str | Path = BODIES_PATH) -> dict[str, Body]:
    """Responsible bodies in file order; German errors naming the file and the entry."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Die Liste der zuständigen Stellen ({path}) ist nicht lesbar: "
                         f"{exc}") from exc
    out = {}
    for key, entry in data.items():
        if not key.replace("_", "").isalnum() or key != key.lower():
            raise ValueError(f"{path.name}: Schlüssel '{key}' – nur a–z, 0–9 und _ erlaubt.")
        if not isinstance(entry, dict) or not str(entry.get("label_de", "")).strip():
            raise ValueError(f"{path.name}: Eintrag '{key}' braucht label_de.")
        out[key] = Body(key, entry["label_de"], entry.get("label_en") or entry["label_de"])
    if not out:
        raise ValueError(f"{path.name}: keine zuständige Stelle eingetragen.")
    return out


def _date(value, what: str, problems: list[str]):
    if value is None or (not isinstance(value, (list, tuple, set)) and pd.isna(value)) \
            or value == "":
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        problems.append(f"{what} '{value}' ist kein Datum")
        return None


def _text(value, name: str, label: str, problems: list[str], required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        problems.append(f"{label} fehlt")
    if len(text) > LIMITS[name]:
        problems.append(f"{label} ist zu lang ({len(text)} Zeichen, höchstens {LIMITS[name]})")
    return text


def _optional_id(value, label: str, problems: list[str]) -> int | None:
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        problems.append(f"{label} '{value}' ist keine Nummer")
        return None


def clean_measure(fields: dict, *, bodies, indicators, partial: bool = False) -> dict:
    """Normalise the fields of a measure; one German ValueError listing every problem.

    ``partial``: only the given fields (an edit); otherwise title and body are required and
    missing fields get their defaults.
    """
    problems: list[str] = []
    unknown = sorted(set(fields) - set(MEASURE_FIELDS))
    if unknown:
        problems.append(f"unbekannte Felder {', '.join(unknown)}")
    out: dict = {}
    if not partial or "title" in fields:
        out["title"] = _text(fields.get("title"), "title", "Titel", problems, required=True)
    if not partial or "description" in fields:
        out["description"] = _text(fields.get("description"), "description", "Beschreibung",
                                   problems)
    if not partial or "body" in fields:
        body = str(fields.get("body") or "").strip()
        if not body:
            problems.append("zuständige Stelle fehlt")
        elif body not in bodies:
            problems.append(f"unbekannte zuständige Stelle '{body}'")
        out["body"] = body
    if not partial or "status" in fields:
        status = fields.get("status") or "geplant"
        if status not in STATUSES:
            problems.append(f"unbekannter Status '{status}' (erlaubt: {', '.join(STATUSES)})")
        out["status"] = status
    if not partial or "indicators" in fields:
        inds = [str(i) for i in (fields.get("indicators") or [])]
        bad = [i for i in inds if i not in indicators]
        if bad:
            problems.append(f"unbekannte Indikatoren {', '.join(bad)}")
        out["indicators"] = list(dict.fromkeys(inds))
    if not partial or "districts" in fields:
        ids = [_optional_id(d, "Stadtteil", problems) for d in (fields.get("districts") or [])]
        out["districts"] = sorted({d for d in ids if d is not None})
    for name, label in (("alert_id", "Warnung"), ("meeting_id", "Sitzung")):
        if not partial or name in fields:
            out[name] = _optional_id(fields.get(name), label, problems)
    for name, label in (("due_on", "Fälligkeit"), ("implemented_on", "Umsetzung ab")):
        if not partial or name in fields:
            out[name] = _date(fields.get(name), label, problems)
    if problems:
        raise ValueError("Die Maßnahme ist so nicht speicherbar: " + "; ".join(problems) + ".")
    return out


def clean_meeting(fields: dict, *, partial: bool = False) -> dict:
    """Normalise a meeting (held_on, title, participants, decisions); German errors."""
    problems: list[str] = []
    out: dict = {}
    if not partial or "held_on" in fields:
        out["held_on"] = _date(fields.get("held_on"), "Datum", problems)
        if out["held_on"] is None and not any("Datum" in p for p in problems):
            problems.append("Datum der Sitzung fehlt")
    if not partial or "title" in fields:
        out["title"] = _text(fields.get("title") or "Drogenrapport", "meeting_title", "Titel",
                             problems, required=True)
    if not partial or "participants" in fields:
        names = [str(p).strip() for p in (fields.get("participants") or []) if str(p).strip()]
        out["participants"] = list(dict.fromkeys(names))
    if not partial or "decisions" in fields:
        out["decisions"] = _text(fields.get("decisions"), "decisions", "Beschlüsse", problems)
    if problems:
        raise ValueError("Die Sitzung ist so nicht speicherbar: " + "; ".join(problems) + ".")
    return out


def clean_comment(comment) -> str:
    problems: list[str] = []
    text = _text(comment, "comment", "Kommentar", problems)
    if problems:
        raise ValueError(problems[0] + ".")
    return text


def due_state(status: str, due_on, today: date) -> str:
    """'done' (umgesetzt), 'dropped' (verworfen), 'overdue' (open, due before today),
    'due' (open, with a due date), 'open' (open, no due date).

    >>> due_state("geplant", date(2026, 11, 1), date(2026, 11, 20))
    'overdue'
    >>> due_state("in_umsetzung", date(2026, 12, 1), date(2026, 11, 20))
    'due'
    """
    if status == "umgesetzt":
        return "done"
    if status == "verworfen":
        return "dropped"
    if due_on is None or pd.isna(due_on):
        return "open"
    return "overdue" if pd.Timestamp(due_on).date() < today else "due"


def last_meeting(meetings: pd.DataFrame, today: date) -> pd.Series | None:
    """The newest meeting held before ``today`` (a meeting today does not count yet: the
    briefing on the day of a meeting covers the time since the previous one)."""
    if meetings is None or meetings.empty:
        return None
    held = pd.to_datetime(meetings["held_on"]).dt.date
    past = meetings[held < today]
    if past.empty:
        return None
    return past.loc[pd.to_datetime(past["held_on"]).idxmax()]


def next_meeting(meetings: pd.DataFrame, today: date) -> pd.Series | None:
    """The first meeting on or after ``today`` (a planned one), or None."""
    if meetings is None or meetings.empty:
        return None
    held = pd.to_datetime(meetings["held_on"]).dt.date
    future = meetings[held >= today]
    if future.empty:
        return None
    return future.loc[pd.to_datetime(future["held_on"]).idxmin()]
