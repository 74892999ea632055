"""Journey (#20): the crisis team's overview names an organisation whose weekly delivery is
overdue; the admin opens "Betrieb", sees it there with the rejected inbox file and the
database, says that no more deliveries are expected from it, and the notice is gone."""

import sys
from datetime import date
from pathlib import Path

import pytest

from lagebild.store import Store

from .conftest import wait_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ops_kit import CITY, ORG, deliver_weekly  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def late_server(server_factory, demo_db):
    s = Store(demo_db)
    try:
        deliver_weekly(s, ORG, date(2026, 10, 25))
    finally:
        s.close()
    rejected = Path(f"{demo_db}.inbox") / CITY / "Streetwork Nord" / "abgelehnt"
    rejected.mkdir(parents=True)
    (rejected / "woche-46.csv").write_text("datum;anzahl\n", encoding="utf-8")
    (rejected / "woche-46.csv.txt").write_text("Abgelehnt: Spalte stadtteil fehlt.",
                                               encoding="utf-8")
    return server_factory(demo_db, LAGEBILD_DEMO_MODE="true")


def _notice(page):
    return page.page.locator("[data-testid=stAlert]", has_text="Ausstehende Meldungen")


def _choose(page, label: str, option: str):
    """Pick ``option`` in a selectbox: type to filter the list, then click the entry."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click(timeout=30_000)
    page.wait_for_function("([l, v]) => [...document.querySelectorAll('input[aria-label]')]"
                           ".some(e => e.getAttribute('aria-label') === l && e.value === v)",
                           arg=[label, option], timeout=30_000)


def test_overdue_delivery_on_overview_and_operations_page(late_server, browser):
    from .conftest import LoggedPage
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    crisis = LoggedPage(context.new_page())
    crisis.login(late_server.url, "krisenstab")
    notice = _notice(crisis)
    notice.wait_for(timeout=30_000)
    text = notice.inner_text()
    assert f"{ORG}: wöchentliche Meldung Spritzenfunde überfällig seit 14 Tagen" in text
    assert "(Demo)" not in text
    assert crisis.nav_links().count("Betrieb") == 0          # the page is the admin's
    assert crisis.foreign_requests() == []
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    admin = LoggedPage(context.new_page())
    admin.login(late_server.url, "admin")
    admin.navigate("Betrieb")
    admin.page.wait_for_selector("h1:has-text('Betrieb')", timeout=30_000)
    body = admin.page.inner_text("body")
    assert "Vollständigkeit der Meldungen" in body
    assert f"{ORG}: wöchentliche Meldung Spritzenfunde überfällig" in body
    assert "Abgelehnte Lieferungen im Eingangsordner" in body
    assert "Keine abgelehnten Dateien" not in body             # the rejected file is listed
    assert "Noch keine Sicherung" in body and "Lagebild-Version 0.1.0" in body
    assert admin.page.locator("[data-testid=stDataFrame]").count() >= 2   # table + inbox

    # the admin: no more deliveries expected from ORG
    _choose(admin.page, "Organisation", ORG)
    _choose(admin.page, "Rhythmus", "nicht erwartet")
    admin.page.get_by_role("button", name="Rhythmus speichern").click()
    wait_idle(admin.page)
    admin.page.wait_for_selector(f"text=Rhythmus für {ORG} gespeichert.", timeout=30_000)
    body = admin.page.inner_text("body")
    assert "Alle Organisationen mit bekanntem Rhythmus haben fristgerecht gemeldet." in body
    admin.navigate("Lagebild")
    admin.page.wait_for_selector("h1:has-text('Lagebild Musterstadt')", timeout=30_000)
    assert _notice(admin).count() == 0
    assert admin.page.locator("[data-testid=stException]").count() == 0
    assert admin.foreign_requests() == []
    context.close()
