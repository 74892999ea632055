"""The bytes of every accepted upload, kept beside the database so that a lost or damaged
database can be rebuilt by importing them again (``lagebild rebuild``).

For the database ``data/lagebild.duckdb`` the files live in ``data/lagebild.uploads/``:

- ``<sha256>.bin``: the file exactly as uploaded, written (and fsynced) *before* the import
  transaction starts, so every committed upload has its bytes on disk;
- ``<upload id>.json``: city, organisation, file name, who, when, whether earlier values
  were replaced, and the status (``imported`` / ``withdrawn``), written after the commit.

An import that fails leaves at most a ``.bin`` without a ``.json``; the rebuild ignores it.
A crash between the commit and the ``.json`` leaves an imported upload without one
(the rebuild reports how many uploads the database had and how many it found here).
No DuckDB here: plain files, written to a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

SUFFIX = ".uploads"


def directory(db_path: str | Path) -> Path | None:
    """Where the raw uploads of this database live (None for an in-memory database)."""
    if str(db_path) == ":memory:":
        return None
    path = Path(db_path)
    return path.with_name(path.stem + SUFFIX)


def keep_bytes(db_path: str | Path, sha256: str, data: bytes) -> Path | None:
    """Store the upload's bytes under their hash (once; identical files share them)."""
    folder = directory(db_path)
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256}.bin"
    if not target.exists():
        _write_atomic(target, data)
    return target


def record(db_path: str | Path, upload_id: int, meta: dict) -> None:
    """Write (or rewrite) the description of one upload."""
    folder = directory(db_path)
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"upload_id": int(upload_id), **meta}, ensure_ascii=False, indent=1,
                      default=str)
    _write_atomic(folder / f"{int(upload_id):08d}.json", text.encode("utf-8"))


def mark_withdrawn(db_path: str | Path, upload_id: int, by: str) -> None:
    """Note a withdrawal, so that a rebuild leaves this upload out."""
    folder = directory(db_path)
    if folder is None:
        return
    path = folder / f"{int(upload_id):08d}.json"
    if not path.exists():
        return
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(status="withdrawn", withdrawn_by=by,
                withdrawn_at=datetime.now().isoformat(timespec="seconds"))
    meta.pop("upload_id", None)
    record(db_path, upload_id, meta)


def entries(folder: str | Path) -> list[dict]:
    """The recorded uploads in import order, each with ``path`` to its bytes."""
    folder = Path(folder)
    out = []
    for path in sorted(folder.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["path"] = folder / f"{meta['sha256']}.bin"
        out.append(meta)
    return sorted(out, key=lambda m: m["upload_id"])


def copy_into(db_path: str | Path, target: str | Path) -> int:
    """Copy the raw uploads of ``db_path`` into ``target`` (for a backup); returns the
    number of files."""
    folder = directory(db_path)
    if folder is None or not folder.exists():
        return 0
    shutil.copytree(folder, target, dirs_exist_ok=True)
    return sum(1 for _ in Path(target).iterdir())


def restore_from(source: str | Path, db_path: str | Path) -> int:
    """Put the raw uploads of a backup beside the restored database."""
    folder = directory(db_path)
    source = Path(source)
    if folder is None or not source.exists():
        return 0
    shutil.copytree(source, folder, dirs_exist_ok=True)
    return sum(1 for _ in folder.iterdir())


def _write_atomic(target: Path, data: bytes) -> None:
    # unique per call: two threads may keep the same bytes at once
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
