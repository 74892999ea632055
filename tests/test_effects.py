"""Before/after comparison of a measure (lagebild.analytics.effects), hand-computed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lagebild.analytics.effects import before_after, effect_table, windows
from lagebild.analytics.trends import CITY

WEEKS = pd.date_range("2026-01-05", periods=5, freq="7D")   # Mondays of KW 2 … KW 6


def _grid(rows: dict) -> pd.DataFrame:
    """{district_id: [count per week]} → weekly grid of indicator "x" (with the city row)."""
    frames = [pd.DataFrame({"district_id": d, "indicator": "x", "week": WEEKS,
                            "count": [float("nan") if v is None else float(v) for v in values]})
              for d, values in rows.items()]
    grid = pd.concat(frames, ignore_index=True)
    city = grid.groupby("week", as_index=False)["count"].sum(min_count=1).assign(
        district_id=CITY, indicator="x")
    return pd.concat([grid, city], ignore_index=True).astype({"district_id": object})


def test_difference_in_differences_by_hand():
    # Measure in district 1, implemented Wednesday 21.01.2026 (week of 19.01. = KW 4,
    # index 2, not counted); 2 weeks before (KW 2, 3) and after (KW 5, 6).
    # district 1:      before 10, 6 → mean 8;  after 4, 2 → mean 3;  change −5 (−62,5 %)
    # rest = 2 + 3:    before (5+5)=10, (5+1)=6 → mean 8;  after (4+2)=6, (4+4)=8 → mean 7;
    #                  change −1 (−12,5 %)
    # difference: −5 − (−1) = −4 per week;
    #             −62,5 % − (−12,5 %) = −50 percentage points
    grid = _grid({1: [10, 6, 100, 4, 2], 2: [5, 5, 100, 4, 4], 3: [5, 1, 100, 2, 4]})
    r = before_after(grid, "x", [1], "2026-01-21", weeks=2)
    assert (r["treated_before"], r["treated_after"]) == (8.0, 3.0)
    assert (r["control_before"], r["control_after"]) == (8.0, 7.0)
    assert (r["change_treated"], r["change_control"], r["did"]) == (-5.0, -1.0, -4.0)
    assert r["change_treated_pct"] == pytest.approx(-0.625)
    assert r["change_control_pct"] == pytest.approx(-0.125)
    assert r["did_pct_points"] == pytest.approx(-50.0)
    assert (r["weeks_before"], r["weeks_after"]) == (2, 2)


def test_unreported_weeks_do_not_count_and_the_count_is_reported():
    # KW 3 not reported (NaN everywhere): before rests on KW 2 only → 10 vs 10.
    # after: district 1 (4+2)/2 = 3, rest (4+2)/2 = 3 → change −7 both, difference 0
    grid = _grid({1: [10, None, 7, 4, 2], 2: [10, None, 7, 4, 2]})
    r = before_after(grid, "x", [1], pd.Timestamp("2026-01-19"), weeks=2)
    assert (r["weeks_before"], r["weeks_after"]) == (1, 2)
    assert (r["treated_before"], r["control_before"]) == (10.0, 10.0)
    assert r["did"] == 0.0


def test_whole_city_measure_has_no_comparison():
    grid = _grid({1: [4, 4, 0, 2, 2], 2: [4, 4, 0, 2, 2]})
    r = before_after(grid, "x", [], "2026-01-19", weeks=2)
    # whole city: before 8, 8 → 8; after 4, 4 → 4
    assert (r["treated_before"], r["treated_after"]) == (8.0, 4.0)
    assert math.isnan(r["control_before"]) and math.isnan(r["did"])


def test_from_zero_there_is_no_relative_change_and_input_is_not_mutated():
    grid = _grid({1: [0, 0, 0, 3, 1], 2: [2, 2, 0, 2, 2]})
    before = grid.copy()
    table = effect_table(grid, ["x"], [1], "2026-01-19", weeks=2)
    assert len(table) == 1 and math.isnan(table.loc[0, "change_treated_pct"])
    assert table.loc[0, "did"] == 2.0              # (2 − 0) − (2 − 2)
    pd.testing.assert_frame_equal(grid, before)


def test_windows_and_iso_week_53():
    # 2020 had an ISO week 53 (Monday 28.12.2020); implementation on Sunday 03.01.2021
    assert [d.date().isoformat() for d in windows("2021-01-03", 1)] == [
        "2020-12-21", "2020-12-21", "2021-01-04", "2021-01-04"]
    with pytest.raises(ValueError, match="Mindestens 1 Woche"):
        windows("2021-01-03", 0)


def test_a_partly_reported_week_does_not_enter_the_comparison():
    """#15: (41 + 12) / 2 = 26,5 made "−37 %" out of a week reported on two days."""
    import pandas as pd
    from lagebild.analytics.effects import before_after
    weeks = pd.date_range("2026-10-05", periods=5, freq="7D")
    grid = pd.DataFrame({"district_id": 1, "indicator": "x", "week": weeks,
                         "count": [40.0, 42.0, 99.0, 41.0, 12.0],
                         "reported_days": [7, 7, 7, 7, 2]})
    r = before_after(grid, "x", [1], weeks[2] + pd.Timedelta(days=2), weeks=2)
    assert float(r["treated_after"]) == 41.0 and r["weeks_after"] == 1
    assert float(r["treated_before"]) == 41.0
