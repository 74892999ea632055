"""File bytes -> validated rows + a complete error report. No database access.

``parse_upload`` reads a CSV or XLSX upload (long format: one row per count; wide format:
one column per indicator), checks everything and only then decides: ``ParsedUpload.ok`` is
True when there is not a single error. Every error names the line as the user sees it in
Excel (header = line 1), the column as written, the value and a German (English) message.

Stages (each in its own module): ``ingest_read`` (bytes -> text cells), ``ingest_columns``
(header, personal data, wide -> long), ``ingest_rows`` (the row checks, using
``ingest_values`` for text -> typed values, ``ingest_geo`` for points -> districts and
``ingest_schema`` for the pandera rules), ``ingest_errors`` (collecting, sorting, export).
Everything is vectorised: Python loops run over columns, distinct values, districts and
reported errors, never over all rows.

>>> import geopandas as gpd
>>> from datetime import date
>>> from shapely.geometry import box
>>> from lagebild.catalog import load_catalog
>>> districts = gpd.GeoDataFrame({"district_id": [1], "code": ["01"], "name": ["Altstadt"]},
...                              geometry=[box(12.3, 51.3, 12.4, 51.4)], crs="EPSG:4326")
>>> csv = "datum;stadtteil;indikator;anzahl\\n03.11.2026;altstadt;Naloxon-Gaben;2\\n"
>>> p = parse_upload(csv.encode(), "w.csv", catalog=load_catalog(), districts=districts,
...                  today=date(2026, 11, 20))
>>> p.ok, p.totals, p.by_district
(True, {'naloxon': 2}, {'Altstadt': {'naloxon': 2}})
>>> p = parse_upload(csv.replace(";2", ";ca. 2").encode(), "w.csv", catalog=load_catalog(),
...                  districts=districts, today=date(2026, 11, 20))
>>> p.ok, p.errors[0].line, p.errors[0].column
(False, 2, 'anzahl')
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from lagebild.catalog import Catalog, normalize_name
from lagebild.i18n import t
from lagebild.ingest.columns import Layout, map_header, strip, to_long
from lagebild.ingest.errors import CheckedFile, ErrorSink, UploadError
from lagebild.ingest.read import read_upload
from lagebild.ingest.rows import ROW_COLUMNS, RowChecker
from lagebild.ingest.values import fmt_date

__all__ = ["ParsedUpload", "UploadError", "parse_upload", "ROW_COLUMNS"]

DEFAULT_LIMIT = 20 * 1024 * 1024
MAX_ERRORS = 10_000


@dataclass
class ParsedUpload(CheckedFile):
    rows: pd.DataFrame                      # ROW_COLUMNS, valid rows only
    errors: list[UploadError]
    periods: pd.DataFrame                   # indicator, start_date, end_date
    sha256: str
    totals: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, dict[str, int]] = field(default_factory=dict)
    filename: str = ""
    lang: str = "de"


def parse_upload(data: bytes, filename: str, *, catalog: Catalog,
                 districts: gpd.GeoDataFrame, today: date, lang: str = "de",
                 limit_bytes: int = DEFAULT_LIMIT, sheet: str | None = None,
                 progress: Callable[[float, str], None] | None = None,
                 period: tuple[date, date] | None = None,
                 max_errors: int = MAX_ERRORS, sha256: str | None = None) -> ParsedUpload:
    """Validate an upload completely; see the module docstring. ``sha256``: the hash of
    ``data`` if the caller has it (the importer hashes beside the checks, in
    ``rawstore.Staging``, and passes ``""`` to fill it in afterwards); else computed here."""
    sha = hashlib.sha256(data).hexdigest() if sha256 is None else sha256
    step = _progress(progress, lang)
    sink = ErrorSink()

    def rejected() -> ParsedUpload:
        step(1.0, "done")
        return _empty(sha, sink.to_list(max_errors, lang), filename, lang)

    if len(data) > limit_bytes:
        sink.add(t("ingest.file.too_large", lang, size=fmt_mb(len(data), lang),
                   limit=fmt_mb(limit_bytes, lang)))
        return rejected()
    if not data[:4096].strip() and not data.strip():
        sink.add(t("ingest.file.empty", lang))
        return rejected()
    _check_period(period, today, lang, sink)
    step(0.05, "read")
    table, read_errors = read_upload(data, filename, lang, sheet)
    if table is None:
        _add_all(sink, read_errors)
        return rejected()
    step(0.3, "columns")
    filled = [True if normalize_name(h) else bool(strip(table.cells[i]).ne("").any())
              for i, h in enumerate(table.header)]
    layout, header_errors = map_header(table.header, catalog, lang, filled)
    if layout.personal:
        _add_all(sink, header_errors)      # personal data: nothing else, echo no values
        return rejected()
    _add_all(sink, read_errors + header_errors)
    if layout.fatal:
        return rejected()
    long = to_long(table, layout)
    if long.empty:
        if not sink:
            sink.add(t("ingest.file.header_only", lang))
        return rejected()
    step(0.4, "values")
    rows = RowChecker(long, layout, catalog, districts, today, period, lang, sink).run(step)
    step(1.0, "done")
    return _result(rows, period, sha, sink.to_list(max_errors, lang, _column_order(layout)),
                   districts, filename, lang)


# ---------------------------------------------------------------------------- helpers
def _column_order(layout: Layout) -> dict[str, int]:
    order = {name.strip(): pos for pos, name in enumerate(layout.names)}
    if layout.has_coords:
        order[f"{layout.name('lat')}/{layout.name('lon')}"] = layout.columns["lat"]
    return order


def _periods(rows: pd.DataFrame, period, coded=None) -> pd.DataFrame:
    """Per indicator the reporting period: the one stated, else first to last row.
    ``coded``: ``_indicator_codes(rows)`` if the caller has it already."""
    if rows.empty:
        return pd.DataFrame({"indicator": pd.Series(dtype="str"),
                             "start_date": pd.Series(dtype="object"),
                             "end_date": pd.Series(dtype="object")})
    if period is not None:
        keys = sorted(rows["indicator"].unique())
        return pd.DataFrame({"indicator": keys, "start_date": [period[0]] * len(keys),
                             "end_date": [period[1]] * len(keys)})
    codes, keys = coded or _indicator_codes(rows)
    stamps = np.asarray(rows["date"].to_numpy(), dtype="datetime64[ns]").view("int64")
    days = stamps // 86_400_000_000_000
    first = int(days.min())
    span = int(days.max()) - first + 1
    # which (indicator, day) pairs occur: a count per pair, then first and last day per row
    seen = np.bincount(_combine(codes, len(keys), days - first, span),
                       minlength=len(keys) * span).reshape(len(keys), span) > 0
    used = seen.any(axis=1)
    lo = seen.argmax(axis=1) + first
    hi = span - 1 - seen[:, ::-1].argmax(axis=1) + first
    as_date = lambda d: (np.asarray(d[used], dtype="int64")    # noqa: E731
                         .astype("datetime64[D]").astype(object))
    return pd.DataFrame({"indicator": pd.Series(np.asarray(keys)[used], dtype="str"),
                         "start_date": as_date(lo), "end_date": as_date(hi)})


def _indicator_codes(rows: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Per row the position of its indicator in the sorted list of indicators."""
    ind = rows["indicator"]
    if not isinstance(ind.dtype, pd.CategoricalDtype):
        ind = ind.astype("category")
    keys = [str(k) for k in ind.cat.categories]
    order = np.argsort(keys, kind="stable")
    rank = np.empty(len(keys), dtype="int32")
    rank[order] = np.arange(len(keys))
    return rank[ind.cat.codes.to_numpy()], [keys[i] for i in order]


