"""``lagebild demo``: the synthetic demo city (or ``--scale large``: the benchmark data)."""

from __future__ import annotations

from lagebild.access import SYSTEM
from lagebild.cli._common import db_path, fail, iso_date, open_store, with_db


def add_parser(sub) -> None:
    d = with_db(sub.add_parser("demo", help="Demo-Stadt Musterstadt anlegen (synthetisch)"))
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--end", type=iso_date, default=None, metavar="DATUM",
                   help="letzter Tag der Demo-Daten (JJJJ-MM-TT; ein anderer Tag als Sonntag "
                        "wird auf den Sonntag davor gelegt). Standard: Ende der letzten "
                        "vollständigen ISO-Woche vor heute")
    d.add_argument("--scale", choices=("small", "large"), default="small",
                   help="small: Musterstadt (15 Stadtteile, 3 Jahre); large: 4 Städte, "
                        "200 Stadtteile, 10 Jahre täglich, ≈5,1 Mio. Beobachtungen "
                        "(Last- und Benchmarkdaten)")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    from lagebild.demo.seed import create_demo, create_large_demo
    from lagebild.store import StoreError
    store = open_store(args)
    if args.scale == "large":
        try:
            names = create_large_demo(store, seed=args.seed)
        except (ValueError, StoreError) as exc:     # already there (city or account)
            return fail(str(exc), 1)
        finally:
            store.close()
        print(f"Große Demo ({', '.join(names)}; synthetisch) angelegt in {db_path(args)}.")
        return 0
    try:
        city = create_demo(store, seed=args.seed, end=args.end)
    except (ValueError, StoreError) as exc:
        return fail(str(exc), 1)
    info = store.info(SYSTEM)
    first, last = store.date_range(SYSTEM, city)
    store.close()
    obs = next(c["observations"] for c in info["cities"] if c["name"] == city)
    iso = last.isocalendar()
    print(f"Demo-Stadt '{city}' (synthetische Daten) angelegt in {db_path(args)}: "
          f"{obs} Beobachtungen vom {first:%d.%m.%Y} bis {last:%d.%m.%Y} "
          f"(bis KW {iso.week}/{iso.year}).")
    return 0
