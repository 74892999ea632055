"""Benchmark (not a test): the dashboard on the large data set (``lagebild demo --scale
large``, 5.1 M rows, 200 districts, 4 cities).

1. Overview page via AppTest for the largest city (60 districts, 1.5 M rows): *cold* = the
   first run of the page in a fresh process after the server's start-up imports
   (``lagebild.server.warm_up``; database not yet opened, caches empty), *warm* = a rerun
   in the same process. Median of ``--runs`` fresh processes. Goals ≤ 3 s / ≤ 1 s.
2. Peak memory of the real server process (``python -m lagebild.server``): four crisis-team
   users, one per city, log in with headless Chromium at the same time and open Lagebild,
   Karte, Trends and Warnungen; then VmHWM of the server from /proc; median of
   ``--server-runs`` fresh servers. Goal ≤ 1 GB.

    .venv/bin/python benchmarks/bench_pages.py [--runs 5] [--write] [--no-server]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import (ROOT, ensure_large_db, load, machine, median,  # noqa: E402
                     peak_rss_mb, today, write_section)

PASSWORD = "bench-passwort-1"
PAGES = ("Karte", "Trends", "Warnungen")


MEMORY_FINDING = """**Befund Speicher:** Vorher (Sitzung 2, 22.11.2026) 1 117–1 185 MB Spitze. Eine
DuckDB-Grenze (`LAGEBILD_DB_MEMORY_MB` = 384) änderte nichts (DuckDB hält ≈ 20 MB): der
Speicher lag auf der Python-Seite. Je Stadt hält der Server Wochenraster und Warnsignale
(Nordhafen: 222 894 Signalzeilen, ≈ 47 MB), und `st.cache_data` gab jeder Sitzung bei jedem
Treffer eine frisch entpickelte Kopie. Umbau (Sitzung 3): große, nur gelesene Frames
(Wochenraster, Warnsignale) liegen mit `st.cache_resource` einmal im Prozess, jede Sitzung
bekommt eine flache Kopie (pandas' Copy-on-Write schützt das Original): 1 047 MB. Dazu stellt
der Server vor dem Start zwei malloc-Arenen ein (`mallopt`, sonst eine je Skript-Thread, die
freigegebene Seiten behalten) und Arrows Systemallokator statt mimalloc: Median von fünf
frischen Servern 972 MB (einzeln 952–1 028). Zuletzt eine feste mmap-Schwelle von 128 KB
(glibc hebt sie sonst nach großen Freigaben an, und spätere große Arrays bleiben im Heap):
Tabelle oben (`lagebild/server.py`, `tune_memory`; eigene Umgebungsvariablen des Betriebs
gehen vor). Die Messung schwankt um ± 40 MB, darum der Median."""


def child_overview(db: str, city: str, warm_runs: int) -> dict:
    """Runs inside a fresh process: one cold and ``warm_runs`` warm runs of the overview."""
    os.environ["LAGEBILD_DB_PATH"] = db
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    from lagebild.access import Actor
    from lagebild.server import warm_up
    t0 = time.perf_counter()
    warm_up()                                  # what the server does before it listens
    imports = time.perf_counter() - t0
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["lagebild_actor"] = Actor("bench", "krisenstab", cities=frozenset({city}))
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    assert city in at.title[0].value, at.title[0].value
    warm = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    assert not at.exception
    return {"cold": cold, "warm": median(warm), "peak_mb": peak_rss_mb()[0],
            "imports": imports}


def overview(db: Path, city: str, runs: int) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", str(db), city],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"cold": median(r["cold"] for r in results),
            "warm": median(r["warm"] for r in results),
            "cold_all": [r["cold"] for r in results],
            "imports": median(r["imports"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results)}


def _users(db: Path, cities: list[str]) -> list[str]:
    from lagebild.access import SYSTEM
    from lagebild.accounts import hash_password
    from lagebild.store import Store
    store = Store(db)
    try:
        existing = set(store.users(SYSTEM)["username"])
        names = []
        for i, city in enumerate(cities):
            name = f"bench{i + 1}"
            if name not in existing:
                store.add_user(SYSTEM, name, "krisenstab", password_hash=hash_password(PASSWORD),
                               cities=[city])
            names.append(name)
        return names
    finally:
        store.close()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_memory(db: Path, cities: list[str]) -> dict:
    from playwright.sync_api import sync_playwright
    users = _users(db, cities)
    port = _port()
    log = Path(f"/tmp/lagebild-bench-server-{port}.log")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lagebild.server", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=dict(os.environ, LAGEBILD_DB_PATH=str(db)), stdout=log.open("w"),
        stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        idle = peak_rss_mb(proc.pid)[1]
        t0 = time.perf_counter()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("LAGEBILD_CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, "
                      "EXCLUDE localhost, EXCLUDE 127.0.0.1"], headless=True)
            pages = []
            for user in users:                       # four sessions open at once
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.goto(url + "/")
                page.get_by_label("Benutzername").fill(user)
                page.get_by_label("Passwort").fill(PASSWORD)
                page.get_by_role("button", name="Anmelden").click()
                pages.append(page)
            for page in pages:
                page.wait_for_selector("[data-testid=stForm]", state="detached",
                                       timeout=300_000)
                _idle(page)
            for label in PAGES:
                for page in pages:
                    page.locator("[data-testid=stSidebarNav] a", has_text=label).first.click()
                for page in pages:
                    _idle(page)
            browser.close()
        seconds = time.perf_counter() - t0
        peak, now = peak_rss_mb(proc.pid)
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        return {"idle_mb": idle, "peak_mb": peak, "after_mb": now, "seconds": seconds,
                "sessions": len(users), "errors": len(errors)}
    finally:
        proc.terminate()
        proc.wait(20)


def _idle(page) -> None:
    for _ in range(2):
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]",
                               timeout=300_000)
        page.wait_for_timeout(500)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warm-runs", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--no-server", action="store_true")
    ap.add_argument("--server-runs", type=int, default=5)
    ap.add_argument("--child", nargs=2, metavar=("DB", "CITY"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child_overview(args.child[0], args.child[1], args.warm_runs)))
        return 0
    from lagebild.demo.large import CITIES
    cities = [c[0] for c in CITIES]
    db = ensure_large_db()
    before = load()
    ov = overview(db, cities[0], args.runs)
    srv = None
    if not args.no_server:
        runs = [server_memory(db, cities) for _ in range(args.server_runs)]
        srv = dict(runs[0])
        for key in ("idle_mb", "peak_mb", "after_mb", "seconds"):
            srv[key] = median([r[key] for r in runs])
        srv["peak_all"] = [r["peak_mb"] for r in runs]
        srv["errors"] = sum(r["errors"] for r in runs)
    ok = lambda good: "ja" if good else "**nein**"   # noqa: E731
    lines = [
        f"Gemessen mit `benchmarks/bench_pages.py` am {today()} auf: {machine()}; "
        f"Last beim Start {before:.1f}. Daten: `lagebild demo --scale large` (4 Städte, "
        "200 Stadtteile, 10 Jahre täglich, 5,1 Mio. Beobachtungen, Warnsignale berechnet).",
        "",
        "| Messung | Wert | Ziel | erreicht |",
        "|---|---|---|---|",
        f"| Lagebild-Seite (AppTest), {cities[0]} (60 Stadtteile, 1,5 Mio. Zeilen), kalt: "
        f"erster Lauf im frischen Prozess nach den Start-Importen, Datenbank zu, Caches leer; Median von {args.runs} Prozessen | "
        f"{ov['cold']:.2f} s | ≤ 3 s | {ok(ov['cold'] <= 3)} |",
        f"| davor: Start-Importe des Servers (`server.warm_up`, nicht in „kalt“) | "
        f"{ov['imports']:.2f} s | – | – |",
        f"| dieselbe Seite warm (erneuter Lauf, Median von {args.warm_runs}) | "
        f"{ov['warm']:.2f} s | ≤ 1 s | {ok(ov['warm'] <= 1)} |",
        f"| Spitzenspeicher des AppTest-Prozesses | {ov['peak_mb']:.0f} MB | – | – |",
    ]
    if srv:
        lines.append(
            f"| Spitzenspeicher des Server-Prozesses (VmHWM): {srv['sessions']} Sitzungen "
            f"gleichzeitig (je eine Stadt), Lagebild, Karte, Trends, Warnungen; "
            f"{srv['seconds']:.0f} s; Median von {len(srv['peak_all'])} frischen Servern | "
            f"{srv['peak_mb']:.0f} MB (leer {srv['idle_mb']:.0f} MB, danach "
            f"{srv['after_mb']:.0f} MB; einzeln "
            + ", ".join(f"{p:.0f}" for p in srv["peak_all"])
            + f" MB) | ≤ 1 024 MB | {ok(srv['peak_mb'] <= 1024)} |")
        if srv["errors"]:
            lines.append(f"\nIm Server-Log stehen {srv['errors']} Tracebacks.")
    lines.append("")
    lines.append(MEMORY_FINDING)
    lines.append("")
    lines.append("Kalt, einzeln: " + ", ".join(f"{c:.2f} s" for c in ov["cold_all"]) + ".")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("Dashboard auf dem großen Datensatz", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
