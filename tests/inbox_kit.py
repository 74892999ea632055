"""Helpers of the inbox tests (#20): a real ``lagebild.server`` process, files for the
inbox, waiting for receipts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "datum;stadtteil;indikator;anzahl\n"

# The server, optionally killing itself (SIGKILL) at one step of the first inbox import:
# the product has no test hooks, the child wraps the functions.
SERVER = """
import os, signal, sys
step = os.environ.get("KILL_AT")
if step:
    from lagebild.ingest import importer
    from lagebild.inbox import receipt
    from lagebild.store import Store
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    if step == "claimed":                       # the file is in in-arbeit/, nothing imported
        def import_file(*a, **k):
            die()
        importer.import_file = import_file
    if step == "committed":                     # the import is committed, no receipt yet
        original_insert = Store.insert_upload
        def insert_upload(self, *a, **k):
            result = original_insert(self, *a, **k)
            die()
        Store.insert_upload = insert_upload
    if step == "receipt":                       # the receipt is written, the file not moved
        original_write = receipt.write
        def write(*a, **k):
            original_write(*a, **k)
            die()
        receipt.write = write
from lagebild import server
server.main(sys.argv[1:])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``lagebild.server`` on a free port; ``kill_at`` makes it SIGKILL itself (above)."""

    def __init__(self, db: Path, kill_at: str | None = None, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.parent / f"server-{self.port}.log"
        full = dict(os.environ, LAGEBILD_DB_PATH=str(db), LAGEBILD_INBOX_SETTLE_S="1",
                    **({"KILL_AT": kill_at} if kill_at else {}), **env)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, "--server.port", str(self.port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=full, stdout=self.log.open("w"), stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 60) -> "ServerProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise AssertionError("Server antwortet nicht")

    def wait_heartbeat(self, inbox: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        beat = inbox / ".lagebild-server.json"
        while time.monotonic() < deadline:
            if beat.exists() and json.loads(beat.read_text())["pid"] == self.proc.pid:
                return
            time.sleep(0.2)
        raise AssertionError(self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def receipts(org_dir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8"))
            for sub in ("erledigt", "abgelehnt")
            for p in sorted((org_dir / sub).glob("*.quittung.json"))]


def wait_receipts(org_dirs: list[Path], n: int, timeout: float = 120,
                  proc: subprocess.Popen | None = None) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = [r for d in org_dirs for r in receipts(d)]
        if len(found) >= n or time.monotonic() > deadline:
            return found
        if proc is not None and proc.poll() is not None:
            return found
        time.sleep(0.3)


def drop(folder: Path, name: str, text: str) -> Path:
    """Write a file the way a careful sender does: ``*.part``, then rename."""
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / (name + ".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, folder / name)
    return folder / name
