"""A lost database is rebuilt from the original uploads kept beside it (``lagebild rebuild``),
and backups carry those originals along."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CITY, TODAY, make_store  # noqa: E402

from lagebild.ingest import rawstore  # noqa: E402
from lagebild.access import SYSTEM  # noqa: E402
from lagebild.cli import main  # noqa: E402
from lagebild.ingest.importer import import_file, withdraw  # noqa: E402

HEADER = "datum;stadtteil;indikator;anzahl\n"


def visible(store) -> pd.DataFrame:
    """What every view shows: the active observations, without upload numbers."""
    obs = store.observations(SYSTEM, CITY)
    cols = [c for c in ("district_id", "indicator", "date", "count", "organisation")
            if c in obs]
    return obs[cols].sort_values(cols).reset_index(drop=True)


def fill(store):
    files = {
        "woche1.csv": HEADER + "02.11.2026;Altstadt;Spritzenfunde;4\n"
                               "03.11.2026;Südvorstadt;Naloxon-Gaben;2\n",
        "woche2.csv": HEADER + "09.11.2026;Altstadt;Spritzenfunde;7\n",
        "falsch.csv": HEADER + "10.11.2026;Altstadt;Spritzenfunde;70\n",
        "korrektur.csv": HEADER + "02.11.2026;Altstadt;Spritzenfunde;5\n",
    }
    ids = {}
    for name, text in files.items():
        out = import_file(store, SYSTEM, CITY, "Streetwork Nord", text.encode(), name,
                          today=TODAY, replace=name == "korrektur.csv")
        assert out.status == "imported", out.message
        ids[name] = out.upload_id
    withdraw(store, SYSTEM, CITY, ids["falsch.csv"])
    return ids


def test_lost_database_is_rebuilt_from_the_kept_uploads(tmp_path, capsys):
    db = tmp_path / "lagebild.duckdb"
    store = make_store(db)
    fill(store)
    before = visible(store)
    store.close()
    kept = rawstore.directory(db)
    assert len(list(kept.glob("*.bin"))) == 4 and len(list(kept.glob("*.json"))) == 4

    for f in tmp_path.glob("lagebild.duckdb*"):      # the database is gone
        f.unlink()
    make_store(db).close()                            # city and boundaries again
    assert main(["rebuild", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Neu eingelesen: 3 Uploads" in out and "zurückgezogen (ausgelassen): 1" in out

    store = make_store(db)
    try:
        after = visible(store)
        uploads = store.uploads(SYSTEM, CITY)
    finally:
        store.close()
    pd.testing.assert_frame_equal(after, before)
    assert (after["count"] == 70).sum() == 0          # the withdrawn upload stays out
    assert sorted(uploads["filename"]) == ["korrektur.csv", "woche1.csv", "woche2.csv"]
    # the rebuilt database keeps its own originals again; the old folder was set aside
    assert len(list(rawstore.directory(db).glob("*.json"))) == 3
    assert list(tmp_path.glob("lagebild.uploads.vor-rebuild-*"))


def test_rebuild_without_kept_uploads_says_so(tmp_path, capsys):
    db = tmp_path / "leer.duckdb"
    make_store(db).close()
    assert main(["rebuild", "--db", str(db)]) == 2
    assert "kein Verzeichnis mit Original-Uploads" in capsys.readouterr().err


def test_backup_carries_the_original_uploads(tmp_path, capsys):
    db = tmp_path / "lagebild.duckdb"
    store = make_store(db)
    fill(store)
    store.close()
    assert main(["backup", str(tmp_path / "sicherung"), "--db", str(db)]) == 0
    assert len(list((tmp_path / "sicherung" / "uploads").glob("*.bin"))) == 4
    target = tmp_path / "neu" / "lagebild.duckdb"
    assert main(["restore", str(tmp_path / "sicherung"), "--db", str(target)]) == 0
    assert sorted(p.name for p in rawstore.directory(target).glob("*.bin")) == \
        sorted(p.name for p in rawstore.directory(db).glob("*.bin"))


def test_only_imported_uploads_leave_a_file_beside_the_database(tmp_path):
    """The copy of the bytes is written while the file is checked; a dry run, a rejected
    file and a repeated file leave nothing behind (no half-written temporary files)."""
    db = tmp_path / "lagebild.duckdb"
    store = make_store(db)
    good = (HEADER + "02.11.2026;Altstadt;Spritzenfunde;4\n").encode()
    bad = (HEADER + "02.11.2026;Altstadt;Spritzenfunde;ca. 4\n").encode()
    kept = rawstore.directory(db)

    def files():
        return sorted(p.name for p in kept.iterdir()) if kept.exists() else []

    try:
        assert import_file(store, SYSTEM, CITY, "Streetwork Nord", good, "a.csv",
                           today=TODAY, dry_run=True).status == "valid"
        assert import_file(store, SYSTEM, CITY, "Streetwork Nord", bad, "b.csv",
                           today=TODAY).status == "rejected"
        assert files() == []
        first = import_file(store, SYSTEM, CITY, "Streetwork Nord", good, "a.csv",
                            today=TODAY)
        assert first.status == "imported"
        after_import = files()
        assert import_file(store, SYSTEM, CITY, "Streetwork Nord", good, "a-again.csv",
                           today=TODAY).status == "duplicate"
    finally:
        store.close()
    assert after_import == sorted([f"{first.parsed.sha256}.bin",
                                   f"{first.upload_id:08d}.json"])
    assert files() == after_import
