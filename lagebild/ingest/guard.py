"""Budgets an Excel file must keep before it is read: bounded memory by design.

An ``.xlsx`` is a zip of XML parts. An XML parser keeps whatever stands between two tags as
one string, and a reader keeps every cell: a sheet whose XML is a gigabyte
of whitespace (1 MB packed) took the server to 2.6 GB before any error, and a sheet with a
million rows kept it busy for minutes. So every XML part is first *streamed* through zlib
in 256 KiB pieces (never unpacked as a whole) and the file is refused, with a German reason,
as soon as one of these budgets is exceeded:

- the zip: at most ``MAX_PARTS`` parts, ``UNPACKED_LIMIT`` unpacked in total, and no part
  packed more than ``MAX_RATIO`` : 1 once it is bigger than ``RATIO_FROM`` (a zip bomb);
- any XML part: no run of more than ``MAX_TEXT_RUN`` bytes without ``<`` or ``>`` (text,
  whitespace or one tag; Excel itself allows 32 767 characters per cell);
- a worksheet: at most ``MAX_ROWS`` rows and ``MAX_CELLS`` cells (``<row`` and ``<c``
  elements counted in the stream); the shared strings (which openpyxl keeps in memory as a
  whole): at most ``MAX_CELLS`` entries.

The scan stops at the first exceeded budget, so a hostile file is rejected after reading
only as much as it takes to exceed it (the whitespace sheet: 1 MiB; the million-row sheet:
``MAX_ROWS`` rows). Memory stays at a few chunks whatever the file holds.

>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
...     zf.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + " " * (2 << 20) + "</sheetData>")
>>> check_xlsx(buf.getvalue()).key
'ingest.file.xlsx_text_run'
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

UNPACKED_LIMIT = 1024 * 1024 * 1024    # all parts together, unpacked
MAX_PARTS = 10_000
MAX_RATIO = 200                        # packed : unpacked, for parts over RATIO_FROM
RATIO_FROM = 10 * 1024 * 1024
MAX_TEXT_RUN = 1024 * 1024             # bytes between two tags
MAX_ROWS = 100_000                     # rows of one worksheet
MAX_CELLS = 500_000                    # cells of one worksheet (~100 MB as Python text)
CHUNK = 256 * 1024                     # < MAX_TEXT_RUN: only runs across chunks can exceed it

_SHEET = re.compile(r"(?:^|/)worksheets/[^/]+\.xml$", re.IGNORECASE)
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


@dataclass
class Refusal:
    """Why the file is refused: a string key of ``strings/ingest.toml`` and its values."""
    key: str
    values: dict = field(default_factory=dict)


def check_xlsx(data: bytes, *, max_rows: int = MAX_ROWS, max_cells: int = MAX_CELLS,
               unpacked_limit: int = UNPACKED_LIMIT) -> Refusal | None:
    """None when the workbook keeps every budget (see the module docstring), else why not.
    A file that is not a zip at all is left to openpyxl's own error."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            return Refusal("ingest.file.xlsx_parts", {"n": len(infos), "limit": MAX_PARTS})
        unpacked = sum(i.file_size for i in infos)
        if unpacked > unpacked_limit:
            return Refusal("ingest.file.xlsx_too_big", {"size": f"{unpacked / 2**20:.0f}",
                                                        "limit": f"{unpacked_limit / 2**20:.0f}"})
        for info in infos:
            if info.file_size > RATIO_FROM and \
                    info.file_size > MAX_RATIO * max(info.compress_size, 1):
                return Refusal("ingest.file.xlsx_ratio", {
                    "part": info.filename, "ratio": info.file_size // max(info.compress_size, 1),
                    "limit": MAX_RATIO})
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            sheet = bool(_SHEET.search(info.filename))
            strings = info.filename.lower().endswith("sharedstrings.xml")
            try:
                refusal = _scan_part(zf, info, sheet, strings, max_rows, max_cells)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
                    RuntimeError):
                return None        # openpyxl reports the damaged part in its own words
            if refusal is not None:
                return refusal
    return None


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: bool, strings: bool,
               max_rows: int, max_cells: int) -> Refusal | None:
    run = rows = cells = 0      # bytes since the last < or >; rows and cells so far
    tail = b""                  # the last bytes of the previous chunk (a tag cut in two)
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                return None
            first = _first_mark(chunk)
            if first < 0:
                run += len(chunk)
            else:
                run += first
            if run > MAX_TEXT_RUN:
                return Refusal("ingest.file.xlsx_text_run", {
                    "part": info.filename, "mb": f"{MAX_TEXT_RUN / 2**20:.0f}"})
            if first >= 0:
                run = len(chunk) - 1 - max(chunk.rfind(b"<"), chunk.rfind(b">"))
            if sheet or strings:
                joined = tail + chunk
                if sheet:
                    rows += _count(_ROW, joined, tail)
                cells += _count(_STRING if strings else _CELL, joined, tail)
                tail = chunk[-16:]
                if rows > max_rows:
                    return Refusal("ingest.file.xlsx_rows", {"limit": f"{max_rows:,}"
                                                             .replace(",", ".")})
                if cells > max_cells:
                    return Refusal("ingest.file.xlsx_cells", {"limit": f"{max_cells:,}"
                                                              .replace(",", ".")})


def _count(pattern: re.Pattern, joined: bytes, tail: bytes) -> int:
    """Matches in ``joined`` not already counted in ``tail`` (the previous chunk's end)."""
    return len(pattern.findall(joined)) - len(pattern.findall(tail))


def _first_mark(chunk: bytes) -> int:
    """Position of the first ``<`` or ``>`` in ``chunk`` (-1: none)."""
    lt, gt = chunk.find(b"<"), chunk.find(b">")
    if lt < 0:
        return gt
    return lt if gt < 0 else min(lt, gt)
