"""Ampel rule, method choice, grey reasons, static thresholds, episodes and Lagestufe rules
on tiny hand-made frames."""

import numpy as np
import pandas as pd
import pytest

from lagebild.alerts.config import Colour, LevelRule, SeriesRules, Static, load_alert_config
from lagebild.analytics.escalation import episodes, escalation, merge_episodes
from lagebild.analytics.signals import ampel, compute_signals, method_bounds, series_signals
from lagebild.analytics.trends import CITY, weekly_grid

NA = None
CFG = load_alert_config()


def _rules(**kw) -> SeriesRules:
    base = dict(early_method="ears_c2", late_method="none", farrington_from_weeks=160,
                ears={"baseline": 7, "min_sigma": 1.0}, farrington={"b": 3, "w": 3},
                red=Colour(0.001, 3), yellow=Colour(0.01, 2), static=Static(),
                min_reported_days=7)
    return SeriesRules(**{**base, **kw})


# observed, days, alarm_red, alarm_yellow, static_red, static_yellow -> colour, cause
AMPEL = [
    (NA, 0, NA, NA, np.nan, np.nan, "grey", "no_report"),
    (9, 7, True, True, np.nan, np.nan, "red", "alarm"),
    (2, 7, True, True, np.nan, np.nan, "yellow", "alarm"),        # red alarm, too few cases
    (1, 7, True, True, np.nan, np.nan, "green", "ok"),            # one case is never red
    (5, 7, False, True, np.nan, np.nan, "yellow", "alarm"),
    (5, 7, False, False, np.nan, np.nan, "green", "ok"),
    (3, 7, False, False, 2, 1, "red", "static"),                  # static red: more than 2
    (2, 7, False, False, 2, 1, "yellow", "static"),
    (9, 7, True, True, 2, 1, "red", "alarm_static"),
    (3, 3, False, False, np.nan, np.nan, "grey", "incomplete"),   # no all-clear on 3 days
    (9, 3, True, True, np.nan, np.nan, "red", "alarm"),           # but a rise stays a rise
    (0, 7, NA, NA, np.nan, np.nan, "grey", "history"),
    (4, 7, NA, NA, 3, np.nan, "red", "static"),                   # static works without history
    (0, 2, NA, NA, np.nan, np.nan, "grey", "incomplete"),
]


@pytest.mark.parametrize("obs, days, ar, ay, sr, sy, colour, cause", AMPEL)
def test_ampel_rule(obs, days, ar, ay, sr, sy, colour, cause):
    frame = pd.DataFrame({"observed": [obs], "reported_days": [days],
                          "alarm_red": pd.array([ar], dtype="boolean"),
                          "alarm_yellow": pd.array([ay], dtype="boolean"),
                          "static_red": [sr], "static_yellow": [sy]}).astype({"observed": float})
    out = ampel(frame, red_min=3, yellow_min=2, min_reported_days=7)
    assert (out["colour"].iloc[0], out["cause"].iloc[0]) == (colour, cause)


def _weeks(n, start="2026-01-05"):
    return pd.date_range(start, periods=n, freq="7D")


def test_single_case_after_zero_weeks_is_not_red_but_a_cluster_is():
    y = pd.Series([0.0] * 12 + [1, 3, 4, 9], index=_weeks(16))
    sig = series_signals(y, pd.Series(7, index=y.index), _rules())
    assert sig["colour"].iloc[:9].eq("grey").all()              # C2 needs 9 weeks before
    assert list(sig["colour"].iloc[12:]) == ["green", "yellow", "red", "red"]
    assert sig["upper_red"].iloc[12] == pytest.approx(3.0902, abs=1e-4)   # 0 + qnorm(.999)·1


def test_grey_reason_counts_the_reported_weeks_of_the_window():
    y = pd.Series([1.0] * 20, index=_weeks(20))
    y.iloc[[10, 12]] = np.nan                                   # two weeks nobody reported
    sig = series_signals(y, pd.Series(7, index=y.index), _rules())
    week = sig.iloc[15]                                          # window = weeks 6..12
    assert (week["colour"], week["cause"]) == ("grey", "history")
    assert (week["history_have"], week["history_need"]) == (5, 7)
    assert sig["cause"].iloc[3] == "history" and sig["history_have"].iloc[3] == 1
    assert sig.iloc[10]["cause"] == "no_report"


