"""Store methods of the server's backups (#20); a base class of ``lagebild.store.Store``.

No duckdb import here (only the store imports it): the methods use the Store's own helpers.
"""

from __future__ import annotations

from pathlib import Path


class BackupStoreMixin:
    def backup_snapshot(self, actor, target: str | Path) -> dict[str, tuple[int, str]]:
        """Write the database to ``target`` (EXPORT DATABASE, Parquet) while the app runs,
        and return the row count and hash of every table *of the snapshot written* (the
        export and the fingerprint read one transaction), to verify a restore against.
        Imports and withdrawals of this process wait meanwhile (the write lock), so the
        backup falls between imports. Admin only; ``target`` must not exist or be empty."""
        self._require(actor, ("admin",), "Sicherungen erstellen")
        target = Path(target)
        if target.exists() and any(target.iterdir()):
            raise ValueError(f"Das Sicherungsverzeichnis {target} ist nicht leer.")
        target.mkdir(parents=True, exist_ok=True)
        self.log_event(actor, "backup", None, directory=str(target), by="server")
        self.checkpoint()
        path = str(target).replace("'", "''")
        with self._write_lock, self.transaction() as cur:
            cur.execute(f"EXPORT DATABASE '{path}' (FORMAT parquet)")
            return self.table_fingerprint()      # the same cursor: the same snapshot
