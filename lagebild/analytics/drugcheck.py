"""Drug-checking statistics (#18): positivity with Wilson intervals, "sold as × found",
first detections and the three signals. Pure functions of a results frame (no store, no
Streamlit); they never change their input.

Input ``tests``: one row per sample and substance — ``date`` (datetime.date or Timestamp),
``site``, ``sample``, ``sold_as`` (substance key or None), ``substance``, ``result``
(``positiv`` / ``negativ`` / ``ungueltig``). A *valid test* is a result positiv or negativ;
``ungueltig`` counts nowhere. The same sample tested for the same substance by two methods
counts as two tests (each method is a test).

Weeks are ISO weeks named by their Monday (as everywhere in Lagebild).

>>> import pandas as pd
>>> from datetime import date
>>> t = pd.DataFrame({"date": [date(2026, 11, 16)] * 3, "site": ["A"] * 3,
...     "sample": ["1", "2", "3"], "sold_as": ["heroin"] * 3, "substance": ["nitazene"] * 3,
...     "result": ["positiv", "negativ", "ungueltig"]})
>>> positivity(t)[["substance", "tests", "positive", "share"]].values.tolist()
[['nitazene', 2, 1, 0.5]]
>>> [round(x, 4) for x in wilson(1, 2)]
[0.0945, 0.9055]
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.stats import hypergeom

Z95 = 1.959963984540054
VALID = ("positiv", "negativ")
SIGNAL_COLUMNS = ["kind", "substance", "site", "sold_as", "week", "positive", "tests",
                  "share", "baseline_positive", "baseline_tests", "p_value", "first_detected"]


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes of ``n`` (NaN, NaN for n = 0).

    >>> [round(x, 4) for x in wilson(0, 3)], [round(x, 4) for x in wilson(3, 3)]
    ([0.0, 0.5615], [0.4385, 1.0])
    """
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def week_of(days) -> pd.Series:
    """Monday of the ISO week of each day (Timestamps)."""
    ts = pd.to_datetime(pd.Series(days))
    return (ts - pd.to_timedelta(ts.dt.day_of_week, unit="D")).dt.normalize()


def _valid(tests: pd.DataFrame) -> pd.DataFrame:
    v = tests[tests["result"].isin(VALID)].copy()
    v["positive"] = (v["result"] == "positiv").astype("int64")
    v["week"] = week_of(v["date"]).to_numpy()
    return v


def positivity(tests: pd.DataFrame, by: tuple[str, ...] = ("substance",),
               weekly: bool = False) -> pd.DataFrame:
    """Valid tests, positives, share and Wilson 95 % interval per ``by`` (e.g.
    ``("site", "substance")``), per ISO week too with ``weekly``. Groups without a valid
    test do not appear (no share to show)."""
    keys = (["week"] if weekly else []) + list(by)
    v = _valid(tests)
    cols = keys + ["tests", "positive", "share", "ci_low", "ci_high"]
    if v.empty:
        return pd.DataFrame({c: [] for c in cols})
    g = v.groupby(keys, as_index=False, sort=True).agg(tests=("positive", "size"),
                                                       positive=("positive", "sum"))
    g["share"] = g["positive"] / g["tests"]
    ci = [wilson(int(k), int(n)) for k, n in zip(g["positive"], g["tests"])]
    g["ci_low"] = [c[0] for c in ci]
    g["ci_high"] = [c[1] for c in ci]
    return g[cols].astype({"tests": "int64", "positive": "int64"})


def sold_as_matrix(tests: pd.DataFrame, start: date | None = None,
                   end: date | None = None) -> pd.DataFrame:
    """"Verkauft als × gefunden" for a period: one row per ``sold_as`` (None -> "unbekannt"),
    column ``samples`` (samples with at least one valid test) and one column per substance
    found: the number of those samples with a positive result for it."""
    v = _valid(_between(tests, start, end))
    if v.empty:
        return pd.DataFrame({"samples": pd.Series(dtype="int64")})
    v["sold_as"] = v["sold_as"].where(v["sold_as"].notna(), "unbekannt")
    samples = v.groupby("sold_as")["sample"].nunique().rename("samples")
    pos = v[v["positive"] == 1]
    found = pos.groupby(["sold_as", "substance"])["sample"].nunique().unstack(fill_value=0)
    out = pd.concat([samples, found], axis=1).fillna(0).astype("int64")
    out.index.name = "sold_as"
    return out


