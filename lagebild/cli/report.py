"""``lagebild report``: the briefing for the Drogenrapport as PDF (or HTML) from the command
line, e.g. by a scheduled job before the meeting.

    lagebild report --city Musterstadt --out briefing.pdf [--since 2026-09-16]
                    [--role gast|outreach|krisenstab|admin] [--org ORG] [--lang de|en]
                    [--db PFAD]

The role decides what the briefing may contain (default ``gast``: the restricted,
suppressed version that may be passed on; ``krisenstab`` for the full one). ``--out``
ending in ``.html`` writes the self-contained HTML version instead of the PDF.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path

from lagebild.access import ROLES, AccessDenied, Actor
from lagebild.cli._common import fail, open_store


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"'{text}' ist kein Datum (2026-09-16 oder 16.09.2026).")


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="Briefing für den Drogenrapport als PDF/HTML")
    p.add_argument("--city", required=True)
    p.add_argument("--out", required=True, help="Zieldatei .pdf (oder .html)")
    p.add_argument("--since", type=_date,
                   help="Beginn des Zeitraums (Standard: Tag der letzten Sitzung)")
    p.add_argument("--role", default="gast", choices=ROLES,
                   help="für welche Rolle (Standard: gast = eingeschränkt, Kleinzahlen "
                        "unterdrückt; krisenstab = vollständig)")
    p.add_argument("--org", help="Organisation (bei --role outreach)")
    p.add_argument("--lang", default=None, choices=("de", "en"),
                   help="Sprache (Standard: LAGEBILD_LANGUAGE bzw. de)")
    p.add_argument("--db", help="Datenbankdatei (Standard: LAGEBILD_DB_PATH bzw. "
                                "data/lagebild.duckdb)")
    p.set_defaults(func=cmd_report)



def cmd_report(args) -> int:
    from lagebild.alerts.config import AlertConfigError, load_alert_config
    from lagebild.briefing.inputs import BriefingError
    from lagebild.briefing.build import make
    from lagebild.catalog import load_catalog
    from lagebild.config import get_settings
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".html"):
        return fail("--out muss auf .pdf oder .html enden.", 2)
    try:
        actor = Actor(f"cli-report-{args.role}", args.role, organisation=args.org)
    except ValueError as exc:
        return fail(str(exc), 2)
    settings = get_settings()
    catalog = load_catalog()
    try:
        config = load_alert_config(catalog=catalog)
    except AlertConfigError as exc:
        return fail(str(exc))
    store = open_store(args)
    try:
        docs = make(store, actor, args.city, catalog=catalog, config=config,
                    lang=args.lang or settings.language,
                    k=settings.small_count_k if actor.restricted else None, since=args.since)
    except (BriefingError, AccessDenied) as exc:
        return fail(str(exc))
    except KeyError as exc:
        return fail(str(exc.args[0] if exc.args else exc), 2)
    finally:
        store.close()
    if out.suffix.lower() == ".pdf":
        out.write_bytes(docs.pdf)
    else:
        out.write_text(docs.html, encoding="utf-8")
    version = "eingeschränkt" if actor.restricted else "vollständig"
    print(f"Briefing {args.city} ({version}, Rolle '{args.role}') nach {out} geschrieben "
          f"({docs.seconds:.1f} s).")
    return 0
