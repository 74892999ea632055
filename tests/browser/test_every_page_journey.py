"""Journey: every page for every demo role, as a new user would click through it (#15).

Each page is screenshotted (``build/screenshots/<role>-<page>.png``, or
``$LAGEBILD_SCREENSHOT_DIR``) and its visible text checked: no raw column names or values
("None", ``upload_id``, ``is_demo`` …), no file paths, no English in the German UI, no
imperial scale bar, no error box. A second journey switches to English and checks that the
German indicator names and "KW" are gone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import ROOT, LoggedPage, wait_idle
from .test_roles_journey import EXPECTED

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("LAGEBILD_SCREENSHOT_DIR", ROOT / "build" / "screenshots"))
RAW = [r"\bNone\b", r"\bNaN\b", r"\bnan\b", r"\bNaT\b", r"upload_id", r"row_count", r"is_demo",
       r"created_at", r"district_id", r"change_mean", r"measure\.update", r"\bimported\b",
       r"docs/\w+\.md", r"\w+\.toml", r"\d mi\b", r"\btrue\b", r"\bfalse\b"]
ENGLISH = [r"\bWeek\b", r"\bThreshold\b", r"\bexpected\b", r"\bNot reported\b",
           r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d", r"\bW\d+/\d{4}\b"]


def _visible_text(page) -> str:
    """The page's text without Streamlit's own widget chrome (the file uploader's "Drag and
    drop", which Streamlit does not translate) and the sidebar's language toggle label."""
    return page.evaluate("""() => {
        const clone = document.querySelector('[data-testid=stApp]').cloneNode(true);
        clone.querySelectorAll('[data-testid=stFileUploaderDropzoneInstructions],'
                               + '[data-testid=stFileUploaderDropzone] button,'
                               + '[data-testid=stCheckbox]').forEach(e => e.remove());
        const svg = [...document.querySelectorAll('svg text')].map(t => t.textContent);
        return clone.innerText + '\\n' + svg.join('\\n');
    }""")


def _screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window is made as tall
    as that block for the picture (``full_page`` alone gives only the first screen)."""
    height = page.evaluate("() => (document.querySelector('[data-testid=stMain]') || "
                           "document.body).scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(1000, min(int(height) + 40, 12000))})
    page.wait_for_timeout(400)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("ä", "ae").replace("ß", "ss")
                  .replace("ö", "oe").replace("ü", "ue")).strip("-")


@pytest.mark.parametrize("username", list(EXPECTED))
def test_every_page_reads_german_without_raw_values(demo_server, browser, username):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    page = LoggedPage(context.new_page())
    problems = []
    try:
        page.login(demo_server.url, username)
        for label in EXPECTED[username]:
            page.navigate(label)
            page.page.wait_for_timeout(800)          # charts and the map draw after the run
            _screenshot(page.page, SHOTS / f"{username}-{_slug(label)}.png")
            text = _visible_text(page.page)
            if page.page.locator("[data-testid=stException]").count():
                problems.append(f"{label}: Fehlerbox")
            for pattern in RAW + ENGLISH:
                hit = re.search(pattern, text)
                if hit:
                    start = max(0, hit.start() - 60)
                    problems.append(f"{label}: „{hit.group(0)}“ in …{text[start:hit.end() + 60]}…")
        assert page.foreign_requests() == []
    finally:
        context.close()
    assert problems == []


def test_the_english_switch_leaves_no_german_indicator_or_week(demo_server, page):
    page.login(demo_server.url, "krisenstab")
    page.page.get_by_text("English", exact=True).click()
    page.page.wait_for_selector("text=Situation Musterstadt", timeout=30_000)
    wait_idle(page.page)                 # the rest of the page is still the German run
    text = _visible_text(page.page)
    _screenshot(page.page, SHOTS / "krisenstab-overview-en.png")
    for german in (r"\bKW \d", "Spritzenfunde", "Drogennotfälle", "Naloxon-Gaben", r"Woche\b",
                   "nicht gemeldet"):
        hit = re.search(german, text)
        assert not hit, text[max(0, hit.start() - 200):hit.end() + 100]
    assert re.search(r"\bW\d+/\d{4}\b", text)
