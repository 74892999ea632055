"""AppTests of the pages of #6: Maßnahmen, Sitzungen, Stadtteil, Briefing; the markers on the
trend chart and the "since the last meeting" period on the map."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, only  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = frozenset({"Musterstadt"})
KRISENSTAB = Actor("petra", "krisenstab", cities=CITY)
GAST = Actor("gast", "gast", cities=CITY)
OUTREACH = Actor("sw", "outreach", cities=CITY,
                 organisation="Streetwork Kontaktladen Lichtblick (Demo)")


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.chdir(ROOT)

    def open_page(page: str, actor: Actor = KRISENSTAB, lang: str = "de") -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["lagebild_actor"] = actor
        at.session_state["lagebild_lang"] = lang
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


def _stored(demo_db):
    s = Store(demo_db)
    try:
        return s.measures(SYSTEM, "Musterstadt"), s.measure_history(SYSTEM, "Musterstadt")
    finally:
        s.close()


def test_measures_page_lists_creates_and_changes_status(app, demo_db):
    at = app("pages/measures.py")
    assert only(at.title).value == "Maßnahmen Musterstadt"
    table = frame_with(at, "Maßnahme", "Fällig am")
    assert "Naloxon-Schulungen für Szenegänger im Bahnhofsviertel" in set(table["Maßnahme"])
    assert "Platzverweise am Bahnhofsvorplatz" not in set(table["Maßnahme"])  # dropped: hidden

    at.text_input(key="measure_new_title").input("Spritzenautomat am Stadtpark")
    at.selectbox(key="measure_new_body").set_value("drogenhilfe")
    at.multiselect(key="measure_new_districts").set_value(["2"])
    at.multiselect(key="measure_new_indicators").set_value(["spritzenfunde"])
    at.button(key="measure_new_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Spritzenautomat am Stadtpark" in s.value for s in at.success)
    assert "Spritzenautomat am Stadtpark" in set(frame_with(at, "Maßnahme", "Fällig am")["Maßnahme"])
    measures, _ = _stored(demo_db)
    new_id = int(measures.loc[measures["title"] == "Spritzenautomat am Stadtpark",
                              "measure_id"].iloc[0])

    at.selectbox(key="measures_selected").set_value(new_id).run()
    key = f"measure_edit_{new_id}"
    at.selectbox(key=f"{key}_status").set_value("umgesetzt")
    at.text_input(key=f"{key}_comment").input("aufgestellt")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    measures, history = _stored(demo_db)
    row = measures[measures["measure_id"] == new_id].iloc[0]
    assert row["status"] == "umgesetzt" and row["implemented_on"] is not None
    mine = history[history["measure_id"] == new_id]
    assert list(mine["to_status"]) == ["geplant", "umgesetzt"]
    assert list(mine["changed_by"]) == ["petra", "petra"]
    assert mine.iloc[1]["comment"] == "aufgestellt"
    shown = frame_with(at, "Wer", "Kommentar")
    assert "geplant → umgesetzt" in set(shown["Status"])


def test_measures_page_shows_before_after_with_its_limits(app):
    at = app("pages/measures.py")
    at.multiselect(key="measures_filter_status").set_value(["umgesetzt"]).run()
    at.selectbox(key="measures_selected").set_value(1).run()      # Mühlenbrücke, 2024
    effect = frame_with(at, "Differenz je Woche")
    assert list(effect["Indikator"]) == ["Spritzenfunde"]
    assert any("kein Wirkungsnachweis" in c.value for c in at.caption)


@pytest.mark.parametrize("actor", [GAST, OUTREACH])
def test_measures_and_meetings_are_read_only_for_gast_and_outreach(app, actor):
    at = app("pages/measures.py", actor)
    assert not frame_with(at, "Maßnahme", "Fällig am").empty
    assert not [t for t in at.text_input if t.key and t.key.startswith("measure_")]
    assert len(at.tabs) == 2                                        # no "Bearbeiten"
    at = app("pages/meetings.py", actor)
    assert not frame_with(at, "Teilnehmende").empty
    assert not [d for d in at.date_input if d.key and d.key.startswith("meeting_")]


def test_meetings_page_records_a_meeting(app, demo_db):
    at = app("pages/meetings.py")
    assert only(at.title).value == "Sitzungen Musterstadt"
    assert any("16.09.2026" in i.value for i in at.info)           # since the last meeting
    import datetime
    at.date_input(key="meeting_new_held_on").set_value(datetime.date(2026, 11, 17))   # the day before "today"
    at.multiselect(key="meeting_new_participants").set_value(["Polizei", "Drogenhilfe"])
    at.text_area(key="meeting_new_decisions").input("Sondersitzung wegen Nitazenen")
    at.button(key="meeting_new_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    s = Store(demo_db)
    meetings = s.meetings(SYSTEM, "Musterstadt")
    s.close()
    assert "Sondersitzung wegen Nitazenen" in set(meetings["decisions"])
    assert any("17.11.2026" in i.value for i in at.info)          # now the last meeting
    at.selectbox(key="meetings_selected").set_value(
        int(meetings.loc[meetings["held_on"].dt.month == 9, "meeting_id"].iloc[0])).run()
    agreed = frame_with(at, "Maßnahme", "Fällig am")
    assert "Naloxon-Schulungen für Szenegänger im Bahnhofsviertel" in set(agreed["Maßnahme"])


def test_district_page_shows_indicators_alerts_measures_and_trends(app):
    at = app("pages/district.py")
    at.sidebar.selectbox(key="district_page_district").set_value("2").run()
    assert only(at.title).value == "Bahnhofsviertel (Musterstadt)"
    indicators = frame_with(at, "Indikator", "Vorwoche")
    assert "Drogennotfälle" in set(indicators["Indikator"]) and len(indicators) >= 6
    assert any("▲ rot" in m.value and "Bahnhofsviertel" in m.value for m in at.markdown)
    assert "Naloxon-Schulungen für Szenegänger im Bahnhofsviertel" in set(
        frame_with(at, "Maßnahme", "Fällig am")["Maßnahme"])
    charts = at.get("plotly_chart")
    assert len(charts) >= 6
    shapes = [json.loads(c.proto.spec)["layout"].get("shapes", []) for c in charts]
    assert any(shapes), "no measure marker on any trend"


def test_district_page_is_suppressed_for_gast(app):
    at = app("pages/district.py", GAST)
    at.sidebar.selectbox(key="district_page_district").set_value("2").run()
    table = frame_with(at, "Indikator", "Vorwoche").set_index("Indikator")
    for ind in ("Drogennotfälle", "Drogentodesfälle", "Naloxon-Gaben"):
        for cell in table.loc[ind, ["Woche", "Vorwoche"]]:
            assert cell in {"< 5", "×", "0", "–"} or int(cell.replace(".", "")) >= 5, cell
        assert table.loc[ind, "Mittel 8 Wochen"] == "–"
    assert any("Gesamtstadt" in c.value for c in at.caption)      # no person-related trends


def test_briefing_page_makes_the_documents(app):
    at = app("pages/briefing.py")
    assert only(at.title).value == "Briefing Musterstadt"
    assert "Seit der letzten Sitzung (16.09.2026)" in at.radio(key="briefing_period").options
    at.button(key="briefing_make").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Briefing erstellt" in s.value for s in at.success)
    assert len(at.get("download_button")) == 2


def test_briefing_page_is_restricted_for_gast(app):
    at = app("pages/briefing.py", GAST)
    assert any("Eingeschränkte Fassung" in i.value for i in at.info)


def test_trend_chart_marks_measures(app):
    at = app("pages/trends.py")
    at.selectbox(key="trends_indicator").set_value("spritzenfunde").run()
    at.select_slider(key="trends_weeks").set_value(156).run()
    at.multiselect(key="trends_districts").set_value(["4"]).run()     # Mühlenviertel
    spec = json.loads(only(at.get("plotly_chart")).proto.spec)
    texts = [a.get("hovertext", "") for a in spec["layout"].get("annotations", [])]
    assert any("Zusätzliche Spritzenabwurfbehälter an der Mühlenbrücke" in t
               for t in texts), texts


def test_map_offers_since_the_last_meeting(app):
    at = app("pages/map.py")
    labels = at.selectbox(key="map_period").options
    assert any("seit der letzten Sitzung am 16.09.2026" in o for o in labels), labels
