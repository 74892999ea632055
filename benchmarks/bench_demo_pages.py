"""Benchmark (not a test): page load times on the demo city, before and after a change.

Every page a crisis-team member and a guest open (Lagebild, Karte, Trends, Stadtteil,
Maßnahmen, Briefing, Export, Warnungen) via AppTest on a fresh demo database: *first* = the
first run of the page in the process (caches empty except the start-up imports), *warm* =
median of ``--runs`` reruns. ``--tree DIR`` measures another checkout (e.g. the commit before
a change, unpacked with ``git archive COMMIT | tar -x -C DIR``) with the same database;
``--compare DIR`` measures both and prints one table (#15: "keep page load times as they are").

    .venv/bin/python benchmarks/bench_demo_pages.py [--runs 3] [--compare /tmp/base] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, median, today, write_section  # noqa: E402

PAGES = {"krisenstab": ["overview", "map", "trends", "district", "measures", "briefing",
                        "export", "alerts"],
         "gast": ["overview", "map", "trends", "district", "measures", "briefing", "export"]}

CHILD = r"""
import json, os, sys, time
from streamlit.testing.v1 import AppTest
from lagebild.access import Actor
role, runs = sys.argv[1], int(sys.argv[2])
pages = sys.argv[3].split(",")
out = {}
for page in pages:
    at = AppTest.from_file("app.py", default_timeout=300)
    at.session_state["lagebild_actor"] = Actor(role, role, organisation="X")
    at.run()
    t0 = time.perf_counter(); at.switch_page(f"pages/{page}.py").run()
    first = time.perf_counter() - t0
    assert not at.exception, (page, [e.value for e in at.exception])
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter(); at.run(); warm.append(time.perf_counter() - t0)
    out[page] = [first, sorted(warm)[len(warm) // 2]]
print(json.dumps(out))
"""


def measure(tree: Path, db: Path, runs: int) -> dict:
    results = {}
    for role, pages in PAGES.items():
        env = dict(os.environ, PYTHONPATH=str(tree), LAGEBILD_DB_PATH=str(db))
        done = subprocess.run([sys.executable, "-c", CHILD, role, str(runs), ",".join(pages)],
                              cwd=tree, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        results[role] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def demo_db(tree: Path) -> Path:
    path = Path(tempfile.mkdtemp()) / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "lagebild.cli", "demo", "--db", str(path)], cwd=tree,
                   env=dict(os.environ, PYTHONPATH=str(tree)), check=True, capture_output=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--compare", type=Path, help="a checkout to measure as 'vorher'")
    ap.add_argument("--write", action="store_true", help="into docs/benchmarks.md")
    args = ap.parse_args()
    after = measure(ROOT, demo_db(ROOT), args.runs)
    before = measure(args.compare, demo_db(args.compare), args.runs) if args.compare else None
    rows = ["| Rolle | Seite | erster Lauf vorher | erster Lauf nachher | warm vorher | "
            "warm nachher |", "|---|---|---|---|---|---|"]
    for role, pages in after.items():
        for page, (first, warm) in pages.items():
            b = (before or {}).get(role, {}).get(page, [float("nan")] * 2)
            rows.append(f"| {role} | {page} | {b[0]:.2f} s | {first:.2f} s | {b[1]:.2f} s | "
                        f"{warm:.2f} s |")
    text = (f"Gemessen mit `benchmarks/bench_demo_pages.py --runs {args.runs}` am {today()} auf: "
            f"{machine()}. AppTest je Seite auf einer frischen Demo-Datenbank; „vorher“ = "
            f"{args.compare or '–'}; warm = Median von {args.runs} erneuten Läufen.\n\n"
            + "\n".join(rows))
    print(text)
    if args.write:
        write_section("Seitenladezeiten auf der Demo (#15, vorher/nachher)", text)


if __name__ == "__main__":
    main()
