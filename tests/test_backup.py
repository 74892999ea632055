"""Backup and restore: the round trip gives identical tables; restore refuses to clobber."""

from lagebild.access import SYSTEM
from lagebild.cli import main
from lagebild.store import Store


def test_round_trip_gives_identical_tables(demo_db, tmp_path, capsys):
    before = Store(demo_db)
    before.close()
    assert main(["backup", str(tmp_path / "sicherung"), "--db", str(demo_db)]) == 0
    original = Store(demo_db)
    fingerprint = original.table_fingerprint()
    original.close()
    restored_path = tmp_path / "neu.duckdb"
    assert main(["restore", str(tmp_path / "sicherung"), "--db", str(restored_path)]) == 0
    restored = Store(restored_path)
    try:
        assert restored.table_fingerprint() == fingerprint
        assert len(fingerprint) >= 7 and fingerprint["observations"][0] > 50_000
        # sequences continue after restore: new ids do not collide
        restored.ensure_city(SYSTEM, "Neustadt nach Restore")
        assert "Neustadt nach Restore" in set(restored.cities(SYSTEM)["name"])
    finally:
        restored.close()


def test_restore_does_not_overwrite_without_force(demo_db, tmp_path, capsys):
    assert main(["backup", str(tmp_path / "b"), "--db", str(demo_db)]) == 0
    assert main(["restore", str(tmp_path / "b"), "--db", str(demo_db)]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "b"), "--db", str(demo_db), "--force"]) == 0
    assert list(tmp_path.glob("demo.duckdb.vor-restore-*")) or \
        list(demo_db.parent.glob("demo.duckdb.vor-restore-*"))


def test_backup_into_non_empty_directory_is_refused(demo_db, tmp_path, capsys):
    target = tmp_path / "voll"
    target.mkdir()
    (target / "x.txt").write_text("x")
    assert main(["backup", str(target), "--db", str(demo_db)]) == 1
    assert "nicht leer" in capsys.readouterr().err


def test_restore_from_something_else_is_refused(tmp_path, capsys):
    assert main(["restore", str(tmp_path), "--db", str(tmp_path / "x.duckdb")]) == 1
    assert "keine Lagebild-Sicherung" in capsys.readouterr().err
