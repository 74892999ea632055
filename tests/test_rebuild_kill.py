"""A kill at any step of an import never makes ``lagebild rebuild`` lose an upload silently
(issue #21, point 3).

The real command (``python -m lagebild.cli ingest``) runs in a subprocess that kills itself
with SIGKILL right after one step of the import (the functions are wrapped in the child
only, the product has no test hooks):

- ``staged``: the bytes are kept as ``<sha>.bin``; the transaction has not started;
- ``pending``: the description (status ``pending``) is written inside the transaction;
  DuckDB has not committed;
- ``committed``: the transaction is committed; the description still says ``pending``;
- ``imported``: the description says ``imported`` (the normal end);
- ``committed-no-description``: as ``committed``, and then the description is lost (the
  state the issue found: database and ``.bin`` without ``.json``).

Afterwards the database is opened and its uploads noted. Then ``lagebild rebuild`` runs
twice on copies: into the *intact* database (which settles what was committed) and into a
*lost* one (a new empty database with the same districts). Both must hold every upload the
killed database had (the intact one exactly those); whatever the rebuild could not settle is
named on stderr with exit code 1, and the rebuilt database keeps the original and
description of each. The one upload a lost database cannot bring back is one whose
description was deleted (city and organisation unknown): it is named, never dropped
silently.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CITY, TODAY, make_store  # noqa: E402

from lagebild.ingest import rawstore  # noqa: E402
from lagebild.access import SYSTEM  # noqa: E402
from lagebild.cli import main  # noqa: E402
from lagebild.ingest.importer import import_file  # noqa: E402
from lagebild.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEADER = "datum;stadtteil;indikator;anzahl\n"
FIRST = HEADER + "02.11.2026;Altstadt;Spritzenfunde;4\n"
KILLED = HEADER + "09.11.2026;Südvorstadt;Spritzenfunde;7\n10.11.2026;Altstadt;Naloxon-Gaben;1\n"

CHILD = """
import os, signal, sys
from lagebild.ingest import rawstore
from lagebild.store import Store
step = sys.argv[1]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def after(owner, name, when=lambda *a, **k: True):
    original = getattr(owner, name)
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args, **kwargs):
            die()
        return result
    setattr(owner, name, wrapped)

if step == "staged":
    after(rawstore.Staging, "keep")
elif step in ("pending", "imported"):
    after(rawstore, "record", lambda db, uid, meta: meta.get("status") == step)
elif step.startswith("committed"):
    after(Store, "insert_upload")
from lagebild.cli import main
sys.exit(main(sys.argv[2:]))
"""

COMMITTED = {"staged": False, "pending": False, "committed": True, "imported": True,
             "committed-no-description": True}


def shas(db: Path) -> dict[str, str]:
    store = Store(db)
    try:
        records = store.upload_records(SYSTEM)
    finally:
        store.close()
    return dict(zip(records["sha256"], records["filename"]))


@pytest.mark.parametrize("step", list(COMMITTED))
def test_kill_at_each_step_never_loses_an_upload_in_rebuild(step, tmp_path, capsys):
    db = tmp_path / "stadt.duckdb"
    store = make_store(db)
    assert import_file(store, SYSTEM, CITY, "Streetwork", FIRST.encode(), "erste.csv",
                       today=TODAY).status == "imported"
    store.close()
    killed = tmp_path / "zweite.csv"
    killed.write_text(KILLED, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, step.split("-")[0] if step.startswith("committed")
         else step, "ingest", str(killed), "--city", CITY, "--org", "Streetwork", "--db",
         str(db)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT),
                                  "LAGEBILD_TODAY": TODAY.isoformat()},
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    folder = rawstore.directory(db)
    if step == "committed-no-description":
        for path in folder.glob("*.json"):
            if '"zweite.csv"' in path.read_text(encoding="utf-8"):
                path.unlink()
    had = shas(db)                       # what the killed database holds
    assert ("zweite.csv" in had.values()) == COMMITTED[step]
    assert "erste.csv" in had.values()

    # 1. rebuild into the intact database: exactly its uploads, each kept with description
    intact = tmp_path / "intakt" / "stadt.duckdb"
    intact.parent.mkdir()
    shutil.copy(db, intact)
    shutil.copytree(folder, rawstore.directory(intact))
    code = main(["rebuild", "--db", str(intact)])
    out = capsys.readouterr()
    assert shas(intact) == had
    kept = {m["sha256"]: m["status"] for m in rawstore.entries(rawstore.directory(intact))}
    assert kept == {sha: "imported" for sha in had}
    assert all((rawstore.directory(intact) / f"{sha}.bin").exists() for sha in had)
    if step == "committed-no-description":
        assert "aus der Datenbank ergänzt" in out.err and "zweite.csv" in out.err
    if step == "staged":                 # the .bin of an import that never committed
        assert code == 1 and "keine Beschreibung" in out.err

    # 2. rebuild into a lost database: every upload it had comes back; doubts are named
    lost = tmp_path / "verloren" / "stadt.duckdb"
    lost.parent.mkdir()
    make_store(lost).close()
    copy = tmp_path / "kopie.uploads"
    shutil.copytree(folder, copy)
    code = main(["rebuild", "--db", str(lost), "--uploads", str(copy)])
    out = capsys.readouterr()
    back = shas(lost)
    expected = set(had)
    if step == "committed-no-description":
        # no database, no description: city and organisation are unknown; named loudly
        assert "keine Beschreibung" in out.err and code == 1
        expected = {sha for sha, name in had.items() if name != "zweite.csv"}
    assert expected <= set(back), out.err
    for sha, name in back.items():
        if sha not in had:               # brought back without proof it was committed
            assert name in out.err and "bitte prüfen" in out.err
    if step in ("staged", "pending", "committed"):
        assert code == 1                 # something needed a look: said, not silent
