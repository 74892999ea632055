"""Reading XLSX uploads with calamine (Rust, python-calamine): cached formula values, no DTDs.

Formula cells count with the value Excel last computed (a formula never runs here); text that
merely starts with ``=`` stays text. Rows are the Excel row numbers; the first non-empty row
is the header. A zip bomb, a sheet of whitespace or one with too many rows is refused
before calamine unpacks anything (``ingest_guard``: bounded memory).

>>> import openpyxl
>>> wb = openpyxl.Workbook()
>>> wb.active.append(["datum", "anzahl"])
>>> wb.active.append([dt.date(2026, 11, 3), 4.0])
>>> buf = io.BytesIO(); wb.save(buf)
>>> table, errors = read_xlsx(buf.getvalue())
>>> table.header, table.cells.values.tolist(), table.lines.tolist()
(['datum', 'anzahl'], [['2026-11-03', '4']], [2])
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pandas as pd

from lagebild.i18n import t
from lagebild.ingest.errors import UploadError
from lagebild.ingest.guard import UNPACKED_LIMIT, check_xlsx
from lagebild.ingest.table import RawTable

XLSX_UNPACKED_LIMIT = UNPACKED_LIMIT


def read_xlsx(data: bytes, lang: str = "de", sheet: str | None = None
              ) -> tuple[RawTable | None, list[UploadError]]:
    from python_calamine import CalamineWorkbook  # local: only xlsx uploads pay for it

    def err(key, **kw):
        return None, [UploadError(None, None, None, t(key, lang, **kw))]

    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return err("ingest.file.xlsx_invalid", detail=str(exc) or type(exc).__name__)
    refusal = check_xlsx(data)      # budgets streamed before the sheet is unpacked
    if refusal is not None:
        return err(refusal.key, **refusal.values)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own kinds
        return err("ingest.file.xlsx_invalid", detail=str(exc)[:200] or type(exc).__name__)
    try:
        sheets = [m.name for m in wb.sheets_metadata
                  if str(getattr(m, "typ", "WorkSheet")).endswith("WorkSheet")]
        if sheet:
            chosen = [n for n in sheets if n.casefold() == sheet.strip().casefold()]
            if not chosen:
                return err("ingest.file.sheet_missing", sheet=sheet, sheets=", ".join(sheets))
            name = chosen[0]
        elif sheets:
            name = sheets[0]
        else:
            return err("ingest.file.empty")
        ws = wb.get_sheet_by_name(name)
        return _sheet_table(ws.iter_rows(), lang)
    except Exception as exc:  # noqa: BLE001 - corrupt sheet XML surfaces while reading
        return err("ingest.file.xlsx_invalid", detail=str(exc)[:200] or type(exc).__name__)
    finally:
        wb.close()


def _sheet_table(rows_in, lang: str) -> tuple[RawTable | None, list[UploadError]]:
    """Rows from the top-left cell A1 on (calamine keeps the empty area above and left of
    the data, so positions are Excel's row numbers)."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    width = 0
    for line, values in enumerate(rows_in, start=1):
        record = [v if type(v) is str else cell_text(v) for v in values]  # noqa: E721
        while record and not record[-1].strip():
            record.pop()
        if not record:
            continue
        if header is None:
            header = record
            width = len(record)
            continue
        width = max(width, len(record))
        rows.append(record)
        lines.append(line)
    if header is None:
        return None, [UploadError(None, None, None, t("ingest.file.empty", lang))]
    header = header + [""] * (width - len(header))
    cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows],
                         columns=range(width), dtype=str)
    return RawTable(header, cells, np.asarray(lines, dtype="int64"), "xlsx"), []


def cell_text(value) -> str:
    """An Excel cell as the text a user would type (dates ISO, whole floats as ints).

    >>> cell_text(3.0), cell_text(2.5), cell_text(dt.datetime(2026, 11, 3)), cell_text(None)
    ('3', '2.5', '2026-11-03', '')
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else \
            value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):        # a duration cell (calamine)
        return str(value)
    return str(value)
