"""Reading upload files: bytes -> header + text cells + the user's line numbers.

CSV: the common case (UTF-8 without quotes) goes straight to pyarrow's CSV reader, which
checks the UTF-8 itself; otherwise the text is decoded in Python (strict UTF-8 with or
without BOM, else Windows-1252) and parsed by pyarrow (fast path) or, when the file has
blank lines, values spanning lines or structural problems, by the ``csv`` module record by
record so that every problem gets its exact line. The fast path returns categorical cells
(one code per row, the text once per distinct value). DuckDB is never used here. XLSX:
``ingest_xlsx``.

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
from pathlib import PurePath

import numpy as np
import pandas as pd

from lagebild.i18n import t
from lagebild.ingest.errors import UploadError
from lagebild.ingest.table import RawTable

DELIMITERS = (";", "\t", ",")
_MOJIBAKE = re.compile("Ã[¤¶¼Ÿ„–œ©¨¡ ]|â€[“”™œ¦žš]")
_SEP_LINE = re.compile(r"\s*sep=(.)\s*$", re.IGNORECASE)
_FIRST_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")


def read_upload(data: bytes, filename: str, lang: str = "de",
                sheet: str | None = None) -> tuple[RawTable | None, list[UploadError]]:
    """Dispatch on the file extension (and magic bytes); never raises for bad content."""
    ext = PurePath(filename or "").suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        from lagebild.ingest.xlsx import read_xlsx
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
    table = _read_plain(data)
    if table is not None:
        return table, []
    text, encoding, error = decode(data, lang)
    if error:
        return None, [error]
    if text.isspace() or not text:
        return None, [UploadError(None, None, None, t("ingest.file.empty", lang))]
    first_line = _first_line(text)
    sep = _SEP_LINE.match(first_line)
    if sep and text.lstrip().startswith(first_line.lstrip()):
        # Excel's "sep=;" hint: Excel hides it, so the header stays line 1.
        delimiter = sep.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.isspace() or not text:
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


def _read_plain(data: bytes) -> RawTable | None:
    """The common case without decoding the file in Python: UTF-8 (Arrow checks every
    cell), no quotes, no NUL bytes, the header on the first line. None: take the full
    path (``decode`` and the readers below), which also finds Windows-1252.

    The file is read with quoting off, so a ``"`` anywhere in it ends up in a cell (or
    breaks the read); quotes and NUL bytes are then looked for in the distinct values,
    which is cheaper than scanning the bytes."""
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    end = body.find(b"\n")
    head = body[:end if end >= 0 else len(body)]
    if not head.strip() or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        first_line = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _SEP_LINE.match(first_line):
        return None
    table = _read_fast(body, sniff_delimiter(first_line), "", quotes=False, quoting=False)
    if table is None or _holds(table, ('"', "\x00")):
        return None     # quotes, NUL bytes (a binary file): the full path handles them
    table.encoding = "utf-8"
    return table


def _holds(table: RawTable, chars: tuple[str, ...]) -> bool:
    """Does any cell or header hold one of ``chars``? Checked on the distinct values."""
    return any(ch in h for h in table.header for ch in chars) or any(
        table.cells[c].cat.categories.str.contains(ch, regex=False).any()
        for c in table.cells.columns for ch in chars)


def _first_line(text: str) -> str:
    """The first line with something other than blanks (the header)."""
    m = _FIRST_LINE.search(text)
    return m.group(0) if m else ""


def _read_fast(body: bytes, delimiter: str, text: str,
               quotes: bool | None = None, quoting: bool = True) -> RawTable | None:
    """pyarrow: whole file at once. None when the exact reader is needed.

    Line numbers are positions (header = line 1), so this path only takes files where every
    record is one line: a blank line makes pyarrow complain (``ignore_empty_lines`` is off)
    and a quoted value spanning lines goes to the exact reader. pyarrow quietly repairs
    misplaced quotes (``"12"5`` becomes 125), so lines with quotes are checked first (a
    regex per such line). ``quotes``: whether ``body`` holds a ``"``, if known;
    ``quoting=False``: read ``"`` as an ordinary character (the caller checks the cells)."""
    if body[:1] in (b"\r", b"\n"):
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None     # a bare CR ends a row (as in Excel) where pyarrow would not count it
    if quotes is None:
        quotes = b'"' in body
    if quotes and not _quoted_lines_ok(text, delimiter):
        return None     # misplaced quotes (False) or values spanning lines (None)
    try:
        table = _arrow_read(body, delimiter, quoting)
    except Exception:  # noqa: BLE001 - any parser complaint: diagnose exactly
        return None
    if table.num_rows < 1 or any(c.null_count for c in table.columns):
        return None
    columns = [_categorical(c) for c in table.columns]
    header = [str(c[0]) for c in columns]
    cells = pd.DataFrame({i: c[1:] for i, c in enumerate(columns)})
    return RawTable(header, cells, np.arange(2, len(cells) + 2, dtype="int64"), "csv",
                    delimiter)


def _arrow_read(body: bytes, delimiter: str, quoting: bool = True):
    """pyarrow's multi-threaded CSV reader, every cell as dictionary-encoded text: the
    columns the checks look at (date, district, indicator, count) repeat few values, so
    the row checks work on integer codes (see ``ingest_values.by_unique``)."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    n = body[:body.find(b"\n") if b"\n" in body else len(body)].count(delimiter.encode()) + 1
    text = pa.dictionary(pa.int32(), pa.string())
    return pa_csv.read_csv(
        io.BytesIO(body),
        read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                          quote_char='"' if quoting else False),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"f{i}": text for i in range(max(n, 1) + 64)},
            strings_can_be_null=False, quoted_strings_can_be_null=False))


def _categorical(column) -> pd.Categorical:
    """A chunked dictionary column -> pandas Categorical (codes shared, no string copies)."""
    arr = column.unify_dictionaries().combine_chunks() if column.num_chunks > 1 \
        else column.chunk(0)
    # Arrow's indices are valid positions (no nulls: checked by the caller), so pandas
    # need not check them again; the dictionary becomes the categories without Python str.
    return pd.Categorical.from_codes(arr.indices.to_numpy(zero_copy_only=False),
                                     categories=pd.Index(pd.array(arr.dictionary,
                                                                  dtype="str")),
                                     validate=False)


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
            long_value = "field limit" in str(exc) and _long_field(
                text, reader.line_num, delimiter, header)
            if long_value:      # one value too long (not a quote left open many lines ago)
                column = long_value if isinstance(long_value, str) else None
                errors.append(UploadError(line, column, None, t(
                    "ingest.file.cell_too_long", lang,
                    limit=f"{csv.field_size_limit():,}".replace(",", "."))))
                break
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


def _long_field(text: str, physical_line: int, delimiter: str,
                header: list[str] | None) -> str | bool:
    """Does the physical line where the csv module gave up hold a value over the field
    limit? Its column (header name, else True); False: the limit was reached by a quote
    left open on an earlier line (then it is reported as the unclosed quote)."""
    limit = csv.field_size_limit()
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if number < physical_line:
            continue
        for pos, value in enumerate(line.split(delimiter)):
            if len(value) > limit:
                if header and pos < len(header) and header[pos].strip():
                    return header[pos].strip()
                return True
        return False
    return False


def _delim_name(delimiter: str) -> str:
    return {"\t": "Tab"}.get(delimiter, delimiter)
