"""Startup self-check: a damaged database gives a German explanation, not a stack trace."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def test_damaged_database_points_to_restore(demo_db, monkeypatch):
    with open(demo_db, "r+b") as fh:          # destroy the file header
        fh.write(b"X" * 4096)
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
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
