"""Reading upload files: bytes -> header + text cells + the user's line numbers.

CSV is decoded in Python (strict UTF-8 with or without BOM, else Windows-1252) and parsed by
pandas (pyarrow engine, fast path) or, when the file has blank lines or structural problems,
by the ``csv`` module record by record so that every problem gets its exact line. DuckDB is
never used here. XLSX: ``ingest_xlsx``.

Line numbers are the rows the user sees in Excel: the header is line 1 (or later if blank
lines precede it); a quoted value spanning two physical lines is still one row.

>>> table, errors = read_upload(b"datum;anzahl\\n03.11.2026;4\\n", "a.csv")
>>> table.header, table.cells.values.tolist(), table.lines.tolist(), errors
(['datum', 'anzahl'], [['03.11.2026', '4']], [2], [])
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import deque
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import pandas as pd

from lagebild.i18n import t
from lagebild.ingest_errors import UploadError

DELIMITERS = (";", "\t", ",")
_MOJIBAKE = re.compile("Ã[¤¶¼Ÿ„–œ©¨¡ ]|â€[“”™œ¦žš]")
_SEP_LINE = re.compile(r"\s*sep=(.)\s*$", re.IGNORECASE)
_BLANK_LINE = (b"\n\n", b"\r\r", b"\n\r")
_FIRST_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")


@dataclass
class RawTable:
    header: list[str]
    cells: pd.DataFrame        # columns 0..len(header)-1, text, one row per record
    lines: np.ndarray          # int64 line per cells row
    kind: str                  # "csv" | "xlsx"
    delimiter: str | None = None
    encoding: str | None = None


def read_upload(data: bytes, filename: str, lang: str = "de",
                sheet: str | None = None) -> tuple[RawTable | None, list[UploadError]]:
    """Dispatch on the file extension (and magic bytes); never raises for bad content."""
    ext = PurePath(filename or "").suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        from lagebild.ingest_xlsx import read_xlsx
        return read_xlsx(data, lang, sheet)
    if ext == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, [UploadError(None, None, None, t("ingest.file.xls", lang))]
    if ext in (".csv", ".txt", ".tsv", ""):
        return read_csv(data, lang)
    return None, [UploadError(None, None, filename, t("ingest.file.type", lang, ext=ext))]


# ---------------------------------------------------------------------------- CSV
def decode(data: bytes, lang: str = "de") -> tuple[str | None, str | None, UploadError | None]:
    """(text, encoding, error): strict UTF-8 (BOM stripped), else Windows-1252."""
    def err(key, **kw):
        return None, None, UploadError(None, None, None, t(key, lang, **kw))

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return err("ingest.file.utf16")
    if b"\x00" in data:
        return err("ingest.file.binary")
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    try:
        return body.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError as exc:
        return err("ingest.file.encoding", byte=f"0x{body[exc.start]:02X}", pos=exc.start)
    bad = _MOJIBAKE.search(text)
    if bad:
        lo = max(0, bad.start() - 10)
        return err("ingest.file.mixed_encoding", sample=text[lo:bad.end() + 10].strip())
    return text, "cp1252", None


def sniff_delimiter(line: str) -> str:
    """The most frequent of ``;``, tab, ``,`` outside quotes (``;`` on a tie or none)."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = [(outside.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ";"


def read_csv(data: bytes, lang: str = "de") -> tuple[RawTable | None, list[UploadError]]:
    text, encoding, error = decode(data, lang)
    if error:
        return None, [error]
    if not text.strip():
        return None, [UploadError(None, None, None, t("ingest.file.empty", lang))]
    first_line = _first_line(text)
    sep = _SEP_LINE.match(first_line)
    if sep and text.lstrip().startswith(first_line.lstrip()):
        # Excel's "sep=;" hint: Excel hides it, so the header stays line 1.
        delimiter = sep.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if not text.strip():
            return None, [UploadError(None, None, None, t("ingest.file.empty", lang))]
        first_line = _first_line(text)
        body = text.encode("utf-8")
    else:
        delimiter = sniff_delimiter(first_line)
        body = data[3:] if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8) else data
        if encoding != "utf-8":
            body = text.encode("utf-8")
    table = _read_fast(body, delimiter, text)
    if table is not None:
        table.encoding = encoding
        return table, []
    table, errors = _read_exact(text, delimiter, lang)
    if table is not None:
        table.encoding = encoding
    return table, errors


def _first_line(text: str) -> str:
    """The first line with something other than blanks (the header)."""
    m = _FIRST_LINE.search(text)
    return m.group(0) if m else ""


