"""Pure view builders of #6: markers, filters, due states, chart markers escaped."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lagebild import charts
from lagebild.analytics.trends import CITY
from lagebild.measures.views import filter_measures, markers
from lagebild.measures.model import due_state, last_meeting, next_meeting

MEASURES = pd.DataFrame({
    "measure_id": [1, 2, 3, 4, 5],
    "title": ["A", "B", "C", "D", "<b>E</b>"],
    "status": ["umgesetzt", "geplant", "in_umsetzung", "verworfen", "umgesetzt"],
    "body": ["polizei", "polizei", "drogenhilfe", "polizei", "stadtreinigung"],
    "districts": [[1], [1], [2], [1], []],
    "indicators": [["x"], ["x"], ["x"], ["x"], []],
    "implemented_on": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-09", "2026-03-02",
                                      "2026-04-06"]),
})


@pytest.mark.parametrize("indicator, districts, titles", [
    ("x", [1], ["A", "<b>E</b>"]),             # planned/dropped never, city-wide always
    ("x", [2], ["C", "<b>E</b>"]),
    ("x", [CITY], ["A", "C", "<b>E</b>"]),
    ("y", [1], ["<b>E</b>"]),                   # no indicators = every indicator
])
def test_markers_only_for_measures_in_effect_that_concern_the_series(indicator, districts,
                                                                     titles):
    assert list(markers(MEASURES, indicator, districts)["label"]) == titles


def test_filters_keep_whole_city_measures_for_every_district():
    assert list(filter_measures(MEASURES, district_ids=[2])["measure_id"]) == [3, 5]
    assert list(filter_measures(MEASURES, statuses=["umgesetzt"], bodies=["polizei"])
                ["measure_id"]) == [1]
    assert len(filter_measures(MEASURES)) == 5


@pytest.mark.parametrize("status, due, state", [
    ("geplant", None, "open"), ("geplant", date(2026, 11, 19), "overdue"),
    ("in_umsetzung", date(2026, 11, 20), "due"), ("umgesetzt", date(2026, 1, 1), "done"),
    ("verworfen", date(2026, 1, 1), "dropped")])
def test_due_state(status, due, state):
    assert due_state(status, due, date(2026, 11, 20)) == state


def test_last_and_next_meeting_around_today():
    meetings = pd.DataFrame({"meeting_id": [1, 2, 3],
                             "held_on": pd.to_datetime(["2026-09-16", "2026-11-20",
                                                        "2026-11-25"])})
    assert last_meeting(meetings, date(2026, 11, 20))["meeting_id"] == 1    # today: not yet
    assert last_meeting(meetings, date(2026, 11, 21))["meeting_id"] == 2
    assert next_meeting(meetings, date(2026, 11, 21))["meeting_id"] == 3
    assert last_meeting(meetings.iloc[0:0], date(2026, 11, 21)) is None


def test_chart_markers_inside_the_weeks_and_escaped():
    weeks = pd.date_range("2026-03-02", periods=4, freq="7D")
    series = pd.DataFrame({"label": "A", "week": weeks, "count": [1.0, 2.0, 3.0, 4.0]})
    marks = pd.DataFrame({"date": pd.to_datetime(["2026-03-10", "2025-01-01"]),
                          "label": ["<img src=x onerror=alert(1)>", "alt"],
                          "text": ["<script>", "alt"]})
    fig = charts.weekly_lines(series, title="t", y_title="y", markers=marks)
    assert len(fig.layout.shapes) == 1
    note = fig.layout.annotations[0]
    assert note.text == "&lt;img src=x onerror=alert(1)&gt;" and note.hovertext == "&lt;script&gt;"


def test_markers_with_no_measure_for_the_indicator_are_empty_not_an_error():
    """The district page crashed (KeyError 'districts') when no measure in effect named the
    chosen indicator: an empty selection must give no markers."""
    import pandas as pd

    from lagebild.measures.views import markers
    measures = pd.DataFrame({"implemented_on": [pd.Timestamp("2026-11-01")],
                             "status": ["umgesetzt"], "indicators": [["naloxon"]],
                             "districts": [[]], "title": ["Naloxon-Schulung"]})
    assert markers(measures, "spritzenfunde", ["1"]).empty
    assert list(markers(measures, "naloxon", ["1"])["label"]) == ["Naloxon-Schulung"]
