"""Hostile files through the running dashboard (issue #21, point 1): a real server
(``python -m lagebild.server`` on the demo database), Debian's Chromium logs in as the demo
outreach account and uploads each hostile file on the page "Daten hochladen"; meanwhile the
server process's resident memory (``/proc/PID/status`` VmRSS) is sampled every 50 ms.

Reported per file: seconds from the upload to the German rejection on the page, the server's
resident memory before the upload (idle, after the page has loaded once) and its peak during
the check. Goal: ≤ 300 MB above idle, ≤ 10 s. Files over ``server.maxUploadSize`` (the 2 GB
sparse file) are refused by Streamlit while receiving; they are not part of this run.

    .venv/bin/python benchmarks/bench_hostile_server.py [--write]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from _common import machine, today, write_section  # noqa: E402

import hostile_files  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LoggedPage, Server, wait_idle  # noqa: E402

FILES = ("whitespace_xlsx", "million_rows_xlsx", "budget_xlsx", "giant_cell_csv")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.05)


def measure(browser, server, path: Path) -> tuple[float, float, float, str]:
    """One file in a fresh browser session (log in, open the page, upload, wait for the
    German rejection)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = LoggedPage(context.new_page())
        page.login(server.url, "streetwork")
        return _upload(page, server, path)
    finally:
        context.close()


def _upload(page, server, path: Path) -> tuple[float, float, float, str]:
    page.navigate("Daten hochladen")
    wait_idle(page.page)
    idle = rss_mb(server.proc.pid)
    sampler = Sampler(server.proc.pid)
    sampler.start()
    started = time.monotonic()
    page.page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        str(path))
    box = page.page.locator("[data-testid=stAlertContentError]").first
    box.wait_for(timeout=120_000)
    wait_idle(page.page, 120_000)
    seconds = time.monotonic() - started
    sampler.running = False
    sampler.join()
    return seconds, idle, sampler.peak, box.inner_text().replace("\n", " ")[:80]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from lagebild.demo.seed import create_demo
    from lagebild.store import Store
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-server-"))
    rows = []
    try:
        db = work / "demo.duckdb"
        store = Store(db)
        create_demo(store)
        store.close()
        corpus = hostile_files.corpus(work)
        server = Server(db, {"LAGEBILD_DEMO_MODE": "true"})
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name in FILES:
                    seconds, idle, peak, answer = measure(browser, server, corpus[name])
                    rows.append((name, corpus[name].stat().st_size / 2**20, seconds, idle,
                                 peak, answer))
                    print(f"{name}: {seconds:.1f} s, {idle:.0f} → {peak:.0f} MB: {answer}")
                browser.close()
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = ["| Datei | Zeit bis zur Ablehnung | Server im Leerlauf | Spitze | über Leerlauf "
             "| im Ziel | Antwort auf der Seite |", "|---|---|---|---|---|---|---|"]
    for name, mb, seconds, idle, peak, answer in rows:
        ok = "ja" if peak - idle <= 300 and seconds <= 10 else "**nein**"
        table.append(f"| {name} ({mb:.1f} MB) | {seconds:.1f} s | {idle:.0f} MB | {peak:.0f} MB"
                     f" | **{peak - idle:+.0f} MB** | {ok} | {answer} |")
    text = "\n".join([f"Gemessen mit `benchmarks/bench_hostile_server.py` am {today()} auf: "
                      f"{machine()}.", "", "Laufender Server (`python -m lagebild.server`, "
                      "Demo-Datenbank), Upload im Browser (Chromium, Konto `streetwork`) auf "
                      "der Seite „Daten hochladen“, jede Datei in einer frischen Sitzung; VmRSS "
                      "des Serverprozesses alle 50 ms (Leerlauf: nach dem Laden der Seite). "
                      "Die Gründe im Einzelnen stehen in der Fehlertabelle der Seite (wie oben "
                      "bei „Server“). "
                      "Ziel (#21): höchstens 300 MB über Leerlauf, Ablehnung in höchstens "
                      "10 s.", "", *table])
    print(text)
    if args.write:
        write_section("Feindliche Dateien am laufenden Server", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
