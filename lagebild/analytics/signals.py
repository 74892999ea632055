"""Ampel-Signale: je Reihe (Stadtteil × Indikator) und Woche Verfahren, Schwellen und Farbe.

Reine pandas/numpy-Funktionen auf dem Wochenraster von :func:`trends.weekly_grid`
(Wochen ohne Meldung sind NaN und bleiben es). Die Regeln einer Reihe kommen als
``SeriesRules`` (siehe ``lagebild.alerts.config``); die Farbregel steht in :func:`ampel`
und in ``docs/alerts.md``.

Farben: ``red``, ``yellow``, ``green``, ``grey``. Ursachen (``cause``): ``alarm``,
``static``, ``alarm_static`` (rot/gelb), ``ok`` (grün), ``no_report``, ``incomplete``,
``history`` (grau).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lagebild.analytics.alerts import run_method, run_method_alphas, static_threshold
from lagebild.analytics.trends import CITY

COLOURS = ("grey", "green", "yellow", "red")
RANK = {c: i for i, c in enumerate(COLOURS)}
SIGNAL_COLUMNS = [
    "district_id", "indicator", "week", "observed", "reported_days", "rate", "expected",
    "upper_yellow", "upper_red", "alarm_yellow", "alarm_red", "method", "alpha_yellow",
    "alpha_red", "history_have", "history_need", "static_yellow", "static_red",
    "static_yellow_rate", "static_red_rate", "colour", "cause"]
_EARS_WINDOW = {"ears_c1": (1, 0), "ears_c2": (3, 0), "ears_c3": (1, 4)}  # (lag, extra)


def ampel(frame, red_min: float = 0, yellow_min: float = 0,
          min_reported_days: int = 7) -> pd.DataFrame:
    """Die Ampelregel, vektorisiert: Spalten ``colour`` und ``cause`` zu ``frame``.

    ``frame`` (DataFrame oder dict von Arrays) braucht ``observed``, ``reported_days``,
    ``alarm_red``, ``alarm_yellow`` (nullable; <NA> = Verfahren nicht berechnet),
    ``static_red``, ``static_yellow`` (Schwellen als Anzahl, NaN = keine). Regel (in dieser
    Reihenfolge):

    1. nicht gemeldet (observed NaN) → grau ``no_report``;
    2. rot: Alarm bei α_rot und observed ≥ ``red_min`` – oder feste Rot-Schwelle überschritten;
    3. gelb: Alarm bei α_gelb und observed ≥ ``yellow_min`` – oder feste Gelb-Schwelle;
    4. grau statt grün: Woche unvollständig (``incomplete``) bzw. Verfahren ohne Ergebnis,
       weil Vergleichswochen fehlen (``history``);
    5. sonst grün ``ok``.

    Eine unvollständige Woche kann also rot/gelb werden (mehr Tage erhöhen die Zahl nur),
    aber nie Entwarnung geben.

    >>> f = pd.DataFrame({"observed": [None, 9, 1, 3, 0], "reported_days": [0, 7, 7, 3, 7],
    ...     "alarm_red": pd.array([None, True, True, False, None], dtype="boolean"),
    ...     "alarm_yellow": pd.array([None, True, True, False, None], dtype="boolean"),
    ...     "static_red": float("nan"), "static_yellow": float("nan")})
    >>> ampel(f, red_min=3, yellow_min=2)["colour"].tolist()
    ['grey', 'red', 'green', 'grey', 'grey']
    """
    colour, cause = _ampel_arrays(frame, red_min, yellow_min, min_reported_days)
    index = frame.index if isinstance(frame, pd.DataFrame) else None
    return pd.DataFrame({"colour": colour, "cause": cause}, index=index)


def _alarm(values) -> tuple[np.ndarray, np.ndarray]:
    """(True-Werte, NA-Maske) eines nullable-boolean-artigen Arrays."""
    arr = pd.array(values, dtype="boolean")
    return arr.fillna(False).to_numpy(dtype=bool), arr.isna()


def _ampel_arrays(frame, red_min, yellow_min, min_reported_days):
    obs = pd.to_numeric(pd.Series(np.asarray(frame["observed"], dtype=object)),
                        errors="coerce").to_numpy(dtype=float)
    n = obs.size
    reported = ~np.isnan(obs)
    (a_red, na_red), (a_yel, na_yel) = _alarm(frame["alarm_red"]), _alarm(frame["alarm_yellow"])
    with np.errstate(invalid="ignore"):
        alarm_r = a_red & (obs >= red_min)
        alarm_y = a_yel & (obs >= yellow_min)
        stat_r = obs > np.broadcast_to(np.asarray(frame["static_red"], dtype=float), n)
        stat_y = obs > np.broadcast_to(np.asarray(frame["static_yellow"], dtype=float), n)
    red = reported & (alarm_r | stat_r)
    yellow = reported & ~red & (alarm_y | stat_y)
    days = np.nan_to_num(np.asarray(frame["reported_days"], dtype=float))
    incomplete = days < min_reported_days
    no_method = na_red | na_yel
    colour = np.select([~reported, red, yellow, incomplete | no_method],
                       ["grey", "red", "yellow", "grey"], "green")
    alarm = np.where(red, alarm_r, alarm_y)
    static = np.where(red, stat_r, stat_y)
    hit = red | yellow
    cause = np.select(
        [~reported, hit & alarm & static, hit & alarm, hit, incomplete, no_method],
        ["no_report", "alarm_static", "alarm", "static", "incomplete", "history"], "ok")
    return colour.astype(object), cause.astype(object)


def _history(y: np.ndarray, method: str, baseline: int) -> tuple[np.ndarray, int]:
    """Gemeldete Wochen im Vergleichsfenster des EARS-Verfahrens (am Reihenanfang gekürzt)."""
    lag, extra = _EARS_WINDOW[method]
    need = baseline + extra
    valid = np.concatenate(([0], np.cumsum(~np.isnan(y))))
    t = np.arange(y.size)
    hi = np.clip(t - lag + 1, 0, y.size)
    lo = np.clip(t - lag - need + 1, 0, y.size)
    return valid[hi] - valid[lo], need


def method_bounds(observed: pd.Series, rules) -> pd.DataFrame:
    """Erwartungswert, Schwellen und Alarme für Gelb und Rot (je Woche das gewählte Verfahren).

    EARS (``rules.early_method``) liefert die Werte, bis die Reihe ``farrington_from_weeks``
    Wochen Verlauf seit ihrer ersten gemeldeten Woche hat; danach Farrington
    (``late_method``), wo es ein Ergebnis hat. ``observed``: lückenlos wöchentlicher
    ``DatetimeIndex``. Rückgabe mit demselben Index: expected, upper_yellow, upper_red,
    alarm_yellow, alarm_red, method, alpha_yellow, alpha_red, history_have, history_need.

    >>> from lagebild.alerts.config import load_alert_config
    >>> weeks = pd.date_range("2026-01-05", periods=12, freq="7D")
    >>> y = pd.Series([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9], index=weeks, dtype=float)
    >>> b = method_bounds(y, load_alert_config().rules("drogennotfaelle"))
    >>> b["alarm_red"].tolist()[-2:], b["method"].iloc[-1], int(b["history_have"].iloc[3])
    ([False, True], 'ears_c2', 1)
    """
    out = _bounds(observed, rules)
    for c in ("yellow", "red"):
        out[f"alarm_{c}"] = pd.array(out[f"alarm_{c}"], dtype="boolean")
    return pd.DataFrame(out, index=observed.index)


def _bounds(observed: pd.Series, rules) -> dict:
    """:func:`method_bounds` als dict von Arrays (ohne DataFrame-Aufwand)."""
    y = observed.to_numpy(dtype=float, na_value=np.nan)
    ears = {"method": rules.early_method[-2:].upper(), **rules.ears}
    res = {c: _arrays(run_method("ears", observed, alpha=getattr(rules, c).alpha, **ears))
           for c in ("yellow", "red")}
    method = np.full(y.size, rules.early_method, dtype=object)
    if rules.late_method != "none" and y.size > rules.farrington_from_weeks:
        far = dict(rules.farrington)
        if isinstance(far.get("limit54"), list):
            far["limit54"] = tuple(far["limit54"])
        both = run_method_alphas(rules.late_method, observed,          # one model (#20)
                                 (rules.yellow.alpha, rules.red.alpha), **far)
        late = {c: _arrays(r) for c, r in zip(("yellow", "red"), both)}
        first = int(np.argmax(~np.isnan(y))) if (~np.isnan(y)).any() else y.size
        use = ((np.arange(y.size) - first >= rules.farrington_from_weeks)
               & ~late["red"][3] & ~late["yellow"][3])
        for c in ("yellow", "red"):
            res[c] = tuple(np.where(use, lv, ev) for ev, lv in zip(res[c], late[c]))
        method[use] = rules.late_method
    have, need = _history(y, rules.early_method, int(rules.ears.get("baseline", 7)))
    out = {"expected": res["red"][0]}
    for c in ("yellow", "red"):
        out[f"upper_{c}"] = res[c][1]
    for c in ("yellow", "red"):
        alarm = res[c][2].astype(object)
        alarm[res[c][3]] = None
        out[f"alarm_{c}"] = alarm
    out.update({"method": method, "alpha_yellow": float(rules.yellow.alpha),
                "alpha_red": float(rules.red.alpha),
                "history_have": np.where(method == rules.early_method, have, need),
                "history_need": need})
    return out


def _arrays(res: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """(expected, upperbound, alarm als bool, NA-Maske des Alarms) eines Verfahrensergebnisses."""
    alarm = res["alarm"].array
    return (res["expected"].to_numpy(), res["upperbound"].to_numpy(),
            alarm.fillna(False).to_numpy(dtype=bool), alarm.isna())


def static_bounds(static, population: float | None) -> dict:
    """Feste Schwellen als Anzahl je Woche (Rate × Einwohner / 10 000; bei Anzahl und Rate
    gilt die niedrigere). Schlüssel static_yellow, static_red (NaN = keine) und
    static_yellow_rate, static_red_rate (die konfigurierte Rate, wenn sie maßgeblich ist).

    >>> from lagebild.alerts.config import Static
    >>> static_bounds(Static(yellow=5, red_rate=2.0), population=20_000)
    {'static_yellow': 5.0, 'static_yellow_rate': nan, 'static_red': 4.0, 'static_red_rate': 2.0}
    """
    out = {}
    pop = population if population is not None and population > 0 else None
    one = pd.Series([0.0])
    for c in ("yellow", "red"):
        count, rate = getattr(static, c), getattr(static, f"{c}_rate")
        bound = np.inf if count is None else float(count)
        via_rate = np.nan
        if rate is not None and pop is not None:
            upper = float(static_threshold(one, rate, population=pop)["upperbound"].iloc[0])
            if upper < bound:
                bound, via_rate = upper, float(rate)
        out[f"static_{c}"] = np.nan if np.isinf(bound) else bound
        out[f"static_{c}_rate"] = via_rate
    return out


def series_signals(observed: pd.Series, reported_days: pd.Series, rules,
                   population: float | None = None) -> pd.DataFrame:
    """Alle Signalspalten einer Reihe (Index = Wochen), inklusive Farbe und Ursache."""
    out = _series_arrays(observed, reported_days, rules, population)
    for c in ("yellow", "red"):
        out[f"alarm_{c}"] = pd.array(out[f"alarm_{c}"], dtype="boolean")
    return pd.DataFrame(out, index=observed.index)


def _series_arrays(observed, reported_days, rules, population) -> dict:
    y = observed.to_numpy(dtype=float, na_value=np.nan)
    pop = population if population is not None and population > 0 else np.nan
    out = {"observed": y,
           "reported_days": np.nan_to_num(reported_days.reindex(observed.index)
                                          .to_numpy(dtype=float, na_value=0)).astype(int),
           "rate": y / pop * 10_000}
    out.update(_bounds(observed, rules))
    out.update({k: np.full(y.size, v) for k, v in static_bounds(rules.static, population).items()})
    out["colour"], out["cause"] = _ampel_arrays(out, rules.red.min_count, rules.yellow.min_count,
                                                rules.min_reported_days)
    return out


def compute_signals(grid: pd.DataFrame, rules_for, population: pd.Series | None = None
                    ) -> pd.DataFrame:
    """Signale aller Reihen des Rasters (Spalten :data:`SIGNAL_COLUMNS`).

    ``rules_for(indicator, district_id)`` gibt die ``SeriesRules`` einer Reihe (district_id
    ``trends.CITY`` = Gesamtstadt); ``population``: Einwohner je district_id (die
    Gesamtstadt ist die Summe, wenn alle bekannt sind).
    """
    if grid.empty:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    weeks = pd.date_range(grid["week"].min(), grid["week"].max(), freq="7D")
    pop = {} if population is None else pd.to_numeric(population).to_dict()
    known = [v for v in pop.values() if pd.notna(v)]
    if pop and len(known) == len(pop):
        pop[CITY] = float(sum(known))
    cols = {c: [] for c in SIGNAL_COLUMNS}
    for (district, indicator), part in grid.groupby(["district_id", "indicator"], sort=False):
        part = part.set_index("week").reindex(weeks)
        p = pop.get(district)
        arrays = _series_arrays(part["count"].rename(None), part["reported_days"],
                                rules_for(indicator, district),
                                None if p is None or pd.isna(p) else float(p))
        arrays.update(district_id=np.full(weeks.size, district, dtype=object),
                      indicator=np.full(weeks.size, indicator, dtype=object),
                      week=weeks.to_numpy())
        for c in SIGNAL_COLUMNS:
            cols[c].append(np.broadcast_to(arrays[c], weeks.size))
    out = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})
    for c in ("yellow", "red"):
        out[f"alarm_{c}"] = pd.array(out[f"alarm_{c}"], dtype="boolean")
    return out
