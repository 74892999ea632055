"""``lagebild serve``: start the dashboard (Streamlit, see lagebild/server.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lagebild.cli._common import with_db
from lagebild.config import ROOT


def add_parser(sub) -> None:
    s = with_db(sub.add_parser("serve", help="Dashboard starten"))
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    env = dict(os.environ)
    if args.db:
        env["LAGEBILD_DB_PATH"] = str(Path(args.db).resolve())
    cmd = [sys.executable, "-m", "lagebild.server", "--server.port", str(args.port)]
    return subprocess.call(cmd, cwd=ROOT, env=env)
