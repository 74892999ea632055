"""Daily signals in words (#17): the reasons of spikes and space-time clusters.

>>> import pandas as pd
>>> row = {"kind": "cluster", "indicator": "drogennotfaelle", "district_ids": [3, 1, 2],
...        "start_day": pd.Timestamp("2026-11-30"), "end_day": pd.Timestamp("2026-12-02"),
...        "observed": 9.0, "expected": 2.1, "p_value": 0.003}
>>> names = {1: "Altstadt", 2: "Südvorstadt", 3: "Neustadt"}
>>> cluster_reason(row, "Drogennotfälle", names)
'Häufung von Drogennotfällen in Neustadt, Altstadt und Südvorstadt vom 30.11. bis 02.12.2026: 9 beobachtet, 2,1 erwartet, p = 0,003'
>>> cluster_reason(row | {"observed": 4.0}, "Drogennotfälle", names, k=5)
'Häufung von Drogennotfällen in Neustadt, Altstadt und Südvorstadt vom 30.11. bis 02.12.2026: auffällig gehäuft, p = 0,003'
"""

from __future__ import annotations

import pandas as pd

from lagebild.alerts.text import place, spike_reason
from lagebild.analytics.daily import district_ids as signal_districts
from lagebild.analytics.daily import district_of
from lagebild.analytics.trends import CITY
from lagebild.i18n import fmt_number, t


def dative(label: str, lang: str = "de") -> str:
    """German dative plural of an indicator label ("Drogennotfälle" → "Drogennotfällen")."""
    if lang != "de" or label.endswith(("n", "s")):
        return label
    return label + "n"


def _day(value, lang: str, year: bool = True) -> str:
    day = pd.Timestamp(value)
    if lang != "de":
        return day.strftime("%Y-%m-%d")
    return day.strftime("%d.%m.%Y" if year else "%d.%m.")


def places_text(ids, names: dict, lang: str = "de") -> str:
    """„in Neustadt, Altstadt und Südvorstadt“."""
    parts = [str(names.get(i, i)) for i in ids]
    if len(parts) > 1:
        parts = [", ".join(parts[:-1]) + f" {t('daily.and', lang)} {parts[-1]}"]
    return t("daily.in_places", lang, names=parts[0])


def _p(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    return fmt_number(value, lang, 3 if value >= 0.001 else 4)


def cluster_reason(row, indicator: str, names: dict, lang: str = "de", k: int | None = None,
                   person_related: bool = True) -> str:
    """The reason of a cluster row in words; with ``k`` (restricted view) a person-related
    count 1…k−1 is not given."""
    start, end = pd.Timestamp(row["start_day"]), pd.Timestamp(row["end_day"])
    when = t("daily.on", lang, day=_day(end, lang)) if start == end else \
        t("daily.between", lang, start=_day(start, lang, year=start.year != end.year),
          end=_day(end, lang))
    base = {"indicator": dative(indicator, lang), "places": places_text(row["district_ids"], names,
                                                                        lang),
            "when": when, "p": _p(row["p_value"], lang)}
    observed = row["observed"]
    if k and person_related and 1 <= observed <= k - 1:
        return t("daily.cluster_suppressed", lang, **base)
    return t("daily.cluster", lang, observed=fmt_number(observed, lang),
             expected=fmt_number(row["expected"], lang, 1), **base)


def ears_reason(row, indicator: str, where: str, lang: str = "de", k: int | None = None,
                person_related: bool = True) -> str:
    """The reason of a daily EARS alarm; in a restricted view a person-related count 1…k−1
    is not given, and neither are expected value and bound (they would narrow it down)."""
    base = {"indicator": indicator, "place": where, "day": _day(row["end_day"], lang)}
    if k and person_related and 1 <= row["observed"] <= k - 1:
        return t("daily.ears_suppressed", lang, **base)
    return t("daily.ears", lang, observed=fmt_number(row["observed"], lang),
             expected=fmt_number(row["expected"], lang, 1),
             upper=fmt_number(row["upper"], lang, 1), **base)


def daily_lines(daily: pd.DataFrame, districts: pd.DataFrame, catalog, lang: str = "de",
                k: int | None = None) -> list[tuple[str, str]]:
    """(kind, reason in words) of every daily signal, clusters first."""
    names = districts.set_index("district_id")["name"].to_dict()
    out = []
    for row in daily.to_dict("records"):
        ind = catalog[row["indicator"]]
        if row["kind"] == "cluster":
            out.append(("cluster", cluster_reason(row, ind.label(lang), names, lang, k,
                                                  ind.person_related)))
            continue
        district = district_of(row["district_ids"])
        if row["kind"] == "ears":
            out.append(("ears", ears_reason(row, ind.label(lang), place(district, names, lang),
                                            lang, k, ind.person_related)))
            continue
        spike = {"district_id": district, "start": row["start_day"], "end": row["end_day"],
                 "observed": int(row["observed"]), "min_count": row["min_count"],
                 "hours": row["hours"]}
        out.append(("spike", spike_reason(spike, ind.label(lang), names.get(district, ""),
                                          lang, k, ind.person_related)))
    return out


def alert_rows(daily: pd.DataFrame, districts: pd.DataFrame, catalog, lang: str = "de",
               indicators=(), district_ids=()) -> list[list]:
    """The daily signals as rows of the Warnungen list (same columns as
    ``alert_views.alert_table``: no number, status "tägliches Signal", places, days, kind,
    reason); ``indicators``/``district_ids`` filter like the list's filters."""
    names = districts.set_index("district_id")["name"].to_dict()
    rows = []
    for row, (kind, text) in zip(daily.to_dict("records"),
                                 daily_lines(daily, districts, catalog, lang)):
        ids = signal_districts(row["district_ids"])
        if indicators and row["indicator"] not in indicators:
            continue
        if district_ids and not set(district_ids) & (set(ids) or {CITY}):
            continue
        where = ", ".join(names.get(i, str(i)) for i in ids) or t("app.city_total", lang)
        rows.append(["–", t("daily.status", lang), catalog[row["indicator"]].label(lang), where,
                     _day(row["start_day"], lang), _day(row["end_day"], lang),
                     t(f"daily.kind_{kind}", lang), text, "", ""])
    return rows
