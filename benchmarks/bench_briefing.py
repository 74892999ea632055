"""Benchmark: the briefing of the demo city is made in ≤ 10 s (PDF and HTML).

Creates the demo database in a temporary directory (not timed), then makes the briefing as
``lagebild report`` does (everything read from the store, stale alert signals recomputed in
memory) for the full version (krisenstab) and the restricted one (gast): the first run in a
fresh process ("kalt": imports, fonts, matplotlib) and the median of RUNS further runs, with
the time of each step. Writes the section "Briefing" of docs/benchmarks.md (other sections
stay untouched).

    .venv/bin/python benchmarks/bench_briefing.py [--runs 5] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import machine  # noqa: E402

from lagebild.access import Actor  # noqa: E402

HEADING = "## Briefing"
LIMIT_S = 10.0
TODAY = dt.date(2026, 11, 20)
STEPS = ("data", "alerts", "map", "numbers", "trends", "measures", "pdf", "html", "done")


def _once(store, actor, catalog, config) -> tuple[float, dict, int, int, float]:
    from io import BytesIO

    from pypdf import PdfReader

    from lagebild.briefing.build import make
    marks, start, cpu = {}, time.perf_counter(), time.process_time()
    docs = make(store, actor, "Musterstadt", catalog=catalog, config=config, today=TODAY,
                k=5 if actor.restricted else None,
                progress=lambda f, key: marks.setdefault(key, time.perf_counter() - start))
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    pages = len(PdfReader(BytesIO(docs.pdf)).pages)
    return total, marks, pages, len(docs.pdf), cpu


def run(runs: int) -> dict:
    from lagebild.alerts.config import load_alert_config
    from lagebild.catalog import load_catalog
    from lagebild.demo.seed import create_demo
    from lagebild.store import Store
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.duckdb")
        create_demo(store, seed=42)
        catalog = load_catalog()
        config = load_alert_config(catalog=catalog)
        for role in ("krisenstab", "gast"):
            actor = Actor(f"bench-{role}", role)
            cold = _once(store, actor, catalog, config)
            warm = [_once(store, actor, catalog, config) for _ in range(runs)]
            median = statistics.median(w[0] for w in warm)
            steps = {k: statistics.median(w[1].get(k, 0.0) for w in warm) for k in STEPS}
            out[role] = {"cold": cold[0], "median": median, "max": max(w[0] for w in warm),
                         "steps": steps, "pages": cold[2], "bytes": cold[3],
                         "cpu": statistics.median(w[4] for w in warm)}
        store.close()
    return out


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}".replace(".", ",")
    except OSError:
        return "unbekannt"


def section(result: dict, runs: int) -> str:
    rows = []
    for role, r in result.items():
        ok = "ja" if max(r["cold"], r["max"]) <= LIMIT_S else "NEIN"
        rows.append(f"| {role} | {r['cold']:.1f} s | {r['median']:.1f} s | {r['cpu']:.1f} s | "
                    f"{r['pages']} | {r['bytes'] / 1e6:.2f} MB | {ok} |")
    s = result["krisenstab"]["steps"]
    prev, parts = 0.0, []
    # a progress key is reported when its step starts: the time up to it is the step before
    names = {"data": "Schrift prüfen", "alerts": "Stadtteile, Wochenraster, Sitzungen",
             "map": "Warnungen, Maßnahmen, Meldezeiträume lesen", "numbers": "Karte",
             "trends": "Kennzahlen, Gründe", "measures": "Verläufe (matplotlib)",
             "pdf": "Maßnahmen, Vollständigkeit, Quellen", "html": "PDF setzen (fpdf2)",
             "done": "HTML, Protokoll"}
    for key in STEPS:
        parts.append(f"{names[key]} {s[key] - prev:.2f} s")
        prev = s[key]
    return f"""{HEADING}

Gemessen mit `benchmarks/bench_briefing.py` am {dt.date.today():%d.%m.%Y} auf: {machine()}.
Demo-Stadt Musterstadt (13 Stadtteile, 3 Jahre Meldungen), Zeitraum seit der letzten Sitzung
(16.09.2026, 8 Wochen), Weg wie `lagebild report`: alles aus der Datenbank (die Warnsignale
der Demo sind aktuell; veraltete würden im Speicher neu berechnet, etwa 1 s mehr).
„kalt“ = erster Lauf im frischen Prozess (Importe,
Schrift, matplotlib), dann Median von {runs} Läufen; „CPU“ = Rechenzeit des Prozesses (hängt
kaum von anderer Last ab; Last beim Messen: {_load()}). Grenze: ≤ {LIMIT_S:.0f} s. Die Seite
„Briefing“ ist schneller, weil sie Wochenraster und Warnsignale aus dem Cache übergibt.

| Fassung | kalt | Median | CPU (Median) | Seiten | PDF | in der Grenze |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Schritte (krisenstab, Median): {"; ".join(parts)}.
"""


def write(text: str, path: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace (or append) only this benchmark's section."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = (pattern.sub(text + "\n", old) if pattern.search(old)
           else old.rstrip("\n") + "\n\n" + text)
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    result = run(max(1, args.runs))
    text = section(result, max(1, args.runs))
    print(text)
    if not args.no_write:
        write(text)
    worst = max(max(r["cold"], r["max"]) for r in result.values())
    return 0 if worst <= LIMIT_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
