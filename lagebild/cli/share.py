"""``lagebild share``: signed share packages between cities (#19), see docs/network.md.

In the city::

    lagebild share keygen --out /srv/lagebild/schluessel --name leipzig
    lagebild share export --city Leipzig --key /srv/lagebild/schluessel/leipzig.key \\
        --out leipzig.lagebild.zip [--since 2026-01-01] [--districts]

On the network instance::

    lagebild share trust leipzig.pub --city Leipzig
    lagebild share import leipzig.lagebild.zip

Exit codes: 0 done, 1 refused (package, key) with the reason in German, 2 usage error.
"""

from __future__ import annotations

import os
from pathlib import Path
from lagebild.cli._common import fail, iso_date, open_store, with_db


def add_parser(sub) -> None:
    p = sub.add_parser("share", help="Pakete für den Städtevergleich (signiert)")
    acts = p.add_subparsers(dest="action", required=True)

    k = acts.add_parser("keygen", help="Schlüsselpaar der Stadt erzeugen (Ed25519)")
    k.add_argument("--out", required=True, help="Verzeichnis für NAME.key und NAME.pub")
    k.add_argument("--name", required=True, help="Name des Schlüssels, z. B. leipzig")
    k.set_defaults(func=run_keygen)

    e = with_db(acts.add_parser("export", help="Paket der Stadt schreiben und signieren"))
    e.add_argument("--city", required=True)
    e.add_argument("--out", required=True, help="Zieldatei (ZIP)")
    e.add_argument("--key", required=True, help="privater Schlüssel DIR/NAME.key")
    e.add_argument("--since", help="erste Woche (Datum JJJJ-MM-TT; Standard: alle Wochen)")
    e.add_argument("--districts", action="store_true",
                   help="auch Stadtteilwerte teilen (sonst nur die Gesamtstadt)")
    e.set_defaults(func=run_export)

    t = with_db(acts.add_parser("trust", help="öffentlichen Schlüssel einer Stadt hinterlegen"))
    t.add_argument("public_key", help="DIR/NAME.pub der Stadt")
    t.add_argument("--city", required=True, help="Stadt, wie sie im Paket heißt")
    t.set_defaults(func=run_trust)

    i = with_db(acts.add_parser("import", help="Paket einer Stadt prüfen und übernehmen"))
    i.add_argument("file")
    i.set_defaults(func=run_import)



def run_keygen(args) -> int:
    from lagebild.share.package import ShareError, fingerprint, keygen
    try:
        key, pub = keygen(args.out, args.name)
    except (ShareError, OSError) as exc:
        return fail(str(exc))
    print(f"Privater Schlüssel: {key} (nur für diesen Rechner, Modus 600)")
    print(f"Öffentlicher Schlüssel: {pub} (an die Netzwerkstelle geben), Fingerabdruck "
          f"{fingerprint(pub.read_bytes())}")
    return 0


def run_export(args) -> int:
    from lagebild.store import StoreError
    from lagebild import clock
    from lagebild.share import package as share
    from lagebild.access import SYSTEM
    from lagebild.alerts.config import load_alert_config
    from lagebild.catalog import load_catalog
    from lagebild.config import get_settings
    try:
        since = iso_date(args.since) if args.since else None
    except Exception as exc:  # argparse.ArgumentTypeError
        return fail(str(exc), 2)
    try:
        key = share.load_private_key(args.key)
    except share.ShareError as exc:
        return fail(str(exc), 2)
    catalog = load_catalog()
    k = get_settings().small_count_k
    store = open_store(args)
    try:
        tables, facts = share.collect(store, SYSTEM, args.city, catalog=catalog,
                                      config=load_alert_config(catalog=catalog), k=k,
                                      with_districts=args.districts, since=since)
        meta = share.manifest(tables, facts, k=k, created_at=clock.now(),
                              with_districts=args.districts)
        data = share.pack(tables, meta, key)
        store.log_event(SYSTEM, "share.export", args.city, out=str(args.out),
                        districts=args.districts, since=args.since)
    except StoreError as exc:
        return fail(str(exc), 2)
    except share.ShareError as exc:
        return fail(str(exc))
    finally:
        store.close()
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    print(f"Paket von {args.city} ({meta['period_start']} bis {meta['period_end']}, "
          f"{'mit Stadtteilen' if args.districts else 'nur Gesamtstadt'}) nach {out} geschrieben und "
          "signiert.")
    return 0


def run_trust(args) -> int:
    from lagebild import clock
    from lagebild.share import package as share
    from lagebild.access import SYSTEM
    try:
        data = Path(args.public_key).read_bytes()
        share.load_public_key(data, str(args.public_key))
    except OSError as exc:
        return fail(f"{args.public_key} kann nicht gelesen werden ({exc}).")
    except share.ShareError as exc:
        return fail(str(exc))
    store = open_store(args)
    try:
        fp = share.fingerprint(data)
        replaced = store.share_trust(SYSTEM, args.city, data.decode("ascii"), fp, clock.now())
    finally:
        store.close()
    print(f"Schlüssel für {args.city} hinterlegt (Fingerabdruck {fp}"
          f"{'; ersetzt den bisherigen' if replaced else ''}). Fingerabdruck mit der Stadt "
          "abgleichen, z. B. am Telefon.")
    return 0


def run_import(args) -> int:
    from lagebild.store import StoreError
    from lagebild import clock
    from lagebild.share import package as share
    from lagebild.access import SYSTEM
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        return fail(f"{args.file} kann nicht gelesen werden ({exc}). Nichts importiert.")
    store = open_store(args)
    try:
        package = share.import_package(store, SYSTEM, data, clock.now())
    except (share.ShareError, StoreError) as exc:
        return fail(f"{exc} Nichts importiert.")
    finally:
        store.close()
    m = package.manifest
    print(f"Paket von {package.city} übernommen: {m['period_start']} bis {m['period_end']}, "
          f"erstellt {m['created_at']}.")
    return 0
