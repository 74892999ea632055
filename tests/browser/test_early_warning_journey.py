"""Journey (#17): the crisis team sees the demo's injected overdose cluster as the earliest
signal – in "Letzte 7 Tage" under the Lagestufe and as a red circle on the map (Leaflet draws
it in Chromium); nothing leaves localhost."""

from __future__ import annotations

import pytest

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def _choose(page, label: str, option: str) -> None:
    box = page.locator("[data-testid=stSelectbox]").filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_the_cluster_is_on_the_overview_and_on_the_map(demo_server, page):
    page.login(demo_server.url, "krisenstab")
    main = page.page.locator("[data-testid=stMain]")
    main.get_by_text("Letzte 7 Tage", exact=True).wait_for(timeout=30_000)
    cluster = main.locator("[data-testid=stAlertContentError]").filter(
        has_text="Häufung von Drogennotfällen in")
    text = cluster.first.inner_text()
    for name in ("Schäferwiese", "Lerchenfeld", "Ziegelhof"):
        assert name in text, text
    assert "beobachtet" in text and "p = 0,0" in text

    page.navigate("Karte")
    _choose(page.page, "Indikator", "Drogennotfälle")
    main.get_by_text("Kreis: Häufung des Raum-Zeit-Scans", exact=False).wait_for(
        timeout=30_000)
    frame = None
    for _ in range(150):
        frame = next((f for f in page.page.frames
                      if _safe(lambda: f.query_selector("path.lagebild-cluster"), f)), None)
        if frame:
            break
        page.page.wait_for_timeout(200)
    assert frame is not None, "kein Häufungskreis auf der Karte"
    assert frame.locator("path.lagebild-cluster").count() >= 1
    assert page.foreign_requests() == []


def _safe(fn, frame):
    try:
        return fn()
    except Exception:     # a frame detached while the component remounts
        return None
