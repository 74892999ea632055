"""Test-results uploads (#18): line-exact errors, atomic import, duplicate, withdraw, the
derived weekly indicators, English headers, XLSX, detection by the header."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drugcheck_kit import CITY, TODAY, csv, make_test_store  # noqa: E402
from test_ingest_kit import assert_unchanged, snapshot  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.ingest.importer import import_file, withdraw  # noqa: E402

GOOD = csv("16.11.2026;Drug-Checking Mitte;P1;Heroin;Schnelltest;Fentanyl;positiv",
           "16.11.2026;Drug-Checking Mitte;P1;Heroin;Schnelltest;Nitazene;negativ",
           "16.11.2026;Drug-Checking Mitte;P2;Kokain;Schnelltest;Fentanyl;ungültig",
           "17.11.2026;konsumraum süd;K7;;FTIR;Xylazin;positiv",
           "17.11.2026;konsumraum süd;K8;Heroin;Schnelltest;Nitazen;positiv")


@pytest.fixture
def store(tmp_path):
    s = make_test_store(tmp_path / "t.duckdb")
    yield s
    s.close()


def run(store, data, name="tests.csv", **kw):
    kw.setdefault("today", TODAY)
    return import_file(store, SYSTEM, CITY, "Drogenhilfe", data, name, **kw)


def test_import_stores_every_result_and_derives_the_weekly_indicators(store):
    out = run(store, GOOD)
    assert out.status == "imported", out.errors
    tests = store.drug_tests(SYSTEM, CITY)
    assert len(tests) == 5
    assert set(tests["district"]) == {"Altstadt", "Südvorstadt"}
    k7 = tests[tests["sample"] == "K7"].iloc[0]
    assert pd.isna(k7["sold_as"]) and k7["site"] == "Konsumraum Süd"
    # rapid tests: P1 two valid strips (Altstadt 16.11.), P2 invalid (not counted),
    # K8 one strip (Südvorstadt 17.11.); K7 is FTIR (no rapid test)
    assert out.totals == {"schnelltests": 3, "schnelltests_positiv": 2}
    obs = store.observations(SYSTEM, CITY)
    got = {(r.district_code, r.indicator, str(r.date)[:10]): r.count
           for r in obs.itertuples()}
    assert got == {("01", "schnelltests", "2026-11-16"): 2,          # Altstadt
                   ("01", "schnelltests_positiv", "2026-11-16"): 1,
                   ("03", "schnelltests", "2026-11-17"): 1,          # Südvorstadt
                   ("03", "schnelltests_positiv", "2026-11-17"): 1}
    assert "5 Testergebnissen" in out.message and "4 Proben" in out.message


def test_same_file_twice_is_duplicate_and_withdraw_removes_results(store):
    first = run(store, GOOD)
    before = snapshot(store)
    again = run(store, GOOD, name="nochmal.csv")
    assert again.status == "duplicate" and again.upload_id == first.upload_id
    assert_unchanged(before, snapshot(store))
    withdraw(store, SYSTEM, CITY, first.upload_id)
    assert store.drug_tests(SYSTEM, CITY).empty
    assert store.observations(SYSTEM, CITY).empty
    assert run(store, GOOD).status == "imported"      # after withdrawal it may come again


@pytest.mark.parametrize("row, line, column, value, words", [
    ("31.11.2026;Drug-Checking Mitte;P9;Heroin;Schnelltest;Fentanyl;positiv", 3, "datum",
     "31.11.2026", "gibt es im Kalender nicht"),
    ("25.11.2026;Drug-Checking Mitte;P9;Heroin;Schnelltest;Fentanyl;positiv", 3, "datum",
     "25.11.2026", "nach heute"),
    ("16.11.2026;Kita Sonnenschein;P9;Heroin;Schnelltest;Fentanyl;positiv", 3, "ort",
     "Kita Sonnenschein", "Unbekannter Ort"),
    ("16.11.2026;Drug-Checking Mitte;;Heroin;Schnelltest;Fentanyl;positiv", 3, "probe",
     "", "Proben-Kennung fehlt"),
    ("16.11.2026;Drug-Checking Mitte;P9;Zucker;Schnelltest;Fentanyl;positiv", 3,
     "verkauft_als", "Zucker", "Unbekannte Substanz"),
    ("16.11.2026;Drug-Checking Mitte;P9;Heroin;Urinprobe;Fentanyl;positiv", 3, "methode",
     "Urinprobe", "Unbekannte Methode"),
    ("16.11.2026;Drug-Checking Mitte;P9;Heroin;Schnelltest;Kokain;positiv", 3, "substanz",
     "Kokain", "kann Kokain nicht nachweisen"),
    ("16.11.2026;Drug-Checking Mitte;P9;Heroin;Schnelltest;Fentanyl;vielleicht", 3,
     "ergebnis", "vielleicht", "Erlaubt: positiv, negativ, ungültig"),
    ("16.11.2026;Drug-Checking Mitte;P1;Heroin;Schnelltest;Fentanyl;negativ", 3, "substanz",
     "Fentanyl", "schon in Zeile 2"),
    ("17.11.2026;Drug-Checking Mitte;P1;Heroin;Schnelltest;Xylazin;negativ", 3, "datum",
     "17.11.2026", "in Zeile 2 einen anderen Wert"),
])
def test_a_bad_row_rejects_the_file_naming_line_column_value(store, row, line, column,
                                                              value, words):
    data = csv("16.11.2026;Drug-Checking Mitte;P1;Heroin;Schnelltest;Fentanyl;positiv", row)
    before = snapshot(store)
    out = run(store, data)
    assert out.status == "rejected"
    assert [(e.line, e.column, e.value) for e in out.errors] == [(line, column, value)]
    assert words in out.errors[0].message
    assert_unchanged(before, snapshot(store))
    assert store.drug_tests(SYSTEM, CITY).empty


def test_missing_column_and_personal_data_are_file_errors(store):
    out = run(store, csv("16.11.2026;Drug-Checking Mitte;P1;Heroin;Fentanyl;positiv",
                         header="datum;ort;probe;verkauft_als;substanz;ergebnis"))
    assert out.status == "rejected"
    assert "Pflichtspalte „methode“ fehlt" in out.errors[0].message
    out = run(store, csv("x;16.11.2026;Drug-Checking Mitte;P1;;Schnelltest;Fentanyl;positiv",
                         header="Vorname;datum;ort;probe;verkauft_als;methode;substanz;"
                                "ergebnis"))
    assert out.status == "rejected" and "personenbezogenen" in out.errors[0].message
    assert out.errors[0].value is None           # the name is never echoed


def test_english_headers_and_words(store):
    data = csv("2026-11-16,Drug-Checking Mitte,A1,heroin,test strip,fentanyl,positive",
               header="date,site,sample,sold_as,method,substance,result")
    out = run(store, data, lang="en")
    assert out.status == "imported", out.errors
    assert store.drug_tests(SYSTEM, CITY)["result"].tolist() == ["positiv"]
    bad = csv("2026-11-16,Drug-Checking Mitte,A2,heroin,test strip,fentanyl,maybe",
              header="date,site,sample,sold_as,method,substance,result")
    out = run(store, bad, lang="en")
    assert out.errors[0].column == "result" and "Allowed: positive" in out.errors[0].message


def test_xlsx_is_detected_and_imported(store):
    wb = Workbook()
    ws = wb.active
    ws.append(["Datum", "Ort", "Probe", "verkauft als", "Methode", "Substanz", "Ergebnis"])
    ws.append([date(2026, 11, 16), "Drug-Checking Mitte", "X1", "Heroin", "FTIR",
               "Carfentanil", "positiv"])
    ws.append([date(2026, 11, 16), "Drug-Checking Mitte", "X2", "Heroin", "FTIR",
               "Carfentanil", "falsch"])
    buf = io.BytesIO()
    wb.save(buf)
    out = run(store, buf.getvalue(), name="tests.xlsx")
    assert out.status == "rejected"
    assert [(e.line, e.column) for e in out.errors] == [(3, "Ergebnis")]


def test_dry_run_writes_nothing(store):
    before = snapshot(store)
    out = run(store, GOOD, dry_run=True)
    assert out.status == "valid" and "4 Proben" in out.message
    assert_unchanged(before, snapshot(store))


def test_collision_with_counted_rapid_tests_of_the_same_organisation(store):
    counts = ("datum;stadtteil;indikator;anzahl\n16.11.2026;Altstadt;schnelltests;9\n"
              ).encode()
    assert run(store, counts, name="zahlen.csv").status == "imported"
    out = run(store, GOOD)
    assert out.status == "rejected" and len(out.collisions) == 1
    assert store.drug_tests(SYSTEM, CITY).empty
    out = run(store, GOOD, replace=True)
    assert out.status == "imported"
    weekly = store.observations(SYSTEM, CITY)
    assert weekly[weekly["indicator"] == "schnelltests"]["count"].sum() == 3


@pytest.mark.parametrize("lang", ["de", "en"])
def test_template_unchanged_imports_nothing_and_filled_in_imports(store, lang):
    from lagebild.drugcheck.template import csv_template
    tpl = csv_template(["Drug-Checking Mitte"], lang, date(2026, 11, 16))
    out = run(store, tpl, lang=lang)
    assert out.status == "rejected"
    assert [e.line for e in out.errors] == [2, 3, 4]
    assert all(e.column == ("probe" if lang == "de" else "sample") for e in out.errors)
    marker = "BEISPIEL" if lang == "de" else "EXAMPLE"
    filled = tpl.decode("utf-8-sig").replace(f"{marker}-", "DC-").encode()
    out = run(store, filled, lang=lang)
    assert out.status == "imported", out.errors
    assert len(store.drug_tests(SYSTEM, CITY)) == 3


def test_lost_database_is_rebuilt_with_the_test_results(tmp_path, capsys):
    from lagebild.cli import main
    db = tmp_path / "lagebild.duckdb"
    store = make_test_store(db)
    assert run(store, GOOD).status == "imported"
    before = store.drug_tests(SYSTEM, CITY).drop(columns="upload_id")
    store.close()
    for f in tmp_path.glob("lagebild.duckdb*"):      # the database is gone, the original kept
        f.unlink()
    make_test_store(db).close()                       # city, boundaries, places again
    assert main(["rebuild", "--db", str(db)]) == 0
    assert "Neu eingelesen: 1 Uploads" in capsys.readouterr().out
    store = make_test_store(db)
    try:
        after = store.drug_tests(SYSTEM, CITY).drop(columns="upload_id")
        weekly = store.observations(SYSTEM, CITY)
    finally:
        store.close()
    pd.testing.assert_frame_equal(after, before)
    assert weekly.groupby("indicator")["count"].sum().to_dict() == {
        "schnelltests": 3, "schnelltests_positiv": 2}
