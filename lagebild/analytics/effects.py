"""Before/after comparison of a measure: its districts against the rest of the city.

A simple difference-in-differences on the weekly grid (``trends.weekly_grid``): the mean
weekly count of an indicator in the measure's districts in the N weeks before the
implementation week and in the N weeks after it, next to the same two means for all other
districts together ("rest of the city"). The implementation week itself counts in neither
window (it is half before, half after). Only weeks in which the indicator was reported
count, and only completely reported ones (7 days); how many weeks each window rests on is
part of the result.

This is a description, not proof of an effect: the districts were chosen *because* the
numbers were high (they tend to fall back anyway – regression to the mean), other things
change at the same time, and a few weeks of small counts are mostly chance.

Pure pandas; the input is never mutated.

>>> import pandas as pd
>>> weeks = pd.date_range("2026-01-05", periods=5, freq="7D")
>>> g = pd.DataFrame({"district_id": [1] * 5 + [2] * 5, "indicator": "x",
...                   "week": list(weeks) * 2,
...                   "count": [10, 6, 99, 4, 2, 10, 6, 99, 6, 8.0]})
>>> r = before_after(g, "x", [1], pd.Timestamp("2026-01-21"), weeks=2)
>>> float(r["treated_before"]), float(r["treated_after"]), float(r["did"])
(8.0, 3.0, -4.0)
"""

from __future__ import annotations

import pandas as pd

from lagebild.analytics.trends import CITY

COLUMNS = ["indicator", "weeks", "before_from", "before_to", "after_from", "after_to",
           "weeks_before", "weeks_after", "treated_before", "treated_after", "control_before",
           "control_after", "change_treated", "change_control", "change_treated_pct",
           "change_control_pct", "did", "did_pct_points"]


def windows(implemented_on, weeks: int) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp,
                                                  pd.Timestamp]:
    """(before_from, before_to, after_from, after_to) as week Mondays: the ``weeks`` weeks
    before the implementation week and the ``weeks`` weeks after it.

    >>> [d.date().isoformat() for d in windows("2026-01-21", 2)]
    ['2026-01-05', '2026-01-12', '2026-01-26', '2026-02-02']
    """
    if weeks < 1:
        raise ValueError(f"Mindestens 1 Woche vorher/nachher nötig (angegeben: {weeks}).")
    day = pd.Timestamp(implemented_on).normalize()
    w0 = day - pd.Timedelta(days=day.day_of_week)
    step = pd.Timedelta(days=7)
    return w0 - weeks * step, w0 - step, w0 + step, w0 + weeks * step


def _series(grid: pd.DataFrame, indicator: str, district_ids) -> pd.Series:
    """Weekly sums; a partly reported week (fewer than 7 reported days) counts as missing:
    12 cases in 2 reported days are not a week of 12 ((41 + 12) / 2 = 26,5 → "−37 %")."""
    sel = grid[(grid["indicator"] == indicator) & grid["district_id"].isin(list(district_ids))]
    if "reported_days" in sel:
        sel = sel.assign(count=sel["count"].where(sel["reported_days"] >= 7))
    return sel.groupby("week")["count"].sum(min_count=1)


def before_after(grid: pd.DataFrame, indicator: str, district_ids: list, implemented_on,
                 weeks: int = 8) -> pd.Series:
    """One comparison (see the module docstring) as a Series with :data:`COLUMNS`.

    ``district_ids``: the measure's districts; empty = the whole city (then there is no
    rest of the city to compare with and the control columns are NaN).
    Means are per week; ``change_*`` = after − before, ``change_*_pct`` = after / before − 1
    (NaN when before is 0), ``did`` = change_treated − change_control (weekly counts),
    ``did_pct_points`` = difference of the relative changes in percentage points.
    """
    b_from, b_to, a_from, a_to = windows(implemented_on, weeks)
    body = grid[grid["district_id"] != CITY]
    own = list(district_ids)
    if own:
        treated = _series(body, indicator, own)
        others = [d for d in body["district_id"].unique() if d not in set(own)]
        control = _series(body, indicator, others) if others else None
    else:
        treated = _series(grid, indicator, [CITY])
        control = None
    weeks_index = treated.index if control is None else treated.index.intersection(control.index)
    ok = treated.reindex(weeks_index).notna()
    if control is not None:
        ok &= control.reindex(weeks_index).notna()
    used = weeks_index[ok.to_numpy()]
    before = used[(used >= b_from) & (used <= b_to)]
    after = used[(used >= a_from) & (used <= a_to)]

    def mean(series, idx):
        if series is None or not len(idx):
            return float("nan")
        return float(series.reindex(idx).mean())

    tb, ta = mean(treated, before), mean(treated, after)
    cb, ca = mean(control, before), mean(control, after)
    t_pct, c_pct = _pct(tb, ta), _pct(cb, ca)
    values = [indicator, weeks, b_from, b_to, a_from, a_to, len(before), len(after), tb, ta,
              cb, ca, ta - tb, ca - cb, t_pct, c_pct, (ta - tb) - (ca - cb),
              (t_pct - c_pct) * 100]
    return pd.Series(values, index=COLUMNS, dtype=object)


def _pct(before: float, after: float) -> float:
    return after / before - 1 if before and before == before and before > 0 else float("nan")


def effect_table(grid: pd.DataFrame, indicators: list[str], district_ids: list,
                 implemented_on, weeks: int = 8) -> pd.DataFrame:
    """:func:`before_after` for each indicator (rows in the given order)."""
    rows = [before_after(grid, ind, district_ids, implemented_on, weeks) for ind in indicators]
    return pd.DataFrame(rows, columns=COLUMNS).reset_index(drop=True)
