"""``lagebild notify``: send the e-mails that are due for a city (for cron), see
:mod:`lagebild.alerts.notify`.

Examples::

    lagebild notify --city Musterstadt --dry-run     # what would go to whom, nothing sent
    lagebild notify --city Musterstadt               # send new red signals / level rises
    lagebild notify --city Musterstadt --digest      # the daily digest (once a day from cron)

Exit code 0 (also when nothing was due), 1 when a message could not be sent, 2 for an unknown
city or when no SMTP host is set (without --dry-run).
"""

from __future__ import annotations

from lagebild.cli._common import fail, open_store, report_deliveries


def add_parser(sub) -> None:
    p = sub.add_parser("notify", help="E-Mails zu neuen roten Warnungen und Lagestufen senden")
    p.add_argument("--city", required=True, help="Name der Stadt")
    p.add_argument("--dry-run", action="store_true",
                   help="nur anzeigen, was an wen ginge; nichts senden oder speichern")
    p.add_argument("--digest", action="store_true",
                   help="die Tageszusammenfassung für Konten, die sie gewählt haben")
    p.add_argument("--db", help="Datenbankdatei (Standard: LAGEBILD_DB_PATH bzw. "
                                "data/lagebild.duckdb)")
    p.set_defaults(func=run)


def run(args) -> int:
    from lagebild.store import StoreError
    from lagebild.alerts import notify
    from lagebild.alerts.config import load_alert_config
    from lagebild.catalog import load_catalog
    from lagebild.config import get_settings
    settings = get_settings()
    if not settings.smtp_host and not args.dry_run:
        return fail("keine E-Mail möglich – LAGEBILD_SMTP_HOST ist nicht gesetzt "
                    "(docs/settings.md).", 2)
    catalog = load_catalog()
    store = open_store(args)
    try:
        deliveries = notify.run(store, args.city, settings=settings, catalog=catalog,
                                config=load_alert_config(catalog=catalog),
                                dry_run=args.dry_run, digest=args.digest)
    except (StoreError, ValueError) as exc:
        return fail(str(exc), 2)
    finally:
        store.close()
    return report_deliveries(deliveries, args.dry_run,
                             f"Keine neuen Benachrichtigungen für {args.city}.")
