"""``lagebild ingest FILE --city NAME --org ORG [--dry-run] [--replace] [--json] [--db PATH]``.

Exit codes: 0 imported (or valid with ``--dry-run``), 1 rejected (nothing written), 2 usage
error (also: unknown city, missing file, database cannot be opened), 3 already imported.
The command acts as the system actor (``lagebild.access.SYSTEM``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lagebild import clock
from lagebild.access import SYSTEM
from lagebild.config import get_settings
from lagebild.i18n import t

EXIT = {"imported": 0, "valid": 0, "rejected": 1, "duplicate": 3}
USAGE = 2
SHOWN_ERRORS = 30


def add_parser(subparsers) -> argparse.ArgumentParser:
    lang = get_settings().language
    p = subparsers.add_parser("ingest", help=t("ingest.cli.description", lang),
                              description=t("ingest.cli.description", lang))
    p.add_argument("file", help=t("ingest.cli.file", lang))
    p.add_argument("--city", required=True, help=t("ingest.cli.city", lang))
    p.add_argument("--org", required=True, help=t("ingest.cli.org", lang))
    p.add_argument("--dry-run", action="store_true", help=t("ingest.cli.dry_run", lang))
    p.add_argument("--replace", action="store_true", help=t("ingest.cli.replace", lang))
    p.add_argument("--json", action="store_true", help=t("ingest.cli.json", lang))
    p.add_argument("--sheet", help=t("ingest.cli.sheet", lang))
    p.add_argument("--lang", choices=("de", "en"), help=t("ingest.cli.lang", lang))
    p.add_argument("--db", help=t("ingest.cli.db", lang))
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from lagebild.ingest.importer import import_file
    from lagebild.store import Store, StoreError

    lang = args.lang or get_settings().language
    path = Path(args.file)
    if not path.is_file():
        print(t("ingest.cli.file_missing", lang, path=path), file=sys.stderr)
        return USAGE
    limit = int(get_settings().upload_limit_mb) * 1024 * 1024
    size = path.stat().st_size
    if size > limit:                 # checked before a single byte is read
        return _too_large(args, size, limit, lang)
    from lagebild.inbox.cli import ingest_via_server    # (#20) the server holds the database
    if (code := ingest_via_server(args, path, lang, summary)) is not None:
        return code
    data = path.read_bytes()
    try:
        store = Store(args.db or get_settings().db_path)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return USAGE
    try:
        cities = store.cities(SYSTEM)["name"].tolist()
        if args.city not in cities:
            print(t("ingest.cli.unknown_city", lang, city=args.city,
                    cities=", ".join(cities) or t("ingest.cli.none", lang)), file=sys.stderr)
            return USAGE
        try:
            outcome = import_file(store, SYSTEM, args.city, args.org, data, path.name,
                                  today=clock.today(), replace=args.replace,
                                  dry_run=args.dry_run, lang=lang, sheet=args.sheet)
        except StoreError as exc:          # e.g. empty organisation (Invalid)
            print(str(exc), file=sys.stderr)
            return USAGE
        if outcome.status == "imported":   # (#17) signals and e-mails right after the import
            _after_import(store, args.city)
    finally:
        store.close()
    if args.json:
        print(json.dumps(outcome.as_json(), ensure_ascii=False, default=str))
    else:
        print(summary(outcome, lang))
    return EXIT[outcome.status]


def _after_import(store, city: str) -> None:
    from lagebild.alerts import notify
    from lagebild.catalog import load_catalog
    notify.after_import(store, city, settings=get_settings(), catalog=load_catalog())


def _too_large(args, size: int, limit: int, lang: str) -> int:
    """The size rejection, in the same shape as every other rejection (exit 1)."""
    from lagebild.ingest.outcome import ImportOutcome
    from lagebild.ingest.parse import UploadError, fmt_mb
    from lagebild.store import no_collisions
    message = t("ingest.file.too_large", lang, size=fmt_mb(size, lang), limit=fmt_mb(limit, lang))
    outcome = ImportOutcome("rejected", None, 0, {}, {},
                            [UploadError(None, None, None, message)], no_collisions(),
                            t("ingest.import.rejected", lang, n=1))
    if args.json:
        print(json.dumps(outcome.as_json(), ensure_ascii=False, default=str))
    else:
        print(summary(outcome, lang))
    return EXIT["rejected"]


def summary(outcome, lang: str = "de") -> str:
    """A readable (German) summary of an import outcome."""
    out = [outcome.message, t("ingest.cli.status", lang,
                              status=t(f"ingest.status.{outcome.status}", lang))]
    if outcome.totals:
        out.append(t("ingest.cli.totals", lang))
        out += [f"  {k}: {v}" for k, v in outcome.totals.items()]
    if outcome.by_district:
        out.append(t("ingest.cli.by_district", lang))
        for name, counts in outcome.by_district.items():
            out.append(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if outcome.errors:
        out.append(t("ingest.cli.errors", lang, n=len(outcome.errors)))
        for e in outcome.errors[:SHOWN_ERRORS]:
            out.append(t("ingest.cli.error_line", lang, line=e.line, column=e.column or "–",
                         message=e.message) if e.line is not None
                       else t("ingest.cli.error_file", lang, message=e.message))
        if len(outcome.errors) > SHOWN_ERRORS:
            out.append(t("ingest.cli.more", lang, n=len(outcome.errors) - SHOWN_ERRORS))
    if len(outcome.collisions):
        out.append(t("ingest.cli.collisions", lang, n=len(outcome.collisions)))
        for r in outcome.collisions.head(SHOWN_ERRORS).itertuples():
            out.append(f"  {r.district} · {r.indicator} · {str(r.date)[:10]} · {r.count}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lagebild")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