def first_detections(tests: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The first day a substance tested positive — in the city (``by=()``) or per site
    (``by=("site",)``): columns ``*by, substance, first_detected``."""
    pos = tests[tests["result"] == "positiv"]
    keys = list(by) + ["substance"]
    if pos.empty:
        return pd.DataFrame({c: [] for c in keys + ["first_detected"]})
    out = pos.groupby(keys, as_index=False)["date"].min()
    out["first_detected"] = pd.to_datetime(out.pop("date")).dt.date
    return out


def rising_p_value(k: int, n: int, k0: int, n0: int) -> float:
    """One-sided Fisher exact test: is this week's share ``k/n`` higher than the baseline's
    ``k0/n0``? P(X >= k) for X hypergeometric with the pooled positives.

    >>> round(rising_p_value(3, 4, 0, 20), 5)     # 3 of 4 after 0 of 20: 21 / C(24, 4)
    0.00198
    """
    if n <= 0 or n0 <= 0:
        return math.nan
    return float(hypergeom.sf(k - 1, n + n0, k + k0, n))


def signals(tests: pd.DataFrame, week: date, *, baseline_weeks: int = 8,
            alpha: float = 0.05, dangerous: tuple[str, ...] = (),
            min_tests: int = 1, history_weeks: int = 0) -> pd.DataFrame:
    """The drug-checking signals of the ISO week starting ``week`` (its Monday), one row each
    (``SIGNAL_COLUMNS``):

    - ``first``: a substance tested positive in the city for the first time this week,
      after valid tests for it in at least ``history_weeks`` earlier weeks (at the start of
      testing everything is "new": that is no signal);
    - ``rising``: its share of positive valid tests this week is higher than in the previous
      ``baseline_weeks`` weeks, one-sided Fisher exact test with p < ``alpha`` (weeks with
      fewer than ``min_tests`` valid tests are not tested; a first detection is reported as
      ``first``, not also as ``rising``);
    - ``sold_as``: a ``dangerous`` substance positive in samples sold as another substance
      (``positive`` of ``tests`` valid tests for it in samples sold as ``sold_as``).
    """
    monday = pd.Timestamp(week) - pd.Timedelta(days=pd.Timestamp(week).weekday())
    v = _valid(tests)
    now = v[v["week"] == monday]
    rows: list[dict] = []
    firsts = first_detections(tests)
    for r in firsts.itertuples(index=False):
        if not monday <= pd.Timestamp(r.first_detected) < monday + pd.Timedelta(days=7):
            continue
        tested = v.loc[(v["substance"] == r.substance) & (v["week"] < monday), "week"]
        if tested.nunique() >= history_weeks:
            k, n = _count(now[now["substance"] == r.substance])
            at = tests[(tests["substance"] == r.substance) & (tests["result"] == "positiv")
                       & (pd.to_datetime(tests["date"]) == pd.Timestamp(r.first_detected))]
            rows.append(_signal("first", r.substance, k, n, monday,
                                first_detected=r.first_detected,
                                site=", ".join(sorted(set(at["site"])))))
    new = {r["substance"] for r in rows}
    base = v[(v["week"] < monday)
             & (v["week"] >= monday - pd.Timedelta(weeks=baseline_weeks))]
    for substance, grp in now.groupby("substance"):
        k, n = _count(grp)
        k0, n0 = _count(base[base["substance"] == substance])
        if substance in new or n < min_tests or k == 0:
            continue
        p = rising_p_value(k, n, k0, n0)
        if p == p and p < alpha:
            rows.append(_signal("rising", substance, k, n, monday, baseline_positive=k0,
                                baseline_tests=n0, p_value=p))
    sold = now[now["sold_as"].notna() & (now["sold_as"] != now["substance"])
               & now["substance"].isin(list(dangerous))]
    for (substance, sold_as), grp in sold.groupby(["substance", "sold_as"]):
        k, n = _count(grp)
        if k:
            rows.append(_signal("sold_as", substance, k, n, monday, sold_as=sold_as))
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)


def _count(frame: pd.DataFrame) -> tuple[int, int]:
    return int(frame["positive"].sum()), int(len(frame))


def _signal(kind, substance, k, n, monday, **extra) -> dict:
    row = dict.fromkeys(SIGNAL_COLUMNS)
    row.update(kind=kind, substance=substance, positive=k, tests=n,
               share=k / n if n else math.nan, week=monday.date(), **extra)
    return row


def _between(tests: pd.DataFrame, start, end) -> pd.DataFrame:
    days = pd.to_datetime(tests["date"])
    keep = np.ones(len(tests), dtype=bool)
    if start is not None:
        keep &= (days >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (days <= pd.Timestamp(end)).to_numpy()
    return tests[keep]


def iso_week(text: str) -> date:
    """Monday of an ISO week written ``2026-W48``; ValueError otherwise.

    >>> iso_week("2026-W48"), iso_week("2026-W53")
    (datetime.date(2026, 11, 23), datetime.date(2026, 12, 28))
    """
    year, _, num = text.strip().upper().partition("-W")
    monday = date.fromisocalendar(int(year), int(num), 1)
    return monday


def week_end(monday: date) -> date:
    return monday + timedelta(days=6)
