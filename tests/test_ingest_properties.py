"""Property-based tests: nothing crashes ``parse_upload``; ``import_file`` is all or nothing."""

from __future__ import annotations

import csv
import os
import io
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import (CATALOG, CITY, INSIDE, TODAY, districts_of,  # noqa: E402
                             make_store, observation_count, snapshot, assert_unchanged)

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.ingest.importer import import_file  # noqa: E402
from lagebild.ingest.parse import ParsedUpload, UploadError, parse_upload  # noqa: E402
from lagebild.ingest.read import _read_exact, _read_fast  # noqa: E402

# LAGEBILD_HYPOTHESIS_EXAMPLES=2000 for a long run before changing the readers
SETTINGS = settings(max_examples=int(os.environ.get("LAGEBILD_HYPOTHESIS_EXAMPLES", 60)),
                    deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = make_store(tmp_path_factory.mktemp("prop") / "t.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="module")
def districts(store):
    return districts_of(store)


def check_shape(p: ParsedUpload, max_line: int | None = None) -> None:
    assert isinstance(p, ParsedUpload)
    assert all(isinstance(e, UploadError) and isinstance(e.message, str) and e.message
               for e in p.errors)
    assert p.ok == (not p.errors and len(p.rows) > 0)
    if max_line is not None:
        assert all(e.line is None or 1 <= e.line <= max_line for e in p.errors)
    assert sum(p.totals.values()) == int(p.rows["count"].sum())
    assert sum(sum(v.values()) for v in p.by_district.values()) == sum(p.totals.values())
    assert (p.rows["count"] >= 0).all()
    p.errors_csv()


# ---------------------------------------------------------------------------- bytes
HEADERS = [b"", b"datum;stadtteil;indikator;anzahl\n", b"date,district,indicator,count\r\n",
           b"datum\tlat\tlon\tindikator\n", b"datum;stadtteil;naloxon;Spritzenfunde\n",
           b"PK\x03\x04", b"\xef\xbb\xbf"]


@SETTINGS
@given(head=st.sampled_from(HEADERS), body=st.binary(max_size=400),
       name=st.sampled_from(["u.csv", "u.xlsx", "u.txt", "u", "u.CSV", "u.tsv", "u.xls"]))
def test_arbitrary_bytes_never_crash(head, body, name, districts):
    p = parse_upload(head + body, name, catalog=CATALOG, districts=districts, today=TODAY)
    check_shape(p)


@SETTINGS
@given(text=st.text(max_size=300), delim=st.sampled_from([";", ",", "\t"]))
def test_arbitrary_text_after_a_header_never_crashes(text, delim, districts):
    data = (delim.join(["datum", "stadtteil", "indikator", "anzahl", "lat", "lon",
                        "bemerkung"]) + "\n" + text).encode("utf-8")
    p = parse_upload(data, "u.csv", catalog=CATALOG, districts=districts, today=TODAY)
    check_shape(p, max_line=text.count("\n") + text.count("\r") + 2)


# ---------------------------------------------------------------------------- tables
DISTRICT_TEXT = st.sampled_from(["Altstadt", "altstadt ", "Groß-Zschocher", "gross zschocher",
                                 "Südvorstadt", "Suedvorstadt", "01", "03", "", "Altstat",
                                 "Paris", "=1+1"])
INDICATOR_TEXT = st.sampled_from(CATALOG.keys + ["Drogennotfälle", "Syringe finds",
                                                 "Naloxon-Gaben", "", "spritzen", "x"])
DAY = st.dates(min_value=date(1999, 12, 25), max_value=TODAY + timedelta(days=5))
DATE_TEXT = st.one_of(DAY.map(lambda d: d.strftime("%d.%m.%Y")), DAY.map(date.isoformat),
                      st.sampled_from(["31.02.2026", "", "gestern", "2026-13-01", "3.11.26"]))
COUNT_TEXT = st.one_of(st.integers(0, 40).map(str),
                       st.sampled_from(["-1", "2,5", "ca. 5", "", "1.234", "99999999", " 7 "]))
POINT = st.one_of(st.just(("", "")), st.sampled_from(list(INSIDE.values())).map(
    lambda p: (str(p[0]), str(p[1]))), st.sampled_from([("12.325", "51.325"), ("52.5", "13.4"),
                                                       ("51,33", "12,33"), ("51.3", ""),
                                                       ("abc", "12.3")]))
NOTE = st.one_of(st.just(""), st.text(max_size=30), st.sampled_from(["=SUM(A1)", "x" * 501]))
ROW = st.tuples(DATE_TEXT, DISTRICT_TEXT, INDICATOR_TEXT, COUNT_TEXT, POINT, NOTE)
VALID_ROW = st.tuples(st.dates(min_value=date(2026, 1, 1), max_value=TODAY).map(date.isoformat),
                      st.sampled_from(["Altstadt", "Groß-Zschocher", "Südvorstadt"]),
                      st.sampled_from(["naloxon", "Drogennotfälle", "schnelltests"]),
                      st.integers(0, 40).map(str), st.just(("", "")), st.just(""))
POINT_ROW = st.tuples(st.dates(min_value=date(2026, 1, 1), max_value=TODAY).map(date.isoformat),
                      st.just(""), st.just("spritzenfunde"), st.just(""),
                      st.sampled_from(list(INSIDE.values())).map(lambda p: (str(p[0]),
                                                                            str(p[1]))),
                      st.just(""))
TABLE = st.one_of(st.lists(ROW, min_size=1, max_size=15),
                  st.lists(st.one_of(VALID_ROW, POINT_ROW), min_size=1, max_size=8))


def to_csv(rows, delim: str, english: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    w.writerow(["date", "district", "indicator", "count", "lat", "lon", "note"] if english
               else ["datum", "stadtteil", "indikator", "anzahl", "lat", "lon", "bemerkung"])
    for d, place, ind, count, (lat, lon), note in rows:
        w.writerow([d, place, ind, count, lat, lon, note])
    return buf.getvalue()


def encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@SETTINGS
@given(rows=st.lists(ROW, min_size=1, max_size=25), delim=st.sampled_from([";", ",", "\t"]),
       english=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_valid_looking_tables_never_crash(rows, delim, english, encoding, districts):
    text = to_csv(rows, delim, english)
    p = parse_upload(encode(text, encoding), "u.csv", catalog=CATALOG, districts=districts,
                     today=TODAY)
    physical = text.count("\n") + text.count("\r") + 1
    check_shape(p, max_line=physical)
    assert set(p.rows["line"]).isdisjoint({e.line for e in p.errors})


@SETTINGS
@given(rows=TABLE, replace=st.booleans(),
       dry_run=st.booleans(), org=st.sampled_from(["Streetwork", "Drogenhilfe"]))
def test_import_never_writes_partially(rows, replace, dry_run, org, store):
    data = to_csv(rows, ";", False).encode("utf-8")
    before = observation_count(store)
    snap = snapshot(store)
    outcome = import_file(store, SYSTEM, CITY, org, data, "u.csv", today=TODAY,
                          replace=replace, dry_run=dry_run)
    after = observation_count(store)
    assert outcome.status in ("imported", "valid", "rejected", "duplicate")
    event(outcome.status)
    if outcome.status == "imported":
        assert after == before + outcome.rows - outcome.replaced
        assert outcome.upload_id is not None
    else:
        assert after == before
        assert_unchanged(snap, snapshot(store))
    assume(outcome.status != "duplicate")


# ---------------------------------------------------------------------------- readers
CELL = st.text(alphabet=st.sampled_from(list('ab ;,\t"\n\r\'=äß1.')), max_size=6)


@SETTINGS
@given(cells=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
       delim=st.sampled_from([";", ",", "\t"]), cut=st.integers(0, 400),
       insert=st.sampled_from(["", '"', "\n", "\n\n", "\r", "x"]))
def test_fast_reader_agrees_with_the_exact_reader(cells, delim, cut, insert):
    """Whenever the fast path (pyarrow) accepts a file, it reads exactly what the strict
    record-by-record reader reads: same header, cells and line numbers."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\n").writerows([["h1", "h2", "h3"]]
                                                                   + cells)
    text = buf.getvalue()
    text = text[:cut] + insert + text[cut:]          # maybe break it
    fast = _read_fast(text.encode("utf-8"), delim, text)
    exact, errors = _read_exact(text, delim, "de")
    if fast is None:
        return
    assert errors == [] and exact is not None
    assert fast.header == exact.header
    keep = ~(fast.cells.apply(lambda c: c.str.strip() == "")).all(axis=1).to_numpy()
    assert fast.cells[keep].values.tolist() == exact.cells.values.tolist()
    assert fast.lines[keep].tolist() == exact.lines.tolist()


# ---------------------------------------------------------------------------- dates
DATE_PIECE = st.one_of(st.integers(0, 40).map(str), st.integers(0, 40).map(lambda n: f"{n:02d}"),
                       st.sampled_from(["1899", "1900", "2000", "2024", "2026", "2200", "2201",
                                        "26", "٠٣", "x"]))


@SETTINGS
@given(cells=st.lists(st.one_of(
    st.tuples(DATE_PIECE, DATE_PIECE, DATE_PIECE).map(".".join),
    st.tuples(DATE_PIECE, DATE_PIECE, DATE_PIECE).map("-".join),
    st.text(max_size=12)), min_size=1, max_size=30, unique=True))
@example(cells=["31.02.2026", "2026-02-30", "29.02.2024", "29.02.2023", "3.1.2026"])
def test_vectorised_dates_agree_with_the_rules_cell_by_cell(cells):
    """The fast date path (Arrow) gives exactly the dates and messages of the exact rules
    applied to each cell alone — ``31.02.2026`` is refused, not rolled into March."""
    import numpy as np

    from lagebild.ingest.values import _date_value, parse_dates
    values, messages = parse_dates(cells, TODAY)
    for i, cell in enumerate(cells):
        one = np.full(1, np.datetime64("NaT"), dtype="datetime64[ns]")
        assert messages[i] == _date_value(cell, one, 0, TODAY, "de"), cell
        assert (np.isnat(values[i]) and np.isnat(one[0])) or values[i] == one[0], cell
