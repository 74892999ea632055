"""The server process's shared Store and its heartbeat file.

``lagebild serve`` marks the process as the server (:func:`serve`); from then on the page
helpers (``lagebild.ui.store``) and the background worker get the same ``Store`` for a
database path from :func:`process_store` (one DuckDB connection, a cursor per thread). Outside
the server (AppTest, scripts) :func:`process_store` simply opens a new ``Store`` as before.

The worker writes ``.lagebild-server.json`` into the inbox every few seconds; the command
line reads it (:func:`server_holding`) to tell "the server holds the database" from any other
lock holder.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from lagebild.config import get_settings

HEARTBEAT = ".lagebild-server.json"
HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_STALE_S = 30.0

_serving = False
_stores: dict[str, object] = {}
_lock = threading.Lock()


def serve() -> None:
    """Mark this process as the server (called by ``lagebild.server.main``)."""
    global _serving
    _serving = True


def serving() -> bool:
    return _serving


def process_store(path: str):
    """The process-wide Store of ``path`` in the server; a new Store elsewhere. A failed open
    (damaged, locked) raises ``StoreError`` and is tried again next time."""
    from lagebild.store import Store
    if not _serving:
        return Store(path)
    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = Store(path)
        return store


def inbox_dir(db_path: str | None = None) -> Path:
    """The inbox: the setting ``inbox_dir``, else ``<db>.inbox`` beside the database."""
    settings = get_settings()
    if settings.inbox_dir:
        return Path(settings.inbox_dir)
    db = Path(db_path or settings.db_path)
    return db.with_name(db.name + ".inbox")


def write_heartbeat(inbox: Path, db_path: str) -> None:
    """Tell the command line that this process serves ``db_path`` (atomic replace)."""
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f"{HEARTBEAT}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"pid": os.getpid(), "db": str(Path(db_path).resolve()),
                               "beat": time.monotonic()}),
                   encoding="utf-8")
    os.replace(tmp, inbox / HEARTBEAT)


def server_holding(db_path: str) -> int | None:
    """The process id of a running Lagebild server serving ``db_path``, else None: the
    heartbeat names this database, its process exists and it was written recently."""
    path = inbox_dir(db_path) / HEARTBEAT
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        # the system-wide monotonic clock (Linux): seconds since the last beat, no date
        age = time.monotonic() - float(beat.get("beat", 0))
    except (OSError, ValueError, TypeError):
        return None
    if beat.get("db") != str(Path(db_path).resolve()) or age > HEARTBEAT_STALE_S:
        return None
    pid = int(beat.get("pid", 0))
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid
