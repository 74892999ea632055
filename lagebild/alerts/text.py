"""Warnungen in Worten: Ampelzellen, Gründe, Lagestufe – deutsch oder englisch.

Reine Funktionen (keine Datenbank, kein Streamlit); Texte aus ``strings/alerts.toml``,
Zahlen mit :func:`lagebild.i18n.fmt_number`. In eingeschränkten Ansichten (``k`` gesetzt)
nennen Gründe personenbezogener Zellen mit 1 … k−1 Fällen keine Zahl („auffällig erhöht“).

>>> row = {"observed": 9.0, "expected": 3.14, "upper_red": 7.43, "alpha_red": 0.001,
...        "method": "ears_c2", "colour": "red", "cause": "alarm",
...        "week": pd.Timestamp("2026-11-09")}
>>> reason(row, "Drogennotfälle", "Neustadt", "de")
'Drogennotfälle in Neustadt: 9 in KW 46/2026, erwartet 3,1, Warnschwelle 7,4 (EARS C2, α = 0,001)'
>>> reason(row, "Overdoses", "Neustadt", "en")
'Overdoses in Neustadt: 9 in W46/2026, expected 3.1, threshold 7.4 (EARS C2, α = 0.001)'
>>> reason(row, "Drogennotfälle", "Neustadt", "de", k=10)
'Drogennotfälle in Neustadt: auffällig erhöht in KW 46/2026 (rot, EARS C2)'
"""

from __future__ import annotations

import pandas as pd

from lagebild.analytics.trends import CITY, iso_label
from lagebild.i18n import fmt_number, t

SYMBOLS = {"red": "▲", "yellow": "◆", "green": "●", "grey": "○"}
LEVEL_KINDS = {0: "success", 1: "info", 2: "warning", 3: "error"}   # Streamlit box per level


def colour_word(colour: str, lang: str = "de") -> str:
    return t(f"alerts.colour.{colour}", lang)


def method_label(method: str, lang: str = "de") -> str:
    return t(f"alerts.method.{method}", lang) if method else ""


def fmt_alpha(alpha: float, lang: str = "de") -> str:
    """α ohne überflüssige Nullen: 0,001 / 0,025 (de), 0.001 (en)."""
    text = fmt_number(alpha, lang, 6)
    sep = "," if lang == "de" else "."
    return text.rstrip("0").rstrip(sep)


def place(district_id, names: dict, lang: str = "de") -> str:
    """„in Bahnhofsviertel“ bzw. „in der Gesamtstadt“."""
    if district_id == CITY:
        return t("alerts.where_city", lang)
    return t("alerts.where_district", lang, district=names.get(district_id, str(district_id)))


def cell_text(colour: str, cause: str = "", lang: str = "de", row=None) -> str:
    """Inhalt einer Ampelzelle: Symbol + Farbwort (lesbar ohne Farbe), grau mit Grund."""
    text = f"{SYMBOLS[colour]} {colour_word(colour, lang)}"
    if colour == "grey" and row is not None:
        text += " – " + grey_reason(row, lang)
    return text


def grey_reason(row, lang: str = "de") -> str:
    cause = row["cause"]
    if cause == "incomplete":
        return t("alerts.grey.incomplete", lang, days=int(row["reported_days"]))
    if cause == "history":
        return t("alerts.grey.history", lang, have=int(row["history_have"]),
                 need=int(row["history_need"]))
    return t("alerts.grey.no_report", lang)


def hidden(row, k: int | None, person_related: bool) -> bool:
    """True, wenn der Grund dieser Zelle in einer eingeschränkten Ansicht ohne Zahlen steht.

    Das gilt für jede Zelle eines personenbezogenen Indikators, nicht nur für 1 … k−1:
    Tabellen blenden auch eine zweite Zahl aus („×“, damit sich die kleine nicht aus der
    Summe errechnen lässt), und „erwartet“/„Warnschwelle“ sind Mittelwerte früherer Wochen,
    aus denen sich eine ausgeblendete Woche zurückrechnen ließe (#15). Zahlen zeigen in der
    eingeschränkten Ansicht nur die Tabellen, mit einer Unterdrückung für alle Ansichten."""
    return bool(k and person_related)


def _count(row, lang: str) -> str:
    text = fmt_number(row["observed"], lang)
    rate = row.get("rate") if hasattr(row, "get") else None
    if rate is not None and pd.notna(rate):
        text = t("alerts.count_rate", lang, count=text, rate=fmt_number(rate, lang, 1))
    return text


def _static_threshold(row, colour: str, lang: str) -> str:
    rate = row.get(f"static_{colour}_rate") if hasattr(row, "get") else None
    if rate is not None and pd.notna(rate):
        return t("alerts.threshold_rate", lang, rate=fmt_number(rate, lang, 1))
    value = float(row[f"static_{colour}"])
    return fmt_number(value, lang, 0 if value.is_integer() else 1)


