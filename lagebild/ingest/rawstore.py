"""The bytes of every accepted upload, kept beside the database so that a lost or damaged
database can be rebuilt by importing them again (``lagebild rebuild``).

For the database ``data/lagebild.duckdb`` the files live in ``data/lagebild.uploads/``:

- ``<sha256>.bin``: the file exactly as uploaded, written (and fsynced) *before* the import
  transaction starts, so every committed upload has its bytes on disk (``Staging`` writes
  it under a temporary name while the file is being checked and renames it in ``keep()``);
- ``<upload id>.json``: city, organisation, file name, who, when, whether earlier values
  were replaced, and the status. It is written (fsynced, renamed into place) *inside* the
  import transaction, just before the commit, with status ``pending``, and rewritten as
  ``imported`` after the commit (later ``withdrawn``).

A process killed at any step therefore leaves one of: nothing; a ``.tmp``; a ``.bin``
without a description (killed before the transaction wrote it: not committed); a
``pending`` description (killed around the commit: committed or not — the database knows);
an ``imported`` one. ``lagebild rebuild`` (``importer.rebuild``) asks the database, when it
still has uploads, which ``pending`` ones were committed, recovers the description of a
``.bin`` the database knows from the database, and reports every ``.bin`` without a
description and every ``pending`` upload it could not confirm by name — none is dropped
silently.
No DuckDB here: plain files, written to a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import uuid
from pathlib import Path

from lagebild import clock

SUFFIX = ".uploads"


def directory(db_path: str | Path) -> Path | None:
    """Where the raw uploads of this database live (None for an in-memory database)."""
    if str(db_path) == ":memory:":
        return None
    path = Path(db_path)
    return path.with_name(path.stem + SUFFIX)


def _yield_to_checks() -> None:
    """Lowest CPU priority for the calling (staging) thread, where the OS allows it (Linux
    schedules threads one by one): the CSV reader at the start of the checks uses both
    cores, so the hash runs mostly afterwards, beside the single-threaded row checks,
    instead of slowing the reader down."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass


class Staging:
    """Hash the upload and write its bytes to a temporary file in a second thread while
    the caller checks the file (hashing and writing release the GIL, so on a large file
    they cost no wall time; the thread runs at the lowest CPU priority, see
    ``_yield_to_checks``). ``keep()`` then renames the file to ``<sha256>.bin`` — call it
    before the import transaction; leaving the ``with`` block without ``keep()`` deletes
    the temporary file. ``write=False`` (dry run, file over the size limit): only the hash.

    >>> import tempfile
    >>> db = Path(tempfile.mkdtemp()) / "x.duckdb"
    >>> with Staging(db, b"datum;anzahl\\n") as staged:
    ...     kept = staged.keep()
    >>> kept.name == staged.sha256() + ".bin", kept.read_bytes()
    (True, b'datum;anzahl\\n')
    """

    def __init__(self, db_path: str | Path, data: bytes, write: bool = True):
        folder = directory(db_path) if write else None
        self._folder, self._data = folder, data
        self._tmp: Path | None = None
        self._sha = ""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="upload-staging",
                                        daemon=True)
        self._thread.start()

    def _work(self) -> None:
        _yield_to_checks()
        try:
            self._sha = hashlib.sha256(self._data).hexdigest()
            if self._folder is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
                self._tmp = _temp_name(self._folder / f"{self._sha}.bin")
                _write_synced(self._tmp, self._data)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc

    def sha256(self) -> str:
        self._thread.join()
        if self._error is not None and not self._sha:
            raise self._error
        return self._sha

    def keep(self) -> Path | None:
        """The bytes under their hash, on disk (fsynced, renamed into place)."""
        sha = self.sha256()
        if self._error is not None:
            raise self._error
        if self._folder is None:
            return None
        target, tmp, self._tmp = self._folder / f"{sha}.bin", self._tmp, None
        if target.exists():              # identical bytes kept earlier
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, target)
            _sync_dir(self._folder)
        return target

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)


def record(db_path: str | Path, upload_id: int, meta: dict) -> None:
    """Write (or rewrite) the description of one upload."""
    folder = directory(db_path)
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"upload_id": int(upload_id), **meta}, ensure_ascii=False, indent=1,
                      default=str)
    _write_atomic(folder / f"{int(upload_id):08d}.json", text.encode("utf-8"))


def keep_bytes(db_path: str | Path, data: bytes, sha256: str) -> None:
    """Put ``data`` beside the database under its hash (if not there yet)."""
    folder = directory(db_path)
    if folder is None or (folder / f"{sha256}.bin").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / f"{sha256}.bin", data)


def orphans(folder: str | Path) -> list[Path]:
    """``.bin`` files that no description names (an import killed before its transaction
    wrote one, or a description lost)."""
    folder = Path(folder)
    named = {meta["sha256"] for meta in entries(folder)}
    return sorted(p for p in folder.glob("*.bin") if p.stem not in named)


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
                withdrawn_at=clock.now().isoformat(timespec="seconds"))
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
    tmp = _temp_name(target)
    _write_synced(tmp, data)
    os.replace(tmp, target)
    _sync_dir(target.parent)


def _temp_name(target: Path) -> Path:
    # unique per call: two threads may keep the same bytes at once
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sync_dir(folder: Path) -> None:
    """Make a rename durable (the directory entry), where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
