"""Lagestufe einer Stadt, Warnungs-Episoden und ihr Abgleich mit gespeicherten Warnungen.

Reine pandas-Funktionen auf dem Signalrahmen von :func:`signals.compute_signals`
(Spalten district_id, indicator, week, observed, colour …).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lagebild.analytics.signals import RANK
from lagebild.analytics.trends import CITY

EPISODE_COLUMNS = ["district_id", "indicator", "first_week", "last_week", "peak_week",
                   "peak_colour", "peak_observed", "alert_weeks", "state", "end_week"]


@dataclass(frozen=True)
class Escalation:
    """Lagestufe 0–3, die Regel, die sie gesetzt hat (None bei 0), und die auslösenden Zellen."""
    level: int
    rule: object = None
    triggers: pd.DataFrame = field(default_factory=pd.DataFrame)


def escalation(signals: pd.DataFrame, week, rules) -> Escalation:
    """Die höchste Stufe, deren Regel in ``week`` greift (bei gleicher Stufe die erste Regel).

    Eine Regel (``LevelRule``) greift, wenn in den ``within_weeks`` Wochen bis ``week``
    mindestens ``min_districts`` verschiedene Gebiete (Stadtteile, mit ``include_city`` auch
    die Gesamtstadt) bei einem ihrer Indikatoren mindestens die Farbe ``colour`` hatten.

    >>> from lagebild.alerts.config import LevelRule
    >>> s = pd.DataFrame({"district_id": [1, 2], "indicator": ["a", "a"],
    ...     "week": pd.to_datetime(["2026-11-09"] * 2), "observed": [4.0, 9.0],
    ...     "colour": ["yellow", "red"]})
    >>> rules = [LevelRule(1, "gelb", "yellow", "yellow", ("a",)),
    ...          LevelRule(3, "2× rot", "2× red", "red", ("a",), min_districts=2)]
    >>> escalation(s, "2026-11-09", rules).level
    1
    """
    week = pd.Timestamp(week)
    best = Escalation(0, None, signals.iloc[0:0])
    rank = signals["colour"].map(RANK)
    for rule in rules:
        start = week - pd.Timedelta(days=7 * (rule.within_weeks - 1))
        mask = ((signals["week"] >= start) & (signals["week"] <= week)
                & signals["indicator"].isin(rule.indicators) & (rank >= RANK[rule.colour]))
        if not rule.include_city:
            mask &= signals["district_id"] != CITY
        cells = signals[mask]
        if cells["district_id"].nunique() >= rule.min_districts and rule.level > best.level:
            order = cells.assign(_r=rank[mask]).sort_values(
                ["_r", "week", "observed"], ascending=[False, False, False])
            best = Escalation(rule.level, rule, order.drop(columns="_r"))
    return best


def episodes(signals: pd.DataFrame, end_after_green: int = 2) -> pd.DataFrame:
    """Warnungs-Episoden je Reihe: zusammenhängende gelbe/rote Wochen.

    Eine Episode beginnt mit der ersten gelben oder roten Woche und endet nach
    ``end_after_green`` grünen Wochen in Folge (``state`` ``ended``, ``end_week`` = die
    letzte dieser grünen Wochen); graue Wochen (nicht gemeldet, unvollständig) beenden
    nichts. Sonst ist sie ``open``. ``last_week`` ist die letzte gelbe/rote Woche, ``peak``
    die Woche mit der höchsten Farbe (bei Gleichstand der höchsten Zahl, dann die frühere).

    >>> w = pd.date_range("2026-01-05", periods=6, freq="7D")
    >>> s = pd.DataFrame({"district_id": 1, "indicator": "a", "week": w, "observed": 1.0,
    ...     "colour": ["green", "yellow", "red", "green", "green", "yellow"]})
    >>> e = episodes(s)
    >>> e[["first_week", "last_week", "peak_colour", "state"]].astype(str).values.tolist()
    [['2026-01-12', '2026-01-19', 'red', 'ended'], ['2026-02-09', '2026-02-09', 'yellow', 'open']]
    """
    rows = []
    hot = signals["colour"].isin(["yellow", "red"])
    keys = signals.loc[hot, ["district_id", "indicator"]].drop_duplicates()
    wanted = set(map(tuple, keys.to_numpy()))
    for key, part in signals.groupby(["district_id", "indicator"], sort=False):
        if key in wanted:
            rows += _series_episodes(key, part.sort_values("week"), end_after_green)
    out = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    return out.astype({"first_week": "datetime64[ns]", "last_week": "datetime64[ns]",
                       "peak_week": "datetime64[ns]", "end_week": "datetime64[ns]"})


def _series_episodes(key, part, end_after_green) -> list[list]:
    weeks = part["week"].to_numpy()
    colours = part["colour"].to_numpy()
    observed = part["observed"].to_numpy(dtype=float)
    # plain Python values for the loop over every week (#20: numpy scalars cost ≈ 10× more)
    nums, names = np.nan_to_num(observed).tolist(), colours.tolist()
    out, cur, greens = [], None, 0
    for i, colour in enumerate(names):
        if colour in ("yellow", "red"):
            if cur is None:
                cur = {"first": i, "last": i, "peak": i, "n": 0}
            cur["last"], cur["n"], greens = i, cur["n"] + 1, 0
            p = cur["peak"]
            if (RANK[colour], nums[i]) > (RANK[names[p]], nums[p]):
                cur["peak"] = i
        elif cur is not None and colour == "green":
            greens += 1
            if greens >= end_after_green:
                out.append(_episode_row(key, cur, weeks, colours, observed, "ended", weeks[i]))
                cur, greens = None, 0
    if cur is not None:
        out.append(_episode_row(key, cur, weeks, colours, observed, "open", pd.NaT))
    return out


def _episode_row(key, cur, weeks, colours, observed, state, end_week) -> list:
    p = cur["peak"]
    return [key[0], key[1], weeks[cur["first"]], weeks[cur["last"]], weeks[p], colours[p],
            observed[p], cur["n"], state, end_week]


def _ns(column: pd.Series) -> np.ndarray:
    return pd.to_datetime(column).to_numpy("datetime64[ns]")


def _week_arrays(group: pd.DataFrame) -> tuple:
    """(rows, alert ids, first weeks, last weeks) of one series' stored warnings."""
    return (group, group["alert_id"].to_numpy(), _ns(group["first_week"]),
            _ns(group["last_week"]))


