import pandas as pd
import pytest

from lagebild.analytics import trends


def _weekly(rows):
    return pd.DataFrame(rows, columns=["district_id", "indicator", "week", "count"])


def test_grid_fills_reported_weeks_with_zero_and_unreported_with_nan():
    weekly = _weekly([(1, "a", "2026-01-05", 3), (1, "a", "2026-01-19", 2)])
    cov = pd.DataFrame({"indicator": ["a", "a"], "week": ["2026-01-05", "2026-01-19"],
                        "reported_days": [7, 7]})
    g = trends.weekly_grid(weekly, [1, 2], ["a"], cov)
    d1 = g[g["district_id"] == 1].set_index("week")["count"]
    assert d1.loc["2026-01-05"] == 3 and pd.isna(d1.loc["2026-01-12"])   # nobody reported
    d2 = g[g["district_id"] == 2].set_index("week")["count"]
    assert d2.loc["2026-01-05"] == 0                                       # reported, none found
    city = g[g["district_id"] == trends.CITY].set_index("week")["count"]
    assert city.loc["2026-01-05"] == 3 and pd.isna(city.loc["2026-01-12"])


def test_week_53_is_an_ordinary_week():
    weekly = _weekly([(1, "a", "2020-12-21", 1), (1, "a", "2020-12-28", 4),
                      (1, "a", "2021-01-04", 2)])
    g = trends.weekly_grid(weekly, [1], ["a"])
    s = trends.week_summary(g, pd.Timestamp("2021-01-04"))
    row = s[s["district_id"] == 1].iloc[0]
    assert (row["current"], row["previous"]) == (2, 4)
    assert trends.iso_label(pd.Timestamp("2020-12-28")) == "KW 53/2020"
    assert trends.parse_iso_week("2020-W53") == pd.Timestamp("2020-12-28")


def test_summary_changes_against_previous_week_and_eight_week_mean():
    weeks = pd.date_range("2026-01-05", periods=9, freq="7D")
    counts = [2, 2, 2, 2, 4, 4, 4, 4, 9]           # mean of the 8 weeks before = 3
    weekly = _weekly([(1, "a", w, c) for w, c in zip(weeks, counts)])
    s = trends.week_summary(trends.weekly_grid(weekly, [1], ["a"]), weeks[-1])
    row = s[s["district_id"] == 1].iloc[0]
    assert row["mean8"] == 3 and row["change_mean"] == pytest.approx(2.0)   # 9/3 − 1
    assert row["change_prev"] == pytest.approx(1.25)                         # 9/4 − 1


def test_change_from_zero_has_no_ratio():
    weekly = _weekly([(1, "a", "2026-01-05", 0), (1, "a", "2026-01-12", 5)])
    s = trends.week_summary(trends.weekly_grid(weekly, [1], ["a"]), pd.Timestamp("2026-01-12"))
    assert pd.isna(s.loc[s["district_id"] == 1, "change_prev"].iloc[0])


def test_rates_per_10k_and_input_not_mutated():
    weekly = _weekly([(1, "a", "2026-01-05", 5), (2, "a", "2026-01-05", 5)])
    before = weekly.copy()
    g = trends.weekly_grid(weekly, [1, 2], ["a"])
    pd.testing.assert_frame_equal(weekly, before)
    totals = trends.period_totals(g, "a", pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-05"))
    rates = trends.rate_per_10k(totals.drop(trends.CITY), pd.Series({1: 10_000, 2: None}))
    assert rates.loc[1] == 5 and pd.isna(rates.loc[2])


def test_latest_complete_week_ignores_partial_weeks():
    weekly = _weekly([(1, "a", "2026-01-05", 1), (1, "a", "2026-01-12", 1)])
    cov = pd.DataFrame({"indicator": ["a", "a"], "week": ["2026-01-05", "2026-01-12"],
                        "reported_days": [7, 3]})
    g = trends.weekly_grid(weekly, [1], ["a"], cov)
    assert trends.latest_complete_week(g) == pd.Timestamp("2026-01-05")


def test_bad_iso_week_text():
    with pytest.raises(ValueError, match="ISO-Woche"):
        trends.parse_iso_week("46/2026")


def test_partly_reported_weeks_are_no_baseline_weeks():
    """#15: 12 cases in 2 reported days must not pull the 8-week mean down."""
    weeks = pd.date_range("2026-09-07", periods=9, freq="7D")
    counts = [40, 40, 40, 40, 40, 40, 40, 12, 41]
    weekly = _weekly([(1, "a", w, c) for w, c in zip(weeks, counts)])
    cov = pd.DataFrame({"indicator": "a", "week": weeks,
                        "reported_days": [7, 7, 7, 7, 7, 7, 7, 2, 7]})
    s = trends.week_summary(trends.weekly_grid(weekly, [1], ["a"], cov), weeks[-1])
    row = s[s["district_id"] == 1].iloc[0]
    assert row["mean8"] == 40                      # not (7 × 40 + 12) / 8 = 36,5
