"""``lagebild info [--json]``: cities, districts, observations (and shared packages)."""

from __future__ import annotations

import json

from lagebild.access import SYSTEM
from lagebild.catalog import load_catalog
from lagebild.cli._common import db_path, open_store, with_db


def add_parser(sub) -> None:
    i = with_db(sub.add_parser("info", help="Städte, Stadtteile, Beobachtungen"))
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_info)


def cmd_info(args) -> int:
    store = open_store(args)
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
    print(f"Datenbank: {db_path(args)}")
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
