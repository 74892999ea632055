"""Upload templates: the right columns and lists, and they round-trip through ingest."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CATALOG, SQUARES, TODAY, district_frame  # noqa: E402

from lagebild.ingest.parse import parse_upload  # noqa: E402
from lagebild.ingest.templates import csv_template, xlsx_template  # noqa: E402

DAY = date(2026, 11, 3)


@pytest.fixture(scope="module")
def districts():
    d = district_frame()
    d.insert(0, "district_id", [1, 2, 3])
    return d


def _parse(data, name, districts, lang="de"):
    return parse_upload(data, name, catalog=CATALOG, districts=districts, today=TODAY,
                        lang=lang)


@pytest.mark.parametrize("lang, delim, head, day", [
    ("de", ";", ["datum", "stadtteil", "indikator", "anzahl", "lat", "lon", "bemerkung"],
     "03.11.2026"),
    ("en", ",", ["date", "district", "indicator", "count", "lat", "lon", "note"],
     "2026-11-03"),
])
def test_csv_template_layout(lang, delim, head, day, districts):
    data = csv_template(CATALOG, districts, lang, today=DAY)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delim))
    assert rows[0] == head
    assert len(rows) == 1 + len(CATALOG)
    assert [r[2] for r in rows[1:]] == [i.label(lang) for i in CATALOG]
    assert {r[0] for r in rows[1:]} == {day}
    for row, ind in zip(rows[1:], CATALOG):
        assert bool(row[4]) == ind.points_allowed     # coordinates only where allowed


@pytest.mark.parametrize("lang", ["de", "en"])
def test_csv_template_round_trip(lang, districts):
    data = csv_template(CATALOG, districts, lang, today=DAY)
    as_is = _parse(data, "vorlage.csv", districts, lang)
    assert not as_is.ok
    assert len(as_is.errors) == len(CATALOG)
    assert {e.line for e in as_is.errors} == set(range(2, 2 + len(CATALOG)))
    assert all(e.column in ("bemerkung", "note") for e in as_is.errors)
    marker = "BEISPIEL – Zeile löschen" if lang == "de" else "EXAMPLE – delete this row"
    filled = _parse(data.replace(marker.encode(), b""), "vorlage.csv", districts, lang)
    assert filled.ok, filled.errors
    assert filled.totals == {i.key: n + 1 for n, i in enumerate(CATALOG)}


def test_xlsx_template_sheets_lists_and_round_trip(districts):
    data = xlsx_template(CATALOG, districts, "de", today=DAY)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Daten", "Listen"]
    sheet = wb["Daten"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("datum", "stadtteil", "indikator", "anzahl", "lat", "lon", "bemerkung")
    assert len(rows) == 1 + len(CATALOG)
    assert rows[1][0] == datetime(2026, 11, 3) and sheet["A2"].number_format == "DD.MM.YYYY"
    lists = list(wb["Listen"].iter_rows(values_only=True))
    assert [r[0] for r in lists[1:] if r[0]] == sorted(n for _, n, _ in SQUARES)
    assert [r[1] for r in lists[1:] if r[1]] == [c for c, _, _ in SQUARES]
    assert [r[3] for r in lists[1:] if r[3]] == [i.label_de for i in CATALOG]
    assert [r[4] for r in lists[1:] if r[4]] == CATALOG.keys
    formulas = sorted(dv.formula1 for dv in sheet.data_validations.dataValidation)
    assert formulas == ["'Listen'!$A$2:$A$4", f"'Listen'!$D$2:$D${len(CATALOG) + 1}"]

    as_is = _parse(data, "vorlage.xlsx", districts)
    assert {e.column for e in as_is.errors} == {"bemerkung"} and len(as_is.errors) == \
        len(CATALOG)
    for row in sheet.iter_rows(min_row=2):
        row[6].value = None
    buf = io.BytesIO()
    wb.save(buf)
    filled = _parse(buf.getvalue(), "vorlage.xlsx", districts)
    assert filled.ok, filled.errors
    assert sum(filled.totals.values()) == sum(range(1, len(CATALOG) + 1))


def test_english_xlsx_template(districts):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_template(CATALOG, districts, "en", today=DAY)))
    assert wb.sheetnames == ["Data", "Lists"]
    assert wb["Data"]["A1"].value == "date" and wb["Data"]["C2"].value == "Syringe finds"


def test_templates_for_a_city_without_districts():
    empty = district_frame().iloc[:0]
    rows = list(csv.reader(io.StringIO(csv_template(CATALOG, empty, "de", today=DAY)
                                       .decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + len(CATALOG) and all(r[1] == "" for r in rows[1:])
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_template(CATALOG, empty, "de", today=DAY)))
    assert len(wb["Daten"].data_validations.dataValidation) == 1
