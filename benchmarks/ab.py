"""Run benchmark scripts in two checkouts, alternately, to compare code versions under the
same machine load (not part of the tests; used for #16: "benchmarks re-run with the same
results"). Each script runs from its own checkout with that checkout's code and its own
large demo database; stdout of every run goes to ``OUT/<label>-<round>-<script>.txt``.

    .venv/bin/python benchmarks/ab.py OLD_CHECKOUT NEW_CHECKOUT OUT [--rounds 2]
        [--only bench_hostile.py ...]

Nothing is written into docs/: the scripts get their no-write arguments.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

RUNS = [  # script and arguments (no writing into docs/benchmarks.md)
    ["bench_ingest.py", "--runs", "5"],
    ["bench_scan.py", "--runs", "3"],
    ["bench_map.py", "--runs", "5", "--no-write"],
    ["bench_briefing.py", "--runs", "3", "--no-write"],
    ["bench_pages.py", "--runs", "3", "--warm-runs", "3", "--no-server"],
    ["bench_alerts.py", "--large", "--mode", "batch", "--no-r", "--runs", "1"],
    ["bench_hostile.py", "--runs", "1"],
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("out")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="nur diese Skripte (z. B. bench_hostile.py)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trees = {"vorher": Path(args.old).resolve(), "nachher": Path(args.new).resolve()}
    for script in [r for r in RUNS if not args.only or r[0] in args.only]:
        for rnd in range(args.rounds):
            for label, tree in (trees.items() if rnd % 2 == 0 else reversed(trees.items())):
                env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
                env["LAGEBILD_BENCH_DB"] = f"/tmp/lagebild-bench-large-{label}.duckdb"
                env["PYTHONPATH"] = str(tree)
                t0 = time.perf_counter()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                proc = subprocess.run([sys.executable, str(tree / "benchmarks" / script[0]),
                                       *script[1:]], cwd=tree, env=env, capture_output=True,
                                      text=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                name = f"{label}-{rnd}-{script[0].removesuffix('.py')}.txt"
                (out / name).write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr[-4000:],
                                        encoding="utf-8")
                print(f"{name}: exit {proc.returncode}, {time.perf_counter() - t0:.0f} s, "
                      f"CPU {cpu:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
