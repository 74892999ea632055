"""Benchmark: a map with 100 000 syringe finds stays usable (HTML ≤ 5 MB, built in ≤ 1 s).

Builds the choropleth of the demo districts plus 100 000 points (heat; clusters are asked
for but more than ``map_layers.CLUSTER_MAX`` points are drawn as heat) and 20 000 clustered points,
renders the standalone HTML (``maps.to_html``) and the script streamlit-folium sends to the
browser, times ``Store.points`` for 100 000 rows, takes the median of RUNS runs and writes
the section "Karte: 100 000 Punkte" of docs/benchmarks.md (other sections stay untouched).
With ``--browser`` it also measures the first paint in headless Chromium.

    .venv/bin/python benchmarks/bench_map.py [--runs 7] [--browser] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import machine  # noqa: E402

from lagebild import maps  # noqa: E402
from lagebild.maps import layers as map_layers
from lagebild.demo.geometry import demo_districts  # noqa: E402

N_POINTS = 100_000
HEADING = "## Karte: 100 000 Punkte"
LIMIT_MB, LIMIT_S = 5.0, 1.0


def points(n: int = N_POINTS, seed: int = 7) -> pd.DataFrame:
    """n syringe finds around the demo centre over one year; every tenth with a note."""
    rng = np.random.default_rng(seed)
    notes = np.where(rng.random(n) < 0.1, "Spielplatz, <b>Sandkasten</b> & Gebüsch", None)
    return pd.DataFrame({"lat": 51 + rng.normal(0, 0.025, n),
                         "lon": 10 + rng.normal(0, 0.04, n),
                         "date": pd.Timestamp("2026-01-01")
                         + pd.to_timedelta(rng.integers(0, 365, n), "D"),
                         "count": 1, "note": notes})


def build(dist, pts, mode: str) -> tuple[float, int, float, str]:
    """(seconds to build + render, HTML bytes, seconds for the streamlit-folium script,
    mode drawn)."""
    from streamlit_folium import generate_leaflet_string   # what the page sends (st_folium)
    t0 = time.perf_counter()
    m = maps.choropleth(dist, pd.Series(range(len(dist)), index=dist["district_id"],
                                        dtype=float), title="Spritzenfunde")
    drawn = map_layers.add_points(m, pts, label="Spritzenfund", mode=mode)
    html = maps.to_html(m)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    generate_leaflet_string(m)
    return seconds, len(html.encode()), time.perf_counter() - t1, drawn


def query_seconds(pts: pd.DataFrame, runs: int) -> float:
    """Median time of ``Store.points`` returning all rows (DuckDB in memory)."""
    from lagebild.access import SYSTEM
    from lagebild.catalog import load_catalog
    from lagebild.store import Store
    dist = demo_districts()
    store = Store(":memory:")
    store.ensure_city(SYSTEM, "Bench")
    store.upsert_districts(SYSTEM, "Bench", dist[["code", "name", "population", "parent",
                                                  "geometry"]])
    rows = pts.assign(district_id=1, indicator="spritzenfunde")
    periods = pd.DataFrame({"indicator": ["spritzenfunde"], "start_date": [rows.date.min()],
                            "end_date": [rows.date.max()]})
    store.insert_upload(SYSTEM, "Bench", "Bench", "bench", "bench", rows, periods)
    catalog, times = load_catalog(), []
    for _ in range(runs):
        t0 = time.perf_counter()
        got = store.points(SYSTEM, "Bench", "spritzenfunde", rows.date.min().date(),
                           rows.date.max().date(), catalog)
        times.append(time.perf_counter() - t0)
    assert len(got) == len(pts)
    store.close()
    return statistics.median(times)


def browser_seconds(html_by_case: dict[str, str]) -> dict[str, float]:
    """First paint (clusters or heat canvas visible) per case in headless Chromium, with
    static/vendor served by a throwaway local HTTP server."""
    import shutil
    import subprocess
    import tempfile
    from playwright.sync_api import sync_playwright
    chromium = os.environ.get("LAGEBILD_CHROMIUM", "/usr/bin/chromium")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "app" / "static").mkdir(parents=True)
        shutil.copytree(ROOT / "static" / "vendor", Path(tmp) / "app" / "static" / "vendor")
        for name, html in html_by_case.items():
            (Path(tmp) / f"{name}.html").write_text(html, encoding="utf-8")
        server = subprocess.Popen([sys.executable, "-m", "http.server", "8799", "--bind",
                                   "127.0.0.1"], cwd=tmp, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                for name in html_by_case:
                    page = browser.new_page(viewport={"width": 1280, "height": 800})
                    t0 = time.perf_counter()
                    page.goto(f"http://127.0.0.1:8799/{name}.html")
                    page.wait_for_selector(".marker-cluster, canvas.leaflet-heatmap-layer",
                                           timeout=120_000)
                    out[name] = time.perf_counter() - t0
                    page.close()
                browser.close()
        finally:
            server.terminate()
    return out


CASES = (  # key, label, number of points, mode asked for
    ("heat", "Heatmap (leaflet.heat), 100 000 Punkte", N_POINTS, "heat"),
    ("cluster_100k", "Gruppen angefordert, 100 000 Punkte → Heatmap", N_POINTS, "cluster"),
    ("cluster_20k", f"Gruppen (leaflet.markercluster), {map_layers.CLUSTER_MAX:_} Punkte"
     .replace("_", " "),
     map_layers.CLUSTER_MAX, "cluster"),
)


def run(runs: int, browser: bool) -> dict:
    dist = demo_districts().assign(district_id=lambda d: range(len(d)))
    all_points = points()
    out, pages = {}, {}
    for key, _, n, mode in CASES:
        pts = all_points.iloc[:n]
        build(dist, pts, mode)                          # warm-up (imports, caches)
        results = [build(dist, pts, mode) for _ in range(runs)]
        out[key] = {"seconds": statistics.median(r[0] for r in results),
                    "mb": results[0][1] / 2**20, "drawn": results[0][3],
                    "folium_script_s": statistics.median(r[2] for r in results)}
        if browser:
            m = maps.choropleth(dist, pd.Series(range(len(dist)), dtype=float), title="S")
            map_layers.add_points(m, pts, label="Spritzenfund", mode=mode)
            pages[key] = maps.to_html(m)
    out["query_s"] = query_seconds(all_points, runs)
    out["browser"] = browser_seconds(pages) if browser else {}
    return out


def section(result: dict, runs: int) -> str:
    rows = []
    for key, label, _, _ in CASES:
        r = result[key]
        ok = "ja" if r["seconds"] <= LIMIT_S and r["mb"] <= LIMIT_MB else "**nein**"
        paint = (f"{result['browser'][key]:.1f} s" if key in result["browser"] else "–")
        rows.append(f"| {label} | {r['drawn']} | {r['seconds']:.2f} s | "
                    f"{r['mb']:.2f} MB | {r['folium_script_s']:.2f} s | {paint} | {ok} |")
    return f"""{HEADING}

