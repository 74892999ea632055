"""Test-results file bytes -> validated rows + a complete error list. No database access.

Long format, one row per sample and substance tested::

    datum;ort;probe;verkauft_als;methode;substanz;ergebnis
    16.11.2026;Drug-Checking Mitte;DC-0412;Heroin;Schnelltest;Fentanyl;positiv

English headers ``date, site, sample, sold_as, method, substance, result`` work as well.
Reading (CSV/XLSX, encodings, line numbers, size budgets) is the one reader of every upload
(``lagebild.ingest.read``); errors go through the same ``ErrorSink`` (line as in Excel,
column as written, value, German or English message). ``ok`` only without a single error.

>>> import pandas as pd
>>> from datetime import date
>>> sites = pd.DataFrame({"name": ["DC Mitte"], "district_id": pd.array([1], dtype="Int64")})
>>> csv = ("datum;ort;probe;verkauft_als;methode;substanz;ergebnis\\n"
...        "16.11.2026;dc mitte;P1;Heroin;Schnelltest;Fentanyl;positiv\\n")
>>> p = parse_tests(csv.encode(), "t.csv", sites=sites, today=date(2026, 11, 18))
>>> p.ok, p.rows[["site", "sold_as", "substance", "result"]].values.tolist()
(True, [['DC Mitte', 'heroin', 'fentanyl', 'positiv']])
>>> p = parse_tests(csv.replace("positiv", "vielleicht").encode(), "t.csv", sites=sites,
...                 today=date(2026, 11, 18))
>>> p.ok, p.errors[0].line, p.errors[0].column, p.errors[0].value
(False, 2, 'ergebnis', 'vielleicht')
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lagebild.catalog import normalize_name
from lagebild.i18n import t
from lagebild.ingest.columns import is_personal
from lagebild.ingest.errors import CheckedFile, ErrorSink, UploadError
from lagebild.ingest.read import read_upload
from lagebild.ingest.values import MIN_DATE, fmt_date, parse_dates
from lagebild.drugcheck.substances import SubstanceCatalog, load_substances, result_of

COLUMNS = ("datum", "ort", "probe", "verkauft_als", "methode", "substanz", "ergebnis")
ENGLISH = dict(zip(COLUMNS, ("date", "site", "sample", "sold_as", "method", "substance",
                             "result")))
ALIASES = {
    "datum": ("datum", "date", "testdatum", "tag"),
    "ort": ("ort", "site", "standort", "einrichtung", "teststelle"),
    "probe": ("probe", "sample", "proben id", "probennummer", "sample id"),
    "verkauft_als": ("verkauft als", "verkauft_als", "sold as", "sold_as", "erwartet",
                     "expected"),
    "methode": ("methode", "method", "testmethode"),
    "substanz": ("substanz", "substance", "wirkstoff"),
    "ergebnis": ("ergebnis", "result", "befund"),
}
_ALIAS = {normalize_name(a): c for c, names in ALIASES.items() for a in names}
UNKNOWN_SOLD_AS = {"", "unbekannt", "unknown", "unklar", "?"}
MAX_SAMPLE = 40
EXAMPLE_MARKERS = ("beispiel", "example")   # sample codes of the template's example rows
ROWS = ["line", "date", "site", "district_id", "sample", "sold_as", "method",
        "substance", "result"]


@dataclass
class ParsedTests(CheckedFile):
    rows: pd.DataFrame                 # ROWS, valid rows only
    errors: list[UploadError]
    sha256: str
    filename: str = ""
    lang: str = "de"


def header_kind(header: list[str]) -> bool:
    """Is this the header of a test-results file (it names substance and result)?"""
    found = {_ALIAS.get(normalize_name(h)) for h in header}
    return {"substanz", "ergebnis"} <= found


def column_name(canonical: str, lang: str) -> str:
    return ENGLISH[canonical] if lang == "en" else canonical


def parse_tests(data: bytes, filename: str, *, sites: pd.DataFrame, today: date,
                lang: str = "de", sheet: str | None = None,
                catalog: SubstanceCatalog | None = None, sha256: str | None = None
                ) -> ParsedTests:
    """Validate a test-results upload completely (see the module docstring). ``sites``:
    name and district_id of the places that may test (``Store.test_sites``)."""
    cat = catalog or load_substances()
    sha = hashlib.sha256(data).hexdigest() if sha256 is None else sha256
    sink = ErrorSink()
    table, read_errors = read_upload(data, filename, lang, sheet)
    for e in read_errors:
        sink.add(e.message, e.line, e.column, e.value)
    if table is None:
        return _result(None, sink, sha, filename, lang)
    names = _map_header(table.header, lang, sink)
    if names is None:
        return _result(None, sink, sha, filename, lang)
    cells = pd.DataFrame({c: table.cells[i].astype("string").fillna("").str.strip()
                          .astype(object) for c, i in names.items()})
    cells["line"] = np.asarray(table.lines, dtype="int64")
    cells = cells[(cells[list(names)] != "").any(axis=1)].reset_index(drop=True)
    if cells.empty:
        sink.add(t("ingest.file.header_only", lang))
        return _result(None, sink, sha, filename, lang)
    shown = {c: table.header[i] for c, i in names.items()}
    rows = _RowCheck(cells, shown, sites, cat, today, lang, sink).run()
    return _result(rows, sink, sha, filename, lang, shown)


def _map_header(header: list[str], lang: str, sink: ErrorSink) -> dict[str, int] | None:
    """Canonical column -> position; None (with errors) when the file cannot be read on."""
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        if is_personal(h):
            sink.add(t("ingest.col.personal", lang, column=h), None, h)
            return None
        canon = _ALIAS.get(normalize_name(h))
        if canon is None:
            if normalize_name(h):
                sink.add(t("drugcheck.col.unknown", lang, column=h, allowed="; ".join(
                    column_name(c, lang) for c in COLUMNS)), 1, h, h)
        elif canon in found:
            sink.add(t("drugcheck.col.twice", lang, column=h), 1, h, h)
        else:
            found[canon] = i
    for c in COLUMNS:
        if c not in found and c != "verkauft_als":
            sink.add(t("drugcheck.col.missing", lang, column=column_name(c, lang)), 1)
    return None if sink else found


class _RowCheck:
    """The row checks; each maps the distinct values of a column once."""

    def __init__(self, cells, shown, sites, cat, today, lang, sink):
        self.c, self.shown, self.sites, self.cat = cells, shown, sites, cat
        self.today, self.lang, self.sink = today, lang, sink
        self.bad = np.zeros(len(cells), dtype=bool)

    def report(self, mask, column: str, messages) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.bad |= mask
            self.sink.add_rows(self.c["line"].to_numpy()[mask], self.shown.get(column, column),
                               self.c[column].to_numpy()[mask] if column in self.c else None,
                               list(np.asarray(messages, dtype=object)[mask])
                               if not isinstance(messages, str) else messages)

    def run(self) -> pd.DataFrame:
        out = pd.DataFrame({"line": self.c["line"]})
        out["date"] = self._dates()
        out["site"], out["district_id"] = self._sites()
        out["sample"] = self._samples()
        out["sold_as"] = self._sold_as()
        out["method"] = self._key("methode", self.cat.method, "method", self.cat.methods)
        out["substance"] = self._key("substanz", self.cat.substance, "substance",
                                     self.cat.substances)
        out["result"] = self._results()
        self._detectable(out)
        self._consistent(out)
        return out[~self.bad].reset_index(drop=True)[ROWS]

    def _dates(self) -> pd.Series:
        texts = self.c["datum"].tolist()
        values, messages = parse_dates(texts, self.today, self.lang)
        days = pd.Series(pd.to_datetime(values)).dt.date
        msg = np.array(messages, dtype=object)
        ok = pd.isna(msg)
        late = ok & np.array([d is not pd.NaT and not pd.isna(d) and d > self.today
                              for d in days])
        early = ok & np.array([not pd.isna(d) and d < MIN_DATE for d in days])
        msg[late] = [t("drugcheck.row.future", self.lang, value=v,
                       today=fmt_date(self.today, self.lang)) for v in self.c["datum"][late]]
        msg[early] = [t("drugcheck.row.too_old", self.lang, value=v,
                        min=fmt_date(MIN_DATE, self.lang)) for v in self.c["datum"][early]]
        self.report(~pd.isna(msg), "datum", msg)
        return days

    def _sites(self) -> tuple[pd.Series, pd.Series]:
        by_norm = {normalize_name(n): (n, d) for n, d in
                   zip(self.sites["name"], self.sites["district_id"])}
        found = self.c["ort"].map(lambda v: by_norm.get(normalize_name(v)))
        missing = (self.c["ort"] == "").to_numpy()
        unknown = found.isna().to_numpy() & ~missing
        listed = ", ".join(sorted(self.sites["name"])) or "–"
        self.report(missing, "ort", t("drugcheck.row.site_missing", self.lang))
        self.report(unknown, "ort", [t("drugcheck.row.site_unknown", self.lang, value=v,
                                       sites=listed) for v in self.c["ort"]])
        name = found.map(lambda f: f[0] if f else None)
        district = found.map(lambda f: f[1] if f else None)
        outside = (~found.isna()).to_numpy() & district.isna().to_numpy()
        self.report(outside, "ort", [t("drugcheck.row.site_outside", self.lang, value=v)
                                     for v in self.c["ort"]])
        return name, pd.array(district, dtype="Int64")

    def _samples(self) -> pd.Series:
        s = self.c["probe"]
        self.report((s == "").to_numpy(), "probe", t("drugcheck.row.sample_missing", self.lang))
        self.report((s.str.len() > MAX_SAMPLE).to_numpy(), "probe",
                    t("drugcheck.row.sample_long", self.lang, limit=MAX_SAMPLE))
        example = s.map(lambda v: normalize_name(v).startswith(EXAMPLE_MARKERS)).to_numpy()
        self.report(example, "probe", t("drugcheck.row.example", self.lang))
        return s

    def _sold_as(self) -> pd.Series:
        if "verkauft_als" not in self.c:
            return pd.Series([None] * len(self.c), dtype=object)
        raw = self.c["verkauft_als"]
        blank = raw.map(lambda v: normalize_name(v) in UNKNOWN_SOLD_AS).to_numpy()
        keys = raw.map(self.cat.substance)
        bad = keys.isna().to_numpy() & ~blank
        known = ", ".join(self.cat.name(k, self.lang) for k in self.cat.substances)
        self.report(bad, "verkauft_als", [t("drugcheck.row.sold_as_unknown", self.lang,
                                            value=v, known=known) for v in raw])
        return keys.where(~blank, None)

    def _key(self, column, lookup, what, entries) -> pd.Series:
        raw = self.c[column]
        mapping = {v: lookup(v) for v in raw.unique()}
        keys = raw.map(mapping)
        missing = (raw == "").to_numpy()
        known = ", ".join(self.cat.name(k, self.lang) for k in entries)
        self.report(missing, column, t(f"drugcheck.row.{what}_missing", self.lang))
        self.report(keys.isna().to_numpy() & ~missing, column,
                    [t(f"drugcheck.row.{what}_unknown", self.lang, value=v, known=known)
                     for v in raw])
        return keys

    def _results(self) -> pd.Series:
        raw = self.c["ergebnis"]
        keys = raw.map({v: result_of(v) for v in raw.unique()})
        self.report(keys.isna().to_numpy(), "ergebnis",
                    [t("drugcheck.row.result_unknown", self.lang, value=v) for v in raw])
        return keys

    def _detectable(self, out: pd.DataFrame) -> None:
        cannot = np.array([isinstance(m, str) and isinstance(s, str)
                           and not self.cat.detects(m, s)
                           for m, s in zip(out["method"], out["substance"])], dtype=bool)
        msgs = [None if not c else t(
            "drugcheck.row.not_detectable", self.lang, method=self.c["methode"][i],
            substance=self.cat.name(out["substance"][i], self.lang),
            detects=", ".join(self.cat.name(k, self.lang) for k in
                              self.cat.methods[out["method"][i]].flags["detects"]))
            for i, c in enumerate(cannot)]
        self.report(cannot, "substanz", msgs)

    def _consistent(self, out: pd.DataFrame) -> None:
        """The same sample, method and substance only once; one date, site and "sold as"
        per sample. Reported on the later line, naming the first."""
        lines = out["line"].to_numpy()
        key = out["sample"].map(normalize_name)
        named = (key != "").to_numpy()
        trio = key + "\x00" + _text(out["method"]) + "\x00" + _text(out["substance"])
        first = trio.map(pd.Series(lines, index=trio).groupby(level=0).min())
        dup = (first.to_numpy() != lines) & named
        self.report(dup, "substanz", [t("drugcheck.row.duplicate", self.lang, first=f)
                                      for f in first])
        for column, col in (("datum", "date"), ("ort", "site"),
                            ("verkauft_als", "sold_as")):
            if column not in self.c:
                continue
            frame = pd.DataFrame({"k": key, "v": _text(out[col]), "l": lines,
                                  "raw": self.c[column]})
            firsts = frame.sort_values("l").drop_duplicates("k").set_index("k")
            other = key.map(firsts["v"]).to_numpy()
            clash = (frame["v"].to_numpy() != other) & named & ~self.bad
            msgs = [t("drugcheck.row.inconsistent", self.lang, sample=s, first=f,
                      column=self.shown[column], other=o)
                    for s, f, o in zip(out["sample"], key.map(firsts["l"]),
                                       key.map(firsts["raw"]))]
            self.report(clash, column, msgs)


def _text(values: pd.Series) -> pd.Series:
    """Values as plain text for comparisons; missing -> "" (NaN would differ from itself)."""
    return pd.Series(["" if v is None or (isinstance(v, float) and v != v) else str(v)
                      for v in values], index=values.index, dtype=object)


def _result(rows, sink: ErrorSink, sha, filename, lang, shown=None) -> ParsedTests:
    if rows is None:
        rows = pd.DataFrame({c: pd.Series(dtype=object) for c in ROWS})
    order = {v: COLUMNS.index(k) for k, v in (shown or {}).items()}
    return ParsedTests(rows, sink.to_list(10_000, lang, order), sha, filename, lang)
