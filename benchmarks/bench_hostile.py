"""Hostile files (issue #21, point 1): time to the rejection and peak resident memory above
idle, for ``lagebild ingest`` and for the server's upload check.

Each file of ``tests/hostile_files.corpus`` (generated into a temporary folder) runs in a
fresh process, ``--runs`` times (median): the CLI (``python -m lagebild.cli ingest … --dry-run
--json``) and the server check (``importer.import_file(dry_run=True)`` on the bytes, which is
what the upload page's preview runs; Streamlit refuses bodies over ``server.maxUploadSize``
while streaming, so the 2 GB file never reaches it). Idle = the same command on a one-row
file. Peak RSS from ``os.wait4`` (``ru_maxrss``). Goal: ≤ 300 MB above idle, ≤ 10 s.

    .venv/bin/python benchmarks/bench_hostile.py [--runs 3] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from _common import ROOT, load, machine, today, write_section  # noqa: E402

SERVER_CHECK = """
import sys
from datetime import date
from pathlib import Path
from lagebild.access import SYSTEM
from lagebild.ingest.importer import import_file
from lagebild.store import Store
path = Path(sys.argv[1])
out = import_file(Store(sys.argv[2]), SYSTEM, sys.argv[3], "Streetwork", path.read_bytes(),
                  path.name, today=date(2026, 11, 20), dry_run=True)
print(out.status, (out.errors[0].message if out.errors else out.message)[:70])
"""
GOAL_MB, GOAL_S = 300, 10.0


def measure(args: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, first line printed) of one fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = out.decode("utf-8", "replace").strip().splitlines()
    errors = [x.strip() for x in lines if x.startswith("  ")]     # the CLI's error lines
    return time.perf_counter() - start, usage.ru_maxrss / 1024, \
        ((errors or lines or [""])[0])[:90]


def main() -> int:
    import hostile_files
    from test_ingest_kit import CITY, make_store

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    opts = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lagebild-hostile-"))
    db = tmp / "t.duckdb"
    make_store(db).close()
    files = hostile_files.corpus(tmp / "corpus")
    small = tmp / "eine-zeile.csv"
    small.write_text("datum;stadtteil;indikator;anzahl\n03.11.2026;Altstadt;spritzenfunde;2\n",
                     encoding="utf-8")
    entries = {
        "CLI": lambda p: [sys.executable, "-m", "lagebild.cli", "ingest", str(p), "--city",
                          CITY, "--org", "Streetwork", "--db", str(db), "--dry-run"],
        "Server": lambda p: [sys.executable, "-c", SERVER_CHECK, str(p), str(db), CITY],
    }
    rows, ok = [], True
    for entry, build in entries.items():
        idle = statistics.median(measure(build(small))[1] for _ in range(opts.runs))
        for name, path in files.items():
            if entry == "Server" and name == "sparse_2gb":
                continue
            runs = [measure(build(path)) for _ in range(opts.runs)]
            secs = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            within = peak - idle <= GOAL_MB and secs <= GOAL_S
            ok &= within
            size = path.stat().st_size / 2**20
            rows.append(f"| {entry} | {name} ({size:,.1f} MB) | {secs:.1f} s | {idle:.0f} MB | "
                        f"{peak:.0f} MB | **{peak - idle:+.0f} MB** | {'ja' if within else 'NEIN'} "
                        f"| {runs[0][2]} |")
            print(rows[-1], flush=True)
    text = "\n".join([
        f"Gemessen mit `benchmarks/bench_hostile.py --runs {opts.runs}` am {today()} auf: "
        f"{machine()}; Last beim Start {load():.1f}.",
        "",
        "Jede Datei in einem frischen Prozess (Median), Leerlauf = derselbe Befehl mit einer "
        "Datei aus einer Zeile; Spitze = `ru_maxrss`. Ziel (#21): höchstens 300 MB über "
        "Leerlauf, Ablehnung in höchstens 10 s. Der Test `tests/test_hostile_memory.py` "
        "prüft dieselben Dateien unter `ulimit -v` (virtuell: Leerlauf + 300 MB).",
        "",
        "| Weg | Datei | Zeit | Leerlauf | Spitze | über Leerlauf | im Ziel | Antwort |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ])
    if opts.write:
        write_section("Feindliche Dateien: Speicher und Zeit bis zur Ablehnung", text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
