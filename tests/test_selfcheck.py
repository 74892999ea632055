"""Startup self-check: a damaged database gives a German explanation, not a stack trace."""

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import only  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_damaged_database_points_to_restore(demo_db, monkeypatch):
    with open(demo_db, "r+b") as fh:          # destroy the file header
        fh.write(b"X" * 4096)
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    message = only(at.error).value
    assert message.startswith("Lagebild kann nicht starten.")
    assert "lagebild restore" in message and str(demo_db) in message
    assert not at.text_input                   # no login form on a broken database


def test_cli_reports_damaged_database(demo_db, capsys):
    from lagebild.cli import main
    with open(demo_db, "r+b") as fh:
        fh.write(b"X" * 4096)
    try:
        main(["info", "--db", str(demo_db)])
    except SystemExit as exc:
        assert exc.code == 2
    assert "lagebild restore" in capsys.readouterr().err


# --------------------------------------------------------------- issue #21, point 4 and 6
def _truncate(path) -> None:
    """A copy cut to half its size (as the attacker did): DuckDB still opens it and counts
    rows from its metadata, but the data blocks are gone."""
    import os
    os.truncate(path, Path(path).stat().st_size // 2)


def test_truncated_database_gives_the_restore_message_in_info(demo_db, capsys):
    from lagebild.cli import main
    _truncate(demo_db)
    try:
        code = main(["info", "--db", str(demo_db)])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2 and "Beobachtungen" not in captured.out
    assert "ist beschädigt" in captured.err and "lagebild restore" in captured.err
    assert str(demo_db) in captured.err
    assert "IO Error" not in captured.err and "Could not read" not in captured.err


def test_truncated_database_stops_the_app_with_the_german_message(demo_db, monkeypatch):
    from lagebild.access import Actor
    _truncate(demo_db)
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lagebild_actor"] = Actor("k", "krisenstab",
                                               cities=frozenset({"Musterstadt"}))
    at.run()
    assert not at.exception
    message = only(at.error).value
    assert message.startswith("Lagebild kann nicht starten.") and "ist beschädigt" in message
    assert "lagebild restore" in message


def test_damage_found_while_a_page_runs_gives_the_german_message(demo_db, monkeypatch):
    """A damage the quick check at the start does not see (here: the check switched off)
    surfaces while a page reads: the same German message, not Streamlit's error page."""
    from lagebild.access import Actor
    from lagebild.store import Store
    _truncate(demo_db)
    monkeypatch.setattr(Store, "check_integrity", lambda self: None)
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lagebild_actor"] = Actor("k", "krisenstab",
                                               cities=frozenset({"Musterstadt"}))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("ist beschädigt" in e.value and "lagebild restore" in e.value
               for e in at.error)


def test_database_held_by_another_process_is_explained_without_restore(demo_db):
    """DuckDB's lock error: German, no English inside, and no restore hint (nothing is
    damaged)."""
    import subprocess
    import sys

    import pytest

    from lagebild.store import Store, StoreError
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; con = duckdb.connect(sys.argv[1]); "
         "print('offen', flush=True); sys.stdin.read()", str(demo_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "offen"
        with pytest.raises(StoreError) as info:
            Store(demo_db)
    finally:
        holder.stdin.close()
        holder.wait(30)
    message = str(info.value)
    assert "von einem anderen Lagebild-Prozess" in message and "nicht beschädigt" in message
    assert f"(Prozess {holder.pid})" in message
    assert "restore" not in message and "lock" not in message.lower()
    assert "Conflicting" not in message and "IO Error" not in message
