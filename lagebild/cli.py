"""The ``lagebild`` command: demo, serve, info, districts import (and more subcommands)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

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


def cmd_demo(args) -> int:
    from lagebild.seed import create_demo
    store = _open(args)
    try:
        city = create_demo(store, seed=args.seed)
    except ValueError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    info = store.info(SYSTEM)
    store.close()
    obs = next(c["observations"] for c in info["cities"] if c["name"] == city)
    print(f"Demo-Stadt '{city}' (synthetische Daten) angelegt in {_db(args)}: "
          f"{obs} Beobachtungen.")
    return 0


def cmd_info(args) -> int:
    store = _open(args)
    info = store.info(SYSTEM)
    store.close()
    info["indicators"] = len(load_catalog())
    info = {"cities": info["cities"], "indicators": info["indicators"],
            "observations": info["observations"]}
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    print(f"Datenbank: {_db(args)}")
    for c in info["cities"]:
        print(f"  {c['name']}: {c['districts']} Stadtteile, {c['observations']} Beobachtungen")
    print(f"Indikatoren: {info['indicators']}, Beobachtungen gesamt: {info['observations']}")
    return 0


def cmd_districts_import(args) -> int:
    from lagebild.geo import BoundaryError, read_boundaries
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
    d.set_defaults(func=cmd_demo)

    s = with_db(sub.add_parser("serve", help="Dashboard starten"))
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(func=cmd_serve)

    i = with_db(sub.add_parser("info", help="Städte, Stadtteile, Beobachtungen"))
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_info)

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
    for name in ("lagebild.cli_ingest",):
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
