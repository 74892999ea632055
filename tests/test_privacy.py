"""Small-count suppression: no published gast table shows 1..k−1 or lets one be derived."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild import privacy

K = 5


@pytest.mark.parametrize("values,expected", [
    ([3, 10, 0, 12], ["primary", "secondary", "", ""]),      # complement: smallest positive
    ([3, 2, 10], ["primary", "primary", ""]),                  # two hidden: no complement
    ([0, 0, 7], ["", "", ""]),                                 # zeros are shown
    ([3, 0, 0], ["primary", "", ""]),                          # total 3 is itself hidden
    ([4, 0, 9], ["primary", "", "secondary"]),                 # only candidate: 9
    ([5, 6, 1], ["secondary", "", "primary"]),                 # k itself is not small
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
    # the totals a reader sees are either hidden (small) or at least k
    for col in frame:
        total = frame[col].sum()
        assert privacy.total_status(frame[col], k) == ("primary" if 1 <= total < k else "")


def test_display_texts():
    assert privacy.display(3, "primary", 5) == "< 5"
    assert privacy.display(12, "secondary", 5) == "×"
    assert privacy.display(12, "", 5) == "12"
