"""How long ``lagebild --help`` takes as a whole process (#16/#20: the command line imports
only what a command needs), against a bare ``python -c pass``. Median of ``--runs`` runs;
``--write`` puts the table into docs/benchmarks.md.

    .venv/bin/python benchmarks/bench_cli_start.py [--runs 15] [--write]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, load, machine, median, today, write_section  # noqa: E402

COMMANDS = {
    "`python -c pass` (Interpreter allein)": [sys.executable, "-c", "pass"],
    "`lagebild --help`": [sys.executable, "-m", "lagebild.cli", "--help"],
    "`lagebild ingest --help`": [sys.executable, "-m", "lagebild.cli", "ingest", "--help"],
}


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--write", action="store_true")
    opts = p.parse_args()
    rows, before = [], load()
    for label, cmd in COMMANDS.items():
        wall(cmd)                                           # warm the file cache
        rows.append((label, median(wall(cmd) for _ in range(opts.runs))))
    lines = ["| Prozess | Median |", "|---|---:|"]
    lines += [f"| {label} | {sec:.2f} s |".replace(f"{sec:.2f}", f"{sec:.2f}".replace(".", ","))
              for label, sec in rows]
    text = (f"Gemessen am {today()} auf {machine()}; Last vorher {before:.1f}, "
            f"{opts.runs} Läufe je Zeile (`benchmarks/bench_cli_start.py`).\n\n"
            + "\n".join(lines) + "\n\n`--help` lädt weder pandas noch numpy, DuckDB oder "
            "Streamlit (geprüft in `tests/test_cli.py`); die Befehle laden, was sie brauchen, "
            "erst wenn sie laufen.")
    print(text)
    if opts.write:
        write_section("Start der Kommandozeile", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
