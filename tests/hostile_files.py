"""The hostile-file corpus of issue #21 (point 1), generated on demand, never committed.

Used by ``tests/test_hostile_memory.py`` (each file rejected by the CLI and by the server's
upload check in a subprocess under ``ulimit -v``) and ``benchmarks/bench_hostile.py`` (peak
resident memory and time, written to docs/benchmarks.md). Every generator writes into a
directory given by the caller and returns the path; none holds the whole file in memory.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import openpyxl

MiB = 1024 * 1024


def _template_parts() -> dict[str, bytes]:
    """The parts of a minimal valid workbook (openpyxl), sheet XML included."""
    wb = openpyxl.Workbook()
    wb.active.append(["datum", "stadtteil", "indikator", "anzahl"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _workbook(path: Path, sheet_chunks, level: int = 9) -> Path:
    """A workbook whose ``xl/worksheets/sheet1.xml`` is the concatenation of
    ``sheet_chunks`` (bytes), written to the zip piece by piece."""
    parts = _template_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, body in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                with zf.open(name, "w", force_zip64=True) as fh:
                    for chunk in sheet_chunks:
                        fh.write(chunk)
            else:
                zf.writestr(name, body)
    return path


_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         b'<sheetData>')
_TAIL = b"</sheetData></worksheet>"
_HEADER_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>datum</t></is></c>'
               b'<c r="B1" t="inlineStr"><is><t>stadtteil</t></is></c>'
               b'<c r="C1" t="inlineStr"><is><t>indikator</t></is></c>'
               b'<c r="D1" t="inlineStr"><is><t>anzahl</t></is></c></row>')


def whitespace_xlsx(folder: Path, size: int = 1000 * MiB) -> Path:
    """About 1 MB packed; its sheet XML is ``size`` bytes of blanks between the header row
    and the end (under the 1 GiB unpacked limit): the file that took the server to 2.6 GB."""
    block = b" " * MiB

    def chunks():
        yield _HEAD + _HEADER_ROW
        for _ in range(size // MiB):
            yield block
        yield _TAIL
    return _workbook(Path(folder) / "leerraum.xlsx", chunks(), level=9)


def million_rows_xlsx(folder: Path, rows: int = 1_048_576,
                      name: str = "millionen-zeilen.xlsx") -> Path:
    """Excel's maximum of 1 048 576 rows (the header and valid-looking rows; ~18 MB). The
    dates are Excel serial numbers without a date format, so the rows are not valid."""
    def chunks():
        yield _HEAD + _HEADER_ROW
        batch = []
        for r in range(2, rows + 1):
            batch.append(b'<row r="%d"><c r="A%d"><v>46330</v></c><c r="B%d" t="inlineStr">'
                         b'<is><t>Altstadt</t></is></c><c r="C%d" t="inlineStr"><is><t>'
                         b'spritzenfunde</t></is></c><c r="D%d"><v>%d</v></c></row>'
                         % (r, r, r, r, r, r % 7))
            if len(batch) == 20_000:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch) + _TAIL
    return _workbook(Path(folder) / name, chunks(), level=1)


def sparse_file(folder: Path, size: int = 2 * 1024 * MiB, name: str = "gross.csv") -> Path:
    """A 2 GB file that takes no disk space (``truncate``): only its size is hostile."""
    path = Path(folder) / name
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def giant_cell_csv(folder: Path, cell: int = 3 * MiB) -> Path:
    """A CSV whose note in row 2 is ``cell`` bytes long (the issue: reported as an unclosed
    quote)."""
    path = Path(folder) / "riesenzelle.csv"
    path.write_bytes(b"datum;stadtteil;indikator;anzahl;notiz\n"
                     b"03.11.2026;Altstadt;spritzenfunde;2;" + b"x" * cell + b"\n")
    return path


def corpus(folder: Path) -> dict[str, Path]:
    """Every hostile file of the memory test, by a short name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {"whitespace_xlsx": whitespace_xlsx(folder),
            "million_rows_xlsx": million_rows_xlsx(folder),
            # the largest sheet the budgets let through (100 000 rows, 400 000 cells), all
            # rows invalid: the most work a file can cause before its rejection
            "budget_xlsx": million_rows_xlsx(folder, 100_000, "an-der-grenze.xlsx"),
            "sparse_2gb": sparse_file(folder),
            "giant_cell_csv": giant_cell_csv(folder)}


if __name__ == "__main__":   # pragma: no cover - manual use
    import sys
    for name, p in corpus(Path(sys.argv[1])).items():
        print(name, p, os.path.getsize(p))
