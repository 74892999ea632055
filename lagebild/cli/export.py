"""``lagebild export``: the data of a city as CSV or Parquet, for a role (suppressed)."""

from __future__ import annotations

from pathlib import Path

from lagebild.catalog import load_catalog
from lagebild.cli._common import fail, open_store, with_db
from lagebild.config import get_settings


def add_parser(sub) -> None:
    e = with_db(sub.add_parser("export", help="Daten exportieren (CSV oder Parquet)"))
    e.add_argument("--city", required=True)
    e.add_argument("--out", required=True, help="Zieldatei .csv oder .parquet")
    e.add_argument("--role", default="gast", choices=("admin", "krisenstab", "outreach", "gast"),
                   help="für welche Rolle (Standard: gast = eingeschränkt, unterdrückt)")
    e.add_argument("--org", help="Organisation (bei --role outreach)")
    e.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from lagebild.access import Actor
    from lagebild.export import export
    from lagebild.store import StoreError
    suffix = Path(args.out).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        return fail("--out muss auf .csv oder .parquet enden.", 2)
    try:
        actor = Actor(f"cli-export-{args.role}", args.role, organisation=args.org)
    except ValueError as exc:
        return fail(str(exc), 2)
    store = open_store(args)
    try:
        data = export(store, actor, args.city, load_catalog(), get_settings().small_count_k,
                      suffix[1:])
    except StoreError as exc:
        return fail(str(exc), 2)
    finally:
        store.close()
    Path(args.out).write_bytes(data)
    print(f"Export für Rolle '{args.role}' nach {args.out} geschrieben.")
    return 0
