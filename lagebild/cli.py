"""The ``lagebild`` command: demo, serve, info, districts import (and more subcommands)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from lagebild import clock, rawstore
from lagebild.access import SYSTEM
from lagebild.catalog import load_catalog
from lagebild.config import ROOT, get_settings


def _db(args) -> str:
    return args.db or get_settings().db_path


def _open(args):
    from lagebild.store import Store, StoreError
    try:
        return Store(_db(args))
    except StoreError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _iso_date(text: str):
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' ist kein Datum im Format JJJJ-MM-TT (z. B. 2026-11-29)") from None


def cmd_demo(args) -> int:
    from lagebild.seed import create_demo, create_large_demo
    store = _open(args)
    if args.scale == "large":
        try:
            names = create_large_demo(store, seed=args.seed)
        except ValueError as exc:
            print(f"Fehler: {exc}", file=sys.stderr)
            return 1
        finally:
            store.close()
        print(f"Große Demo ({', '.join(names)}; synthetisch) angelegt in {_db(args)}.")
        return 0
    try:
        city = create_demo(store, seed=args.seed, end=args.end)
    except ValueError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    info = store.info(SYSTEM)
    first, last = store.date_range(SYSTEM, city)
    store.close()
    obs = next(c["observations"] for c in info["cities"] if c["name"] == city)
    iso = last.isocalendar()
    print(f"Demo-Stadt '{city}' (synthetische Daten) angelegt in {_db(args)}: "
          f"{obs} Beobachtungen vom {first:%d.%m.%Y} bis {last:%d.%m.%Y} "
          f"(bis KW {iso.week}/{iso.year}).")
    return 0


def cmd_info(args) -> int:
    store = _open(args)
    info = store.info(SYSTEM)
    shared = store.share_packages(SYSTEM)      # (#19) packages of a network instance
    store.close()
    info["indicators"] = len(load_catalog())
    info = {"cities": info["cities"], "indicators": info["indicators"],
            "observations": info["observations"],
            "shared_cities": [{"name": r.city, "period_start": _iso(r.period_start),
                               "period_end": _iso(r.period_end),
                               "package_date": r.created_at.isoformat(timespec="seconds")}
                              for r in shared.itertuples()]}
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    print(f"Datenbank: {_db(args)}")
    for c in info["cities"]:
        print(f"  {c['name']}: {c['districts']} Stadtteile, {c['observations']} Beobachtungen")
    for c in info["shared_cities"]:
        print(f"  Paket {c['name']}: {c['period_start']} bis {c['period_end']}, "
              f"erstellt {c['package_date']}")
    print(f"Indikatoren: {info['indicators']}, Beobachtungen gesamt: {info['observations']}")
    return 0


def _iso(value) -> str | None:
    import pandas as pd
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def cmd_districts_import(args) -> int:
    from lagebild.geo import BoundaryError, read_boundaries
    if not Path(args.file).is_file():
        print(f"Fehler: Datei {args.file} nicht gefunden.", file=sys.stderr)
        return 1
    try:
        gdf = read_boundaries(args.file, name_field=args.name_field, code_field=args.code_field,
                              population_field=args.population_field,
                              parent_field=args.parent_field)
    except BoundaryError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    store = _open(args)
    store.ensure_city(SYSTEM, args.city, ags=args.ags)
    report = store.upsert_districts(SYSTEM, args.city, gdf)
    store.close()
    print(f"{args.city}: {len(gdf)} Stadtteile gelesen – neu {len(report['added'])}, "
          f"geändert {len(report['updated'])}, unverändert {len(report['unchanged'])}.")
    if report["missing"]:
        print(f"Nicht mehr in der Datei (behalten): {', '.join(report['missing'])}")
    return 0


def cmd_export(args) -> int:
    from lagebild.access import Actor
    from lagebild.export import export
    suffix = Path(args.out).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        print("Fehler: --out muss auf .csv oder .parquet enden.", file=sys.stderr)
        return 2
    try:
        actor = Actor(f"cli-export-{args.role}", args.role, organisation=args.org)
    except ValueError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    store = _open(args)
    try:
        data = export(store, actor, args.city, load_catalog(), get_settings().small_count_k,
                      suffix[1:])
    except KeyError as exc:
        print(f"Fehler: {exc.args[0]}", file=sys.stderr)
        return 2
    finally:
        store.close()
    Path(args.out).write_bytes(data)
    print(f"Export für Rolle '{args.role}' nach {args.out} geschrieben.")
    return 0


def cmd_backup(args) -> int:
    store = _open(args)
    try:
        target = store.backup(SYSTEM, args.directory)
    except ValueError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    files = rawstore.copy_into(_db(args), Path(target) / "uploads")
    print(f"Sicherung von {_db(args)} nach {target} geschrieben "
          f"(mit {files} Dateien der Original-Uploads).")
    return 0


def cmd_restore(args) -> int:

    from lagebild.store import Store
    db = Path(_db(args))
    if db.exists():
        if not args.force:
            print(f"Fehler: {db} existiert. Mit --force wird sie nach {db.name}.vor-restore-… "
                  "verschoben und aus der Sicherung neu angelegt.", file=sys.stderr)
            return 1
        aside = db.with_name(f"{db.name}.vor-restore-{clock.now():%Y%m%d-%H%M%S}")
        db.rename(aside)
        wal = db.with_name(db.name + ".wal")
        if wal.exists():
            wal.rename(aside.with_name(aside.name + ".wal"))
        print(f"Bisherige Datenbank verschoben nach {aside}.")
    try:
        Store.restore(args.directory, db).close()
        rawstore.restore_from(Path(args.directory) / "uploads", db)
    except (ValueError, OSError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(f"{db} aus der Sicherung {args.directory} wiederhergestellt.")
    return 0


def cmd_rebuild(args) -> int:
    """Re-import the kept original uploads (after a loss without a usable backup)."""

    from lagebild.importer import rebuild
    folder = Path(args.uploads) if args.uploads else rawstore.directory(_db(args))
    if folder is None or not folder.is_dir():
        print(f"Fehler: kein Verzeichnis mit Original-Uploads: {folder}", file=sys.stderr)
        return 2
    store = _open(args)
    try:
        # the database's own uploads (if it still has any) settle interrupted imports
        records = store.upload_records(SYSTEM)
        known = {r["sha256"]: r for r in records.to_dict("records")} if len(records) \
            else None
        if folder.resolve() == rawstore.directory(_db(args)).resolve():
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


def cmd_serve(args) -> int:
    env = dict(os.environ)
    if args.db:
        env["LAGEBILD_DB_PATH"] = str(Path(args.db).resolve())
    cmd = [sys.executable, "-m", "lagebild.server", "--server.port", str(args.port)]
    return subprocess.call(cmd, cwd=ROOT, env=env)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lagebild", description="Lagebild – lokales Risikolagebild")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp):
        sp.add_argument("--db", help="Datenbankdatei (Standard: LAGEBILD_DB_PATH bzw. "
                                     "data/lagebild.duckdb)")
        return sp

    d = with_db(sub.add_parser("demo", help="Demo-Stadt Musterstadt anlegen (synthetisch)"))
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--end", type=_iso_date, default=None, metavar="DATUM",
                   help="letzter Tag der Demo-Daten (JJJJ-MM-TT; ein anderer Tag als Sonntag "
                        "wird auf den Sonntag davor gelegt). Standard: Ende der letzten "
                        "vollständigen ISO-Woche vor heute")
    d.add_argument("--scale", choices=("small", "large"), default="small",
                   help="small: Musterstadt (15 Stadtteile, 3 Jahre); large: 4 Städte, "
                        "200 Stadtteile, 10 Jahre täglich, ≈5,1 Mio. Beobachtungen "
                        "(Last- und Benchmarkdaten)")
    d.set_defaults(func=cmd_demo)

    s = with_db(sub.add_parser("serve", help="Dashboard starten"))
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(func=cmd_serve)

    i = with_db(sub.add_parser("info", help="Städte, Stadtteile, Beobachtungen"))
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_info)

    e = with_db(sub.add_parser("export", help="Daten exportieren (CSV oder Parquet)"))
    e.add_argument("--city", required=True)
    e.add_argument("--out", required=True, help="Zieldatei .csv oder .parquet")
    e.add_argument("--role", default="gast", choices=("admin", "krisenstab", "outreach", "gast"),
                   help="für welche Rolle (Standard: gast = eingeschränkt, unterdrückt)")
    e.add_argument("--org", help="Organisation (bei --role outreach)")
    e.set_defaults(func=cmd_export)

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

    dist = sub.add_parser("districts", help="Stadtteilgrenzen").add_subparsers(
        dest="action", required=True)
    di = with_db(dist.add_parser("import", help="Grenzen aus GeoJSON/GeoPackage/Shapefile (zip)"))
    di.add_argument("file")
    di.add_argument("--city", required=True)
    di.add_argument("--ags")
    di.add_argument("--name-field")
    di.add_argument("--code-field")
    di.add_argument("--population-field")
    di.add_argument("--parent-field")
    di.set_defaults(func=cmd_districts_import)

    for module in _extensions():
        module.add_parser(sub)
    return p


def _extensions():
    """Subcommands living beside their feature (e.g. ``lagebild ingest``)."""
    import importlib
    out = []
    for name in ("lagebild.cli_users", "lagebild.cli_ingest", "lagebild.cli_alerts",
                 "lagebild.cli_report", "lagebild.cli_notify", "lagebild.cli_share",
                 "lagebild.drugcheck.cli"):
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
