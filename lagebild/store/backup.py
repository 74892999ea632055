"""Backup and restore (#8): EXPORT/IMPORT DATABASE, table fingerprints."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from lagebild.access import Actor
from lagebild.store._db import import_database
from lagebild.store.errors import Invalid


class BackupMixin:
    """Whole-database backup and restore, table fingerprints."""

    def backup(self, actor: Actor, directory: str | Path) -> Path:
        """Write the whole database to ``directory`` (DuckDB EXPORT DATABASE, Parquet files
        plus schema.sql/load.sql); admin only. The directory must not exist or be empty."""
        target = self._backup_target(actor, directory, {})
        path = str(target).replace("'", "''")
        self._cur().execute(f"EXPORT DATABASE '{path}' (FORMAT parquet)")
        return target

    def backup_snapshot(self, actor: Actor, directory: str | Path) -> dict[str, tuple[int, str]]:
        """The server's backup (#20): write the database to ``directory`` while the app runs
        and return the row count and hash of every table *of the snapshot written* (export
        and fingerprint read one transaction), to verify a restore against. Imports and
        withdrawals of this process wait meanwhile (the write lock), so the backup falls
        between imports. Admin only; ``directory`` must not exist or be empty."""
        target = self._backup_target(actor, directory, {"by": "server"})
        path = str(target).replace("'", "''")
        with self._write_lock, self.transaction() as cur:
            cur.execute(f"EXPORT DATABASE '{path}' (FORMAT parquet)")
            return self.table_fingerprint()      # the same cursor: the same snapshot

    def _backup_target(self, actor: Actor, directory: str | Path, detail: dict) -> Path:
        """Check role and directory, log the backup (the entry is part of it), checkpoint."""
        self._require(actor, "backup.create")
        target = Path(directory)
        if target.exists() and any(target.iterdir()):
            raise Invalid(f"Das Sicherungsverzeichnis {target} ist nicht leer.")
        target.mkdir(parents=True, exist_ok=True)
        self.log_event(actor, "backup", None, directory=str(target), **detail)
        self.checkpoint()
        return target

    @classmethod
    def restore(cls, directory: str | Path, path: str | Path) -> Self:
        """Create the database file ``path`` from a backup directory (IMPORT DATABASE).
        ``path`` must not exist yet; returns the opened store."""
        source, target = Path(directory), Path(path)
        if not (source / "schema.sql").exists():
            raise Invalid(f"{source} ist keine Lagebild-Sicherung (schema.sql fehlt).")
        if target.exists():
            raise Invalid(f"Die Datenbank {target} existiert bereits.")
        target.parent.mkdir(parents=True, exist_ok=True)
        import_database(source, target)
        return cls(target)

    def table_fingerprint(self) -> dict[str, tuple[int, str]]:
        """Row count and an order-independent hash per table (to compare two databases)."""
        out = {}
        tables = [r[0] for r in self._cur().execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY 1").fetchall()]
        for table in tables:
            n, h = self._one(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR '
                             f'FROM "{table}" t')
            out[table] = (n, h)
        return out
