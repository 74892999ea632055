"""Upload errors: one record per problem, collected in bulk, exported safely.

Every problem names the line as the user sees it in Excel (header = line 1; ``None`` for
problems with the whole file), the column as written in the file, the offending value and a
message in the user's language.

>>> sink = ErrorSink()
>>> sink.add("Die Datei ist leer.")
>>> sink.add_rows([3, 2], "anzahl", ["-1", "ca. 5"], lambda offs: [f"#{i}" for i in offs])
>>> [(e.line, e.value, e.message) for e in sink.to_list()]
[(None, None, 'Die Datei ist leer.'), (2, 'ca. 5', '#1'), (3, '-1', '#0')]
>>> len(sink.to_list(max_errors=1))
2
>>> neutralise("=HYPERLINK(1)"), neutralise("Altstadt")
("'=HYPERLINK(1)", 'Altstadt')
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from lagebild.csv_safe import neutralise
from lagebild.i18n import t

VALUE_SHOWN = 120  # characters of a value repeated in an error


@dataclass(frozen=True)
class UploadError:
    line: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def shorten(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= VALUE_SHOWN else text[:VALUE_SHOWN] + "…"


class ErrorSink:
    """Collects errors in chunks (one per check), sorts them by line, formats lazily.

    ``add_rows`` takes arrays; ``messages`` may be one text, one text per row, or a function
    ``offsets -> texts`` that is only called for the errors actually reported (a file with a
    million bad rows formats ``max_errors`` messages, not a million).
    """

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, object, object, object]] = []

    def add(self, message: str, line: int | None = None, column: str | None = None,
            value=None) -> None:
        self._chunks.append((np.array([-1 if line is None else line], dtype="int64"), column,
                             [value], message))

    def add_rows(self, lines, column, values, messages) -> None:
        lines = np.asarray(lines, dtype="int64")
        if len(lines):
            self._chunks.append((lines, column, values, messages))

    def __len__(self) -> int:
        return sum(len(c[0]) for c in self._chunks)

    def _ranks(self, order: dict[str, int]) -> np.ndarray:
        return np.concatenate([_rank_of(c[1], order, len(c[0])) for c in self._chunks])

    def __bool__(self) -> bool:
        return bool(self._chunks)

    def to_list(self, max_errors: int | None = None, lang: str = "de",
                column_order: dict[str, int] | None = None) -> list[UploadError]:
        """Errors by line, within a line by ``column_order`` (the file's column positions)."""
        if not self._chunks:
            return []
        sizes = [len(c[0]) for c in self._chunks]
        lines = np.concatenate([c[0] for c in self._chunks])
        which = np.repeat(np.arange(len(sizes)), sizes)
        offset = np.concatenate([np.arange(n) for n in sizes])
        order = np.lexsort((self._ranks(column_order or {}), lines))
        keep = order if max_errors is None else order[:max_errors]
        out: list[UploadError | None] = [None] * len(keep)
        for chunk in np.unique(which[keep]):
            slots = np.flatnonzero(which[keep] == chunk)
            offs = offset[keep][slots]
            c_lines, column, values, messages = self._chunks[chunk]
            texts = messages(offs) if callable(messages) else _pick(messages, offs)
            for slot, line, col, val, msg in zip(slots, c_lines[offs], _pick(column, offs),
                                                  _pick(values, offs), texts):
                out[slot] = UploadError(None if line < 0 else int(line),
                                        None if col is None else str(col), shorten(val),
                                        str(msg))
        result = [e for e in out if e is not None]
        if len(keep) < len(order):
            result.append(UploadError(None, None, None, t("ingest.file.errors_truncated", lang,
                                                          n=len(order) - len(keep))))
        return result


def lazy(fn, *arrays):
    """Messages formatted on demand: ``fn(*values)`` for the reported offsets only."""
    arrays = [np.asarray(a, dtype=object) for a in arrays]
    return lambda offs: [fn(*args) for args in zip(*(a[offs] for a in arrays))]


def _rank_of(column, order: dict[str, int], n: int) -> np.ndarray:
    last = len(order) + 1
    if column is None or isinstance(column, str):
        return np.full(n, order.get(column, last) if column is not None else last)
    return pd.Series(np.asarray(column, dtype=object)).map(order).fillna(last).to_numpy()


def _pick(value, offsets: np.ndarray) -> list:
    if value is None or isinstance(value, str) or np.isscalar(value):
        return [value] * len(offsets)
    return list(np.asarray(value, dtype=object)[offsets])


def errors_frame(errors: list[UploadError]) -> pd.DataFrame:
    return pd.DataFrame([e.as_dict() for e in errors],
                        columns=["line", "column", "value", "message"]).astype(
        {"line": "Int64"})


def errors_csv(errors: list[UploadError], lang: str = "de") -> bytes:
    """The error list as CSV for download (UTF-8 with BOM, ``;`` for German Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if lang == "de" else ",", lineterminator="\r\n")
    writer.writerow([t(f"ingest.errors.{c}", lang) for c in ("line", "column", "value",
                                                               "message")])
    for e in errors:
        writer.writerow([neutralise(x) if x is not None else ""
                         for x in (e.line, e.column, e.value, e.message)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


class CheckedFile:
    """What every checked upload offers the page and the CLI (a counts upload, a
    drug-checking results file): ``ok``, the error table and its CSV download. Needs
    ``rows``, ``errors`` and ``lang``."""

    @property
    def ok(self) -> bool:
        return not self.errors and len(self.rows) > 0

    def errors_frame(self) -> pd.DataFrame:
        return errors_frame(self.errors)

    def errors_csv(self) -> bytes:
        """Download of the error list; cells that would run as formulas get a ``'``."""
        return errors_csv(self.errors, self.lang)
