"""Benchmark of the alarm methods: Lagebild (Python) against R ``surveillance``.

Not a test. Synthetic weekly Poisson series with seasonality and a few outbreaks
(deterministic, seed 20261121), by default 2 000 series × 520 weeks. Runs EARS C1/C2/C3
(baseline 7, α 0.001) and Farrington flexible + Noufaily (package defaults, monitored from the
first week with three complete reference years) in Python – per series through the public
functions (``--mode series``) and/or batched across series (``--mode batch``, what a city
refresh would use) – and, if ``Rscript`` with ``surveillance`` is installed, the same in R via
``benchmarks/bench_alerts.R`` on the same data (a temporary CSV). R's Farrington is slow, so
by default it runs on the first ``--r-far`` series only and its time is extrapolated
linearly to all series (printed as such). Results are compared: EARS upper bounds to 1e-9
(relative), Farrington to 1e-4, alarms exactly.

    .venv/bin/python benchmarks/bench_alerts.py                    # full run (~30–60 min)
    .venv/bin/python benchmarks/bench_alerts.py --series 200 --runs 3 --r-far 5   # quick
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lagebild.analytics.batch import ears_c_matrix, farrington_matrix  # noqa: E402
from lagebild.analytics.ears import ears_c  # noqa: E402
from lagebild.analytics.farrington import farrington_flexible  # noqa: E402

METHODS = ("ears_C1", "ears_C2", "ears_C3", "farrington", "noufaily")
TOLERANCE = {"ears_C1": 1e-9, "ears_C2": 1e-9, "ears_C3": 1e-9, "farrington": 1e-4,
             "noufaily": 1e-4}


def make_data(series: int, weeks: int, seed: int = 20261121):
    """(weekly DatetimeIndex, counts weeks × series): Poisson, yearly season, some outbreaks."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2016-01-04", periods=weeks, freq="7D")
    t = np.arange(weeks)[:, None]
    level = rng.lognormal(1.0, 1.0, series)[None, :]            # 0.3 … 20 per week
    amp, phase = rng.uniform(0, 0.5, series)[None, :], rng.uniform(0, 52, series)[None, :]
    lam = level * (1 + amp * np.sin(2 * np.pi * (t + phase) / 52.18))
    Y = rng.poisson(lam).astype(float)
    for s in rng.choice(series, series // 4, replace=False):     # one outbreak in 1/4 of them
        start = rng.integers(200, weeks - 6)
        Y[start:start + 4, s] += rng.poisson(4 * level[0, s] + 3, 4)
    return index, Y


def large_data():
    """(weekly DatetimeIndex, counts weeks × series) of ``lagebild demo --scale large``:
    every district × indicator of the four cities, complete ISO weeks, ten years."""
    from lagebild.catalog import load_catalog
    from lagebild.demo.large import large_cities, large_observations
    keys = [i.key for i in load_catalog()]
    columns = []
    for city in large_cities():
        obs = large_observations(city, keys)
        week = obs["date"] - pd.to_timedelta(obs["date"].dt.day_of_week, unit="D")
        wide = obs.groupby(["district_code", "indicator", week])["count"].sum().unstack(
            ["district_code", "indicator"])
        columns.append(wide)
    frame = pd.concat(columns, axis=1).sort_index()
    return pd.DatetimeIndex(frame.index), frame.to_numpy(dtype=float)


def python_series(Y, index, method):
    """Per-series public API (``ears_c`` / ``farrington_flexible``)."""
    out = [np.empty_like(Y) for _ in range(3)]
    for s in range(Y.shape[1]):
        y = pd.Series(Y[:, s], index=index)
        if method.startswith("ears"):
            res = ears_c(y, method[-2:], 7, 0.001, 0.0)
        else:
            res = farrington_flexible(y, noufaily=method == "noufaily")
        out[0][:, s] = res["expected"]
        out[1][:, s] = res["upperbound"]
        out[2][:, s] = res["alarm"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return tuple(out)


def python_batch(Y, index, method):
    if method.startswith("ears"):
        return ears_c_matrix(Y, method[-2:], 7, 0.001, 0.0)
    return farrington_matrix(Y, index, noufaily=method == "noufaily")


def time_python(Y, index, mode, runs):
    """Median CPU and wall seconds per method over ``runs`` runs, results of the last run.

    CPU time (``time.process_time``) is the measure compared with R: on a shared machine the
    wall time mostly measures the other processes."""
    func = python_batch if mode == "batch" else python_series
    cpu, wall, results = {m: [] for m in METHODS}, {m: [] for m in METHODS}, {}
    for run in range(runs):
        for m in METHODS:
            c0, w0 = time.process_time(), time.perf_counter()
            results[m] = func(Y, index, m)
            cpu[m].append(time.process_time() - c0)
            wall[m].append(time.perf_counter() - w0)
        print(f"  Python ({mode}) Lauf {run + 1}/{runs}: CPU "
              f"{sum(cpu[m][-1] for m in METHODS):.1f} s, Wand "
              f"{sum(wall[m][-1] for m in METHODS):.1f} s, Last {_load()}", flush=True)
    return ({"cpu": {m: statistics.median(v) for m, v in cpu.items()},
             "wall": {m: statistics.median(v) for m, v in wall.items()}}, results)


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(surveillance)"], capture_output=True)
    return probe.returncode == 0


def run_r(Y, index, start: int, n_ears: int, n_far: int):
    """Run the R script once; returns ({method: seconds}, {method: (upper, alarm)}, version)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = pd.DataFrame(Y, columns=[f"s{i:04d}" for i in range(Y.shape[1])])
        data.insert(0, "date", index.strftime("%Y-%m-%d"))
        data.to_csv(Path(tmp) / "data.csv", index=False)
        proc = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_alerts.R"),
                               str(Path(tmp) / "data.csv"), tmp, str(start + 1), str(n_ears),
                               str(n_far)], capture_output=True, text=True, check=True)
        times, version = {}, ""
        for line in proc.stdout.splitlines():
            parts = line.split(",")
            if parts[0] == "timing":      # method, wall, cpu (user + sys), series
                times[parts[1]] = (float(parts[2]), float(parts[3]), int(parts[4]))
            elif parts[0] == "version":
                version = f"surveillance {parts[1]}, {parts[2]}"
        results = {}
        for m in times:
            up = pd.read_csv(Path(tmp) / f"{m}__upperbound.csv").to_numpy(dtype=float)
            al = pd.read_csv(Path(tmp) / f"{m}__alarm.csv").to_numpy(dtype=float)
            results[m] = (up, al)
    return times, results, version


def compare(py, r) -> dict:
    """Largest relative difference of the upper bounds and whether alarms/NaN agree."""
    out = {}
    for m, (r_up, r_al) in r.items():
        cols = r_up.shape[1]
        p_up, p_al = py[m][1][:, :cols], py[m][2][:, :cols]
        both = ~np.isnan(p_up) & ~np.isnan(r_up)
        rel = np.abs(p_up[both] - r_up[both]) / np.maximum(np.abs(r_up[both]), 1e-12)
        nan_same = bool((np.isnan(p_up) == np.isnan(r_up)).all())
        alarms_same = bool(np.array_equal(p_al, r_al, equal_nan=True))
        max_rel = float(rel.max()) if rel.size else 0.0
        out[m] = {"series": cols, "max_rel_diff": max_rel, "nan_pattern_same": nan_same,
                  "alarms_identical": alarms_same,
                  "identical": nan_same and alarms_same and max_rel <= TOLERANCE[m]}
    return out


def machine() -> dict:
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
        except OSError:
            return ""
    return {"nproc": sh("nproc"), "cpu": sh("lscpu | grep 'Model name' | sed 's/.*: *//'"),
            "memory": sh("free -h | awk '/Mem:/ {print $2}'"), "python": sys.version.split()[0],
            "numpy": np.__version__, "date": time.strftime("%Y-%m-%d")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=2000)
    p.add_argument("--weeks", type=int, default=520)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--mode", choices=("batch", "series", "both"), default="both")
    p.add_argument("--r-ears", type=int, default=None, help="R-EARS-Reihen (Standard: alle)")
    p.add_argument("--r-far", type=int, default=20, help="R-Farrington-Reihen (Standard 20)")
    p.add_argument("--no-r", action="store_true")
    p.add_argument("--json", help="Ergebnisse zusätzlich als JSON hierhin schreiben")
    p.add_argument("--write", action="store_true",
                   help="Abschnitt in docs/benchmarks.md ersetzen")
    p.add_argument("--large", action="store_true",
                   help="alle Reihen der großen Demo (lagebild demo --scale large) statt "
                        "synthetischer Reihen")
    args = p.parse_args(argv)
    if args.large:
        index, Y = large_data()
        args.series, args.weeks = Y.shape[1], Y.shape[0]
    else:
        index, Y = make_data(args.series, args.weeks)
    start = int(index.get_loc(farrington_flexible(pd.Series(Y[:, 0], index=index))
                              .attrs["params"]["monitor_from"]))
    report = {"machine": machine(), "series": args.series, "weeks": args.weeks,
              "data": "demo --scale large" if args.large else "synthetisch",
              "runs": args.runs, "load_before": _load(), "python": {}}
    print(f"{args.series} Reihen × {args.weeks} Wochen, Farrington ab Woche {start + 1}")
    results = {}
    for mode in (("series", "batch") if args.mode == "both" else (args.mode,)):
        report["python"][mode], results[mode] = time_python(Y, index, mode, args.runs)
    if not args.no_r and r_available():
        n_ears = args.r_ears or args.series
        times, r_res, version = run_r(Y, index, start, n_ears, min(args.r_far, args.series))
        report["r"] = {"version": version, "load_after": _load(),
                       "measured": {m: {"wall": w, "cpu": c, "series": n}
                                    for m, (w, c, n) in times.items()},
                       "cpu": {m: c * args.series / n for m, (w, c, n) in times.items()},
                       "wall": {m: w * args.series / n for m, (w, c, n) in times.items()}}
        best = results.get("batch") or results["series"]
        report["comparison"] = compare(best, r_res)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if "r" in report:
        _summary(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if args.write:
        _write_doc(report, args)
    return 0


def _write_doc(report, args) -> None:
    """Section of docs/benchmarks.md for this run (synthetic or the large demo)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import today, write_section
    mode = "batch" if "batch" in report["python"] else next(iter(report["python"]))
    py = report["python"][mode]
    r = report.get("r")
    rows = ["| Verfahren | Python CPU | Python Wand | R CPU (Reihen gemessen) | "
            f"R CPU auf {report['series']} | Faktor (CPU) | gleich? |",
            "|---|---|---|---|---|---|---|"]
    for m in METHODS:
        if r and m in r["cpu"]:
            meas = r["measured"][m]
            cmp_ = report["comparison"].get(m, {})
            rows.append(f"| {m} | {py['cpu'][m]:.2f} s | {py['wall'][m]:.2f} s | "
                        f"{meas['cpu']:.1f} s ({meas['series']}) | {r['cpu'][m]:.0f} s | "
                        f"{r['cpu'][m] / py['cpu'][m]:.0f}× | "
                        f"{'ja' if cmp_.get('identical') else 'nein'}, max. rel. Abw. "
                        f"{cmp_.get('max_rel_diff', float('nan')):.0e} |")
        else:
            rows.append(f"| {m} | {py['cpu'][m]:.2f} s | {py['wall'][m]:.2f} s | – | – | – | – |")
    total = ""
    if r:
        f = sum(r["cpu"].values()) / sum(py["cpu"].values())
        total = (f"\n\nZusammen: Python {sum(py['cpu'].values()):.0f} s CPU, R "
                 f"{sum(r['cpu'].values()):.0f} s CPU (hochgerechnet) → **{f:.0f}×** "
                 f"(Ziel ≥ 100×: {'erreicht' if f >= 100 else 'nicht erreicht'}).")
    mach = report["machine"]
    title = ("Warnmethoden auf dem großen Datensatz" if report.get("data", "").startswith("demo")
             else "Warnmethoden")
    text = (f"Gemessen mit `benchmarks/bench_alerts.py{' --large' if args.large else ''}` am "
            f"{today()} auf: {mach['cpu']}, {mach['nproc']} Kerne, {mach['memory']} RAM, Python "
            f"{mach['python']}, numpy {mach['numpy']}; Daten: "
            f"{report['series']} Reihen × {report['weeks']} Wochen "
            f"({report.get('data', 'synthetisch')}); Python: Median von {report['runs']} "
            f"Läufen ({mode}); R {r['version'] if r else '`surveillance` nicht verfügbar'}: "
            "EARS auf allen Reihen, Farrington/Noufaily auf einer Stichprobe, linear "
            "hochgerechnet (eine Reihe braucht in R mehrere Sekunden).\n\n"
            + "\n".join(rows) + total)
    if args.large:
        text += "\n\n" + LARGE_FINDING
    write_section(title, text)


LARGE_FINDING = """**Befund und Umbau:** Auf dem großen Datensatz sind die meisten der 1 400
Stadtteil-Reihen dünn (Median unter einem Fall je Woche). Noufaily schätzt dort je
Auswertungswoche ein Modell mit zehn Saisonstufen über drei Jahre; Stufen ganz ohne Fälle
treiben ihren Koeffizienten gegen −∞, und die IRLS läuft bis zur Abbruchregel von R `glm` rund
20 statt 5–8 Schritte. *Vorher* (Sitzung 2, 21.11.2026, 1 Lauf): EARS 0,25 s, Farrington
flexibel 37,1 s, Noufaily 180,2 s, zusammen 218 s CPU → **45×** (Noufaily allein 29×).
*Umbau* (Sitzung 3), ohne die Ergebnisse zu ändern: (1) Zeilen, in denen nur noch eine Gruppe
von Nullen um genau 1 je Iteration sinkt (alles andere steht auf 1e-9), rechnet die IRLS ohne
weitere Gleichungssysteme zu Ende – mit derselben Zahl von Iterationen und demselben Abbruch
wie R (das halbiert die Zeilenschritte: 834 000 → 340 000 in einer Stichprobe von 60 Reihen);
(2) Intercept + Trend + sich ausschließende Saisonstufen blockweise (Summen je Stufe mit
`bincount`, 2×2-Schur-Komplement) statt `XᵀWX` und LU, ebenso die Inverse für Hebelwerte und
Kovarianz; (3) Devianz mit einem `log` je Wert, Anscombe-Gewichte ohne allgemeines `pow`.
Auf der Stichprobe: Noufaily 8,1 s → 2,6 s, Farrington flexibel 1,7 s → 0,9 s CPU; Erwartungs-
werte bis 2e-8 relativ gleich, obere Schranken und Alarme identisch; die Referenztests gegen R
laufen unverändert, neue Tests vergleichen die Blocklösung mit der dichten Algebra und den
verkürzten Schwanz mit der Schritt-für-Schritt-IRLS. R-Zeiten: dieselbe Stichprobe von 20 Reihen
wie vorher, linear hochgerechnet."""


def _summary(report) -> None:
    for kind in ("cpu", "wall"):
        r = report["r"][kind]
        for mode, times in report["python"].items():
            py = times[kind]
            total_py, total_r = sum(py.values()), sum(r.values())
            print(f"{kind} {mode}: Python {total_py:.1f} s, R {total_r:.0f} s (auf "
                  f"{report['series']} Reihen hochgerechnet) → {total_r / total_py:.0f}×")
            for m in METHODS:
                print(f"  {m:11s} Python {py[m]:8.2f} s  R {r[m]:9.1f} s  "
                      f"{r[m] / py[m]:8.0f}×  gleich: {report['comparison'][m]['identical']}")


if __name__ == "__main__":
    raise SystemExit(main())
