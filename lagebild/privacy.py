"""Small-count suppression for person-related counts (pure pandas).

Rule: a person-related count from 1 to k−1 is *primarily* suppressed and shown as "< k".
Where a published total (e.g. the whole city in a week) would let a reader recover a single
hidden cell by subtraction, a second cell of the same column is *complementarily* suppressed
and shown as "×". A total that is itself 1..k−1 is suppressed too (and then protects
nothing, so its column needs no complement). Zeros are shown: "no case" is not disclosive.

>>> s = suppress_column(pd.Series([3, 10, 0, 12]), k=5)
>>> list(s)
['primary', 'secondary', '', '']
"""

from __future__ import annotations

import pandas as pd

PRIMARY, SECONDARY, SHOWN = "primary", "secondary", ""


def is_small(values, k: int):
    """True where 1 ≤ value ≤ k−1 (missing values are not small)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    return (v >= 1) & (v <= k - 1)


def suppress_column(values: pd.Series, k: int, total_published: bool = True) -> pd.Series:
    """Status per cell: 'primary', 'secondary' or '' (shown)."""
    v = pd.to_numeric(values, errors="coerce")
    status = pd.Series(SHOWN, index=values.index, dtype=object)
    status[is_small(v, k).to_numpy()] = PRIMARY
    total = v.sum(min_count=1)
    if total_published and not (pd.notna(total) and 1 <= total <= k - 1):
        if (status != SHOWN).sum() == 1:
            candidates = v[(status == SHOWN) & v.notna()]
            if not candidates.empty:
                positive = candidates[candidates > 0]
                pick = (positive if not positive.empty else candidates).sort_values(
                    kind="stable").index[0]
                status[pick] = SECONDARY
    return status


def total_status(values: pd.Series, k: int) -> str:
    total = pd.to_numeric(values, errors="coerce").sum(min_count=1)
    return PRIMARY if pd.notna(total) and 1 <= total <= k - 1 else SHOWN


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
