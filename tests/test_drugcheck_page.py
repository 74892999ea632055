"""AppTest of the upload page with a test-results file (#18): template, errors, import."""

import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
ORG = "Streetwork Kontaktladen Lichtblick (Demo)"
SW = Actor("streetwork", "outreach", cities=frozenset({CITY}), organisation=ORG)
HEADER = "datum;ort;probe;verkauft_als;methode;substanz;ergebnis\n"


@pytest.fixture
def page(demo_db, monkeypatch):
    store = Store(demo_db)
    places = store.places(SYSTEM, CITY)
    if not (places["name"] == "Testort Mitte").any():
        first = store.districts(SYSTEM, CITY).geometry.iloc[0].representative_point()
        extra = pd.DataFrame([{"name": "Testort Mitte", "kind": "drugchecking",
                               "lat": first.y, "lon": first.x}])
        store.replace_places(SYSTEM, CITY, pd.concat([places[["name", "kind", "lat", "lon"]],
                                                      extra], ignore_index=True))
    store.close()
    return open_app(demo_db, monkeypatch, SW, "pages/upload.py")


def _file(page):
    return labelled(page.file_uploader, "Datei (CSV oder XLSX)")


def test_test_results_file_shows_line_errors_then_imports(page, demo_db):
    assert [b for b in page.get("download_button") if "Testergebnisse" in b.label]
    bad = HEADER + "16.11.2026;Testort Mitte;P1;Heroin;Schnelltest;Fentanyl;positiv\n" \
                   "16.11.2026;Testort Mitte;P2;Heroin;Schnelltest;Kokain;positiv\n"
    _file(page).upload("tests.csv", bad.encode(), "text/csv").run()
    errors = frame_with(page, "Zeile", "Meldung")
    assert errors.iloc[:, 0].tolist() == [3]
    assert "kann Kokain nicht nachweisen" in " ".join(map(str, errors.to_numpy().ravel()))
    assert not [b for b in page.button if b.key == "upload_import"]
    good = bad.replace("Kokain;positiv", "Nitazene;positiv")
    _file(page).upload("tests2.csv", good.encode(), "text/csv").run()
    page.button(key="upload_import").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert any("2 Proben mit 2 Testergebnissen importiert" in s.value for s in page.success)


def _open(demo_db, monkeypatch, actor):
    return open_app(demo_db, monkeypatch, actor, "pages/drugcheck.py")


def test_drugcheck_page_shows_shares_with_intervals_matrix_and_signals(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, Actor("k", "krisenstab", cities=frozenset({CITY})))
    assert only(at.title).value == "Drug-Checking Musterstadt – KW 46/2026"   # newest week
    assert "KW 43/2026" in at.sidebar.selectbox(key="drugcheck_week").options
    at.sidebar.selectbox(key="drugcheck_week").set_value(date(2026, 10, 19)).run()
    assert only(at.title).value == "Drug-Checking Musterstadt – KW 43/2026"
    signals = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert signals.startswith("- Nitazene erstmals in der Stadt nachgewiesen am 20.10.2026")
    city = frame_with(at, "Substanz", "Erstmals in der Stadt")
    store = Store(demo_db)
    tests = store.drug_tests(SYSTEM, CITY)
    store.close()
    week_rows = tests[(pd.to_datetime(tests["date"]) >= "2026-10-19")
                      & (pd.to_datetime(tests["date"]) <= "2026-10-25")
                      & (tests["substance"] == "nitazene")
                      & tests["result"].isin(["positiv", "negativ"])]
    n, k = len(week_rows), int((week_rows["result"] == "positiv").sum())
    row = city[city["Substanz"] == "Nitazene"].iloc[0]
    assert (row["Gültige Tests"], row["Positiv"]) == (n, k)
    assert row["Anteil (95-%-Intervall)"].startswith(f"{k} von {n} (")
    assert row["Anteil (95-%-Intervall)"].endswith(f"), n = {n}")
    assert row["Erstmals in der Stadt"] == "20.10.2026"
    sites = frame_with(at, "Testort", "Substanz")
    assert set(sites["Testort"]) == {"Drogenkonsumraum Bahnhofsviertel (Demo)",
                                     "Drogenkonsumraum Altstadt (Demo)",
                                     "Drug-Checking Musterstadt (Demo)"}
    matrix = frame_with(at, "Verkauft als", "Proben")
    assert list(matrix.columns[:2]) == ["Verkauft als", "Proben"]
    assert matrix.set_index("Verkauft als").loc["Heroin", "Nitazene"] > 0


def test_drugcheck_page_in_english(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = Actor("k", "krisenstab", cities=frozenset({CITY}))
    at.session_state["lagebild_lang"] = "en"
    at.run()
    at.switch_page("pages/drugcheck.py").run()
    assert not at.exception
    assert only(at.title).value == "Drug checking Musterstadt – W46/2026"
    assert "Share (95 % interval)" in frame_with(at, "First in the city").columns
