"""``lagebild substances`` (#18): the numbers of a small uploaded file, by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drugcheck_kit import CITY, TODAY, csv, make_test_store  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.cli import main  # noqa: E402
from lagebild.ingest.importer import import_file  # noqa: E402

FILE = csv(
    # KW 46: fentanyl 0 of 2
    "10.11.2026;Drug-Checking Mitte;A1;Heroin;Schnelltest;Fentanyl;negativ",
    "11.11.2026;Konsumraum Süd;A2;Heroin;Schnelltest;Fentanyl;negativ",
    # KW 47: fentanyl 1 of 3 (+1 invalid), nitazene 2 of 2, first xylazine by FTIR
    "16.11.2026;Drug-Checking Mitte;B1;Heroin;Schnelltest;Fentanyl;positiv",
    "16.11.2026;Drug-Checking Mitte;B1;Heroin;Schnelltest;Nitazene;positiv",
    "16.11.2026;Drug-Checking Mitte;B2;Heroin;Schnelltest;Fentanyl;negativ",
    "17.11.2026;Konsumraum Süd;B3;;Schnelltest;Fentanyl;negativ",
    "17.11.2026;Konsumraum Süd;B3;;Schnelltest;Nitazene;positiv",
    "17.11.2026;Konsumraum Süd;B4;Kokain;Schnelltest;Fentanyl;ungültig",
    "18.11.2026;Konsumraum Süd;B5;Heroin;FTIR;Xylazin;positiv")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.duckdb"
    store = make_test_store(path)
    out = import_file(store, SYSTEM, CITY, "Drogenhilfe", FILE, "tests.csv", today=TODAY)
    assert out.status == "imported", out.errors
    store.close()
    return str(path)


def run(capsys, *args):
    code = main(["substances", "--city", CITY, "--db", *args])
    return code, capsys.readouterr()


def test_json_week_47_equals_hand_computation(db, capsys):
    code, out = run(capsys, db, "--week", "2026-W47", "--json")
    assert code == 0
    got = json.loads(out.out)
    assert got["week"] == "2026-W47"
    by = {s["key"]: s for s in got["substances"]}
    assert list(by) == ["fentanyl", "nitazene", "xylazin"]       # catalogue order
    f = by["fentanyl"]
    # 1 of 3: Wilson 0.0615 … 0.7923 (see test_drugcheck_analytics)
    assert (f["tests"], f["positive"], f["share"]) == (3, 1, 0.3333)
    assert (f["ci_low"], f["ci_high"]) == (0.0615, 0.7923)
    assert f["first_detected"] == "2026-11-16"
    n = by["nitazene"]
    assert (n["tests"], n["positive"], n["share"], n["ci_low"], n["ci_high"]) == \
        (2, 2, 1.0, 0.3424, 1.0)                 # 2 of 2: c = 1.96037/2.92073 = 0.67119, h = 0.32881
    assert by["xylazin"]["first_detected"] == "2026-11-18"


def test_week_46_has_no_detection_yet(db, capsys):
    code, out = run(capsys, db, "--week", "2026-W46", "--json")
    got = json.loads(out.out)
    assert got["substances"] == [{"key": "fentanyl", "tests": 2, "positive": 0, "share": 0.0,
                                  "ci_low": 0.0, "ci_high": 0.6576, "first_detected": None}]


def test_text_defaults_to_this_week_and_shows_n(db, capsys):
    code, out = run(capsys, db)                   # LAGEBILD_TODAY = 2026-11-18: KW 47
    assert code == 0
    lines = out.out.splitlines()
    assert lines[0] == f"Drug-Checking {CITY}, KW 47/2026"
    assert "Fentanyl | 3 | 1 | 33 % (6–79 %) | 16.11.2026" in lines


@pytest.mark.parametrize("args, words", [(["--week", "2026-W60"], "Ungültige Woche"),
                                          (["--week", "x"], "Ungültige Woche")])
def test_bad_week_exits_2(db, capsys, args, words):
    code, out = run(capsys, db, *args)
    assert code == 2 and words in out.err


def test_unknown_city_exits_2(db, capsys):
    code = main(["substances", "--city", "Nirgendwo", "--db", db])
    assert code == 2 and "Nirgendwo" in capsys.readouterr().err


def test_lagebild_ingest_takes_a_test_results_file(tmp_path, capsys):
    path = tmp_path / "t.duckdb"
    make_test_store(path).close()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(FILE.replace(b"B5;Heroin;FTIR", b"B5;Heroin;Urintest"))
    code = main(["ingest", str(bad), "--city", CITY, "--org", "Drogenhilfe", "--json",
                 "--db", str(path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["status"] == "rejected"
    assert [(e["line"], e["column"], e["value"]) for e in out["errors"]] == [
        (10, "methode", "Urintest")]
    good = tmp_path / "good.csv"
    good.write_bytes(FILE)
    code = main(["ingest", str(good), "--city", CITY, "--org", "Drogenhilfe", "--db",
                 str(path)])
    text = capsys.readouterr().out
    assert code == 0 and "7 Proben mit 9 Testergebnissen importiert" in text
    code = main(["ingest", str(good), "--city", CITY, "--org", "Drogenhilfe", "--db",
                 str(path)])
    assert code == 3                                      # the same file never twice
