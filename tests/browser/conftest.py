"""Browser tests: a real Streamlit server on a free port, Debian's Chromium via Playwright.

Every page gets a request log; the network is cut off for every host but localhost, so a
page that needed a CDN would visibly break, and the log proves nothing else was asked for.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LAGEBILD_CHROMIUM", "/usr/bin/chromium")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
    # cut the network off: every name but localhost fails to resolve
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = db.parent / f"streamlit-{self.port}.log"
        full_env = dict(os.environ, LAGEBILD_DB_PATH=str(db), **(env or {}))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lagebild.server",
             "--server.port", str(self.port), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=full_env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Streamlit beendet: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("Streamlit antwortet nicht innerhalb von 60 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def server_factory(tmp_path):
    servers = []

    def start(db: Path, **env) -> Server:
        servers.append(Server(db, env))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def demo_server(server_factory, demo_db):
    assert (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists(), \
        "static/vendor fehlt: scripts/fetch_assets.sh ausführen (make test tut das)"
    return server_factory(demo_db, LAGEBILD_DEMO_MODE="true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), f"{CHROMIUM} fehlt (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class LoggedPage:
    """A Playwright page that records every request and every dialog."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def foreign_requests(self) -> list[str]:
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out

    def goto_ready(self, url: str, timeout: float = 60_000):
        self.page.goto(url)
        wait_idle(self.page, timeout)

    def login(self, base_url: str, username: str, password: str | None = None):
        """Log in through the form (demo passwords: 'demo-' + account name)."""
        self.goto_ready(base_url + "/")
        self.page.get_by_label("Benutzername").fill(username)
        self.page.get_by_label("Passwort").fill(password or f"demo-{username}")
        self.page.get_by_role("button", name="Anmelden").click()
        wait_idle(self.page)
        self.page.wait_for_selector("[data-testid=stSidebarNav]", timeout=30_000)
        # the rerun after the login replaces the form: wait until it is gone
        self.page.wait_for_selector("[data-testid=stForm]", state="detached", timeout=30_000)
        wait_idle(self.page)

    def navigate(self, label: str):
        """Click a sidebar navigation link (keeps the Streamlit session and its login);
        unfolds the navigation first when Streamlit has folded pages away ("View more")."""
        link = self.page.locator("[data-testid=stSidebarNav] a", has_text=label).first
        more = self.page.locator("[data-testid=stSidebarNavViewButton]")
        if not link.count() and more.count() \
                and "less" not in more.first.inner_text().lower():   # "View n more"
            more.first.click()
        link.wait_for(timeout=30_000)
        link.click()
        wait_idle(self.page)

    def nav_links(self) -> list[str]:
        # each link holds the icon's ligature name and then the title
        return [t.strip().split("\n")[-1].strip() for t in
                self.page.locator("[data-testid=stSidebarNav] a").all_inner_texts()]


def wait_idle(page, timeout: float = 60_000):
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]",
                           timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]",
                           timeout=timeout)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    p = context.new_page()
    yield LoggedPage(p)
    context.close()
