"""Small-count suppression: no published gast table shows 1..k−1 or lets one be derived."""

import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild import privacy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from privacy_attack import pinned_cells  # noqa: E402

K = 5


@pytest.mark.parametrize("values,expected", [
    ([3, 10, 0, 12], ["primary", "secondary", "", ""]),      # complement: smallest positive
    ([3, 2, 10], ["primary", "primary", ""]),                  # two hidden: no complement
    ([0, 0, 7], ["", "", ""]),                                 # zeros are shown
    ([3, 0, 0], ["primary", "", ""]),                          # total 3 is itself hidden
    ([4, 0, 9], ["primary", "", "secondary"]),                 # only candidate: 9
    ([5, 6, 1], ["secondary", "secondary", "primary"]),        # 1 + 5 = 6 would pin both
    ([1, 5, 30], ["primary", "secondary", "secondary"]),       # ... so one more is hidden
    ([4, 4, 20], ["primary", "primary", "secondary"]),         # 8 = 4 + 4 only
])
def test_hand_made_columns(values, expected):
    assert list(privacy.suppress_column(pd.Series(values), K)) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=15),
       st.integers(2, 10))
def test_no_small_value_shown_and_none_recoverable(rows, k):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    status = privacy.suppress_frame(frame, ["a", "b", "c"], k)
    shown = frame.where(status == privacy.SHOWN)
    assert not ((shown >= 1) & (shown <= k - 1)).any().any()
    assert privacy.recoverable_cells(frame, status, k) == []
    for col in frame:
        total = frame[col].sum()
        seen = privacy.total_status(frame[col], k)
        assert seen == "primary" if 1 <= total < k else seen in ("", "secondary")
        if seen == "":               # a reader knows the total and what the labels mean
            assert label_attack(frame[col], status[col], total, k) == [], (list(frame[col]),
                                                                           list(status[col]))


def label_attack(values, status, total, k):
    """Hidden cells whose value a reader can pin down from the shown cells, the column total
    and the labels ("< k" = 1..k−1, "×" = 0 or ≥ k); an independent dynamic programme."""
    hidden = [i for i in values.index if status[i] != ""]
    rest = int(total - values[[i for i in values.index if status[i] == ""]].sum())

    def options(i):
        return range(1, k) if status[i] == "primary" else [0, *range(k, rest + 1)]

    return pinned_cells(hidden, options, rest, k)


def test_the_label_attack_finds_what_the_old_rule_left():
    values = pd.Series([1, 5, 30])
    old = pd.Series(["primary", "secondary", ""])            # one complement, as before #15
    assert label_attack(values, old, 36, 5) == [(0, 1)]
    new = privacy.suppress_column(values, 5)
    assert label_attack(values, new, 36, 5) == []


def test_display_texts():
    assert privacy.display(3, "primary", 5) == "< 5"
    assert privacy.display(12, "secondary", 5) == "×"
    assert privacy.display(12, "", 5) == "12"
