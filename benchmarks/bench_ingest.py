"""Benchmark (not a test): ingest of a 1 M-row German CSV with full validation, next to a bare
DuckDB ``read_csv`` of the same file into a table. Goal: ratio ≤ 1.5.

    .venv/bin/python benchmarks/bench_ingest.py [--rows 1000000] [--runs 5] [--write]

With ``--write`` the section "Upload: 1 Mio. Zeilen" of docs/benchmarks.md is replaced.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lagebild.catalog import load_catalog  # noqa: E402
from lagebild.demo import generate_demo  # noqa: E402
from lagebild.ingest import parse_upload  # noqa: E402


def make_csv(path: Path, rows: int, districts: list[str], indicators: list[str]) -> None:
    """A realistic long file: every district × indicator × day once (no duplicates), from
    3 January 2000 on, as many days as the row count needs."""
    rng = np.random.default_rng(1)
    per_day = len(districts) * len(indicators)
    n_days = -(-rows // per_day)
    days = (np.datetime64("2000-01-03") + np.arange(n_days)).astype(str)
    day_col = np.repeat([f"{d[8:10]}.{d[5:7]}.{d[0:4]}" for d in days], per_day)[:rows]
    dist = np.tile(np.repeat(districts, len(indicators)), n_days)[:rows]
    ind = np.tile(np.tile(indicators, len(districts)), n_days)[:rows]
    cnt = rng.poisson(3, rows)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("datum;stadtteil;indikator;anzahl\n")
        fh.writelines(f"{a};{b};{c};{n}\n" for a, b, c, n in zip(day_col, dist, ind, cnt))


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    demo = generate_demo()
    districts = demo.districts.assign(district_id=range(1, len(demo.districts) + 1))
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gross.csv"
        make_csv(path, args.rows, list(districts["name"]), [i.label_de for i in catalog])
        data = path.read_bytes()

        def ours():
            parsed = parse_upload(data, path.name, catalog=catalog, districts=districts,
                                  today=date(2026, 11, 21), limit_bytes=len(data) + 1)
            assert parsed.ok and len(parsed.rows) == args.rows, parsed.errors[:3]

        def bare():
            con = duckdb.connect()
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', delim=';', "
                        "header=true)")
            con.close()

        ours()   # warm-up
        bare()
        t_ours, t_bare = timed(ours, args.runs), timed(bare, args.runs)
    m_ours, m_bare = statistics.median(t_ours), statistics.median(t_bare)
    load = os.getloadavg()[0]
    ratio = m_ours / m_bare
    lines = [
        "## Upload: 1 Mio. Zeilen",
        "",
        f"Gemessen mit `benchmarks/bench_ingest.py` am {date.today():%d.%m.%Y} auf "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} Kerne, Python "
        f"{platform.python_version()}; Last beim Messen {load:.1f}. Datei: {args.rows:,} Zeilen, "
        f"{len(data) / 1e6:.0f} MB, deutsches Langformat (`datum;stadtteil;indikator;anzahl`, "
        "Datum TT.MM.JJJJ, Namen der Demo-Stadtteile und deutsche Indikatorbezeichnungen). "
        f"Median von {args.runs} Läufen nach einem Aufwärmlauf.",
        "",
        "| Weg | Median | Verhältnis |",
        "|---|---|---|",
        f"| `parse_upload` (volle Prüfung: Dekodierung, Spalten, Datum, Stadtteil, Indikator, "
        f"Anzahl, Dubletten, Meldezeiträume) | {m_ours:.2f} s | {ratio:.1f}× |",
        f"| DuckDB `CREATE TABLE … AS SELECT * FROM read_csv(…)` (ohne jede Prüfung) | "
        f"{m_bare:.2f} s | 1,0× |",
        "",
        f"Ziel ≤ 1,5×: {'erreicht' if ratio <= 1.5 else 'nicht erreicht'}.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        old = doc.read_text(encoding="utf-8")
        pattern = re.compile(r"## Upload: 1 Mio\. Zeilen\n.*?(?=\n## |\Z)", re.S)
        new = pattern.sub(text + "\n", old) if pattern.search(old) else \
            old.rstrip() + "\n\n" + text + "\n"
        doc.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
