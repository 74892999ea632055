"""Journey (issue #21): hostile names and a damaged database, seen through a real browser.

1. A city, its districts (as from a boundary file of an open-data portal), an account's
   display name and organisation and a measure title carry Markdown and HTML payloads (an
   image that would call a tracking address, a phishing link, raw HTML, a bare address).
   An outreach worker and a crisis-team member go through the pages; the crisis-team member
   creates a measure with such a title (its "angelegt" message). The request log must show
   no request to any other host, the page must contain no link and no image pointing there,
   and the payloads must be visible as plain text.
2. A database file cut to half its size: the browser shows the German message with the
   ``restore`` command, not Streamlit's English error page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lagebild.access import SYSTEM
from lagebild.accounts import hash_password
from lagebild.i18n import WORD_JOINER
from lagebild.ingest.importer import import_file
from lagebild.store import Store

from .conftest import ROOT, wait_idle

sys.path.insert(0, str(ROOT / "tests"))
from test_ingest_kit import SQUARES, TODAY, district_frame  # noqa: E402

pytestmark = pytest.mark.browser

HOST = "evil.example"
CITY = f"[Passwort abgelaufen – hier neu anmelden](http://{HOST}/phish)"
DISTRICTS = [f"D![i](http://{HOST}/track.png)", f"<img src=http://{HOST}/x.png>Nord",
             f"http://{HOST}/auto **fett**"]
DISPLAY = f"![x](http://{HOST}/me.png) Petra"
ORG = f"<a href=http://{HOST}/o>Streetwork</a>"
MEASURE = f"Spritzen [melden](http://{HOST}/m) ![b](http://{HOST}/b.png)"
PASSWORD = "sehr-geheim-123"


@pytest.fixture
def hostile_db(tmp_path) -> Path:
    db = tmp_path / "feindlich.duckdb"
    store = Store(db)
    try:
        store.ensure_city(SYSTEM, CITY)
        frame = district_frame()
        frame["name"] = DISTRICTS
        store.upsert_districts(SYSTEM, CITY, frame)
        rows = "".join(f"{d};{name};Spritzenfunde;{i + 2}\n"
                       for i, name in enumerate(["01", "02", "03"])
                       for d in ("02.11.2026", "09.11.2026", "16.11.2026"))
        out = import_file(store, SYSTEM, CITY, ORG,
                          ("datum;stadtteil;indikator;anzahl\n" + rows).encode(), "a.csv",
                          today=TODAY)
        assert out.status == "imported", out.message
        store.add_user(SYSTEM, "petra", "outreach", password_hash=hash_password(PASSWORD),
                       organisation=ORG, cities=[CITY], display_name=DISPLAY)
        store.add_user(SYSTEM, "karl", "krisenstab", password_hash=hash_password(PASSWORD),
                       cities=[CITY], display_name=DISPLAY)
    finally:
        store.close()
    assert len(SQUARES) == len(DISTRICTS)
    return db


def _text(locator) -> str:
    """What a reader sees (the invisible word joiner that breaks bare addresses removed)."""
    return locator.inner_text().replace(WORD_JOINER, "")


def _no_foreign_markup(page) -> None:
    for frame in page.page.frames:
        for selector in (f"a[href*='{HOST}']", f"img[src*='{HOST}']",
                         f"[style*='{HOST}']", f"iframe[src*='{HOST}']"):
            found = frame.locator(selector)
            assert found.count() == 0, (frame.url, selector, [
                found.nth(i).evaluate("e => e.parentElement.outerHTML")[:300]
                for i in range(found.count())])


def _visit(page, labels) -> None:
    for label in labels:
        page.navigate(label)
        page.page.wait_for_timeout(500)
        wait_idle(page.page)
        assert not page.page.get_by_text("This app has encountered an error").count()
        _no_foreign_markup(page)


def test_markdown_and_html_in_names_stay_plain_text(server_factory, hostile_db, page,
                                                    browser):
    server = server_factory(hostile_db, LAGEBILD_TODAY=TODAY.isoformat())
    page.login(server.url, "petra", PASSWORD)
    body = page.page.locator("body")
    _no_foreign_markup(page)
    sidebar = _text(page.page.locator("[data-testid=stSidebar]"))
    assert "![x](http://evil.example/me.png) Petra" in sidebar       # the display name
    assert "<a href=http://evil.example/o>Streetwork</a>" in sidebar  # the organisation
    assert CITY in _text(body)                                      # the title, as text
    _visit(page, ["Karte", "Trends", "Maßnahmen"])

    # the crisis team creates a measure whose title carries links and an image
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    from .conftest import LoggedPage
    other = LoggedPage(context.new_page())
    try:
        other.login(server.url, "karl", PASSWORD)
        other.navigate("Maßnahmen")
        form = other.page.locator("[data-testid=stForm]").first
        if not form.is_visible():
            other.page.get_by_text("Neue Maßnahme").first.click()
        other.page.get_by_label("Titel").first.fill(MEASURE)
        other.page.get_by_role("button", name="Maßnahme anlegen").first.click()
        wait_idle(other.page)
        other.page.get_by_text("angelegt").first.wait_for(timeout=30_000)
        message = _text(other.page.locator("[data-testid=stAlertContentSuccess]").first)
        assert MEASURE in message                                   # shown as typed
        _no_foreign_markup(other)
        _visit(other, ["Lagebild", "Stadtteil", "Warnungen"])
        assert other.foreign_requests() == []
    finally:
        context.close()
    assert page.foreign_requests() == []
    assert not page.dialogs


def test_truncated_database_shows_the_german_restore_message(server_factory, demo_db, page):
    os.truncate(demo_db, demo_db.stat().st_size // 2)
    server = server_factory(demo_db, LAGEBILD_DEMO_MODE="true")
    page.goto_ready(server.url + "/")
    text = page.page.locator("[data-testid=stApp]").inner_text()
    assert "Lagebild kann nicht starten." in text and "ist beschädigt" in text
    assert f"lagebild restore SICHERUNGSVERZEICHNIS --db {demo_db} --force" in text
    assert "This app has encountered an error" not in text and "IOException" not in text
    assert page.foreign_requests() == []
