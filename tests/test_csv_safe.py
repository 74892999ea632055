"""CSV injection (issue #21, point 6): every downloadable CSV neutralises what a
spreadsheet could run, including leading blanks, full-width forms and DDE pipes."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from lagebild.csv_safe import neutralise
from lagebild.export import to_csv_bytes
from lagebild.ingest.parse import UploadError
from lagebild.ingest.errors import errors_csv

RUNS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1+1", "  +A1",
        "\u00a0=1", "\u3000=1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "|calc", "｜calc",
        "%0A=1", "﹦1", "−1", "=cmd|' /C calc'!A0"]
PLAIN = ["Altstadt", "Groß-Zschocher", "12", "1 = 1", "a|b", "Spritzen (Park)", ""]


@pytest.mark.parametrize("cell", RUNS)
def test_cells_a_spreadsheet_could_run_get_an_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", PLAIN)
def test_ordinary_text_stays(cell):
    assert neutralise(cell) == cell


def _cells(data: bytes, sep: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


def test_export_and_error_list_csv_carry_the_apostrophe():
    frame = pd.DataFrame({"note": RUNS, "count": range(len(RUNS))})
    rows = _cells(to_csv_bytes(frame), ";")[1:]
    assert [r[0] for r in rows] == ["'" + c for c in RUNS]
    assert [r[1] for r in rows] == [str(i) for i in range(len(RUNS))]   # numbers stay
    errors = [UploadError(2, "notiz", c, "x") for c in RUNS]
    values = [r[2] for r in _cells(errors_csv(errors, "de"), ";")[1:]]
    assert values == ["'" + c for c in RUNS]
