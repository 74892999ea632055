"""The ``lagebild`` command. Every sub-command lives in a module of this package with an
``add_parser(subparsers)`` that only declares its arguments; what a command needs (pandas,
the store, the analytics) is imported when it runs, so ``lagebild --help`` stays light.

The table below is the whole command set: a command whose module fails to import fails
loudly instead of disappearing from ``--help``.
"""

from __future__ import annotations

import argparse

from lagebild.cli import (alerts, backup, demo, districts, export, info, ingest, notify, remind,
                          report, serve, share, substances, users)

COMMANDS = (demo, serve, info, districts, ingest, export, backup, users, alerts, report, notify,
            remind, share, substances)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lagebild", description="Lagebild – lokales Risikolagebild")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)

