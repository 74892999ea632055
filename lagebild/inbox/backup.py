"""Backups taken by the running server (#20): scheduled once a day and on demand.

Each backup is a folder ``lagebild-<JJJJMMTT>-<HHMMSS>`` in ``backup_dir`` (the format of
``lagebild backup``: DuckDB EXPORT DATABASE plus the original uploads), written inside the
server process between imports (``Store.backup_snapshot``) and then **verified**: restored
into a temporary database whose every table must have the row count and content hash of
the snapshot. A verified backup gets ``geprueft.json``; one that differs is renamed
``…-FEHLERHAFT``. The result goes into the audit log (``backup.verified`` /
``backup.failed``). After a verified scheduled backup, folders older than ``backup_keep_days``
are deleted.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

from lagebild import clock
from lagebild.ingest import rawstore
from lagebild.access import Actor
from lagebild.config import get_settings
from lagebild.i18n import t

BACKUP_ACTOR = Actor("sicherung", "admin")
PREFIX = "lagebild-"
VERIFIED = "geprueft.json"
FAULTY = "-FEHLERHAFT"
NAME = re.compile(r"^lagebild-(\d{8})-(\d{6})")
_running = threading.Lock()


@dataclass
class BackupResult:
    ok: bool
    message: str
    path: Path | None = None
    tables: int = 0
    rows: int = 0
    size_bytes: int = 0


def take(store, actor, backup_dir: Path, lang: str = "de") -> BackupResult:
    """One backup into ``backup_dir``, verified (see the module docstring). Never raises:
    a failure is the result (and an audit entry)."""
    if not _running.acquire(blocking=False):
        return BackupResult(False, t("backup.busy", lang))
    target = None
    try:
        target = _new_folder(Path(backup_dir))
        fingerprint = store.backup_snapshot(actor, target)
        rawstore.copy_into(store.path, target / "uploads")
        differs = verify(target, fingerprint)
        size = folder_size(target)
        if differs:
            target = target.rename(target.with_name(target.name + FAULTY))
            store.log_event(actor, "backup.failed", None, directory=str(target),
                            differs=differs)
            return BackupResult(False, t("backup.mismatch", lang, name=target.name,
                                         tables=", ".join(differs)), target)
        rows = sum(n for n, _ in fingerprint.values())
        summary = {"tables": len(fingerprint), "rows": rows, "size_bytes": size,
                   "verified_at": clock.now().isoformat(timespec="seconds"),
                   "row_counts": {k: n for k, (n, _) in fingerprint.items()}}
        (target / VERIFIED).write_text(json.dumps(summary, indent=1), encoding="utf-8")
        store.log_event(actor, "backup.verified", None, directory=str(target),
                        tables=len(fingerprint), rows=rows, size_bytes=size)
        return BackupResult(True, t("backup.done", lang, name=target.name,
                                    tables=len(fingerprint), rows=rows), target,
                            len(fingerprint), rows, size)
    except Exception as exc:  # noqa: BLE001 - reported in the audit log and to the caller
        try:
            store.log_event(actor, "backup.failed", None,
                            directory=str(target) if target else str(backup_dir),
                            error=str(exc))
        except Exception:  # noqa: BLE001 - the database itself may be the problem
            pass
        return BackupResult(False, t("backup.failed", lang, error=str(exc)), target)
    finally:
        _running.release()


def _new_folder(backup_dir: Path) -> Path:
    backup_dir.mkdir(parents=True, exist_ok=True)
    base = backup_dir / f"{PREFIX}{clock.now():%Y%m%d-%H%M%S}"
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    return target


def verify(target: Path, fingerprint: dict) -> list[str]:
    """Restore ``target`` into a temporary database; the tables whose row count or content
    hash differ from ``fingerprint`` (empty: identical)."""
    from lagebild.store import Store
    with tempfile.TemporaryDirectory(prefix="lagebild-pruefung-") as tmp:
        restored = Store.restore(target, Path(tmp) / "pruefung.duckdb")
        try:
            got = restored.table_fingerprint()
        finally:
            restored.close()
    return sorted(k for k in set(fingerprint) | set(got) if fingerprint.get(k) != got.get(k))


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def prune(backup_dir: Path, today: date, keep_days: int) -> list[str]:
    """Delete backup folders older than ``keep_days`` (by the date in their name); returns
    their names. Only ``lagebild-<date>-<time>`` folders are touched."""
    gone = []
    for folder in sorted(Path(backup_dir).glob(PREFIX + "*")):
        found = NAME.match(folder.name)
        if not folder.is_dir() or not found:
            continue
        day = datetime.strptime(found.group(1), "%Y%m%d").date()
        if day < today - timedelta(days=keep_days):
            shutil.rmtree(folder)
            gone.append(folder.name)
    return gone


def backups(backup_dir: Path) -> list[dict]:
    """The backups in ``backup_dir``, newest first: name, path, verified, size (for the
    admin pages)."""
    out = []
    for folder in sorted(Path(backup_dir).glob(PREFIX + "*"), reverse=True):
        if folder.is_dir() and NAME.match(folder.name):
            mark = folder / VERIFIED
            info = json.loads(mark.read_text(encoding="utf-8")) if mark.exists() else {}
            out.append({"name": folder.name, "path": folder, "verified": mark.exists(),
                        "size_bytes": info.get("size_bytes", folder_size(folder))})
    return out


def due_at(text: str) -> dtime:
    try:
        hours, minutes = text.strip().split(":")
        return dtime(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"Einstellung LAGEBILD_BACKUP_TIME: '{text}' ist keine Uhrzeit im "
                         "Format HH:MM (z. B. 02:30).") from None


def scheduled_job(ctx) -> None:
    """The worker's backup job: once a day after ``backup_time``, unless the day already has
    a verified backup in ``backup_dir``; one attempt per day and process."""
    settings = get_settings()
    if not settings.backup_dir:
        return
    now = clock.now()
    if now.time() < due_at(settings.backup_time) or ctx.state.get("backup_day") == now.date():
        return
    ctx.state["backup_day"] = now.date()
    folder = Path(settings.backup_dir)
    if any(folder.glob(f"{PREFIX}{now:%Y%m%d}-*/{VERIFIED}")):
        return
    result = take(ctx.store(), BACKUP_ACTOR, folder, settings.language)
    print(f"lagebild-worker: {result.message}", file=sys.stderr, flush=True)
    if result.ok:
        prune(folder, now.date(), settings.backup_keep_days)