def test_farrington_replaces_ears_after_the_configured_history():
    rng = np.random.default_rng(1)
    n = 220
    y = pd.Series(rng.poisson(8, n).astype(float), index=_weeks(n, "2021-01-04"))
    y.iloc[-1] = 40
    rules = _rules(late_method="farrington", farrington={"b": 3, "w": 3})
    b = method_bounds(y, rules)
    assert set(b["method"].iloc[:160]) == {"ears_c2"}
    assert set(b["method"].iloc[165:]) == {"farrington"}
    assert bool(b["alarm_red"].iloc[-1]) and b["expected"].iloc[-1] == pytest.approx(8, abs=2)
    assert b["history_have"].iloc[-1] == b["history_need"].iloc[-1]
    never = method_bounds(y, _rules(late_method="farrington", farrington_from_weeks=500))
    assert set(never["method"]) == {"ears_c2"}


def test_static_rate_threshold_uses_the_population():
    y = pd.Series([2.0, 4.0] * 5 + [5, 3], index=_weeks(12))    # EARS: 5 and 3 are normal
    rules = _rules(static=Static(red_rate=2.0, yellow=2))
    sig = series_signals(y, pd.Series(7, index=y.index), rules, population=20_000)
    assert sig["static_red"].iloc[0] == 4.0 and sig["static_red_rate"].iloc[0] == 2.0
    assert sig["rate"].iloc[10] == pytest.approx(2.5)
    assert not sig["alarm_yellow"].iloc[10] and not sig["alarm_yellow"].iloc[11]
    assert list(sig[["colour", "cause"]].iloc[10]) == ["red", "static"]     # 5 > 2·20 000/10 000
    assert list(sig[["colour", "cause"]].iloc[11]) == ["yellow", "static"]  # 3 > 2
    no_pop = series_signals(y, pd.Series(7, index=y.index), rules, population=None)
    assert np.isnan(no_pop["static_red"].iloc[0]) and np.isnan(no_pop["rate"].iloc[0])


def test_compute_signals_over_iso_week_53_with_missing_weeks_and_city_population():
    weeks = pd.date_range("2020-10-05", "2021-02-22", freq="7D")       # contains KW 53/2020
    assert pd.Timestamp("2020-12-28") in weeks
    weekly = pd.DataFrame({"district_id": 1, "indicator": "naloxon", "week": weeks,
                           "count": [1] * len(weeks)})
    weekly.loc[weekly["week"] == "2020-12-28", "count"] = 12
    coverage = pd.DataFrame({"indicator": "naloxon", "week": weeks, "reported_days": 7})
    coverage = coverage[coverage["week"] != pd.Timestamp("2021-01-11")]   # one week unreported
    grid = weekly_grid(weekly, [1, 2], ["naloxon"], coverage)
    sig = compute_signals(grid, lambda i, d: _rules(), pd.Series({1: 10_000, 2: 30_000}))
    assert len(sig) == 3 * len(weeks)                                    # 2 districts + city
    w53 = sig[(sig["week"] == "2020-12-28") & (sig["district_id"] == 1)].iloc[0]
    assert (w53["observed"], w53["colour"]) == (12.0, "red")
    gap = sig[sig["week"] == "2021-01-11"]
    assert gap["observed"].isna().all() and set(gap["cause"]) == {"no_report"}
    city = sig[(sig["district_id"] == CITY) & (sig["week"] == "2020-12-28")].iloc[0]
    assert city["rate"] == pytest.approx(12 / 40_000 * 10_000)
    after = sig[(sig["district_id"] == 1) & (sig["week"] == "2021-02-08")].iloc[0]
    assert after["cause"] == "history" and after["history_have"] == 6    # the gap in the window


def _sig(colours, observed=None, district=1, indicator="a", start="2026-01-05"):
    w = _weeks(len(colours), start)
    return pd.DataFrame({"district_id": district, "indicator": indicator, "week": w,
                         "observed": observed or [1.0] * len(colours), "colour": colours})


@pytest.mark.parametrize("colours, expected", [
    (["green", "green"], []),
    (["yellow", "red", "green", "green"], [(1, 2, 2, "red", "ended", 4)]),
    (["red", "green", "yellow", "green", "green"], [(1, 3, 1, "red", "ended", 5)]),
    (["red", "grey", "grey", "green", "grey", "green"], [(1, 1, 1, "red", "ended", 6)]),
    (["yellow", "green", "green", "yellow"], [(1, 1, 1, "yellow", "ended", 3),
                                              (4, 4, 4, "yellow", "open", None)]),
    (["green", "yellow", "yellow", "green"], [(2, 3, 2, "yellow", "open", None)]),
])
def test_episodes_first_last_peak_and_end(colours, expected):
    out = episodes(_sig(colours), end_after_green=2)
    weeks = _weeks(len(colours))
    want = [(weeks[f - 1], weeks[la - 1], weeks[p - 1], c, s, None if e is None else weeks[e - 1])
            for f, la, p, c, s, e in expected]
    got = [(r.first_week, r.last_week, r.peak_week, r.peak_colour, r.state,
            None if pd.isna(r.end_week) else r.end_week) for r in out.itertuples()]
    assert got == want


