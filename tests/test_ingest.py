"""Unit tests of ``parse_upload`` and its stages (table-driven, tiny inputs)."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CATALOG, INSIDE, SQUARES, TODAY  # noqa: E402

from lagebild.ingest.parse import ROW_COLUMNS, parse_upload  # noqa: E402
from lagebild.ingest.columns import is_personal, map_header  # noqa: E402
from lagebild.ingest.read import decode, sniff_delimiter  # noqa: E402

H = "datum;stadtteil;indikator;anzahl"


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"district_id": [11, 12, 13], "code": [c for c, _, _ in SQUARES],
                             "name": [n for _, n, _ in SQUARES]},
                            geometry=[g for _, _, g in SQUARES], crs="EPSG:4326")


def parse(text, districts, name="u.csv", **kw):
    data = text.encode("utf-8") if isinstance(text, str) else text
    kw.setdefault("today", TODAY)
    return parse_upload(data, name, catalog=CATALOG, districts=districts, **kw)


def keys(p):
    return [(e.line, e.column) for e in p.errors]


# ---------------------------------------------------------------------------- reading
@pytest.mark.parametrize("data, text, encoding, error", [
    ("Süd".encode(), "Süd", "utf-8", None),
    (b"\xef\xbb\xbfS\xc3\xbcd", "Süd", "utf-8", None),
    ("Süd".encode("cp1252"), "Süd", "cp1252", None),
    (b"S\x81d", None, None, "weder UTF-8"),
    ("Süd".encode("utf-16"), None, None, "UTF-16"),
    (b"a\x00b", None, None, "Binärdaten"),
    ("Süd".encode() + "ü".encode("cp1252"), None, None, "mischt"),
])
def test_decode(data, text, encoding, error):
    got_text, got_encoding, got_error = decode(data)
    assert (got_text, got_encoding) == (text, encoding)
    assert (got_error is None) == (error is None)
    if error:
        assert error in got_error.message


@pytest.mark.parametrize("line, delimiter", [
    ("datum;stadtteil;indikator;anzahl", ";"), ("datum,stadtteil,indikator,anzahl", ","),
    ("datum\tstadtteil\tindikator", "\t"), ('"a,b";c;d', ";"), ("datum", ";"),
    ("date,district;x,y", ","),
])
def test_sniff_delimiter(line, delimiter):
    assert sniff_delimiter(line) == delimiter


@pytest.mark.parametrize("header, personal", [
    ("Name", True), ("Vorname", True), ("NACHNAME", True), ("Geburtsdatum", True),
    ("geb_datum", True), ("Geb.-Datum", True), ("Adresse", True), ("Anschrift", True),
    ("Straße", True), ("strasse", True), ("Versicherungsnummer", True),
    ("Krankenversicherung", True), ("Telefon", True), ("Telefonnummer", True),
    ("E-Mail", True), ("email", True), ("Date of birth", True), ("Last name", True),
    ("datum", False), ("stadtteil", False), ("Stadtteilname", False), ("anzahl", False),
    ("bemerkung", False), ("Name Stadtteil", False), ("indikator", False), ("lat", False),
])
def test_personal_columns(header, personal):
    assert is_personal(header) is personal


def test_header_aliases_are_tolerant():
    layout, errors = map_header([" DATUM ", "District", "Indicator", "count", "Breite",
                                 "Länge", "Note"], CATALOG)
    assert errors == [] and not layout.wide
    assert layout.columns == {"datum": 0, "stadtteil": 1, "indikator": 2, "anzahl": 3,
                              "lat": 4, "lon": 5, "bemerkung": 6}


def test_wide_header_maps_labels_to_keys():
    layout, errors = map_header(["datum", "stadtteil", "Drogennotfälle", "Syringe finds",
                                 "naloxon"], CATALOG)
    assert errors == [] and layout.wide
    assert layout.indicator_columns == {2: "drogennotfaelle", 3: "spritzenfunde",
                                        4: "naloxon"}


# ---------------------------------------------------------------------------- rows
def test_rows_frame_shape_and_types(districts):
    p = parse(f"{H};bemerkung\n03.11.2026;Altstadt;naloxon;2;hallo\n"
              "2026-11-04;Südvorstadt;Drogennotfälle;0;\n", districts)
    assert p.ok and list(p.rows.columns) == ROW_COLUMNS
    assert p.rows["line"].tolist() == [2, 3]
    assert p.rows["district_id"].tolist() == [11, 13]
    assert p.rows["indicator"].tolist() == ["naloxon", "drogennotfaelle"]
    assert p.rows["date"].dt.date.tolist() == [date(2026, 11, 3), date(2026, 11, 4)]
    assert p.rows["count"].dtype == "int64" and p.rows["count"].tolist() == [2, 0]
    assert p.rows["lat"].isna().all() and p.rows["lon"].isna().all()
    assert p.rows["note"].tolist()[0] == "hallo" and pd.isna(p.rows["note"].tolist()[1])
    assert p.sha256 == hashlib.sha256(
        f"{H};bemerkung\n03.11.2026;Altstadt;naloxon;2;hallo\n"
        "2026-11-04;Südvorstadt;Drogennotfälle;0;\n".encode()).hexdigest()


@pytest.mark.parametrize("place", ["Groß-Zschocher", "gross-zschocher", "  GROSS ZSCHOCHER ",
                                   "Gross_Zschocher", "02", " 02 ", "2"])
def test_district_spellings_and_codes(place, districts):
    p = parse(f"{H}\n03.11.2026;{place};naloxon;1\n", districts)
    assert p.ok, p.errors
    assert p.by_district == {"Groß-Zschocher": {"naloxon": 1}}


@pytest.mark.parametrize("indicator, key", [
    ("Drogennotfälle", "drogennotfaelle"), ("drogennotfaelle", "drogennotfaelle"),
    ("NON-FATAL OVERDOSES", "drogennotfaelle"), ("Naloxon-Gaben", "naloxon"),
    ("Schnelltests positiv (synth. Opioide)", "schnelltests_positiv"),
])
def test_indicator_spellings(indicator, key, districts):
    p = parse(f"{H}\n03.11.2026;Altstadt;{indicator};1\n", districts)
    assert p.ok and p.totals == {key: 1}


@pytest.mark.parametrize("value", ["03.11.2026", "3.11.2026", "2026-11-03", "2026-11-3",
                                   "03.11.2026 14:35", "2026-11-03 00:00:00",
                                   "2026-11-03T08:15"])
def test_accepted_date_forms(value, districts):
    p = parse(f"{H}\n{value};Altstadt;naloxon;1\n", districts)
    assert p.ok and p.rows["date"].dt.date.tolist() == [date(2026, 11, 3)]


def test_every_problem_is_collected_in_line_order(districts):
    p = parse(f"{H}\n31.02.2026;Altstat;naloxn;ca. 5\n03.11.2026;Altstadt;naloxon;1\n"
              "2026-12-01;Paris;naloxon;-1\n", districts)
    assert keys(p) == [(2, "datum"), (2, "stadtteil"), (2, "indikator"), (2, "anzahl"),
                       (4, "datum"), (4, "stadtteil"), (4, "anzahl")]
    assert "meinten Sie „Altstadt“" in p.errors[1].message
    assert "meinten Sie „Naloxon-Gaben“" in p.errors[2].message
    assert p.totals == {"naloxon": 1}          # the valid row is still previewed
    assert not p.ok


@pytest.mark.parametrize("where", ["cell", "header"])
def test_nul_byte_in_an_otherwise_plain_file_is_refused_as_binary(where, districts):
    """The fast reader takes UTF-8 files without quotes; a NUL byte must still send the
    file to the full path, which names it as binary data instead of importing it."""
    head = H.replace("anzahl", "anz\x00ahl") if where == "header" else H
    cell = "Alt\x00stadt" if where == "cell" else "Altstadt"
    p = parse(f"{head}\n03.11.2026;{cell};naloxon;1\n", districts)
    assert not p.ok and len(p.rows) == 0
    assert "Binärdaten" in p.errors[0].message


def test_misplaced_quote_is_an_error_not_a_silent_repair(districts):
    p = parse(f'{H}\n03.11.2026;Altstadt;naloxon;"12"5\n', districts)
    assert not p.ok and keys(p) == [(2, None)]
    assert "Anführungszeichen" in p.errors[0].message


def test_blank_lines_do_not_change_results_only_line_numbers(districts):
    body = ["03.11.2026;Altstadt;naloxon;1", "04.11.2026;Altstadt;naloxon;x",
            "05.11.2026;Südvorstadt;naloxon;3"]
    plain = parse("\n".join([H] + body) + "\n", districts)
    blank = parse("\n".join([H, body[0], "", body[1], body[2]]) + "\n", districts)
    assert keys(plain) == [(3, "anzahl")] and keys(blank) == [(4, "anzahl")]
    assert plain.rows.drop(columns="line").equals(blank.rows.drop(columns="line"))
    assert blank.rows["line"].tolist() == [2, 5]


def test_trailing_delimiters_in_header_or_rows_are_tolerated(districts):
    p = parse(f"{H};;\n03.11.2026;Altstadt;naloxon;1\n04.11.2026;Altstadt;naloxon;2;;\n"
              f"05.11.2026;Altstadt;naloxon;3;\n", districts)
    assert p.ok, p.errors
    assert p.totals == {"naloxon": 6}
    short = parse(f"{H};bemerkung\n03.11.2026;Altstadt;naloxon\n", districts)
    assert keys(short) == [(2, None)] and "nur 3 von 5" in short.errors[0].message


def test_quoted_multiline_note_is_one_excel_row(districts):
    p = parse(f'{H};bemerkung\r\n03.11.2026;Altstadt;naloxon;1;"a\r\nb"\r\n'
              f'04.11.2026;Altstadt;naloxon;-1;\r\n', districts)
    assert keys(p) == [(3, "anzahl")]


def test_notes_are_stored_verbatim_and_never_evaluated(districts):
    notes = ['=1+1', '+1', '-1', '@SUM(A1)', '=cmd|"/c calc"!A1', '  leading blanks']
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(H.split(";") + ["bemerkung"])
    for i, note in enumerate(notes):
        w.writerow([f"0{i + 1}.11.2026", "Altstadt", "naloxon", "1", note])
    p = parse(buf.getvalue(), districts)
    assert p.ok, p.errors
    assert p.rows["note"].tolist() == notes


def test_errors_csv_neutralises_formulas(districts):
    p = parse(f"{H}\n03.11.2026;=HYPERLINK(1);naloxon;1\n03.11.2026;Altstadt;naloxon;"
              "@SUM(1)\n03.11.2026;+x;naloxon;1\n03.11.2026;-x;naloxon;1\n", districts)
    text = p.errors_csv().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Zeile", "Spalte", "Wert", "Meldung"]
    values = [r[2] for r in rows[1:]]
    assert values == ["'=HYPERLINK(1)", "'@SUM(1)", "'+x", "'-x"]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r)
    frame = p.errors_frame()
    assert list(frame.columns) == ["line", "column", "value", "message"]
    assert frame["line"].tolist() == [2, 3, 4, 5]
    assert frame["value"].tolist()[0] == "=HYPERLINK(1)"       # the frame keeps the text


def test_points_get_their_district_and_count_one(districts):
    lat, lon = INSIDE["Südvorstadt"]
    p = parse(f"datum;lat;lon;indikator;anzahl\n03.11.2026;{lat};{lon};spritzenfunde;\n"
              f"03.11.2026;{lat};{lon};spritzenfunde;4\n", districts)
    assert p.ok, p.errors
    assert p.rows["district_id"].tolist() == [13, 13]
    assert p.rows["count"].tolist() == [1, 4]
    assert p.rows["lat"].tolist() == [lat, lat]


def test_border_point_prefers_the_named_district(districts):
    row = "03.11.2026;{};spritzenfunde;1;51.32;12.35"
    text = "datum;stadtteil;indikator;anzahl;lat;lon\n" + "\n".join(
        row.format(n) for n in ("Altstadt", "Groß-Zschocher", "")) + "\n"
    p = parse(text, districts)
    assert p.ok, p.errors
    assert p.rows["district_id"].tolist()[:2] == [11, 12]
    assert p.rows["district_id"].tolist()[2] in (11, 12)


def test_gps_tolerance_near_the_named_district(districts):
    # 0.0002° of longitude ≈ 14 m east of the Altstadt/Groß-Zschocher border
    near = "03.11.2026;Altstadt;spritzenfunde;1;51.32;12.3502"
    far = "03.11.2026;Altstadt;spritzenfunde;1;51.32;12.36"      # ≈ 700 m
    p = parse(f"datum;stadtteil;indikator;anzahl;lat;lon\n{near}\n{far}\n", districts)
    assert keys(p) == [(3, "lat/lon")]
    assert "Groß-Zschocher" in p.errors[0].message and "Altstadt" in p.errors[0].message
    assert p.rows["district_id"].tolist() == [11]


def test_invalid_district_geometry_is_repaired(districts):
    bowtie = Polygon([(12.30, 51.30), (12.35, 51.35), (12.35, 51.30), (12.30, 51.35)])
    d = districts.copy()
    d.loc[0, "geometry"] = bowtie
    assert not d.geometry.is_valid.all()
    p = parse("datum;lat;lon;indikator\n03.11.2026;51.325;12.34;spritzenfunde\n", d)
    assert p.ok and p.rows["district_id"].tolist() == [11]


def test_city_without_boundaries_cannot_place_points(districts):
    d = districts.copy()
    d["geometry"] = None
    p = parse("datum;lat;lon;indikator\n03.11.2026;51.31;12.325;spritzenfunde\n"
              "datum_is_not_a_date;51.31;12.325;spritzenfunde\n", d)
    assert (2, "lat/lon") in keys(p) and "keine Stadtteilgrenzen" in p.errors[0].message


def test_personal_data_rejection_echoes_no_values(districts):
    p = parse(f"{H};Vorname;Nachname\n03.11.2026;Altstadt;naloxon;1;Erika;Mustermann\n"
              "x;y\n", districts)
    assert keys(p) == [(1, "Vorname"), (1, "Nachname")]
    assert all(e.value is None and "Mustermann" not in e.message for e in p.errors)
    assert p.rows.empty and p.totals == {}


def test_duplicate_of_name_and_code_spelling(districts):
    p = parse(f"{H}\n03.11.2026;Altstadt;naloxon;1\n03.11.2026;01;Naloxon-Gaben;2\n"
              "03.11.2026;01;spritzenfunde;2\n", districts)
    assert keys(p) == [(3, None)] and "Zeile 2" in p.errors[0].message


def test_wide_format_errors_name_the_indicator_column(districts):
    p = parse("datum;stadtteil;Spritzenfunde;Naloxon-Gaben\n03.11.2026;Altstadt;1;-2\n"
              "03.11.2026;Altstadt;;\n", districts)
    assert keys(p) == [(2, "Naloxon-Gaben")] and "negativ" in p.errors[0].message
    assert p.totals == {"spritzenfunde": 1}


def test_reporting_periods_from_first_to_last_date(districts):
    p = parse(f"{H}\n03.11.2026;Altstadt;naloxon;1\n01.11.2026;Altstadt;naloxon;0\n"
              "07.11.2026;Südvorstadt;naloxon;2\n05.11.2026;Altstadt;beschwerden;1\n",
              districts)
    assert p.periods.to_dict("records") == [
        {"indicator": "beschwerden", "start_date": date(2026, 11, 5),
         "end_date": date(2026, 11, 5)},
        {"indicator": "naloxon", "start_date": date(2026, 11, 1),
         "end_date": date(2026, 11, 7)}]


def test_reporting_period_given_by_caller(districts):
    period = (date(2026, 11, 2), date(2026, 11, 8))
    p = parse(f"{H}\n03.11.2026;Altstadt;naloxon;1\n09.11.2026;Altstadt;naloxon;1\n",
              districts, period=period)
    assert keys(p) == [(3, "datum")] and "Berichtszeitraums" in p.errors[0].message
    ok = parse(f"{H}\n03.11.2026;Altstadt;naloxon;1\n", districts, period=period)
    assert ok.ok and ok.periods.to_dict("records") == [
        {"indicator": "naloxon", "start_date": period[0], "end_date": period[1]}]
    wrong = parse(f"{H}\n03.11.2026;Altstadt;naloxon;1\n", districts,
                  period=(period[1], period[0]))
    assert not wrong.ok and "nach dem Ende" in wrong.errors[0].message


def test_english_messages(districts):
    p = parse(f"{H}\n31.02.2026;Altstat;naloxon;1\n", districts, lang="en")
    assert [e.message for e in p.errors] == [
        "The date 31.02.2026 does not exist in the calendar.",
        "District “Altstat” is unknown – did you mean “Altstadt”?"]
    assert p.errors_csv().decode("utf-8-sig").startswith("Line,Column,Value,Message")


def test_progress_is_reported_in_order(districts):
    seen = []
    parse(f"{H}\n03.11.2026;Altstadt;naloxon;1\n", districts,
          progress=lambda f, text: seen.append((f, text)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(isinstance(text, str) and text for _, text in seen)


def test_error_list_is_capped_with_a_summary(districts):
    rows = "".join(f"{i % 28 + 1:02d}.{i // 28 + 1:02d}.2026;Altstadt;naloxon;x{i}\n"
                   for i in range(50))
    p = parse(f"{H}\n{rows}", districts, max_errors=10)
    assert len(p.errors) == 11 and [e.line for e in p.errors[:10]] == list(range(2, 12))
    assert p.errors[-1].line is None and "40 weitere" in p.errors[-1].message


def test_many_rows_vectorised_errors_point_at_the_right_lines(districts):
    n = 30_000
    rng = np.random.default_rng(7)
    combos = pd.MultiIndex.from_product([["Altstadt", "Groß-Zschocher", "Südvorstadt"],
                                         CATALOG.keys]).to_frame(index=False)
    per_day = len(combos)
    days = pd.date_range("2020-01-01", periods=n // per_day + 1)
    df = pd.DataFrame({"datum": np.repeat(days.strftime("%d.%m.%Y"), per_day)[:n],
                       "stadtteil": np.tile(combos[0], len(days))[:n],
                       "indikator": np.tile(combos[1], len(days))[:n],
                       "anzahl": rng.integers(0, 20, n).astype(str)})
    bad = {5: ("anzahl", "-3"), 777: ("stadtteil", "Nirgendwo"), 12345: ("datum", "31.04.2021"),
           29_999: ("anzahl", "2,5")}
    for i, (col, value) in bad.items():
        df.loc[i, col] = value
    p = parse(df.to_csv(sep=";", index=False), districts)
    assert keys(p) == [(i + 2, col) for i, (col, _) in sorted(bad.items())]
    assert len(p.rows) == n - len(bad)
    assert sum(p.totals.values()) == int(pd.to_numeric(df["anzahl"], errors="coerce")
                                         .drop(list(bad)).sum())


def test_ingest_never_imports_duckdb():
    code = ("import sys, lagebild.ingest.parse, lagebild.ingest.templates; "
            "print('duckdb' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True)
    assert out.stdout.strip() == "False"
    for path in Path(__file__).resolve().parents[1].glob("lagebild/ingest*.py"):
        assert "duckdb" not in path.read_text(encoding="utf-8").replace(
            "DuckDB is\nnever used", ""), path
