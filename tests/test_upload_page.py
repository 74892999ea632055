"""AppTest of 'Daten hochladen': errors with line numbers, preview, import, withdraw."""

import sys
from pathlib import Path

import pytest

from lagebild.access import Actor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ORG = "Streetwork Kontaktladen Lichtblick (Demo)"
SW = Actor("streetwork", "outreach", cities=frozenset({"Musterstadt"}), organisation=ORG)
GOOD = "datum;stadtteil;indikator;anzahl;bemerkung\n" \
       "12.11.2026;Bahnhofsviertel;Naloxon-Gaben;3;Einsatz am Brunnen\n" \
       "13.11.2026;bahnhofsviertel;naloxon;1;=HYPERLINK(\"x\")\n"
BAD = "datum;stadtteil;indikator;anzahl\n" \
      "31.02.2026;Bahnhofsviertel;naloxon;2\n" \
      "12.11.2026;Bahnhofsvirtel;naloxon;2\n" \
      "12.11.2026;Altstadt;naloxon;ca. 5\n"


@pytest.fixture
def page(demo_db, monkeypatch):
    return open_app(demo_db, monkeypatch, SW, "pages/upload.py")


def _file(page):
    return labelled(page.file_uploader, "Datei (CSV oder XLSX)")


def _uploads(page):
    """The list of earlier uploads at the bottom of the page."""
    return frame_with(page, "Nr.", "Organisation", "Datei", "Status")


def test_errors_are_listed_with_line_and_column(page):
    _file(page).upload("meldung.csv", BAD.encode(), "text/csv").run()
    assert not page.exception
    errors = frame_with(page, "Zeile", "Meldung")
    cols = {c.lower(): c for c in errors.columns}
    lines = list(errors[cols.get("zeile", errors.columns[0])])
    assert lines == [2, 3, 4]
    text = " ".join(str(v) for v in errors.to_numpy().ravel())
    assert "31.02.2026" in text and "Bahnhofsviertel" in text    # "meinten Sie …?"
    assert not [b for b in page.button if b.key == "upload_import"]


def test_valid_file_previews_imports_and_can_be_withdrawn(page):
    _file(page).upload("meldung.csv", GOOD.encode(), "text/csv").run()
    assert any("2" in s.value for s in page.success)             # valid, 2 rows
    page.button(key="upload_import").click().run()
    assert not page.exception
    assert any("importiert" in s.value for s in page.success)
    uploads = _uploads(page)
    mine = uploads[uploads["Organisation"] == ORG]
    new_id = int(mine["Nr."].max())
    assert mine.loc[mine["Nr."] == new_id, "Zeilen"].iloc[0] == "2"
    assert mine.loc[mine["Nr."] == new_id, "Status"].iloc[0] == "importiert"
    page.button(key=f"withdraw_{new_id}").click().run()
    # #15.9: one click only asks; it names the file, the organisation and the rows
    warning = " ".join(w.value for w in page.warning)
    assert f"Upload {new_id} wirklich zurückziehen" in warning and "2 Zeilen" in warning
    assert _uploads(page).loc[lambda d: d["Nr."] == new_id, "Status"].iloc[0] == "importiert"
    page.button(key="withdraw_no").click().run()                 # cancel: nothing happens
    assert not any("wirklich" in w.value for w in page.warning)
    assert _uploads(page).loc[lambda d: d["Nr."] == new_id, "Status"].iloc[0] == "importiert"
    page.button(key=f"withdraw_{new_id}").click().run()
    page.button(key="withdraw_yes").click().run()
    assert any("zurückgezogen" in s.value for s in page.success)
    uploads = _uploads(page)
    row = uploads.loc[uploads["Nr."] == new_id].iloc[0]
    assert row["Status"] == "zurückgezogen" and row["zurückgezogen (von, am)"].startswith(
        "streetwork, ")
    text = " ".join(str(v) for v in uploads.to_numpy().ravel()) + " ".join(uploads.columns)
    for raw in ("None", "upload_id", "row_count", "imported", "NaT"):
        assert raw not in text


def test_same_file_twice_is_recognised(page):
    _file(page).upload("meldung.csv", GOOD.encode(), "text/csv").run()
    page.button(key="upload_import").click().run()
    _file(page).upload("nochmal.csv", GOOD.encode(), "text/csv").run()
    assert any("bereits importiert" in e.value for e in page.error)


def test_templates_are_offered(page):
    assert page.get("download_button"), "no download buttons"


def test_an_upload_for_a_newer_partial_week_is_findable_and_marked(page, demo_db):
    """#15 point 5: a KW 48 upload of a few days landed, but the week picker stopped at the
    last complete week and the message did not say where the numbers show."""
    import pandas as pd

    from lagebild.access import SYSTEM
    from lagebild.analytics import trends
    from lagebild.store import Store
    s = Store(demo_db)
    g = trends.weekly_grid(s.weekly_counts(SYSTEM, "Musterstadt"),
                           list(s.districts(SYSTEM, "Musterstadt")["district_id"]),
                           ["naloxon"], s.coverage(SYSTEM, "Musterstadt"))
    s.close()
    latest = trends.latest_complete_week(g)
    newer = latest + pd.Timedelta(days=7)     # the Monday after (the clock says 18.11.2026)
    csv = ("datum;stadtteil;indikator;anzahl\n"
           f"{newer:%d.%m.%Y};Bahnhofsviertel;Naloxon-Gaben;3\n"
           f"{newer + pd.Timedelta(days=1):%d.%m.%Y};Altstadt;Naloxon-Gaben;2\n")
    _file(page).upload("neu.csv", csv.encode(), "text/csv").run()
    page.button(key="upload_import").click().run()
    message = " ".join(s.value for s in page.success)
    label = trends.iso_label(newer)
    assert "importiert" in message and f"Berichtswoche“ ({label})" in message
    page.switch_page("pages/overview.py").run()
    assert not page.exception
    picker = page.sidebar.selectbox(key="overview_week")
    assert picker.options[0] == f"{label} (unvollständig: 2 von 7 Tagen)"
    assert picker.value == latest                               # default: the complete week
    picker.set_value(newer).run()
    assert label in only(page.title).value and not page.exception
    import json                                               # the trend has its point
    page.switch_page("pages/trends.py").run()
    page.selectbox(key="trends_indicator").set_value("naloxon").run()
    spec = json.loads(only(page.get("plotly_chart")).proto.spec)
    line = next(tr for tr in spec["data"] if tr.get("name") == "Gesamtstadt")
    assert any(str(x).startswith(f"{newer:%Y-%m-%d}") for x in line["x"]), line["x"][-3:]