def merge_episodes(stored: pd.DataFrame, fresh: pd.DataFrame) -> dict:
    """Abgleich frisch berechneter Episoden mit gespeicherten (Warnungen behalten ihre ID).

    Eine frische Episode gehört zu der gespeicherten Warnung derselben Reihe, mit der sich
    ihre Wochen [first_week, last_week] überschneiden (größte Überschneidung zuerst).
    Rückgabe: ``{"update": frische Zeilen + alert_id, "insert": neue Zeilen, "retract":
    [alert_id …]}`` – gespeicherte Warnungen ohne Gegenstück (die Daten wurden geändert
    oder zurückgezogen) werden zurückgenommen, nie gelöscht.

    >>> w = lambda *d: pd.to_datetime(list(d))
    >>> stored = pd.DataFrame({"alert_id": [7], "district_id": [1], "indicator": ["a"],
    ...     "first_week": w("2026-01-05"), "last_week": w("2026-01-12"), "state": ["open"]})
    >>> fresh = pd.DataFrame({"district_id": [1, 1], "indicator": ["a", "a"],
    ...     "first_week": w("2026-01-12", "2026-03-02"), "last_week": w("2026-01-19",
    ...     "2026-03-02")})
    >>> plan = merge_episodes(stored, fresh)
    >>> plan["update"]["alert_id"].tolist(), len(plan["insert"]), plan["retract"]
    ([7], 1, [])
    """
    stored_by = {k: _week_arrays(g) for k, g in
                 stored.groupby(["district_id", "indicator"], sort=False)} if len(stored) else {}
    matched: dict[int, int] = {}
    taken: set = set()
    # numpy per candidate group instead of pandas per row (#20: 2 300 episodes took seconds)
    rows = zip(fresh.index, fresh["district_id"], fresh["indicator"],
               _ns(fresh["first_week"]), _ns(fresh["last_week"]))
    for i, district, indicator, first, last in rows:
        entry = stored_by.get((district, indicator))
        if entry is None:
            continue
        cands, ids, firsts, lasts = entry
        span = np.minimum(lasts, last) - np.maximum(firsts, first)     # NaT: never >= 0
        ok = (span >= np.timedelta64(0, "ns")) & ~np.isin(ids, list(taken))
        if ok.sum() == 1:
            best = int(ids[ok][0])
        elif ok.any():                       # several overlap: the largest, as pandas sorts
            overlap = pd.Series(span // np.timedelta64(1, "D"), index=cands.index)
            best = int(cands.loc[overlap[ok].sort_values(ascending=False).index[0],
                                 "alert_id"])
        else:
            continue
        matched[i] = best
        taken.add(best)
    update = fresh.loc[list(matched)].assign(alert_id=list(matched.values()))
    insert = fresh.drop(index=list(matched))
    gone = stored[~stored["alert_id"].isin(taken) & (stored["state"] != "retracted")] \
        if len(stored) else stored
    return {"update": update, "insert": insert,
            "retract": [int(a) for a in gone.get("alert_id", [])]}
