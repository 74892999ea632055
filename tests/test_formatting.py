"""Numbers a crisis team reads: changes on tiny baselines, German tables, whole-number axes
(#15 points 6 and 7)."""

import pandas as pd
import pytest

from lagebild import charts
from lagebild.views import situation as views
from lagebild.analytics import trends
from lagebild.catalog import load_catalog
from lagebild.i18n import fmt_change


@pytest.mark.parametrize("current, base, lang, expected", [
    (55, 40, "de", "+38 %"),        # baseline large enough: a percentage
    (12, 41, "en", "-71%"),
    (1, 0.125, "de", "+0,9"),       # "1 (+700 %)" on a mean of 0,125 deaths: absolute
    (8, 1, "de", "+7"),             # "+700 %" → "+7"
    (3, 0, "de", "+3"),             # from zero: no ratio at all, but the change is known
    (0, 2.5, "de", "-2,5"),
    (4, 4, "de", "±0"),
    (None, 3, "de", "–"),
    (3, float("nan"), "de", "–"),
    (10, 10, "de", "0 %"),
])
def test_change_is_a_percentage_only_on_a_large_enough_baseline(current, base, lang, expected):
    assert fmt_change(current, base, lang) == expected


def _grid():
    weeks = pd.date_range("2026-09-07", periods=10, freq="7D")
    rows = []
    for d, counts in ((1, [0, 0, 0, 0, 0, 0, 0, 1, 0, 1]), (2, [40, 42, 38, 41, 40, 39, 40, 44,
                                                                41, 56])):
        rows += [(d, "drogentodesfaelle", w, c) for w, c in zip(weeks, counts)]
    weekly = pd.DataFrame(rows, columns=["district_id", "indicator", "week", "count"])
    return trends.weekly_grid(weekly, [1, 2], ["drogentodesfaelle"]), weeks[-1]


def _districts():
    return pd.DataFrame({"district_id": [1, 2], "name": ["Altstadt", "Bahnhofsviertel"]})


def test_overview_shows_no_alarming_percentage_for_single_cases():
    grid, week = _grid()
    summary = trends.week_summary(grid, week)
    catalog = load_catalog()
    matrix = views.district_matrix(summary, _districts(), catalog, "de")
    deaths = matrix[catalog["drogentodesfaelle"].label("de")]
    assert deaths["Altstadt"] == "1 (+0,9)"                     # not "1 (+700 %)"
    assert deaths["Bahnhofsviertel"] == "56 (+38 %)"
    metric = next(m for m in views.city_metrics(summary, catalog, week, "de")
                  if m.key == "drogentodesfaelle")
    assert metric.value == "57" and metric.delta.startswith("+40 %")


def test_indicator_detail_is_german_text_with_units():
    grid, week = _grid()
    summary = trends.week_summary(grid, week)
    detail = views.indicator_detail(summary, _districts(), "drogentodesfaelle", "de")
    assert list(detail.columns) == ["Stadtteil", "Woche", "Vorwoche", "Mittel 8 Wochen",
                                    "Veränderung ggü. Vorwoche", "Veränderung ggü. Mittel"]
    text = detail.astype(str).to_numpy().ravel().tolist()
    assert "None" not in text and "nan" not in text
    bahnhof = detail.set_index("Stadtteil").loc["Bahnhofsviertel"]
    assert bahnhof["Mittel 8 Wochen"] == "40,6"                  # not "40.6"
    assert bahnhof["Veränderung ggü. Vorwoche"] == "+37 %"      # the unit is in the cell
    alt = detail.set_index("Stadtteil").loc["Altstadt"]
    assert alt["Veränderung ggü. Vorwoche"] == "+1"             # from 0: absolute


def test_count_charts_have_whole_number_ticks_and_iso_weeks():
    grid, _ = _grid()
    series = views.trend_series(grid, _districts(), "drogentodesfaelle", [1], 10, "de")
    fig = charts.weekly_lines(series, title="t", y_title="Fälle", lang="de")
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"
    assert fig.layout.xaxis.tickformat == "KW %V/%G"
    rates = series.assign(count=series["count"] * 0.37)
    fig = charts.weekly_lines(rates, title="t", y_title="je 10 000", lang="en")
    assert fig.layout.yaxis.dtick is None                        # rates keep decimals
    assert fig.layout.xaxis.tickformat == "W%V/%G"


def test_wide_tables_show_every_header_and_every_district():
    """#15 point 8: "Schnelltests positi…", 10 of 15 districts without a hint to scroll."""
    frame = pd.DataFrame({"Schnelltests positiv (Fentanyl/Nitazene)": ["● grün"] * 15},
                         index=pd.Index([f"Stadtteil {i}" for i in range(15)], name="Stadtteil"))
    widths = views.column_widths(frame, index=True)
    header = "Schnelltests positiv (Fentanyl/Nitazene)"
    assert widths[header] >= views.PAD_PX + views.CHAR_PX * len(header)
    assert widths["_index"] >= views.CHAR_PX * len("Stadtteil 14")
    assert views.table_height(15) == views.ROW_PX * 16 + 3       # all 15 rows, no scrolling
    assert views.table_height(500) == "auto"


def test_measures_table_puts_status_and_due_date_next_to_the_title():
    from lagebild.measures import views as measure_views
    measures = pd.DataFrame({
        "measure_id": [1], "title": ["Spritzenautomat"], "body": ["ordnungsamt"],
        "districts": [[1]], "indicators": [["spritzenfunde"]], "status": ["geplant"],
        "due_on": [pd.Timestamp("2026-12-01")], "implemented_on": [None], "meeting_on": [None],
        "alert_id": [None]})
    table = measure_views.measures_table(measures, _districts(), {}, load_catalog(), "de",
                                         today=pd.Timestamp("2026-11-20").date())
    assert list(table.columns[:4]) == ["Nr.", "Maßnahme", "Status", "Fällig am"]
