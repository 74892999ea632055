"""The benchmark suite in one command (not part of the tests): every benchmark with its
defaults (median of ≥ 5 runs where a run takes seconds), results written into
docs/benchmarks.md. Builds the large data set first (``lagebild demo --scale large``,
LAGEBILD_BENCH_DB, default /tmp/lagebild-bench-large.duckdb). Takes about an hour on two
cores, most of it R ``surveillance`` (when installed) and the five Farrington runs.

    make bench          # or: .venv/bin/python benchmarks/run_all.py [--quick]

``--quick`` runs everything once (for checking the scripts, not for publishing).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import ROOT, ensure_large_db  # noqa: E402

# title, script and arguments, how it publishes (--write to write, or writes unless
# --no-write), arguments for --quick
STEPS = [
    ("Upload 1 Mio. Zeilen", ["bench_ingest.py"], "--write", ["--runs", "1"]),
    ("Warnmethoden, großer Datensatz", ["bench_alerts.py", "--large", "--mode", "batch"],
     "--write", ["--runs", "1", "--no-r"]),
    ("Dashboard, großer Datensatz", ["bench_pages.py"], "--write",
     ["--runs", "1", "--warm-runs", "1"]),
    ("Karte 100 000 Punkte", ["bench_map.py"], "--no-write", ["--runs", "1"]),
    ("Briefing", ["bench_briefing.py"], "--no-write", ["--runs", "1"]),
    ("Raum-Zeit-Scan", ["bench_scan.py"], "--write", ["--runs", "1"]),
    ("Feindliche Dateien", ["bench_hostile.py"], "--write", ["--runs", "1"]),
    ("Feindliche Dateien am laufenden Server", ["bench_hostile_server.py"], "--write", []),
    ("Start der Kommandozeile", ["bench_cli_start.py"], "--write", ["--runs", "3"]),
]


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    ensure_large_db()
    failed = []
    for title, args, publish, quick_args in STEPS:
        extra = quick_args + (["--no-write"] if publish == "--no-write" else []) if quick \
            else (["--write"] if publish == "--write" else [])
        cmd = [sys.executable, str(HERE / args[0]), *args[1:], *extra]
        print(f"== {title}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        if subprocess.run(cmd, cwd=ROOT).returncode:
            failed.append(title)
        print(f"== {title}: {time.perf_counter() - t0:.0f} s", flush=True)
    if failed:
        print("Fehlgeschlagen: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
