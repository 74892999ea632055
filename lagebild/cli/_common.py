"""What every command shares: the database path and the ``--db`` option, opening the store
(a German message and exit code 2 when it cannot be opened), error lines (``fail``) and dates
as arguments. Light on purpose: ``lagebild --help`` imports this and nothing heavy."""

from __future__ import annotations

import argparse
import sys

from lagebild.config import get_settings

USAGE = 2
DB_HELP = "Datenbankdatei (Standard: LAGEBILD_DB_PATH bzw. data/lagebild.duckdb)"


def db_path(args) -> str:
    return getattr(args, "db", None) or get_settings().db_path


def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--db", help=DB_HELP)
    return parser


def fail(message: str, code: int = 1) -> int:
    """Print ``Fehler: message`` to stderr and return the exit code."""
    print(f"Fehler: {message}", file=sys.stderr)
    return code


def open_store(args):
    """The store of ``--db``; a database that cannot be opened ends the command (exit 2)."""
    from lagebild.store import Store, StoreError
    try:
        return Store(db_path(args))
    except StoreError as exc:
        from lagebild.inbox.cli import held_message     # (#20) the server holds the file
        fail(held_message(db_path(args), getattr(args, "command", None)) or str(exc), USAGE)
        raise SystemExit(USAGE) from exc


def iso_date(text: str):
    """An argparse type: JJJJ-MM-TT."""
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' ist kein Datum im Format JJJJ-MM-TT (z. B. 2026-11-29)") from None


def report_deliveries(deliveries, dry_run: bool, nothing: str) -> int:
    """One line per e-mail (sent, not sent and why, or trial run); exit code 1 when a
    message could not be sent (``notify`` and ``erinnern``)."""
    for d in deliveries:
        state = "(Probelauf)" if dry_run else ("gesendet" if d.sent else
                                               f"NICHT gesendet: {d.error}")
        print(f"{d.username} <{d.email}>: {d.subject} {state}")
    if not deliveries:
        print(nothing)
    return 1 if any(not d.sent for d in deliveries) and not dry_run else 0
