"""The command line while the server runs (#20).

``lagebild ingest`` hands the file to the server's inbox and waits for the receipt
(:func:`ingest_via_server`); the other commands that need the database file get a German
message naming the server and what to do instead (:func:`held_message`), never DuckDB's
lock error. "The server holds the database" means: its heartbeat in the inbox
(``runtime.server_holding``) is fresh and names this database.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from lagebild.config import get_settings
from lagebild.i18n import t
from lagebild.inbox import runtime
from lagebild.inbox.receipt import JSON_SUFFIX
from lagebild.inbox.watch import DONE_DIR, PART, REJECTED_DIR

EXIT = {"imported": 0, "rejected": 1, "duplicate": 3}
USAGE, TIMEOUT = 2, 4
POLL_S = 0.25
OUTCOME_FIELDS = ("status", "upload_id", "rows", "totals", "by_district", "errors", "message",
                  "collisions")
# which advice a command gets (inbox.cli.instead.<key>); none: only "stop the service"
INSTEAD = {"user": "user", "districts": "districts", "backup": "backup", "restore": "restore",
           "export": "export", "info": "other", "alerts": "other", "report": "other"}


def held_message(db_path: str, command: str | None, lang: str | None = None) -> str | None:
    """The German "the server holds the database, do this instead" text, or None when no
    Lagebild server holds ``db_path``."""
    pid = runtime.server_holding(db_path)
    if pid is None:
        return None
    lang = lang or get_settings().language
    out = [t("inbox.cli.held", lang, pid=pid, db=db_path)]
    key = INSTEAD.get(command or "")
    if key:
        out.append(t(f"inbox.cli.instead.{key}", lang))
    if key != "restore":
        out.append(t("inbox.cli.stop", lang))
    return " ".join(out)


def refuse_if_held(db_path: str, command: str) -> bool:
    """Print :func:`held_message` and return True when the server holds ``db_path``."""
    message = held_message(db_path, command)
    if message:
        print(f"Fehler: {message}", file=sys.stderr)
    return message is not None


def ingest_via_server(args, path: Path, lang: str, summary) -> int | None:
    """``lagebild ingest`` while the server holds the database: put the file into the
    inbox, wait for the receipt, print it like a direct import, return the same exit code.
    None: no server holds the database (the caller imports directly)."""
    db = args.db or get_settings().db_path
    pid = runtime.server_holding(db)
    if pid is None:
        return None
    if args.dry_run:
        print(t("inbox.cli.dry_run", lang, pid=pid), file=sys.stderr)
        return USAGE
    bad = [n for n in (args.city, args.org) if not _folder_name(n)]
    if bad:
        print(f"Fehler: '{bad[0]}' kann kein Ordnername im Posteingang sein "
              "(kein / oder \\, nicht mit . beginnend).", file=sys.stderr)
        return USAGE
    kennung = secrets.token_hex(8)
    folder = runtime.inbox_dir(db) / args.city / args.org
    delivered = _deliver(path, folder, kennung, args.replace, args.sheet)
    print(t("inbox.cli.delivered", lang, pid=pid, path=delivered), file=sys.stderr)
    found = _wait(folder, delivered.name, kennung, get_settings().inbox_wait_s)
    if found is None:
        print(t("inbox.cli.timeout", lang, seconds=get_settings().inbox_wait_s,
                path=delivered), file=sys.stderr)
        return TIMEOUT
    if found.get("city_unknown"):
        print(found["errors"][0]["message"], file=sys.stderr)
        return USAGE
    if args.json:
        print(json.dumps({k: found.get(k) for k in OUTCOME_FIELDS}, ensure_ascii=False))
    else:
        print(summary(_as_outcome(found), lang))
    return EXIT[found["status"]]


def _folder_name(name: str) -> bool:
    return bool(name and name.strip()) and not any(c in name for c in "/\\") \
        and not name.startswith(".")


def _deliver(path: Path, folder: Path, kennung: str, replace: bool, sheet) -> Path:
    """The order sidecar first, then the bytes as ``*.part``, then the rename: the server
    never sees a half-written file or a file without its options."""
    folder.mkdir(parents=True, exist_ok=True)
    name = path.name
    if (folder / name).exists() or (folder / (name + PART)).exists():
        name = f"{kennung}-{name}"       # another delivery of that name is still waiting
    target = folder / name
    sidecar = folder / (name + ".auftrag.json")
    tmp = folder / f".{name}.auftrag.tmp"
    tmp.write_text(json.dumps({"kennung": kennung, "ersetzen": bool(replace),
                               "blatt": sheet}), encoding="utf-8")
    os.replace(tmp, sidecar)
    part = folder / (name + PART)
    shutil.copyfile(path, part)
    os.replace(part, target)
    return target


def _wait(folder: Path, name: str, kennung: str, seconds: float) -> dict | None:
    """The receipt with ``kennung`` (in ``erledigt/`` or ``abgelehnt/``), or None after
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        for sub in (DONE_DIR, REJECTED_DIR):
            for path in (folder / sub).glob(f"*_{name}{JSON_SUFFIX}"):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if data.get("kennung") == kennung:
                    return data
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_S)


def _as_outcome(receipt: dict):
    """The receipt in the shape ``lagebild.cli.ingest.summary`` reads."""
    import pandas as pd

    from lagebild.ingest.errors import UploadError
    errors = [UploadError(e.get("line"), e.get("column"), e.get("value"), e["message"])
              for e in receipt.get("errors") or []]
    return SimpleNamespace(message=receipt["message"], status=receipt["status"],
                           totals=receipt.get("totals") or {},
                           by_district=receipt.get("by_district") or {}, errors=errors,
                           collisions=pd.DataFrame(receipt.get("collisions") or []))
