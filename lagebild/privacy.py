"""Small-count suppression for person-related counts (pure pandas).

Rule (one for every restricted view, export and share package, :func:`suppress_cells`): a
person-related count from 1 to k−1 is *primarily* suppressed and shown as "< k". The column
total (e.g. the whole city in a week) is published, so further cells are *complementarily*
suppressed ("×") while a reader could still pin a hidden cell down from the total – knowing
what the labels say: "< k" is 1…k−1, "×" is 0 or at least k (:func:`pinned`). Where even
hiding every cell does not help (the hidden sum is 1…k−1), the total is hidden too. A total
that is itself 1..k−1 is suppressed (and then protects nothing, so its column needs no
complement). Zeros are shown: "no case" is not disclosive.

>>> s = suppress_column(pd.Series([3, 10, 0, 12]), k=5)
>>> list(s)
['primary', 'secondary', '', '']
>>> list(suppress_column(pd.Series([1, 5, 30]), k=5))     # 1 + 5 = 6: 30 hidden as well
['primary', 'secondary', 'secondary']
>>> suppress_cells(pd.Series([1, 5]), k=5)[1]              # nothing left to hide: the total
'secondary'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PRIMARY, SECONDARY, SHOWN = "primary", "secondary", ""


def is_small(values, k: int):
    """True where 1 ≤ value ≤ k−1 (missing values are not small)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    return (v >= 1) & (v <= k - 1)


def pinned(kinds: list[str], i: int, rest: int, k: int) -> bool:
    """Whether hidden cell ``i`` has only one possible value, given that the hidden cells
    (labels ``kinds``: PRIMARY 1..k−1, SECONDARY 0 or ≥ k) sum to ``rest``.

    >>> pinned([PRIMARY, SECONDARY], 0, 6, 5), pinned([PRIMARY, SECONDARY], 0, 12, 5)
    (True, False)
    >>> pinned([PRIMARY, PRIMARY], 0, 8, 5)        # 4 + 4
    True
    """
    others = kinds[:i] + kinds[i + 1:]
    n_primary = sum(1 for kind in others if kind == PRIMARY)
    a, b = n_primary, n_primary * (k - 1)
    open_end = any(kind == SECONDARY for kind in others)
    x = np.arange(1, k) if kinds[i] == PRIMARY else \
        np.concatenate([[0], np.arange(k, max(rest, k) + 1)])
    y = rest - x
    ok = ((y >= a) & (y <= b)) | (open_end & (y >= a + k))
    return int(ok.sum()) < 2


def _at_risk(v: pd.Series, status: pd.Series, total: float, k: int) -> bool:
    hidden = status.isin([PRIMARY, SECONDARY])
    if not hidden.any():
        return False
    rest = int(round(total - v[~hidden & v.notna()].sum()))
    kinds = list(status[hidden])
    return len(kinds) == 1 or 1 <= rest <= k - 1 or any(
        pinned(kinds, i, rest, k) for i in range(len(kinds)))


def suppress_cells(values: pd.Series, k: int, total: float | None = None
                   ) -> tuple[pd.Series, str]:
    """(status per cell, status of the total) – the rule of this module. ``total`` is the
    published sum of ``values`` (default: their sum); missing values stay shown as missing."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    status = pd.Series(SHOWN, index=values.index, dtype=object)
    status[is_small(v, k).to_numpy()] = PRIMARY
    total = v.sum(min_count=1) if total is None else total
    if pd.isna(total):
        return status, SHOWN
    if 1 <= total <= k - 1:
        return status, PRIMARY
    while _at_risk(v, status, total, k):
        shown = v[(status == SHOWN) & v.notna()]
        if shown.empty:
            return status, SECONDARY
        positive = shown[shown > 0]
        pick = (positive if not positive.empty else shown).sort_values(kind="stable").index[0]
        status[pick] = SECONDARY
        if positive.empty and 1 <= total - v[status == SHOWN].sum() <= k - 1:
            return status, SECONDARY
    return status, SHOWN


def suppress_column(values: pd.Series, k: int, total_published: bool = True) -> pd.Series:
    """Status per cell: 'primary', 'secondary' or '' (shown); without a published total only
    the primary suppression."""
    if not total_published:
        status = pd.Series(SHOWN, index=values.index, dtype=object)
        status[is_small(values, k).to_numpy()] = PRIMARY
        return status
    return suppress_cells(values, k)[0]


def total_status(values: pd.Series, k: int) -> str:
    """Status of the published total of ``values`` (the cells of one column)."""
    return suppress_cells(values, k)[1]


def suppress_frame(frame: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
    """Status frame (same shape) suppressing ``columns`` of ``frame`` column by column; each
    column's total is taken as published. Other columns are all shown."""
    status = pd.DataFrame(SHOWN, index=frame.index, columns=frame.columns, dtype=object)
    for col in columns:
        if col in frame:
            status[col] = suppress_column(frame[col], k)
    return status


def display(value, status: str, k: int, fmt=lambda v: f"{v:g}") -> str:
    """Text for a cell: the number, '< k' or '×'."""
    if status == PRIMARY:
        return f"< {k}"
    if status == SECONDARY:
        return "×"
    return "–" if value is None or pd.isna(value) else fmt(value)


def recoverable_cells(frame: pd.DataFrame, status: pd.DataFrame, k: int) -> list[tuple]:
    """Hidden cells a reader could compute exactly from the shown cells and the shown column
    total. Used by tests: must be empty for every published table."""
    out = []
    for col in frame.columns:
        hidden = status.index[status[col] != SHOWN]
        if len(hidden) == 1 and total_status(frame[col], k) == SHOWN:
            out.append((hidden[0], col))
    return out


def mask_city_totals(grid: pd.DataFrame, k: int) -> pd.DataFrame:
    """A weekly grid (district_id, indicator, week, count; the city as ``city_id``
    ``trends.CITY``) whose city totals are NaN wherever the week's column hides them (small,
    or needed to protect a hidden district); district rows unchanged. For trend lines of
    restricted views."""
    from lagebild.analytics.trends import CITY
    body = grid[grid["district_id"] != CITY]
    hidden = {key for key, part in body.groupby(["indicator", "week"])
              if total_status(part["count"], k) != SHOWN}
    city = grid["district_id"] == CITY
    keys = list(zip(grid["indicator"], grid["week"]))
    mask = city.to_numpy() & pd.Series([key in hidden for key in keys]).to_numpy()
    return grid.assign(count=grid["count"].mask(mask))
