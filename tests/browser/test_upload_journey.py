"""Journey: an outreach worker uploads a file with errors, corrects it, imports it, sees the
overview change, withdraws it and sees the numbers return."""

import pytest

from .conftest import wait_idle

pytestmark = pytest.mark.browser

BAD = ("datum;stadtteil;indikator;anzahl\n"
       "12.11.2026;Bahnhofsviertel;Naloxon-Gaben;3\n"
       "31.02.2026;Bahnhofsviertel;Naloxon-Gaben;1\n"
       "13.11.2026;Bahnhofsvirtel;Naloxon-Gaben;ca. 2\n")
GOOD = ("datum;stadtteil;indikator;anzahl\n"
        "12.11.2026;Bahnhofsviertel;Naloxon-Gaben;3\n"
        "11.11.2026;Bahnhofsviertel;Naloxon-Gaben;1\n"
        "13.11.2026;Bahnhofsviertel;Naloxon-Gaben;2\n")


def _naloxone(page) -> int:
    metric = page.page.locator("[data-testid=stMetric]", has_text="Naloxon-Gaben").first
    return int(metric.locator("[data-testid=stMetricValue]").inner_text().replace(".", ""))


def _upload(page, name: str, text: str):
    page.page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    wait_idle(page.page)


def test_upload_correct_import_and_withdraw(demo_server, page):
    page.login(demo_server.url, "streetwork")
    before = _naloxone(page)
    page.navigate("Daten hochladen")

    _upload(page, "meldung.csv", BAD)
    body = page.page.inner_text("body")
    assert "Fehler (3)" in body or "Fehler (4)" in body
    errors = page.page.locator("[data-testid=stDataFrame]").first
    assert errors.is_visible()
    assert page.page.get_by_role("button", name="Importieren").count() == 0

    _upload(page, "meldung-korrigiert.csv", GOOD)
    page.page.get_by_role("button", name="Importieren").click()
    wait_idle(page.page)
    page.page.wait_for_selector("text=importiert", timeout=30_000)

    page.navigate("Lagebild")
    assert _naloxone(page) == before + 6

    page.navigate("Daten hochladen")
    withdraw = page.page.get_by_role("button", name="zurückziehen").first   # newest first
    withdraw.click()
    wait_idle(page.page)
    page.page.wait_for_selector("text=wirklich zurückziehen", timeout=30_000)   # asks first
    page.navigate("Lagebild")
    assert _naloxone(page) == before + 6                 # nothing withdrawn yet
    page.navigate("Daten hochladen")
    page.page.get_by_role("button", name="zurückziehen").first.click()
    wait_idle(page.page)
    page.page.get_by_role("button", name="Ja, zurückziehen").click()
    wait_idle(page.page)
    page.page.wait_for_selector("text=zurückgezogen", timeout=30_000)
    page.navigate("Lagebild")
    assert _naloxone(page) == before
    assert page.foreign_requests() == []