def _result(rows, period, sha, errors, districts, filename, lang) -> ParsedUpload:
    """Reporting periods, totals per indicator and per district and indicator (numpy on
    integer codes)."""
    codes, keys = _indicator_codes(rows)
    periods = _periods(rows, period, (codes, keys))
    count = rows["count"].to_numpy(dtype="float64")       # exact below 2**53
    names = dict(zip(districts["district_id"].tolist(), districts["name"].astype(str)))
    where, ids = _small_ints(rows["district_id"].to_numpy(dtype="int64"))
    cell = _combine(where, len(ids), codes, len(keys))      # district × indicator
    sums = np.bincount(cell, weights=count,
                       minlength=len(ids) * len(keys)).reshape(len(ids), len(keys))
    seen = np.bincount(cell, minlength=len(ids) * len(keys)).reshape(len(ids), len(keys)) > 0
    totals = np.rint(sums.sum(axis=0)).astype("int64")
    present = seen.any(axis=0)
    by_district: dict[str, dict[str, int]] = {}
    for i, did in enumerate(ids):
        by_district[names[int(did)]] = {keys[j]: int(round(sums[i, j]))
                                        for j in np.flatnonzero(seen[i])}
    return ParsedUpload(rows, errors, periods, sha,
                        {keys[j]: int(totals[j]) for j in np.flatnonzero(present)},
                        dict(sorted(by_district.items())), filename, lang)


