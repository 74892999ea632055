"""Journey: a crisis-team member opens the demo dashboard — every page, the map, offline."""

from __future__ import annotations

import re

import pytest

from lagebild.access import SYSTEM
from lagebild.store import Store

from .conftest import wait_idle

pytestmark = pytest.mark.browser
CDN = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs\.cloudflare|code\.jquery|bootstrapcdn|"
                 r"fonts\.googleapis|tile\.openstreetmap")


def _district_count(db) -> int:
    store = Store(db, read_only=True)
    try:
        return len(store.districts(SYSTEM, "Musterstadt"))
    finally:
        store.close()


def _place_count(db) -> int:
    """Places are drawn as circle markers – Leaflet paths as well (the demo's test sites, #18)."""
    store = Store(db, read_only=True)
    try:
        return len(store.places(SYSTEM, "Musterstadt"))
    finally:
        store.close()


def _map_frame(page):
    page.wait_for_selector("iframe", timeout=30_000)
    for _ in range(100):
        for frame in page.frames:
            if frame.query_selector(".leaflet-container"):
                return frame
        page.wait_for_timeout(200)
    raise AssertionError("keine Leaflet-Karte im Iframe gefunden")


def test_every_page_renders_offline_without_errors(demo_server, demo_db, page):
    page.login(demo_server.url, "krisenstab")
    for label, heading in (("Lagebild", "Lagebild Musterstadt"), ("Karte", "Karte Musterstadt"),
                           ("Trends", "Trends Musterstadt")):
        page.navigate(label)
        assert page.page.locator("h1").first.inner_text().startswith(heading)
        assert page.page.locator("[data-testid=stException]").count() == 0, label
        assert "Demo-Daten" in page.page.inner_text("body")
    assert page.foreign_requests() == []


def test_map_draws_one_polygon_per_district_with_local_leaflet(demo_server, demo_db_master,
                                                               page):
    page.login(demo_server.url, "krisenstab")
    page.navigate("Karte")
    frame = _map_frame(page.page)
    frame.wait_for_selector("path.leaflet-interactive", timeout=30_000)
    polygons = frame.locator("path.leaflet-interactive").count()
    frame_html = frame.content()
    # the server holds its own copy; one polygon per district, one circle per place
    assert polygons == _district_count(demo_db_master) + _place_count(demo_db_master)
    assert "/app/static/vendor/leaflet/leaflet.js" in frame_html
    assert not CDN.search(frame_html)
    # tooltip shows district name and value on hover
    frame.locator("path.leaflet-interactive").first.hover()
    frame.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    assert ":" in frame.locator(".leaflet-tooltip").inner_text()
    assert page.foreign_requests() == []


def test_english_switch_translates_the_navigation(demo_server, page):
    page.login(demo_server.url, "krisenstab")
    page.page.get_by_text("English").click()
    wait_idle(page.page)
    assert page.page.locator("h1").first.inner_text().startswith("Situation Musterstadt")
    assert page.page.get_by_role("link", name="Map").count() >= 1
