"""The server's worker and inbox in one process (#20): when a file counts as complete,
replace via ``ersetzen/`` or a sidecar, receipts, unknown cities, backups kept and pruned,
the German message of commands while the server holds the database, the backup button."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import only  # noqa: E402
from inbox_kit import HEADER, drop  # noqa: E402
from test_ingest_kit import CITY, make_store  # noqa: E402

from lagebild.access import SYSTEM, Actor  # noqa: E402
from lagebild.inbox import backup, runtime  # noqa: E402
from lagebild.inbox.cli import held_message  # noqa: E402
from lagebild.inbox.watch import Watcher  # noqa: E402
from lagebild.inbox.worker import Context, Job, Worker, default_jobs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DAY1 = HEADER + "08.11.2026;Altstadt;Naloxon-Gaben;2\n"
DAY1_MORE = HEADER + "08.11.2026;Altstadt;Naloxon-Gaben;5\n"


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A store as the server process shares it (``runtime.process_store``)."""
    db = tmp_path / "t.duckdb"
    make_store(db).close()
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(db))
    monkeypatch.setattr(runtime, "_serving", True)
    monkeypatch.setattr(runtime, "_stores", {})
    yield db
    for store in runtime._stores.values():
        store.close()


def turn(db: Path, worker: Worker | None = None) -> Worker:
    worker = worker or Worker(str(db), [j for j in default_jobs() if j.name == "inbox"])
    for job in worker.jobs:
        job.next_at = 0.0
    worker.run_due()
    return worker


def test_a_file_counts_once_renamed_from_part_or_unchanged_for_the_settle_time(tmp_path):
    org = tmp_path / CITY / "Streetwork"
    org.mkdir(parents=True)
    watcher = Watcher(settle_s=0.6)
    (org / "a.csv.part").write_text("halb")
    (org / "b.csv").write_text("wird noch geschrieben")
    (org / ".~lock.c.csv#").write_text("")
    assert watcher.complete(tmp_path) == []                 # nothing settled yet
    os.replace(org / "a.csv.part", org / "a.csv")
    assert [d.path.name for d in watcher.complete(tmp_path)] == ["a.csv"]   # renamed: at once
    with (org / "b.csv").open("a") as fh:
        fh.write(" und weiter")                              # still growing
    assert [d.path.name for d in watcher.complete(tmp_path)] == ["a.csv"]
    time.sleep(0.7)
    names = [d.path.name for d in watcher.complete(tmp_path)]
    assert sorted(names) == ["a.csv", "b.csv"]              # unchanged for 0.6 s


def test_replace_via_folder_or_sidecar_and_receipts_for_every_outcome(served, monkeypatch):
    monkeypatch.setenv("LAGEBILD_INBOX_SETTLE_S", "0")
    org = runtime.inbox_dir(str(served)) / CITY / "Streetwork"
    drop(org, "erst.csv", DAY1)
    worker = turn(served)
    drop(org, "korrektur.csv", DAY1_MORE)                    # same day: collides
    turn(served, worker)
    drop(org / "ersetzen", "korrektur2.csv", DAY1_MORE + "\n")        # folder ersetzen/
    (org / "sidecar.csv.ersetzen").write_text("")
    drop(org, "sidecar.csv", DAY1.replace(";2", ";3"))                # sidecar .ersetzen
    drop(runtime.inbox_dir(str(served)) / "Atlantis" / "Streetwork", "x.csv", DAY1)
    turn(served, worker)
    got = {}
    for path in runtime.inbox_dir(str(served)).rglob("*.quittung.json"):
        r = json.loads(path.read_text(encoding="utf-8"))
        got[r["file"]] = (r["status"], r["replace"], path.parent.name)
        assert Path(str(path).replace(".quittung.json", "")).exists()  # the file beside it
        assert path.with_name(path.name.replace(".json", ".txt")).exists()
    assert got == {"erst.csv": ("imported", False, "erledigt"),
                   "korrektur.csv": ("rejected", False, "abgelehnt"),
                   "korrektur2.csv": ("imported", True, "erledigt"),
                   "sidecar.csv": ("imported", True, "erledigt"),
                   "x.csv": ("rejected", False, "abgelehnt")}
    atlantis = next(runtime.inbox_dir(str(served)).rglob("*x.csv.quittung.txt")).read_text()
    assert "Die Stadt 'Atlantis' gibt es in Lagebild nicht" in atlantis
    rejected = next(org.glob("abgelehnt/*korrektur.csv.quittung.txt")).read_text()
    assert "schon Werte" in rejected and "Altstadt · naloxon · 2026-11-08 · 2" in rejected
    assert "in den Unterordner ersetzen/ legen" in rejected
    store = runtime.process_store(str(served))
    assert store.uploads(SYSTEM, CITY)["uploaded_by"].tolist() == ["posteingang"] * 3
    assert not list(org.glob("*.ersetzen"))                  # the sidecar went with its file


