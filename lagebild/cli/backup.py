"""``lagebild backup | restore | rebuild``: save the database, put a backup back, re-read
the kept original uploads after a loss."""

from __future__ import annotations

import sys
from pathlib import Path

from lagebild import clock
from lagebild.access import SYSTEM
from lagebild.cli._common import db_path, fail, open_store, with_db


def add_parser(sub) -> None:
    b = with_db(sub.add_parser("backup", help="Datenbank sichern (App vorher stoppen)"))
    b.add_argument("directory", help="leeres oder neues Verzeichnis für die Sicherung")
    b.set_defaults(func=cmd_backup)
    r = with_db(sub.add_parser("restore", help="Datenbank aus einer Sicherung wiederherstellen"))
    r.add_argument("directory")
    r.add_argument("--force", action="store_true",
                   help="vorhandene Datenbank beiseiteschieben und ersetzen")
    r.set_defaults(func=cmd_restore)

    rb = with_db(sub.add_parser(
        "rebuild", help="Original-Uploads erneut einlesen (nach Verlust der Datenbank; "
                        "Städte und Grenzen zuerst anlegen)"))
    rb.add_argument("--uploads", help="Verzeichnis der Original-Uploads (Standard: neben "
                                      "der Datenbank, <name>.uploads)")
    rb.set_defaults(func=cmd_rebuild)


def cmd_backup(args) -> int:
    from lagebild.store import StoreError
    from lagebild.ingest import rawstore
    store = open_store(args)
    try:
        target = store.backup(SYSTEM, args.directory)
    except StoreError as exc:              # the directory is not empty
        return fail(str(exc), 1)
    finally:
        store.close()
    files = rawstore.copy_into(db_path(args), Path(target) / "uploads")
    print(f"Sicherung von {db_path(args)} nach {target} geschrieben "
          f"(mit {files} Dateien der Original-Uploads).")
    return 0


def cmd_restore(args) -> int:
    from lagebild.ingest import rawstore
    from lagebild.inbox.cli import refuse_if_held       # (#20) never under the server's feet
    from lagebild.store import Store, StoreError
    if refuse_if_held(db_path(args), "restore"):
        return 2
    db = Path(db_path(args))
    if db.exists():
        if not args.force:
            return fail(f"{db} existiert. Mit --force wird sie nach {db.name}.vor-restore-… "
                        "verschoben und aus der Sicherung neu angelegt.", 1)
        aside = db.with_name(f"{db.name}.vor-restore-{clock.now():%Y%m%d-%H%M%S}")
        db.rename(aside)
        wal = db.with_name(db.name + ".wal")
        if wal.exists():
            wal.rename(aside.with_name(aside.name + ".wal"))
        print(f"Bisherige Datenbank verschoben nach {aside}.")
    try:
        Store.restore(args.directory, db).close()
        rawstore.restore_from(Path(args.directory) / "uploads", db)
    except (StoreError, OSError) as exc:
        return fail(str(exc), 1)
    print(f"{db} aus der Sicherung {args.directory} wiederhergestellt.")
    return 0


def cmd_rebuild(args) -> int:
    """Re-import the kept original uploads (after a loss without a usable backup)."""
    from lagebild.ingest import rawstore
    from lagebild.ingest.importer import rebuild
    folder = Path(args.uploads) if args.uploads else rawstore.directory(db_path(args))
    if folder is None or not folder.is_dir():
        return fail(f"kein Verzeichnis mit Original-Uploads: {folder}", 2)
    store = open_store(args)
    try:
        # the database's own uploads (if it still has any) settle interrupted imports
        records = store.upload_records(SYSTEM)
        known = {r["sha256"]: r for r in records.to_dict("records")} if len(records) \
            else None
        if folder.resolve() == rawstore.directory(db_path(args)).resolve():
            # the rebuilt database records its uploads here again
            aside = folder.with_name(
                f"{folder.name}.vor-rebuild-{clock.now():%Y%m%d-%H%M%S}")
            folder.rename(aside)
            print(f"Original-Uploads gelesen aus {aside}.")
            folder = aside
        result = rebuild(store, folder, known=known)
    finally:
        store.close()
    print(f"Neu eingelesen: {result['imported']} Uploads; schon vorhanden: "
          f"{result['duplicate']}; zurückgezogen (ausgelassen): {result['withdrawn']}; "
          f"abgelehnt: {result['rejected']}; Datei fehlt: {result['missing']}; "
          f"ohne Beschreibung: {result['orphaned'] + result['recovered']} "
          f"(davon aus der Datenbank ergänzt: {result['recovered']}); "
          f"Abschluss unbestätigt: {result['unconfirmed']}; "
          f"nie abgeschlossen: {result['not_committed']}.")
    for line in result["problems"]:
        print(f"  {line}", file=sys.stderr)
    return 1 if any(result[k] for k in ("rejected", "missing", "orphaned", "unconfirmed")) \
        else 0
