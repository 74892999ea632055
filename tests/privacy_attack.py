"""The reader's attack on suppressed cells (shared by the suppression tests): which hidden
cells have exactly one possible value, given the hidden sum and what each label allows."""

from __future__ import annotations


def pinned_cells(hidden: list, options, rest: int, k: int) -> list[tuple]:
    """(cell, value) for every hidden cell whose only possible value is 1..k−1, when the
    hidden cells sum to ``rest`` and ``options(cell)`` lists what a cell's label allows
    ("< k": 1..k−1, "×": 0 or ≥ k, never shown: anything). A dynamic programme over the
    reachable sums of the other cells."""
    leaks = []
    for c in hidden:
        reach = {0}
        for other in hidden:
            if other != c:
                reach = {a + b for a in reach for b in options(other) if a + b <= rest}
        possible = [x for x in options(c) if rest - x in reach]
        if len(possible) == 1 and 1 <= possible[0] <= k - 1:
            leaks.append((c, possible[0]))
    return leaks
