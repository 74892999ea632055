"""``lagebild substances --city NAME [--week 2026-W48] [--json] [--lang en] [--db PATH]``.

Per substance the valid tests of the ISO week, the positives, the share with its Wilson
95 % interval and the first detection in the city. Default week: the week of today
(``lagebild.clock``). Exit code 0; 2 for an unknown city or an invalid week.
"""

from __future__ import annotations

import json
import sys

from lagebild import clock
from lagebild.access import SYSTEM
from lagebild.cli._common import fail, open_store, with_db
from lagebild.config import get_settings
from lagebild.i18n import fmt_number, t


def add_parser(sub) -> None:
    lang = get_settings().language
    about = t("drugcheck.cli.description", lang)
    p = sub.add_parser("substances", help=about.replace("%", "%%"),   # argparse formats help
                       description=about)
    p.add_argument("--city", required=True, help=t("drugcheck.cli.city", lang))
    p.add_argument("--week", help=t("drugcheck.cli.week", lang))
    p.add_argument("--json", action="store_true", help=t("drugcheck.cli.json", lang))
    p.add_argument("--lang", choices=("de", "en"))
    with_db(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from datetime import timedelta

    from lagebild.analytics.drugcheck import iso_week
    from lagebild.store import StoreError
    from lagebild.drugcheck.report import substances_week
    lang = args.lang or get_settings().language
    if args.week:
        try:
            monday = iso_week(args.week)
        except ValueError:
            print(t("drugcheck.cli.bad_week", lang, value=args.week), file=sys.stderr)
            return 2
    else:
        today = clock.today()
        monday = today - timedelta(days=today.weekday())
    store = open_store(args)
    try:
        tests = store.drug_tests(SYSTEM, args.city, end=monday + timedelta(days=6))
    except StoreError as exc:              # unknown city, no access
        return fail(str(exc), 2)
    finally:
        store.close()
    result = substances_week(tests, monday)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(text(result, args.city, lang))
    return 0


def text(result: dict, city: str, lang: str = "de") -> str:
    from lagebild.drugcheck.substances import load_substances
    from lagebild.drugcheck.text import pct
    cat = load_substances()
    year, _, week = result["week"].partition("-W")
    label = f"KW {week}/{year}" if lang == "de" else f"W{week}/{year}"
    lines = [t("drugcheck.cli.heading", lang, city=city, week=label),
             t("drugcheck.cli.columns", lang)]
    for s in result["substances"]:
        share = t("drugcheck.cli.none", lang) if not s["tests"] else (
            f"{pct(s['share'], lang)} ({pct(s['ci_low'], lang).rstrip(' %')}–"
            f"{pct(s['ci_high'], lang)})")
        first = s["first_detected"] or t("drugcheck.cli.never", lang)
        if s["first_detected"] and lang == "de":
            y, m, d = first.split("-")
            first = f"{d}.{m}.{y}"
        lines.append(f"{cat.name(s['key'], lang)} | {fmt_number(s['tests'], lang)} | "
                     f"{fmt_number(s['positive'], lang)} | {share} | {first}")
    return "\n".join(lines)
