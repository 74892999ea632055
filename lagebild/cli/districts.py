"""``lagebild districts import``: district boundaries from GeoJSON/GeoPackage/Shapefile."""

from __future__ import annotations

from pathlib import Path

from lagebild.access import SYSTEM
from lagebild.cli._common import fail, open_store, with_db


def add_parser(sub) -> None:
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


def cmd_districts_import(args) -> int:
    from lagebild.geo import BoundaryError, read_boundaries
    if not Path(args.file).is_file():
        return fail(f"Datei {args.file} nicht gefunden.", 1)
    try:
        gdf = read_boundaries(args.file, name_field=args.name_field, code_field=args.code_field,
                              population_field=args.population_field,
                              parent_field=args.parent_field)
    except BoundaryError as exc:
        return fail(str(exc), 1)
    store = open_store(args)
    store.ensure_city(SYSTEM, args.city, ags=args.ags)
    report = store.upsert_districts(SYSTEM, args.city, gdf)
    store.close()
    print(f"{args.city}: {len(gdf)} Stadtteile gelesen – neu {len(report['added'])}, "
          f"geändert {len(report['updated'])}, unverändert {len(report['unchanged'])}.")
    if report["missing"]:
        print(f"Nicht mehr in der Datei (behalten): {', '.join(report['missing'])}")
    return 0
