"""Spitzenregel (ODMAP-ähnlich): mindestens N Ereignisse eines Indikators in 24/48/72 Stunden.

Reine pandas-Funktion auf Tageszahlen; die Regeln kommen aus ``data/alerts.toml``
(``[[spike]]``, geprüft in :mod:`lagebild.alerts.config`), die Gründe in Worten aus
:func:`lagebild.alerts.text.spike_reason`. Lagebild kennt Meldetage, keine Uhrzeiten:
„24 Stunden“ ist der Tag selbst, „48 Stunden“ der Tag und sein Vortag, „72 Stunden“ drei
Tage. Tage ohne Meldung tragen nichts bei (gezählt wird, was gemeldet ist).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lagebild.analytics.trends import CITY

__all__ = ["SpikeRule", "find_spikes", "SPIKE_COLUMNS", "DISTRICT", "WHOLE_CITY"]

DISTRICT, WHOLE_CITY = "district", "city"
SPIKE_COLUMNS = ["indicator", "district_id", "area", "start", "end", "observed",
                 "min_count", "hours"]


@dataclass(frozen=True)
class SpikeRule:
    """Mindestens ``min_count`` Ereignisse von ``indicator`` in ``hours`` Stunden (Vielfaches
    von 24) je Stadtteil (``area = "district"``) oder in der Gesamtstadt (``"city"``)."""
    indicator: str
    area: str
    min_count: int
    hours: int

    @property
    def days(self) -> int:
        return self.hours // 24


def _check(daily: pd.DataFrame, rules) -> None:
    if not isinstance(daily, pd.DataFrame):
        raise ValueError(f"Spitzenregel: erwartet ein DataFrame, erhalten: "
                         f"{type(daily).__name__}")
    missing = [c for c in ("district_id", "indicator", "day", "count") if c not in daily]
    if missing:
        raise ValueError(f"Spitzenregel: dem Tagesrahmen fehlt die Spalte {', '.join(missing)}")
    for rule in rules:
        if rule.area not in (DISTRICT, WHOLE_CITY):
            raise ValueError(f"Spitzenregel: area muss 'district' oder 'city' sein, "
                             f"angegeben: {rule.area!r}")
        if rule.hours <= 0 or rule.hours % 24:
            raise ValueError(f"Spitzenregel: hours muss ein Vielfaches von 24 sein, "
                             f"angegeben: {rule.hours!r}")
        if rule.min_count < 1:
            raise ValueError(f"Spitzenregel: min_count muss mindestens 1 sein, "
                             f"angegeben: {rule.min_count!r}")


def _window_sums(frame: pd.DataFrame, days: pd.DatetimeIndex, width: int) -> pd.DataFrame:
    """Summen je Reihe über ``width`` Tage bis einschließlich jedes Tages in ``days``."""
    first = days[0] - pd.Timedelta(days=width - 1)
    span = pd.date_range(first, days[-1], freq="D")
    table = (frame.pivot_table(index="key", columns="day", values="count", aggfunc="sum")
             .reindex(columns=span, fill_value=0).fillna(0))
    sums = table.T.rolling(width, min_periods=1).sum().T
    return sums.loc[:, days]


def find_spikes(daily: pd.DataFrame, rules, end, lookback_days: int = 1) -> pd.DataFrame:
    """Alle ausgelösten Spitzenregeln für Zeitfenster, die an einem der letzten
    ``lookback_days`` Tage bis ``end`` enden.

    Parameter:
        daily: Tageszahlen mit ``district_id``, ``indicator``, ``day`` (Datum), ``count``;
            mehrere Zeilen je Tag werden addiert. Die Gesamtstadt ist die Summe aller Zeilen
            des Indikators (Zeilen mit ``district_id == CITY`` werden dafür ignoriert).
        rules: Folge von :class:`SpikeRule`.
        end: letzter Tag (z. B. ``clock.today()`` oder der jüngste gemeldete Tag).
        lookback_days: wie viele Endtage geprüft werden (1 = nur ``end``; 7 für den Streifen
            „Letzte 7 Tage“).

    Rückgabe: eine Zeile je Regel, Ort und Endtag mit ``observed ≥ min_count``:
    ``indicator``, ``district_id`` (``CITY`` für die Gesamtstadt), ``area``, ``start``,
    ``end`` (Fenster, Tage einschließlich), ``observed``, ``min_count``, ``hours``; sortiert
    nach Endtag (neueste zuerst), Indikator, Ort. Die Eingabe bleibt unverändert.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"district_id": ["N", "N", "A"], "indicator": "drogennotfaelle",
    ...                   "day": pd.to_datetime(["2026-12-02", "2026-12-02", "2026-12-01"]),
    ...                   "count": [2, 1, 2]})
    >>> rules = [SpikeRule("drogennotfaelle", "district", 3, 24),
    ...          SpikeRule("drogennotfaelle", "city", 5, 48)]
    >>> find_spikes(d, rules, "2026-12-02")[["district_id", "observed", "hours"]].values.tolist()
    [['__city__', 5, 48], ['N', 3, 24]]
    """
    rules = list(rules)
    _check(daily, rules)
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, (int, np.integer)) \
            or lookback_days < 1:
        raise ValueError(f"Spitzenregel: lookback_days muss eine ganze Zahl ≥ 1 sein, "
                         f"angegeben: {lookback_days!r}")
    end = pd.Timestamp(end).normalize()
    days = pd.date_range(end - pd.Timedelta(days=lookback_days - 1), end, freq="D")
    data = daily.loc[daily["district_id"] != CITY, ["district_id", "indicator", "day", "count"]]
    data = data.assign(day=pd.to_datetime(data["day"]).dt.normalize(),
                       count=pd.to_numeric(data["count"]).astype(float))
    rows = []
    for rule in rules:
        part = data[data["indicator"] == rule.indicator]
        if part.empty:
            continue
        key = part["district_id"] if rule.area == DISTRICT else CITY
        sums = _window_sums(part.assign(key=key), days, rule.days)
        hits = np.argwhere(sums.to_numpy() >= rule.min_count)
        for i, j in hits:
            day = sums.columns[j]
            rows.append({"indicator": rule.indicator, "district_id": sums.index[i],
                         "area": rule.area, "start": day - pd.Timedelta(days=rule.days - 1),
                         "end": day, "observed": int(sums.iat[i, j]),
                         "min_count": int(rule.min_count), "hours": int(rule.hours)})
    out = pd.DataFrame(rows, columns=SPIKE_COLUMNS)
    if out.empty:
        return out
    order = out.assign(_city=out["district_id"] != CITY, _d=out["district_id"].astype(str))
    order = order.sort_values(["end", "indicator", "_city", "_d", "hours"],
                              ascending=[False, True, True, True, True], kind="stable")
    return out.loc[order.index].reset_index(drop=True)
