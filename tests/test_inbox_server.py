"""Running without downtime (#20) with a real server process: ``lagebild ingest`` against
the running server (exit codes 0/1/3 as before, via the inbox), the other commands' German
answer, a kill during an inbox import, a scheduled backup taken and verified by the server,
signals and e-mails after an inbox import (a real SMTP server).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inbox_kit import HEADER, ROOT, ServerProcess, drop, wait_receipts  # noqa: E402
from test_ingest_kit import CITY, make_store  # noqa: E402
from test_notify import _cli as notify_cli, accounts  # noqa: E402,F401  (fixtures)

from lagebild.ingest import rawstore  # noqa: E402
from lagebild.access import SYSTEM  # noqa: E402
from lagebild.inbox.backup import VERIFIED  # noqa: E402
from lagebild.store import Store  # noqa: E402

GOOD = HEADER + "08.11.2026;Altstadt;Naloxon-Gaben;2\n09.11.2026;Südvorstadt;Naloxon-Gaben;1\n"
BAD = HEADER + "08.11.2026;Altstat;Naloxon-Gaben;2\n"


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "t.duckdb"
    make_store(path).close()
    return path


@pytest.fixture
def servers():
    started = []
    yield started
    for s in started:
        s.stop()


def start(servers, db, **kw) -> ServerProcess:
    servers.append(ServerProcess(db, **kw).wait_healthy())
    servers[-1].wait_heartbeat(db.with_name(db.name + ".inbox"))
    return servers[-1]


def lagebild(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lagebild.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def uploads(db: Path):
    store = Store(db)
    try:
        return store.uploads(SYSTEM, CITY)
    finally:
        store.close()


def test_ingest_against_the_running_server_keeps_its_exit_codes(tmp_path, db, servers):
    server = start(servers, db)
    good, bad = tmp_path / "meldung.csv", tmp_path / "fehler.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    first = lagebild("ingest", good, "--city", CITY, "--org", "Streetwork", "--json",
                     "--db", db)
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["status"] == "imported" and answer["rows"] == 2
    assert set(answer) == {"status", "upload_id", "rows", "totals", "by_district", "errors",
                           "message", "collisions"}             # the --json shape of today
    assert "Posteingang" in first.stderr and "Prozess" in first.stderr
    again = lagebild("ingest", good, "--city", CITY, "--org", "Streetwork", "--db", db)
    assert again.returncode == 3 and "bereits importiert" in again.stdout
    wrong = lagebild("ingest", bad, "--city", CITY, "--org", "Streetwork", "--db", db)
    assert wrong.returncode == 1
    assert "Zeile 2" in wrong.stdout and "Altstat" in wrong.stdout
    nowhere = lagebild("ingest", good, "--city", "Atlantis", "--org", "Streetwork",
                       "--db", db)
    assert nowhere.returncode == 2 and "Atlantis" in nowhere.stderr

    user = lagebild("user", "add", "neu", "--role", "admin", "--oidc-only", "--db", db)
    assert user.returncode == 2
    assert f"Lagebild-Server (Prozess {server.proc.pid}) hält die Datenbank" in user.stderr
    assert "Konten & Protokoll" in user.stderr
    for text in (user.stderr, user.stdout):
        assert "Traceback" not in text and "lock" not in text.lower()
    restore = lagebild("restore", tmp_path / "irgendwo", "--force", "--db", db)
    assert restore.returncode == 2 and "zuerst den Dienst stoppen" in restore.stderr
    assert db.exists() and not list(tmp_path.glob("t.duckdb.vor-restore-*"))

    server.stop()
    rows = uploads(db)
    assert rows["filename"].tolist() == ["meldung.csv"]          # one import, by the server
    assert rows["uploaded_by"].tolist() == ["posteingang"]


@pytest.mark.parametrize("step", ["claimed", "committed", "receipt"])
def test_kill_during_an_inbox_import_loses_nothing_and_imports_once(tmp_path, db, servers,
                                                                   step):
    org = db.with_name(db.name + ".inbox") / CITY / "Streetwork"
    killed = start(servers, db, kill_at=step)
    drop(org, "nacht.csv", GOOD)
    killed.proc.wait(120)
    assert killed.proc.returncode == -9                         # SIGKILL, mid-import
    assert not (org / "nacht.csv").exists()                     # taken into in-arbeit/
    start(servers, db)
    found = wait_receipts([org], 1)
    servers[-1].stop()
    assert [r["status"] for r in found] == ["imported"]
    assert [p.name for p in (org / "in-arbeit").iterdir()] == []
    kept = list((org / "erledigt").glob("*_nacht.csv"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == GOOD   # not lost
    rows = uploads(db)
    assert len(rows) == 1 and rows["row_count"].tolist() == [2]  # imported exactly once
    assert found[0]["upload_id"] == int(rows["upload_id"].iloc[0])
    assert [m["status"] for m in rawstore.entries(rawstore.directory(db))] == ["imported"]


def test_a_scheduled_backup_runs_while_the_server_serves_and_restores_identically(
        tmp_path, demo_db, servers):
    backups = tmp_path / "sicherungen"
    old = backups / "lagebild-20261001-023000"             # older than the days to keep
    old.mkdir(parents=True)
    (old / "schema.sql").write_text("-- alt\n")
    server = start(servers, demo_db, LAGEBILD_BACKUP_DIR=str(backups),
                   LAGEBILD_BACKUP_TIME="00:00", LAGEBILD_BACKUP_KEEP_DAYS="14")
    end, served = time.monotonic() + 120, 0
    while not list(backups.glob("lagebild-20261118-*/" + VERIFIED)) and time.monotonic() < end:
        with urllib.request.urlopen(server.url + "/", timeout=10) as page:   # still serving
            served += page.status == 200 and b"<html" in page.read().lower()
        time.sleep(0.2)
    marks = list(backups.glob("lagebild-20261118-*/" + VERIFIED))
    assert len(marks) == 1, server.log.read_text()[-3000:]
    assert served >= 1 and server.proc.poll() is None        # the server never stopped
    end = time.monotonic() + 30          # pruning follows the verified marker in the worker
    while old.exists() and time.monotonic() < end:
        time.sleep(0.2)
    assert not old.exists()                                  # pruned after the verified one
    server.stop()
    recorded = json.loads(marks[0].read_text())["row_counts"]
    restored = Store.restore(marks[0].parent, tmp_path / "probe.duckdb")
    live = Store(demo_db)
    try:
        got, now = restored.table_fingerprint(), live.table_fingerprint()
        audit = live.audit_log(SYSTEM)
    finally:
        restored.close()
        live.close()
    assert {k: n for k, (n, _) in got.items()} == recorded
    assert recorded["observation_counts"] > 10_000
    # identical tables; the audit log lacks only the verification entry written afterwards
    assert {k: v for k, v in got.items() if k != "audit_log"} == \
        {k: v for k, v in now.items() if k != "audit_log"}
    assert got["audit_log"][0] == now["audit_log"][0] - 1
    assert audit["action"].iloc[0] == "backup.verified"
    assert json.loads(audit["detail"].iloc[0])["rows"] == sum(recorded.values())


def test_an_inbox_delivery_is_followed_by_signals_and_e_mails(tmp_path, smtp, accounts,  # noqa: F811
                                                               servers):
    """As after a browser upload (#17): a delivery with 4 overdoses in Nordheide on one day,
    dropped into the running server's inbox, reaches the crisis team by e-mail, once."""
    assert notify_cli("notify", "--city", "Musterstadt", port=smtp.port,
                      db=accounts).returncode == 0          # the demo's notices first
    before = len(smtp.messages)
    start(servers, accounts, LAGEBILD_SMTP_HOST="127.0.0.1", LAGEBILD_SMTP_PORT=str(smtp.port),
          LAGEBILD_SMTP_FROM="lagebild@stadt.example")
    org = accounts.with_name(accounts.name + ".inbox") / "Musterstadt" / "Notaufnahme (Test)"
    drop(org, "nacht.csv", HEADER + "16.11.2026;Nordheide;drogennotfaelle;4\n")
    assert [r["status"] for r in wait_receipts([org], 1)] == ["imported"]
    subject = "Lagebild Musterstadt: Spitze – Drogennotfälle in Nordheide"
    end = time.monotonic() + 60
    while not [m for m in smtp.messages[before:] if m["Subject"] == subject] \
            and time.monotonic() < end:
        time.sleep(0.3)
    petra = [m for m in smtp.messages[before:] if m["To"] == "petra@stadt.example"
             and m["Subject"] == subject]
    assert len(petra) == 1, [m["Subject"] for m in smtp.messages[before:]]
