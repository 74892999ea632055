"""Journey (#4): the crisis team sees the Lagestufe and the red Ampel for the current outbreak,
opens Warnungen and acknowledges the alert with a comment; nothing leaves the machine."""

import pytest

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def test_crisis_team_sees_the_alert_and_acknowledges_it(demo_server, page):
    page.login(demo_server.url, "krisenstab")
    body = page.page.inner_text("body")
    assert "Lagestufe 3: Krise" in body           # outbreak and the injected cluster (#17)
    assert "Drogennotfälle in Bahnhofsviertel:" in body and "Warnschwelle" in body
    ampel = page.page.locator("[data-testid=stDataFrame]").first
    ampel.wait_for(timeout=30_000)
    assert page.page.locator("[data-testid=stException]").count() == 0

    page.navigate("Warnungen")
    page.page.wait_for_selector("h1:has-text('Warnungen Musterstadt')", timeout=30_000)
    assert page.page.locator("[data-testid=stDataFrame]").count() >= 1
    page.page.get_by_label("Kommentar (was wurde veranlasst?)").fill(
        "Rettungsdienst und Streetwork informiert, Warnung an Konsumraum")
    page.page.get_by_role("button", name="Quittieren").click()
    wait_idle(page.page)
    done = page.page.locator("[data-testid=stAlert]", has_text="quittiert.")
    done.wait_for(timeout=30_000)
    assert done.inner_text().strip().startswith("Warnung ")
    assert page.page.locator("[data-testid=stException]").count() == 0
    assert page.foreign_requests() == []