def _combine(outer: np.ndarray, n_outer: int, inner: np.ndarray, n_inner: int) -> np.ndarray:
    """``outer * n_inner + inner`` per row (0 <= outer < n_outer, 0 <= inner < n_inner): in
    32-bit integers when the result fits (numpy multiplies those several times faster than
    64-bit ones), else in 64-bit."""
    if n_outer * n_inner < 2**31:
        return outer.astype("int32", copy=False) * np.int32(n_inner) + \
            inner.astype("int32", copy=False)
    return outer.astype("int64") * n_inner + inner


def _small_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` for district ids (small non-negative integers): a count per value
    instead of a hash table."""
    if len(values) and values.min() >= 0 and values.max() < 4 * len(values) + 1024:
        ids = np.flatnonzero(np.bincount(values))
        position = np.zeros(int(values.max()) + 1, dtype="int32")
        position[ids] = np.arange(len(ids))
        return position[values], ids
    return pd.factorize(values)


def _empty(sha, errors, filename, lang) -> ParsedUpload:
    rows = pd.DataFrame({"line": pd.Series(dtype="int64"),
                         "district_id": pd.Series(dtype="Int64"),
                         "indicator": pd.Series(dtype="str"),
                         "date": pd.Series(dtype="datetime64[ns]"),
                         "count": pd.Series(dtype="int64"),
                         "lat": pd.Series(dtype="float64"), "lon": pd.Series(dtype="float64"),
                         "note": pd.Series(dtype="str")})
    return ParsedUpload(rows, errors, _periods(rows, None), sha, {}, {}, filename, lang)


def _add_all(sink: ErrorSink, errors: list[UploadError]) -> None:
    for e in errors:
        sink.add(e.message, e.line, e.column, e.value)


def _check_period(period, today, lang, sink) -> None:
    if period is None:
        return
    start, end = period
    if start > end:
        sink.add(t("ingest.period.invalid", lang, start=fmt_date(start, lang),
                   end=fmt_date(end, lang)))
    elif end > today:
        sink.add(t("ingest.period.future", lang, end=fmt_date(end, lang),
                   today=fmt_date(today, lang)))


def fmt_mb(n: int, lang: str) -> str:
    text = f"{n / 1024 / 1024:.1f}"
    return text.replace(".", ",") if lang == "de" else text


def _progress(callback, lang):
    def step(fraction: float, stage: str) -> None:
        if callback is not None:
            callback(fraction, t(f"ingest.progress.{stage}", lang))
    return step