def test_peak_is_the_highest_count_within_the_highest_colour():
    out = episodes(_sig(["yellow", "red", "red", "yellow"], [9.0, 4.0, 6.0, 20.0]))
    assert out.iloc[0]["peak_week"] == _weeks(4)[2] and out.iloc[0]["peak_observed"] == 6.0


def test_merge_keeps_ids_inserts_new_and_retracts_vanished_alerts():
    w = _weeks(10)
    stored = pd.DataFrame({"alert_id": [1, 2, 3], "district_id": [1, 1, 2],
                           "indicator": ["a", "a", "a"], "first_week": [w[0], w[5], w[2]],
                           "last_week": [w[1], w[6], w[2]], "state": ["ended", "open", "open"]})
    fresh = pd.DataFrame({"district_id": [1, 1, CITY], "indicator": ["a", "a", "a"],
                          "first_week": [w[1], w[6], w[2]], "last_week": [w[1], w[8], w[2]]})
    plan = merge_episodes(stored, fresh)
    assert plan["update"]["alert_id"].tolist() == [1, 2]
    assert plan["insert"]["district_id"].tolist() == [CITY]
    assert plan["retract"] == [3]
    empty = merge_episodes(stored.iloc[0:0], fresh)
    assert len(empty["insert"]) == 3 and empty["retract"] == []


LEVELS = CFG.levels


def _cells(*cells, week="2026-11-09"):
    rows = [{"district_id": cell[0], "indicator": cell[1], "colour": cell[2],
             "observed": 5.0, "week": pd.Timestamp(cell[3] if len(cell) > 3 else week)}
            for cell in cells]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("cells, level", [
    ([(1, "spritzenfunde", "green")], 0),
    ([(1, "spritzenfunde", "grey"), (2, "naloxon", "grey")], 0),
    ([(1, "spritzenfunde", "yellow")], 1),
    ([(1, "spritzenfunde", "red")], 1),                      # red, but not person-related
    ([(CITY, "beschwerden", "yellow")], 1),                  # the whole city counts as well
    ([(1, "naloxon", "yellow")], 1),
    ([(1, "naloxon", "red")], 2),
    ([(CITY, "drogennotfaelle", "red")], 2),
    ([(1, "drogennotfaelle", "red"), (2, "drogentodesfaelle", "red"),
      (3, "drogennotfaelle", "red")], 3),
    ([(1, "drogennotfaelle", "red"), (2, "drogennotfaelle", "red"),
      (CITY, "drogennotfaelle", "red")], 2),                 # the city is no third district
    ([(1, "drogennotfaelle", "red"), (2, "drogennotfaelle", "red"),
      (3, "drogennotfaelle", "red", "2026-11-02")], 3),      # within two weeks
    ([(1, "drogennotfaelle", "red"), (2, "drogennotfaelle", "red"),
      (3, "drogennotfaelle", "red", "2026-10-26")], 2),      # three weeks: too long ago
    ([(1, "naloxon", "red"), (2, "naloxon", "red"), (3, "naloxon", "red")], 2),
])
def test_lagestufe_rules(cells, level):
    assert escalation(_cells(*cells), "2026-11-09", LEVELS).level == level


def test_lagestufe_names_its_rule_and_the_cells_that_set_it():
    esc = escalation(_cells((1, "spritzenfunde", "yellow"), (2, "naloxon", "red")),
                     "2026-11-09", LEVELS)
    assert esc.rule.label_de == "rote Ampel bei einem personenbezogenen Indikator"
    assert esc.triggers[["district_id", "indicator"]].values.tolist() == [[2, "naloxon"]]
    custom = [LevelRule(2, "zwei gelbe", "two yellow", "yellow", ("a",), min_districts=2)]
    assert escalation(_cells((1, "a", "yellow")), "2026-11-09", custom).level == 0
    assert escalation(_cells((1, "a", "yellow"), (2, "a", "red")), "2026-11-09",
                      custom).level == 2
