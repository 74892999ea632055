"""The database plumbing: the only module in Lagebild that imports duckdb.

Connect (with the German open errors), one cursor per thread, transactions, migrations,
checkpoints and the whole-database export/import of backups. The aggregates
(``lagebild/store/*.py``) build on :class:`Database` and never touch duckdb themselves.
"""

from __future__ import annotations

import functools
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from lagebild.store.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
QUERIES_DIR = Path(__file__).resolve().parent / "queries"
Params = dict | list | tuple


@functools.cache
def query(name: str) -> str:
    """The long static query ``queries/<name>.sql`` (parameters by name: ``$city_id``)."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _params(params: Params) -> dict | list:
    """Named parameters (a dict, ``$name`` in the SQL) pass as they are; positional ones
    (``?``) as a list."""
    return params if isinstance(params, dict) else list(params)

# DuckDB's file: three 4 KiB headers, then the blocks (``pragma_database_size``).
HEADER_BYTES = 3 * 4096
_LOCK_WORDS = ("could not set lock", "conflicting lock")


def damaged_error(path: str) -> StoreError:
    """The German message for a damaged database file, naming the way out."""
    return StoreError(
        f"Die Datenbank {path} ist beschädigt und kann nicht geöffnet werden (z. B. "
        "unvollständig kopiert oder beim Schreiben abgebrochen). Stellen Sie die letzte "
        f"Sicherung wieder her: lagebild restore SICHERUNGSVERZEICHNIS --db {path} --force "
        "(die beschädigte Datei wird dabei beiseitegelegt). Ohne brauchbare Sicherung: "
        "leere Datenbank anlegen, Grenzen importieren, dann lagebild rebuild (README, "
        "„Sicherung und Wiederherstellung“).")


def open_error(path: str, exc: BaseException) -> StoreError:
    """German message for a database that cannot be opened: another process holds it
    (DuckDB's lock; nothing is damaged, no restore), else a damaged file. DuckDB's English
    text is not passed on to users."""
    text = str(exc).lower()
    if any(w in text for w in _LOCK_WORDS):
        pid = re.search(r"pid (\d+)", text)
        who = f" (Prozess {pid.group(1)})" if pid else ""
        return StoreError(
            f"Die Datenbank {path} wird gerade von einem anderen Lagebild-Prozess{who} "
            "benutzt; DuckDB lässt nur einen Prozess an eine Datei. Die Daten sind nicht "
            "beschädigt. Beenden Sie den anderen Prozess (z. B. den Dienst: systemctl stop "
            "lagebild) und versuchen Sie es erneut.")
    if isinstance(exc, duckdb.IOException) and "no such file" not in text \
            and "permission" not in text:
        return damaged_error(path)
    if "permission" in text:
        return StoreError(f"Lagebild darf die Datenbank {path} nicht öffnen (fehlende "
                          "Dateirechte). Bitte die Rechte der Datei und ihres Verzeichnisses "
                          "prüfen.")
    return damaged_error(path)


def is_damage(exc: BaseException) -> bool:
    """Is ``exc`` DuckDB failing to read its file (a damaged database found at run time)?"""
    return isinstance(exc, (duckdb.IOException, duckdb.InternalException)) or (
        isinstance(exc, duckdb.Error) and "corrupt" in str(exc).lower())


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every ``migrations/NNN_name.sql``, in order."""
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        out.append((int(path.name[:3]), path.stem[4:], path.read_text(encoding="utf-8")))
    return out


def import_database(source: Path, target: Path) -> None:
    """Create the database file ``target`` from the backup directory ``source``
    (DuckDB IMPORT DATABASE); on failure no half-written file is left behind."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"IMPORT DATABASE '{str(source).replace(chr(39), chr(39) * 2)}'")
    except duckdb.Error:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()


class Database:
    """Open (and migrate) the DuckDB database at ``path`` (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path, read_only: bool = False,
                 memory_mb: int | None = None):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if memory_mb is None:
            from lagebild.config import get_settings
            memory_mb = get_settings().db_memory_mb
        try:
            self._con = duckdb.connect(self.path, read_only=read_only,
                                       config={"memory_limit": f"{int(memory_mb)}MB"})
        except duckdb.Error as exc:
            raise open_error(self.path, exc) from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        # Imports and withdrawals of this process run one after another, so the duplicate
        # and collision checks inside their transaction cannot race each other.
        self._write_lock = threading.RLock()
        try:
            self.check_integrity()
            if not read_only:
                self._migrate()
        except duckdb.Error as exc:
            self._con.close()
            raise damaged_error(self.path) from exc
        except StoreError:
            self._con.close()
            raise

    def check_integrity(self) -> None:
        """The quick check at every open (the app's start, ``lagebild info`` and every other
        command): every table's row count, and the last checkpoint complete on disk (the
        file reaches the highest block a stored column segment uses, from
        ``pragma_storage_info``; a file cut short fails here although DuckDB opens it and
        counts rows from its metadata; free blocks at the end may be cut off by DuckDB
        itself and are not counted). Raises ``StoreError`` with
        the German ``restore`` message; milliseconds, whatever the size."""
        if self.path == ":memory:":
            return
        cur = self._con.cursor()
        last = -1                       # the highest block the stored tables use
        try:
            names = cur.execute("SELECT table_name FROM duckdb_tables() "
                                "WHERE database_name = current_database()").fetchall()
            for (name,) in names:
                cur.execute(f'SELECT count(*) FROM "{name}"').fetchall()
                used = cur.execute(
                    "SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), "
                    "-1))) FROM pragma_storage_info($name) WHERE persistent AND block_id >= 0",
                    {"name": name}).fetchone()[0]
                last = max(last, -1 if used is None else int(used))
            block_size = cur.execute("SELECT block_size FROM pragma_database_size()"
                                     ).fetchone()[0]
        finally:
            cur.close()
        if Path(self.path).stat().st_size < HEADER_BYTES + (last + 1) * int(block_size):
            raise damaged_error(self.path)

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self._con.close()

    def _cur(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cur", None)
        if cur is None:
            with self._lock:
                cur = self._con.cursor()
            self._local.cur = cur
        return cur

    def _df(self, sql: str, params: Params = ()) -> pd.DataFrame:
        return self._cur().execute(sql, _params(params)).df()

    def _one(self, sql: str, params: Params = (), cur=None):
        """First row or None, reading the result to its end: DuckDB 2 refuses further work
        (register, unregister) on a cursor whose last result was not fully fetched."""
        rows = (cur or self._cur()).execute(sql, _params(params)).fetchall()
        return rows[0] if rows else None

    @staticmethod
    def _register(cur, name: str, frame: pd.DataFrame) -> None:
        cur.execute("SELECT NULL").fetchall()      # finish any pending result first
        cur.register(name, frame)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit at the end, roll back on any exception."""
        cur = self._cur()
        cur.begin()
        try:
            yield cur
        except BaseException:
            cur.rollback()
            raise
        cur.commit()

    def _migrate(self) -> None:
        cur = self._cur()
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        done = {r[0] for r in cur.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in migrations():
            if version in done:
                continue
            with self.transaction() as tx:
                tx.execute(sql)
                tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($version, "
                           "$name)", {"version": version, "name": name})

    def schema_version(self) -> int:
        return self._one("SELECT max(version) FROM schema_migrations")[0]

    def checkpoint(self) -> bool:
        """Write the WAL into the database file. Best effort: when other write transactions
        of this process are active DuckDB refuses, and its automatic checkpoint will do it
        later — the data is committed (and durable in the WAL) either way."""
        try:
            self._cur().execute("CHECKPOINT")
        except duckdb.TransactionException:
            return False
        return True