Gemessen mit `benchmarks/bench_map.py` am {dt.date.today():%d.%m.%Y} auf: {machine()}.
Karte der {len(demo_districts())} Demo-Stadtteile plus Spritzenfunde (ein Jahr, jeder zehnte mit
Notiz); Median von {runs} Läufen nach einem Aufwärmlauf. „Bauen“ = Choropleth + Punkte +
eigenständiges HTML (`maps.to_html`); „Skript“ = zusätzlich das Skript, das streamlit-folium
an den Browser schickt; „Browser“ = bis Gruppen bzw. Heatmap in headless Chromium sichtbar
sind (nur mit `--browser`, stark von der Maschine abhängig). Grenze: ≤ {LIMIT_S:g} s,
≤ {LIMIT_MB:g} MB.

| Fall | gezeichnet | Bauen (Median) | HTML | Skript | Browser | in der Grenze |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

`Store.points` liefert die 100 000 Zeilen aus DuckDB in {result['query_s']:.2f} s (Median).
Punkte reisen als kompakte Spalten (Koordinaten als Ganzzahlen in 1e-5 Grad ≈ 1 m, Tage als
Ganzzahlen, Notizen einmal escaped und per Index), nicht als ein folium-Objekt je Punkt, und
werden nicht ein zweites Mal durch jinja geschickt. Mehr als {map_layers.CLUSTER_MAX:,} Punkte zeichnet
die Karte als Heatmap: leaflet.markercluster braucht im Browser Sekunden je 10 000 Punkte.
""".replace(f"{map_layers.CLUSTER_MAX:,}", f"{map_layers.CLUSTER_MAX:_}".replace("_", " "))


def write(text: str, path: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace (or append) only this benchmark's section."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = (pattern.sub(text + "\n", old) if pattern.search(old)
           else old.rstrip("\n") + "\n\n" + text)
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--browser", action="store_true", help="auch im Browser messen")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    runs = max(5, args.runs)
    result = run(runs, args.browser)
    text = section(result, runs)
    print(text)
    if not args.no_write:
        write(text)
    ok = all(result[k]["seconds"] <= LIMIT_S and result[k]["mb"] <= LIMIT_MB
             for k, *_ in CASES)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
