"""Journey: each role logs in and sees its navigation; a stranger sees only the login."""

import pytest

pytestmark = pytest.mark.browser

MINE = ["Stadtteil", "Maßnahmen", "Sitzungen", "Briefing"]        # (#6), every role
EXPECTED = {
    "admin": ["Lagebild", "Karte", "Trends", "Warnungen", *MINE, "Daten hochladen", "Export",
              "Konten & Protokoll", "Grenzen & Orte", "Städtevergleich", "Drug-Checking",
              "Substanzwarnungen", "Betrieb"],                 # (#4, #18, #20)
    "krisenstab": ["Lagebild", "Karte", "Trends", "Warnungen", *MINE, "Export",
                   "Städtevergleich", "Drug-Checking", "Substanzwarnungen"],  # (#19), (#18)
    "streetwork": ["Lagebild", "Karte", "Trends", *MINE, "Daten hochladen", "Export",
                   "Drug-Checking", "Substanzwarnungen"],
    "gast": ["Lagebild", "Karte", "Trends", *MINE, "Export", "Substanzwarnungen"],  # (#18)
}


def test_each_role_sees_its_navigation(demo_server, browser):
    for username, expected in EXPECTED.items():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        from .conftest import LoggedPage
        page = LoggedPage(context.new_page())
        page.login(demo_server.url, username)
        more = page.page.locator("[data-testid=stSidebarNavViewButton]")
        if more.count():          # 14 pages for the admin: Streamlit folds the rest away
            more.first.click()
            page.page.wait_for_timeout(300)
        assert page.nav_links() == expected, username
        assert page.page.locator("[data-testid=stException]").count() == 0
        if username == "gast":
            page.page.wait_for_selector("text=Eingeschränkte Ansicht", timeout=30_000)
        assert page.foreign_requests() == []
        context.close()


def test_deep_link_needs_a_login_and_then_opens_the_page(demo_server, page):
    page.goto_ready(demo_server.url + "/karte")
    assert page.page.locator("h1").first.inner_text() == "Anmeldung"
    assert "Karte Musterstadt" not in page.page.inner_text("body")
    assert page.page.locator("[data-testid=stSidebarNav]").count() == 0
    page.page.get_by_label("Benutzername").fill("krisenstab")
    page.page.get_by_label("Passwort").fill("falsch-falsch")
    page.page.get_by_role("button", name="Anmelden").click()
    page.page.wait_for_selector("text=Anmeldung fehlgeschlagen", timeout=30_000)
    page.page.get_by_label("Passwort").fill("demo-krisenstab")
    page.page.get_by_role("button", name="Anmelden").click()
    page.page.wait_for_selector("h1:has-text('Karte Musterstadt')", timeout=30_000)
