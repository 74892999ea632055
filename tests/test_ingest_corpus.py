"""The upload corpus: every malformed file is rejected with the expected line, column and
message and leaves the database unchanged; every good file imports with the expected totals.
"""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import (BAD, CATALOG, CITY, GOOD, TODAY, assert_unchanged,  # noqa: E402
                             bad_expectations, districts_of, good_expectations, make_store,
                             observation_count, snapshot)

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.ingest.importer import import_file  # noqa: E402
from lagebild.ingest.parse import parse_upload  # noqa: E402

EXPECTED = bad_expectations()
GOOD_EXPECTED = good_expectations()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One database for the module, with one earlier upload so 'unchanged' means something."""
    s = make_store(tmp_path_factory.mktemp("corpus") / "t.duckdb")
    seed = "datum;stadtteil;indikator;anzahl\n01.11.2026;Altstadt;naloxon;4\n".encode()
    out = import_file(s, SYSTEM, CITY, "Streetwork", seed, "seed.csv", today=TODAY)
    assert out.status == "imported"
    yield s
    s.close()


def test_corpus_is_big_enough():
    files = [p for p in BAD.iterdir() if p.name != "expected.csv"]
    assert len(files) >= 40
    assert sorted(p.name for p in files) == sorted(EXPECTED), "every file needs expectations"


def _key(e):
    return (e.line, e.column)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_rejected_with_expected_errors(name, store):
    data = (BAD / name).read_bytes()
    parsed = parse_upload(data, name, catalog=CATALOG, districts=districts_of(store),
                          today=TODAY)
    assert not parsed.ok
    want = EXPECTED[name]
    assert sorted(map(_key, parsed.errors), key=str) == \
        sorted(((w["line"], w["column"]) for w in want), key=str), parsed.errors
    for w in want:
        hits = [e for e in parsed.errors if _key(e) == (w["line"], w["column"])]
        assert any(w["message"] in e.message for e in hits), (w, hits)

    before = snapshot(store)
    outcome = import_file(store, SYSTEM, CITY, "Streetwork", data, name, today=TODAY)
    assert outcome.status == "rejected" and outcome.upload_id is None
    assert outcome.errors == parsed.errors
    assert_unchanged(before, snapshot(store))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_has_english_messages(name, store):
    parsed = parse_upload((BAD / name).read_bytes(), name, catalog=CATALOG,
                          districts=districts_of(store), today=TODAY, lang="en")
    de = parse_upload((BAD / name).read_bytes(), name, catalog=CATALOG,
                      districts=districts_of(store), today=TODAY, lang="de")
    assert [e.line for e in parsed.errors] == [e.line for e in de.errors]
    assert [e.message for e in parsed.errors] != [e.message for e in de.errors]


def test_oversize_file_rejected_naming_both_sizes(store):
    data = ("datum;stadtteil;indikator;anzahl\n"
            + "03.11.2026;Altstadt;naloxon;1\n" * 40_000).encode()   # ~1.2 MB
    parsed = parse_upload(data, "big.csv", catalog=CATALOG, districts=districts_of(store),
                          today=TODAY, limit_bytes=1024 * 1024)
    assert not parsed.ok and len(parsed.errors) == 1
    msg = parsed.errors[0].message
    size = f"{len(data) / 2**20:.1f}".replace(".", ",")
    assert f"{size} MB" in msg and "1,0 MB" in msg, msg
    before = snapshot(store)
    outcome = import_file(store, SYSTEM, CITY, "Streetwork", data, "big.csv", today=TODAY,
                          limit_bytes=1024 * 1024)
    assert outcome.status == "rejected"
    assert_unchanged(before, snapshot(store))


@pytest.mark.parametrize("name", sorted(GOOD_EXPECTED))
def test_good_file_imports(name, tmp_path):
    store = make_store(tmp_path / "t.duckdb")
    data = (GOOD / name).read_bytes()
    parsed = parse_upload(data, name, catalog=CATALOG, districts=districts_of(store),
                          today=TODAY)
    assert parsed.ok, parsed.errors
    assert parsed.by_district == GOOD_EXPECTED[name]
    outcome = import_file(store, SYSTEM, CITY, "Streetwork", data, name, today=TODAY)
    assert outcome.status == "imported", outcome.errors
    assert observation_count(store) == len(parsed.rows)
    assert outcome.by_district == GOOD_EXPECTED[name]
    store.close()


def test_good_files_cover_the_promised_variants():
    assert (GOOD / "cp1252_umlauts.csv").read_bytes().count(b"\xdf") >= 1   # ß in cp1252
    assert (GOOD / "utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\t" in (GOOD / "tab_delimited.csv").read_bytes()
    assert b"51,325" in (GOOD / "decimal_comma_coordinates.csv").read_bytes()
    assert (GOOD / "english_headers.csv").read_text().startswith("Date,District,Indicator")


def test_formula_like_notes_stay_text(tmp_path):
    store = make_store(tmp_path / "t.duckdb")
    data = (GOOD / "formula_like_notes.csv").read_bytes()
    import_file(store, SYSTEM, CITY, "Streetwork", data, "n.csv", today=TODAY)
    notes = set(store.observations(SYSTEM, CITY)["note"])
    assert notes == {'=HYPERLINK("http://x.example";"klick")', "+49 341 000", "-Ende-",
                     "@streetwork", "zwei;\nZeilen"}
    store.close()


def _xlsx(rows, title="Daten", extra_sheets=()) -> bytes:
    """Rows into a sheet; strings starting with '=' become text cells (like '=… in Excel)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for i, name in enumerate(extra_sheets):
        wb.create_sheet(name, i).append(["nichts", "hier"])
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_good_xlsx_generated(tmp_path):
    store = make_store(tmp_path / "t.duckdb")
    data = _xlsx([
        ["Datum", "Stadtteil", "Indikator", "Anzahl", "lat", "lon", "Bemerkung"],
        [datetime(2026, 11, 3), "Groß-Zschocher", "Drogennotfälle", 3, None, None, None],
        [date(2026, 11, 4), "südvorstadt", "naloxon", 2.0, None, None, "=SUMME(A1:A3)"],
        [None, None, None, None, None, None, None],
        ["05.11.2026", None, "Spritzenfunde", None, 51.325, 12.325, "@Bahnhof"],
    ])
    parsed = parse_upload(data, "w.xlsx", catalog=CATALOG, districts=districts_of(store),
                          today=TODAY)
    assert parsed.ok, parsed.errors
    assert parsed.rows["line"].tolist() == [2, 3, 5]        # Excel row numbers
    assert parsed.by_district == {"Altstadt": {"spritzenfunde": 1},
                                  "Groß-Zschocher": {"drogennotfaelle": 3},
                                  "Südvorstadt": {"naloxon": 2}}
    outcome = import_file(store, SYSTEM, CITY, "Streetwork", data, "w.xlsx", today=TODAY)
    assert outcome.status == "imported"
    assert "=SUMME(A1:A3)" in set(store.observations(SYSTEM, CITY)["note"])
    store.close()


def test_xlsx_errors_name_excel_rows_and_named_sheet(tmp_path):
    store = make_store(tmp_path / "t.duckdb")
    data = _xlsx([["datum", "stadtteil", "indikator", "anzahl"],
                  [date(2026, 11, 3), "Altstadt", "naloxon", 2.5],
                  [date(2026, 12, 30), "Altstadt", "naloxon", 1]],
                 title="Meldung", extra_sheets=("Deckblatt",))
    # first sheet is the cover sheet: no usable columns
    first = parse_upload(data, "w.xlsx", catalog=CATALOG, districts=districts_of(store),
                         today=TODAY)
    assert not first.ok and {e.line for e in first.errors} == {1}
    named = parse_upload(data, "w.xlsx", catalog=CATALOG, districts=districts_of(store),
                         today=TODAY, sheet="meldung")
    assert [(e.line, e.column) for e in named.errors] == [(2, "anzahl"), (3, "datum")]
    assert "2.5" in named.errors[0].message
    missing = parse_upload(data, "w.xlsx", catalog=CATALOG, districts=districts_of(store),
                           today=TODAY, sheet="Tabelle9")
    assert "Deckblatt, Meldung" in missing.errors[0].message, missing.errors
    store.close()
