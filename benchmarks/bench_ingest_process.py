"""Benchmark (not a test, #20): ``lagebild ingest`` of a 1 M-row German CSV measured as a whole
process – interpreter start, imports, opening the database, checks, the import in one
transaction, the signal refresh that follows every import (#17), exit – next to a bare
``python -c`` process that reads the same file with DuckDB's ``read_csv`` into a database
file (with CHECKPOINT). Goal (#20): at most 2× the bare process.

    .venv/bin/python benchmarks/bench_ingest_process.py [--rows 1000000] [--runs 5]
        [--before /path/to/other/checkout] [--write]

``--before`` runs the same commands with another checkout first on ``PYTHONPATH`` (e.g. the
commit before the change), interleaved round by round with this one, so that a busy moment
of the shared machine hits both alike. Rows: the full ``lagebild ingest``; ``--dry-run``
(checks only, nothing written, no signals); the bare DuckDB process. The database is a
fresh copy of one with the demo city's districts and no data before each run.
With ``--write`` the section "Upload als Prozess: lagebild ingest" of docs/benchmarks.md is
replaced.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import load, machine, median, today, write_section  # noqa: E402
from bench_ingest import make_csv  # noqa: E402

CITY = "Musterstadt"
BARE = ("import duckdb, sys; con = duckdb.connect(sys.argv[2]); con.execute("
        "\"CREATE TABLE t AS SELECT * FROM read_csv('\" + sys.argv[1] + \"', delim=';', "
        "header=true)\"); con.execute('CHECKPOINT'); con.close()")


def prepare(tmp: Path, rows: int) -> tuple[Path, Path]:
    from lagebild.access import SYSTEM
    from lagebild.catalog import load_catalog
    from lagebild.demo.city import generate_demo
    from lagebild.store import Store
    demo = generate_demo()
    csv = tmp / "gross.csv"
    make_csv(csv, rows, list(demo.districts["name"]), [i.label_de for i in load_catalog()])
    base = tmp / "base.duckdb"
    store = Store(base)
    store.ensure_city(SYSTEM, demo.name)
    store.upsert_districts(SYSTEM, demo.name, demo.districts)
    store.close()
    return csv, base


def run_once(cmd: list[str], env: dict, db: Path, base: Path | None,
             cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system) of one process run in ``cwd`` (``-m`` puts
    the working directory first on ``sys.path``: it decides which checkout runs)."""
    for f in db.parent.glob(db.name + "*"):
        shutil.rmtree(f) if f.is_dir() else f.unlink()
    if base is not None:
        shutil.copy(base, db)
    time.sleep(0.3)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=cwd)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} …: Exit {proc.returncode}\n{proc.stderr[-2000:]}")
    return seconds, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", help="andere Arbeitskopie zum Vergleich (vorher)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    trees = {"nachher": ROOT} | ({"vorher": Path(args.before).resolve()} if args.before else {})
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        csv, base = prepare(tmp, args.rows)
        db = tmp / "lauf.duckdb"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["LAGEBILD_UPLOAD_LIMIT_MB"] = str(csv.stat().st_size // 1_000_000 + 10)
        ways = {}
        for label, tree in trees.items():
            e = dict(env, PYTHONPATH=str(tree))
            ingest = [sys.executable, "-m", "lagebild.cli", "ingest", str(csv), "--city",
                      CITY, "--org", "Bench", "--db", str(db)]
            ways[f"ingest {label}"] = (ingest, e, base, tree)
            ways[f"dry-run {label}"] = (ingest + ["--dry-run"], e, base, tree)
        ways["bare"] = ([sys.executable, "-c", BARE, str(csv), str(db)], env, None, tmp)
        for cmd, e, b, cwd in ways.values():                 # warm-up (file cache)
            run_once(cmd, e, db, b, cwd)
        t = {k: [] for k in ways}
        c = {k: [] for k in ways}
        for _ in range(args.runs):
            for k, (cmd, e, b, cwd) in ways.items():
                wall, cpu = run_once(cmd, e, db, b, cwd)
                t[k].append(wall)
                c[k].append(cpu)
    m = {k: median(v) for k, v in t.items()}
    mc = {k: median(v) for k, v in c.items()}
    lines = [
        f"Gemessen mit `benchmarks/bench_ingest_process.py` am {today()} auf: {machine()}; "
        f"Last beim Messen {load():.1f} (die Maschine ist mit anderen Prozessen geteilt). "
        f"Datei: {args.rows:,} Zeilen wie in „Upload: 1 Mio. Zeilen“ (ab 03.01.2000, jeder "
        "Demo-Stadtteil × Indikator × Tag einmal, also ≈ 26 Jahre Wochenreihen). Ganze Prozesse "
        f"(Start bis Ende), Median von {args.runs} Runden nach einem Aufwärmlauf, abwechselnd.",
        "",
        "| Weg | Median Zeit | Verhältnis zum bloßen `read_csv`-Prozess | ≤ 2× | Median "
        "CPU-Zeit (Benutzer + System) | Verhältnis CPU |",
        "|---|---|---|---|---|---|",
    ]
    for k, v in m.items():
        r = v / m["bare"]
        what = {"ingest": "`lagebild ingest` (Prüfen, Import, Signale neu berechnen)",
                "dry-run": "`lagebild ingest --dry-run` (nur Prüfen)",
                "bare": "`python -c` DuckDB `read_csv` in eine Datenbankdatei, CHECKPOINT"}
        name = what[k.split()[0]] + (f", {k.split()[1]}" if " " in k else "")
        ok = "" if k == "bare" else ("ja" if r <= 2 else "**nein**")
        lines.append(f"| {name} | {v:.2f} s | {r:.2f}× | {ok} | {mc[k]:.2f} s | "
                     f"{mc[k] / mc['bare']:.2f}× |")
    text = "\n".join(lines)
    print(text)
    print({k: [round(x, 2) for x in v] for k, v in t.items()})
    print({k: [round(x, 2) for x in v] for k, v in c.items()})
    if args.write:
        write_section("Upload als Prozess: lagebild ingest", text + "\n\n" + _notes())


def _notes() -> str:
    """The explanation below the table in docs/benchmarks.md (profile, what changed), kept
    when the table is rewritten."""
    from _common import DOC
    old = DOC.read_text(encoding="utf-8")
    start = old.find("## Upload als Prozess: lagebild ingest")
    if start < 0:
        return ""
    section = old[start:].split("\n## ", 1)[0].rstrip()
    marker = "Warum `lagebild ingest`"
    return section[section.find(marker):] if marker in section else ""


if __name__ == "__main__":
    main()