def _read_fast(body: bytes, delimiter: str, text: str) -> RawTable | None:
    """pandas + pyarrow: whole file at once. None when the exact reader is needed.

    pyarrow quietly repairs misplaced quotes (``"12"5`` becomes 125), so lines with quotes are
    checked first (a regex per such line; the strict ``csv`` reader, running in C, when a
    quoted value spans lines). pyarrow also skips blank lines, which would shift the line
    numbers: when every record is one line, the row count proves there were none."""
    if body[:1] in (b"\r", b"\n"):
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None     # a bare CR ends a row (as in Excel) where pyarrow would not count it
    one_line_records = True
    if b'"' in body:
        well_formed = _quoted_lines_ok(text, delimiter)
        if well_formed is False:
            return None
        if well_formed is None:     # values span lines: look for blank lines, check strictly
            one_line_records = False
            if any(p in body.rstrip(b"\r\n") for p in _BLANK_LINE):
                return None
            try:
                deque(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                 strict=True), maxlen=0)
            except csv.Error:
                return None
    try:
        df = pd.read_csv(io.BytesIO(body), sep=delimiter, header=None, dtype=str,
                         engine="pyarrow", keep_default_na=False)
    except Exception:  # noqa: BLE001 - any parser complaint: diagnose exactly
        return None
    if len(df) < 1 or df.isna().to_numpy().any():
        return None
    if one_line_records and len(df) != body.count(b"\n") + (not body.endswith(b"\n")):
        return None     # pyarrow skipped blank lines
    header = [str(x) for x in df.iloc[0].tolist()]
    cells = df.iloc[1:].reset_index(drop=True)
    cells.columns = range(len(header))
    return RawTable(header, cells, np.arange(2, len(cells) + 2, dtype="int64"), "csv",
                    delimiter)


def _quoted_lines_ok(text: str, delimiter: str, limit: int = 10_000) -> bool | None:
    """Are the lines holding quotes well-formed records? None = cannot tell cheaply (a
    quoted value spans lines, or more than ``limit`` lines hold quotes)."""
    d = re.escape(delimiter)
    field = f'(?:"(?:[^"]|"")*+"|[^{d}"\\r\\n][^{d}\\r\\n]*+)?'
    record = re.compile(f"{field}(?:{d}{field})*")
    pos, seen = text.find('"'), 0
    while pos != -1:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        line = text[start:end].removesuffix("\r")
        seen += 1
        if line.count('"') % 2 or "\r" in line or seen > limit:
            return None
        if not record.fullmatch(line):
            return False
        pos = text.find('"', end)
    return True


def _read_exact(text: str, delimiter: str, lang: str
                ) -> tuple[RawTable | None, list[UploadError]]:
    """csv module, record by record: exact lines for blank lines and broken rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[UploadError] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 0
    while True:
        line += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if any(k in str(exc) for k in ("end of data", "EOF", "field limit")):
                errors.append(UploadError(line, None, None,
                                          t("ingest.file.unterminated_quote", lang)))
                break
            errors.append(UploadError(line, None, None,
                                      t("ingest.file.bad_quote", lang, detail=str(exc))))
            continue
        if not any(f.strip() for f in record):
            continue
        if header is None:
            header = record
            named = len(header)
            while named and not header[named - 1].strip():
                named -= 1     # trailing header cells without a name
            continue
        n, h = len(record), len(header)
        if n > h and not any(f.strip() for f in record[h:]):
            record = record[:h]   # trailing empty fields (Excel's ";;")
        elif named <= n < h:
            record = record + [""] * (h - n)   # only the unnamed trailing columns missing
        elif n > h:
            errors.append(UploadError(line, None, delimiter.join(record[h:]),
                                      t("ingest.file.too_many_fields", lang, got=n,
                                        expected=h, delim=_delim_name(delimiter))))
            continue
        elif n < h:
            errors.append(UploadError(line, None, delimiter.join(record),
                                      t("ingest.file.too_few_fields", lang, got=n,
                                        expected=h)))
            continue
        rows.append(record)
        lines.append(line)
    if header is None:
        return None, errors or [UploadError(None, None, None, t("ingest.file.empty", lang))]
    cells = pd.DataFrame(rows, columns=range(len(header)), dtype=str)
    return RawTable(header, cells, np.asarray(lines, dtype="int64"), "csv", delimiter), errors


def _delim_name(delimiter: str) -> str:
    return {"\t": "Tab"}.get(delimiter, delimiter)
