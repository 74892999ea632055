"""``lagebild ingest``: exit codes 0/1/2/3, the --json shape, the German summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CITY, make_store, observation_count  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.cli.ingest import main  # noqa: E402
from lagebild.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
from conftest import TODAY  # noqa: E402  (the pinned clock)

DAY = (date.fromisoformat(TODAY) - timedelta(days=10)).strftime("%d.%m.%Y")
GOOD = f"datum;stadtteil;indikator;anzahl\n{DAY};Altstadt;naloxon;2\n{DAY};Südvorstadt;naloxon;1\n"
BAD = f"datum;stadtteil;indikator;anzahl\n{DAY};Altstadt;naloxon;2\n{DAY};Altstat;naloxon;ca. 5\n"
COLLIDING = f"datum;stadtteil;indikator;anzahl\n{DAY};Altstadt;Naloxon-Gaben;4\n"


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "t.duckdb"
    make_store(path).close()          # the CLI opens the file itself (one process at a time)
    return path


def write(tmp_path, text, name="meldung.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(capsys, *args):
    code = main(["ingest", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def rows_in(db: Path) -> int:
    store = Store(db)
    try:
        return observation_count(store)
    finally:
        store.close()


def test_import_then_duplicate_json(tmp_path, db, capsys):
    f = write(tmp_path, GOOD)
    code, out, _ = cli(capsys, f, "--city", CITY, "--org", "Streetwork", "--json", "--db", db)
    assert code == 0
    doc = json.loads(out)
    assert {"status", "upload_id", "rows", "totals", "by_district", "errors"} <= set(doc)
    assert doc["status"] == "imported" and isinstance(doc["upload_id"], int)
    assert doc["rows"] == 2 and doc["totals"] == {"naloxon": 3}
    assert doc["by_district"] == {"Altstadt": {"naloxon": 2}, "Südvorstadt": {"naloxon": 1}}
    assert doc["errors"] == []
    assert rows_in(db) == 2

    code, out, _ = cli(capsys, f, "--city", CITY, "--org", "Streetwork", "--json", "--db", db)
    assert code == 3
    doc2 = json.loads(out)
    assert doc2["status"] == "duplicate" and doc2["upload_id"] == doc["upload_id"]
    assert "bereits importiert am" in doc2["message"]
    assert rows_in(db) == 2


def test_rejected_file_exit_1_with_errors_in_json(tmp_path, db, capsys):
    f = write(tmp_path, BAD)
    code, out, _ = cli(capsys, f, "--city", CITY, "--org", "Streetwork", "--json", "--db", db)
    assert code == 1
    doc = json.loads(out)
    assert doc["status"] == "rejected" and doc["upload_id"] is None
    assert [(e["line"], e["column"]) for e in doc["errors"]] == [(3, "stadtteil"),
                                                                  (3, "anzahl")]
    assert set(doc["errors"][0]) == {"line", "column", "value", "message"}
    assert doc["errors"][0]["value"] == "Altstat"
    assert rows_in(db) == 0


def test_readable_german_summary(tmp_path, db, capsys):
    code, out, _ = cli(capsys, write(tmp_path, BAD), "--city", CITY, "--org", "Streetwork",
                       "--db", db)
    assert code == 1
    assert "nichts importiert" in out and "Zeile 3, Spalte stadtteil" in out
    assert "meinten Sie „Altstadt“" in out
    code, out, _ = cli(capsys, write(tmp_path, GOOD), "--city", CITY, "--org", "Streetwork",
                       "--db", db)
    assert code == 0 and "2 Zeilen importiert" in out and "Südvorstadt: naloxon 1" in out


def test_dry_run_writes_nothing(tmp_path, db, capsys):
    code, out, _ = cli(capsys, write(tmp_path, GOOD), "--city", CITY, "--org", "Streetwork",
                       "--dry-run", "--json", "--db", db)
    assert code == 0 and json.loads(out)["status"] == "valid"
    assert rows_in(db) == 0


def test_collision_needs_replace(tmp_path, db, capsys):
    assert cli(capsys, write(tmp_path, GOOD), "--city", CITY, "--org", "Streetwork",
               "--db", db)[0] == 0
    f = write(tmp_path, COLLIDING, "korrektur.csv")
    code, out, _ = cli(capsys, f, "--city", CITY, "--org", "Streetwork", "--json", "--db", db)
    doc = json.loads(out)
    assert code == 1 and doc["status"] == "rejected" and len(doc["collisions"]) == 1
    assert "ersetzen" in doc["message"]
    code, out, _ = cli(capsys, f, "--city", CITY, "--org", "Streetwork", "--replace", "--json",
                       "--db", db)
    assert code == 0 and json.loads(out)["status"] == "imported"
    store = Store(db)
    obs = store.observations(SYSTEM, CITY)
    store.close()
    assert sorted(obs["count"].tolist()) == [1, 4]


@pytest.mark.parametrize("args", [
    ["--city", "Nirgendwo", "--org", "Streetwork"],
    ["--city", CITY, "--org", "  "],
])
def test_usage_errors_exit_2(tmp_path, db, capsys, args):
    code, out, err = cli(capsys, write(tmp_path, GOOD), *args, "--db", db)
    assert code == 2 and out == "" and err
    assert rows_in(db) == 0


def test_unknown_city_lists_the_known_ones(tmp_path, db, capsys):
    _, _, err = cli(capsys, write(tmp_path, GOOD), "--city", "Nirgendwo", "--org", "S",
                    "--db", db)
    assert "Nirgendwo" in err and CITY in err


def test_missing_file_and_missing_arguments_exit_2(tmp_path, db, capsys):
    code, _, err = cli(capsys, tmp_path / "fehlt.csv", "--city", CITY, "--org", "S",
                       "--db", db)
    assert code == 2 and "nicht gefunden" in err
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(write(tmp_path, GOOD)), "--city", CITY])
    assert exc.value.code == 2


def test_module_entry_point(tmp_path, db):
    env = dict(os.environ, LAGEBILD_DB_PATH=str(db))
    proc = subprocess.run([sys.executable, "-m", "lagebild.cli.ingest", "ingest",
                           str(write(tmp_path, GOOD)), "--city", CITY, "--org", "Streetwork",
                           "--json"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "imported"
    assert rows_in(db) == 2
