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
        fail(str(exc), USAGE)
        raise SystemExit(USAGE) from exc


def iso_date(text: str):
    """An argparse type: JJJJ-MM-TT."""
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' ist kein Datum im Format JJJJ-MM-TT (z. B. 2026-11-29)") from None
