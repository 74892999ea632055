"""``lagebild erinnern``: remind organisations whose delivery is overdue (for cron), see
:mod:`lagebild.ops.reminders`.

    lagebild erinnern --city Musterstadt --dry-run   # who would be reminded of what
    lagebild erinnern --city Musterstadt             # send (each overdue delivery once)
    lagebild erinnern --city Musterstadt --list      # the completeness table, nothing sent

Exit code 0 (also when nothing was due), 1 when a message could not be sent, 2 for an unknown
city or when no SMTP host is set (without --dry-run/--list).
"""

from __future__ import annotations

from lagebild.cli._common import fail, open_store, report_deliveries, with_db


def add_parser(sub) -> None:
    p = sub.add_parser("erinnern", help="Organisationen an überfällige Meldungen erinnern "
                                        "(E-Mail, je fehlender Meldung einmal)")
    p.add_argument("--city", required=True, help="Name der Stadt")
    p.add_argument("--dry-run", action="store_true",
                   help="nur anzeigen, wer woran erinnert würde; nichts senden oder speichern")
    p.add_argument("--list", action="store_true",
                   help="die Vollständigkeit aller Organisationen zeigen, nichts senden")
    with_db(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from lagebild import clock
    from lagebild.catalog import load_catalog
    from lagebild.config import get_settings
    from lagebild.ops import reminders, views
    from lagebild.store import StoreError
    settings = get_settings()
    if not settings.smtp_host and not (args.dry_run or args.list):
        return fail("keine E-Mail möglich – LAGEBILD_SMTP_HOST ist nicht gesetzt "
                    "(docs/settings.md).", 2)
    catalog, today = load_catalog(), clock.today()
    store = open_store(args)
    try:
        if args.list:
            from lagebild.access import SYSTEM
            table = views.city_completeness(store, SYSTEM, args.city, today)
            print(views.completeness_display(table, catalog, settings.language)
                  .to_string(index=False))
            return 0
        deliveries = reminders.run(store, args.city, today=today, catalog=catalog,
                                   settings=settings, dry_run=args.dry_run)
    except StoreError as exc:
        return fail(str(exc), 2)
    finally:
        store.close()
    return report_deliveries(deliveries, args.dry_run,
                             f"Keine fälligen Erinnerungen für {args.city}.")
