"""The xlsx budgets of ``lagebild.ingest.guard`` on small files (the full-size hostile files
run in ``test_hostile_memory.py``): each budget refuses with its German reason, an ordinary
workbook passes, and the upload check reports the refusal without reading the sheet."""

from __future__ import annotations

import io
import random
import string
import zipfile

import openpyxl

from lagebild.ingest.guard import check_xlsx
from lagebild.ingest.xlsx import read_xlsx


def workbook(rows: int = 3, text: str = "Altstadt") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["datum", "stadtteil", "indikator", "anzahl"])
    for i in range(rows):
        ws.append(["2026-11-03", text, "spritzenfunde", i])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_sheet(sheet_xml: bytes) -> bytes:
    """An ordinary workbook whose first sheet's XML is replaced."""
    src = zipfile.ZipFile(io.BytesIO(workbook()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            zf.writestr(name, sheet_xml if name.endswith("sheet1.xml") else src.read(name))
    return buf.getvalue()


def test_ordinary_workbook_passes_and_reads():
    data = workbook(rows=500)
    assert check_xlsx(data) is None
    table, errors = read_xlsx(data)
    assert errors == [] and len(table.cells) == 500


def test_long_text_without_tags_is_refused_even_when_it_does_not_pack_well():
    random.seed(1)
    noise = "".join(random.choices(string.ascii_letters, k=3 * 1024 * 1024)).encode()
    data = with_sheet(b"<worksheet><sheetData>" + noise + b"</sheetData></worksheet>")
    assert check_xlsx(data).key == "ingest.file.xlsx_text_run"
    table, errors = read_xlsx(data)
    assert table is None
    assert "mehr als 1 MB Text oder Leerraum" in errors[0].message
    assert "xl/worksheets/sheet1.xml" in errors[0].message


def test_too_many_rows_and_cells_are_refused_before_openpyxl_reads():
    data = workbook(rows=120)
    assert check_xlsx(data, max_rows=100).key == "ingest.file.xlsx_rows"
    assert check_xlsx(data, max_rows=1000, max_cells=400).key == "ingest.file.xlsx_cells"
    assert check_xlsx(data, max_rows=1000, max_cells=10_000) is None


def test_shared_strings_count_against_the_cell_budget():
    shared = b"<sst>" + b"".join(b"<si><t>w%d</t></si>" % i for i in range(300)) + b"</sst>"
    src = zipfile.ZipFile(io.BytesIO(workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            if name != "xl/sharedStrings.xml":
                zf.writestr(name, src.read(name))
        zf.writestr("xl/sharedStrings.xml", shared)
    assert check_xlsx(out.getvalue(), max_cells=100).key == "ingest.file.xlsx_cells"


def test_highly_packed_part_is_refused_as_zip_bomb():
    data = with_sheet(b"<worksheet><sheetData>" + b"<row/>" * (4 * 1024 * 1024)
                      + b"</sheetData></worksheet>")
    refusal = check_xlsx(data, max_rows=10**9, max_cells=10**9)
    assert refusal.key == "ingest.file.xlsx_ratio"
    table, errors = read_xlsx(data)
    assert table is None and "Zip-Bombe" in errors[0].message