def reason(row, indicator: str, district: str, lang: str = "de", k: int | None = None,
           person_related: bool = True, city: bool = False) -> str:
    """Der Grund einer Zelle in Worten (``row``: eine Signalzeile, Mapping).

    ``district`` ist der Name (bei ``city=True`` wird „in der Gesamtstadt“ verwendet).
    """
    where = t("alerts.where_city", lang) if city else t("alerts.where_district", lang,
                                                         district=district)
    week = iso_label(row["week"], lang)
    colour, cause = row["colour"], row["cause"]
    base = {"indicator": indicator, "place": where, "week": week}
    if colour == "grey":
        return t("alerts.reason.grey", lang, reason=grey_reason(row, lang), **base)
    if hidden(row, k, person_related):
        if colour == "green":
            return t("alerts.reason.green_restricted", lang, **base)
        return t("alerts.reason.suppressed", lang, colour=colour_word(colour, lang),
                 method=method_label(row["method"], lang) if "alarm" in cause
                 else t("alerts.static_short", lang), **base)
    if colour == "green":
        return t("alerts.reason.green", lang, observed=_count(row, lang), **base)
    key = colour if colour in ("red", "yellow") else "red"
    if cause == "static":
        return t("alerts.reason.static", lang, observed=_count(row, lang),
                 colour=colour_word(key, lang), threshold=_static_threshold(row, key, lang),
                 **base)
    text = t("alerts.reason.alarm", lang, observed=_count(row, lang),
             expected=fmt_number(row["expected"], lang, 1),
             threshold=fmt_number(row[f"upper_{key}"], lang, 1),
             method=method_label(row["method"], lang),
             alpha=fmt_alpha(row[f"alpha_{key}"], lang), **base)
    if cause == "alarm_static":
        text += t("alerts.reason.also_static", lang, threshold=_static_threshold(row, key, lang))
    return text


def _day(value, lang: str, year: bool = True) -> str:
    day = pd.Timestamp(value)
    if lang != "de":
        return day.strftime("%Y-%m-%d")
    return day.strftime("%d.%m.%Y" if year else "%d.%m.")


def spike_reason(row, indicator: str, district: str, lang: str = "de", k: int | None = None,
                 person_related: bool = True) -> str:
    """Der Grund einer Spitzenregel (``row``: Zeile von :func:`analytics.spikes.find_spikes`).

    ``district`` ist der Name des Stadtteils (bei der Gesamtstadt unbenutzt). In einer
    eingeschränkten Ansicht (``k``) steht bei personenbezogenen Indikatoren mit 1 … k−1
    Ereignissen keine Zahl.

    >>> row = {"district_id": "N", "start": pd.Timestamp("2026-12-02"),
    ...        "end": pd.Timestamp("2026-12-02"), "observed": 3, "min_count": 3, "hours": 24}
    >>> spike_reason(row, "Drogennotfälle", "Neustadt")
    '3 Drogennotfälle in Neustadt am 02.12.2026 – Schwelle 3 in 24 Stunden'
    >>> spike_reason(row, "Non-fatal overdoses", "Neustadt", "en")
    'Non-fatal overdoses: 3 in Neustadt on 2026-12-02 – threshold 3 in 24 hours'
    >>> spike_reason(row, "Drogennotfälle", "Neustadt", k=5)
    'Drogennotfälle in Neustadt am 02.12.2026: auffällig gehäuft – Schwelle 3 in 24 Stunden erreicht'
    """
    where = place(row["district_id"], {row["district_id"]: district}, lang)
    start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
    if start == end:
        when = t("alerts.spike.on", lang, date=_day(end, lang))
    else:
        when = t("alerts.spike.between", lang, end=_day(end, lang),
                 start=_day(start, lang, year=start.year != end.year))
    base = {"indicator": indicator, "place": where, "when": when,
            "threshold": fmt_number(row["min_count"], lang), "hours": int(row["hours"])}
    observed = row["observed"]
    if k and person_related and 1 <= observed <= k - 1:
        return t("alerts.spike.suppressed", lang, **base)
    return t("alerts.spike.reason", lang, count=fmt_number(observed, lang), **base)


def level_texts(esc, week, names: dict, labels: dict, lang: str = "de") -> tuple[str, str]:
    """(Überschrift, Begründung) der Lagestufe; ``labels``: Indikator → Bezeichnung.

    >>> from lagebild.analytics.escalation import Escalation
    >>> level_texts(Escalation(0), pd.Timestamp("2026-11-09"), {}, {}, "de")[0]
    'Lagestufe 0: Normal'
    """
    heading = t("alerts.level_heading", lang, level=esc.level,
                name=t(f"alerts.level.{esc.level}", lang))
    if esc.level == 0 or esc.rule is None:
        return heading, t("alerts.level_normal", lang, week=iso_label(week, lang))
    cells = []
    for r in esc.triggers.head(5).itertuples(index=False):
        cells.append(t("alerts.trigger_cell", lang, indicator=labels.get(r.indicator, r.indicator),
                       place=place(r.district_id, names, lang),
                       colour=colour_word(r.colour, lang), week=iso_label(r.week, lang)))
    more = len(esc.triggers) - len(cells)
    text = "; ".join(cells) + (t("alerts.more", lang, n=more) if more > 0 else "")
    return heading, t("alerts.level_reason", lang, rule=esc.rule.label(lang), cells=text)


def watch_text(sources: list, names: dict, labels: dict, lang: str = "de") -> str:
    """„Nachbarschaft beobachten: grenzt an Bahnhofsviertel (Drogennotfälle rot)“."""
    parts = []
    for source, indicators in sources:
        parts.append(t("alerts.neighbour_detail", lang, district=names.get(source, str(source)),
                       indicators=", ".join(labels.get(i, i) for i in indicators)))
    return t("alerts.neighbour", lang) + (": " + "; ".join(parts) if parts else "")