def test_a_failing_job_is_reported_once_and_the_others_go_on(capsys):
    ran = []

    def broken(ctx):
        raise RuntimeError("kaputt")
    worker = Worker("x.duckdb", [Job("kaputt", 0.0, broken),
                                 Job("weiter", 0.0, lambda ctx: ran.append(1))])
    for _ in range(3):
        worker.run_due()
    assert ran == [1, 1, 1]
    assert capsys.readouterr().err.count("Aufgabe kaputt fehlgeschlagen") == 1


def test_backups_are_verified_and_old_ones_pruned(served, tmp_path):
    store = runtime.process_store(str(served))
    result = backup.take(store, SYSTEM, tmp_path / "bk")
    assert result.ok and "geprüft" in result.message
    assert (result.path / backup.VERIFIED).exists()
    assert store.audit_log(SYSTEM)["action"].iloc[0] == "backup.verified"
    denied = backup.take(store, Actor("k", "krisenstab"), tmp_path / "bk")
    assert not denied.ok and "Sicherungen erstellen" in denied.message
    assert store.audit_log(SYSTEM)["action"].iloc[0] == "backup.failed"
    for name in ("lagebild-20261101-023000", "lagebild-20261104-023000", "fremd"):
        (tmp_path / "bk" / name).mkdir()
    gone = backup.prune(tmp_path / "bk", date(2026, 11, 18), 14)
    assert gone == ["lagebild-20261101-023000"]              # 17 days old; 14 kept
    assert (tmp_path / "bk" / "fremd").exists() and result.path.exists()


def test_the_scheduled_job_waits_for_its_time_and_runs_once_a_day(served, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("LAGEBILD_BACKUP_DIR", str(tmp_path / "bk"))
    monkeypatch.setenv("LAGEBILD_BACKUP_TIME", "23:59")
    ctx = Context(str(served))
    from lagebild import clock
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 18, 12, 0))
    backup.scheduled_job(ctx)
    assert not (tmp_path / "bk").exists()                    # not yet 23:59
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 18, 23, 59, 30))
    backup.scheduled_job(ctx)
    backup.scheduled_job(ctx)
    assert [p.name for p in (tmp_path / "bk").iterdir()] == ["lagebild-20261118-235930"]
    monkeypatch.setenv("LAGEBILD_BACKUP_TIME", "halb drei")
    with pytest.raises(ValueError, match="keine Uhrzeit im Format HH:MM"):
        backup.scheduled_job(Context(str(served)))


def test_commands_name_the_server_and_what_to_do_instead(tmp_path, monkeypatch):
    db = tmp_path / "t.duckdb"
    assert held_message(str(db), "user") is None             # no server: no such message
    runtime.write_heartbeat(runtime.inbox_dir(str(db)), str(db))   # this process "serves"
    text = held_message(str(db), "user")
    assert f"Lagebild-Server (Prozess {os.getpid()}) hält die Datenbank" in text
    assert "Konten & Protokoll" in text and "systemctl stop lagebild" in text
    assert "Sicherung jetzt" in held_message(str(db), "backup")
    assert "zuerst den Dienst stoppen" in held_message(str(db), "restore")
    assert held_message(str(tmp_path / "andere.duckdb"), "user") is None


def test_the_backup_button_takes_a_verified_backup(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = Actor("admin", "admin")
    at.run()
    at.switch_page("pages/admin_users.py")
    at.run()
    assert at.button(key="backup_now").disabled               # no LAGEBILD_BACKUP_DIR
    assert any("LAGEBILD_BACKUP_DIR" in c.value for c in at.caption)
    monkeypatch.setenv("LAGEBILD_BACKUP_DIR", str(tmp_path / "bk"))
    at.run()
    at.button(key="backup_now").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "geschrieben und geprüft" in only(at.success).value
    assert len(list((tmp_path / "bk").glob("lagebild-*/geprueft.json"))) == 1
    at.run()                                                  # the next view names it
    assert any("Letzte Sicherung: lagebild-2026" in c.value and "geprüft" in c.value
               for c in at.caption)
