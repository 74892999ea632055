"""An AppTest per page, on the demo database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import Actor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, with_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.chdir(ROOT)

    def open_page(page: str | None = None, lang: str = "de",
                  actor: Actor = Actor("k", "krisenstab", cities=frozenset({"Musterstadt"}))
                  ) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["lagebild_actor"] = actor
        if lang == "en":
            at.session_state["lagebild_lang"] = "en"
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


def test_overview_shows_the_latest_complete_week_per_indicator(app):
    at = app()
    assert only(at.title).value == "Lagebild Musterstadt – KW 46/2026"
    labels = {m.label for m in at.metric}
    assert {"Spritzenfunde", "Drogennotfälle", "Naloxon-Gaben", "Drogentodesfälle"} <= labels
    assert any("Demo-Daten" in w.value for w in at.warning)
    matrix = frame_with(at, after=with_text(at.subheader, "Stadtteile in"))   # not the Ampel
    assert len(matrix) == 15 and "Drogennotfälle" in matrix.columns


def test_overview_shows_the_current_overdose_outbreak(app):
    at = app()
    overdoses = labelled(at.metric, "Drogennotfälle")
    assert overdoses.delta.startswith("+")           # far above the 8-week mean
    at.selectbox(key="overview_indicator").set_value("drogennotfaelle").run()
    detail = frame_with(at, "Stadtteil", "Vorwoche")
    assert detail.iloc[0]["Stadtteil"] == "Gesamtstadt"
    assert detail.iloc[1]["Stadtteil"] == "Bahnhofsviertel"   # the hot spot leads the list


def test_overview_week_can_be_changed(app):
    at = app()
    at.sidebar.selectbox(key="overview_week").select_index(3).run()
    assert only(at.title).value == "Lagebild Musterstadt – KW 43/2026"


def test_map_page_renders_a_choropleth_with_all_districts(app):
    at = app("pages/map.py")
    assert only(at.title).value == "Karte Musterstadt"
    assert any("Keine Hintergrundkarte" in c.value for c in at.caption)
    table = frame_with(at, "Stadtteil")
    assert len(table) == 15
    at.radio(key="map_measure").set_value(True).run()
    assert not at.exception
    assert any("je 10 000 Einwohner" in c for c in frame_with(at, "Stadtteil").columns)


def test_trends_page_compares_districts(app):
    at = app("pages/trends.py")
    assert only(at.title).value == "Trends Musterstadt"
    ms = at.multiselect(key="trends_districts")
    assert ms.value == ["__city__"] and ms.options[0] == "Gesamtstadt"
    ms.set_value(["__city__", "1", "2"]).run()
    assert not at.exception
    assert at.multiselect(key="trends_districts").value == ["__city__", "1", "2"]
    spec = json.loads(only(at.get("plotly_chart")).proto.spec)
    names = [trace["name"] for trace in spec["data"]]
    assert len(names) == 3 + 3 and names[0] == "Gesamtstadt"   # + alert band (#4): 3 traces
    assert len(spec["data"][0]["x"]) == 52          # default period: 52 weeks
    assert any("niemand gemeldet" in c.value for c in at.caption)


def test_english_switch(app):
    at = app(lang="en")
    assert only(at.title).value == "Situation Musterstadt – W46/2026"
    assert any("Demo data" in w.value for w in at.warning)


def test_empty_database_explains_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(tmp_path / "leer.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lagebild_actor"] = Actor("a", "admin")
    at.run()
    assert not at.exception
    assert "lagebild demo" in only(at.info).value
