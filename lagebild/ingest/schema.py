"""The upload row schema (pandera) and the mapping of its failures to user messages.

Parsing (``ingest_values``) turns text into typed columns; this schema then checks the rules
on the typed frame lazily, so every failing row is reported, not the first. Each check has a
name; ``failure_messages`` turns pandera's ``failure_cases`` back into file lines, the
user's column header, the cell as written and a German (or English) message.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from lagebild.i18n import t
from lagebild.ingest.errors import lazy
from lagebild.ingest.values import MAX_COUNT, MIN_DATE, fmt_date

MAX_NOTE = 500
TEMPLATE_MARKERS = (t("ingest.template.example_note", "de"),
                    t("ingest.template.example_note", "en"))
KEY = ["district_id", "indicator", "date"]


class UploadRow(pa.DataFrameModel):
    """One count as it will be stored; nulls (and a count of 0 where the count cell failed)
    are cells that already failed to parse and were reported."""

    line: Series[int]
    district_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    indicator: Series[pa.typing.Category] = pa.Field(nullable=True)   # catalogue keys
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    count: Series[np.int64]
    lat: Series[float] = pa.Field(nullable=True)
    lon: Series[float] = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)
    point: Series[bool]

    @pa.check("count", name="count_negative")
    def _count_not_negative(cls, s: pd.Series) -> pd.Series:
        return s >= 0

    @pa.check("count", name="count_too_large")
    def _count_plausible(cls, s: pd.Series) -> pd.Series:
        return s <= MAX_COUNT

    @pa.check("note", name="note_too_long")
    def _note_length(cls, s: pd.Series) -> pd.Series:
        return s.str.len() <= MAX_NOTE

    @pa.check("note", name="note_template_example")
    def _note_not_example(cls, s: pd.Series) -> pd.Series:
        return ~s.str.strip().isin(TEMPLATE_MARKERS)

    class Config:
        strict = False
        coerce = False


def row_schema(today: date, period: tuple[date, date] | None = None) -> pa.DataFrameSchema:
    """The schema with the checks that depend on today and the reporting period."""
    today_ts, min_ts = pd.Timestamp(today), pd.Timestamp(MIN_DATE)
    checks = [pa.Check(lambda s: s <= today_ts, name="date_future"),
              pa.Check(lambda s: s >= min_ts, name="date_too_old")]
    if period is not None:
        lo, hi = pd.Timestamp(period[0]), pd.Timestamp(period[1])
        checks.append(pa.Check(lambda s: s.between(lo, hi), name="date_outside_period"))
    return UploadRow.to_schema().update_column("date", checks=checks)


def validate_rows(typed: pd.DataFrame, today: date, period=None) -> pd.DataFrame:
    """Failure cases (check, index) of the lazy validation; empty when all pass."""
    try:
        row_schema(today, period).validate(typed, lazy=True, inplace=True)   # no copy
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        return fc[["check", "index"]].drop_duplicates().astype({"index": "int64"})
    return pd.DataFrame({"check": pd.Series(dtype=object), "index": pd.Series(dtype="int64")})


def failure_messages(failures: pd.DataFrame, long: pd.DataFrame, names: dict[str, str],
                     today: date, period, lang: str):
    """Yield (index array, column(s), values, messages) per check for ``ErrorSink.add_rows``;
    messages are formatted lazily (only for the errors that are shown)."""
    kw = {"today": fmt_date(today, lang), "min": fmt_date(MIN_DATE, lang), "max": MAX_COUNT,
          "start": fmt_date(period[0], lang) if period else "",
          "end": fmt_date(period[1], lang) if period else ""}
    for check, group in failures.groupby("check", sort=False):
        idx = np.sort(group["index"].to_numpy())
        rows = long.iloc[idx]
        if check.startswith("count_"):
            key = "ingest.count.negative" if check == "count_negative" else \
                "ingest.count.too_large"
            values = rows["anzahl"].to_numpy()
            yield idx, rows["count_col"].to_numpy(), values, lazy(
                lambda v, key=key: t(key, lang, value=v, **kw), values)
        elif check.startswith("date_"):
            values = rows["datum"].to_numpy()
            yield idx, names["datum"], values, lazy(
                lambda v, key=f"ingest.date.{check[5:]}": t(key, lang, value=v, **kw), values)
        elif check == "note_too_long":
            values = rows["bemerkung"].to_numpy()
            yield idx, names["bemerkung"], values, lazy(
                lambda v: t("ingest.note.too_long", lang, n=len(v), max=MAX_NOTE), values)
        elif check == "note_template_example":
            yield (idx, names["bemerkung"], rows["bemerkung"].to_numpy(),
                   t("ingest.note.template_example", lang))


def duplicate_rows(typed: pd.DataFrame, long: pd.DataFrame, lang: str):
    """Rows repeating an earlier row's district, indicator and day, with the first line.

    A district count (no coordinates) may appear once per indicator and day; point rows are
    single events (two finds at one spot on one day are two rows). A rule across rows, so
    it runs as one ``duplicated`` on the key columns rather than as a pandera check, whose
    per-column failure report would cost seconds on a million rows.
    """
    keyed = ~typed["point"].to_numpy()
    for column in KEY:                    # column by column: a frame-wide .all() is slow
        keyed &= typed[column].notna().to_numpy()
    if not keyed.any():
        return
    key = _row_key(typed.loc[keyed] if not keyed.all() else typed)
    if _all_distinct(key.to_numpy()):
        return
    dup = key.duplicated(keep="first").to_numpy()
    lines = typed.loc[keyed, "line"]
    first = lines.groupby(key.to_numpy(), sort=False).transform("min").to_numpy()[dup]
    idx = lines.index.to_numpy()[dup]
    rows = long.loc[idx]
    text = {c: rows[c].astype("str") for c in ("stadtteil", "indikator", "datum")}
    values = (text["stadtteil"] + " · " + text["indikator"] + " · " + text["datum"]).to_numpy()
    yield idx, None, values, lazy(lambda f: t("ingest.row.duplicate", lang, first=int(f)),
                                  first)


def _all_distinct(key: np.ndarray) -> bool:
    """True when no key repeats: a count per key when the keys span a small range (the
    usual case, ≈ 5 ms for a million rows), else a sort."""
    if len(key) < 2:
        return True
    lo, hi = int(key.min()), int(key.max())
    if hi - lo < 8 * len(key):
        return int(np.bincount(key - lo).max()) <= 1
    ordered = np.sort(key)
    return not bool((ordered[1:] == ordered[:-1]).any())


def _row_key(typed: pd.DataFrame) -> pd.Series:
    """District, indicator and day folded into one integer per row (no NA here), so the
    duplicate rule hashes one int64 column instead of three mixed ones."""
    district = typed["district_id"].to_numpy(dtype="int64")
    ind = typed["indicator"]
    indicator = (ind.cat.codes if isinstance(ind.dtype, pd.CategoricalDtype)
                 else pd.Series(pd.factorize(ind)[0])).to_numpy().astype("int64")
    stamps = np.asarray(typed["date"].to_numpy(), dtype="datetime64[ns]").view("int64")
    day = stamps // 86_400_000_000_000
    day = day - day.min()
    n_ind, n_day = int(indicator.max()) + 1, int(day.max()) + 1
    return pd.Series((district * n_ind + indicator) * n_day + day, index=typed.index)
