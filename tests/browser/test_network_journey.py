"""Journey (#19): the network's admin uploads the four cities' signed packages in the
browser (a tampered one is refused), the Städtevergleich shows all four cities, and the
meeting document (HTML) is downloaded and opened."""

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import wait_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from share_kit import CITIES, build_city  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.accounts import hash_password  # noqa: E402
from lagebild.cli import main  # noqa: E402
from lagebild.store import Store  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "netz-geheim-2026"


@pytest.fixture
def network_server(server_factory, tmp_path):
    packages = []
    net = tmp_path / "netz" / "netz.duckdb"
    net.parent.mkdir()
    for i, (city, *_rest) in enumerate(CITIES):
        package, pub = build_city(tmp_path, i)
        packages.append(package)
        assert main(["share", "trust", str(pub), "--city", city, "--db", str(net)]) == 0
    store = Store(net)
    store.add_user(SYSTEM, "netzadmin", "admin", password_hash=hash_password(PASSWORD))
    store.close()
    return server_factory(net), packages


def _upload(page, path: Path, message: str) -> None:
    """Choose the file, press the button, wait for the message that says ``message``."""
    page.page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    wait_idle(page.page)
    button = page.page.get_by_role("button", name="Prüfen und importieren")
    try:
        expect(button).to_be_enabled(timeout=30_000)
    except AssertionError:
        page.page.screenshot(path=str(path.parent / "upload.png"), full_page=True)
        raise
    button.click()
    page.page.locator("[data-testid=stAlert]", has_text=message).wait_for(timeout=60_000)
    wait_idle(page.page)


def test_admin_uploads_packages_and_compares_the_cities(network_server, page, tmp_path):
    server, packages = network_server
    page.login(server.url, "netzadmin", PASSWORD)
    page.navigate("Städtevergleich")      # unfolds the admin's long navigation itself
    assert page.page.locator("h1").first.inner_text() == "Städtevergleich"
    page.page.get_by_text("Paket einer Stadt importieren").click()
    bad = tmp_path / "verändert.zip"
    data = bytearray(packages[0].read_bytes())
    data[100] ^= 0x01
    bad.write_bytes(bytes(data))
    _upload(page, bad, "Abgelehnt, nichts importiert: Die Signatur passt nicht")
    for package, (city, *_rest) in zip(packages, CITIES):
        _upload(page, package, f"Paket von {city} übernommen")
    # the rates chart has one line per city
    page.page.wait_for_selector(".js-plotly-plot .legendtext", timeout=30_000)
    legend = page.page.locator(".js-plotly-plot .legendtext").evaluate_all(
        "els => els.map(e => e.textContent)")
    assert {c[0] for c in CITIES} <= set(legend)
    with page.page.expect_download(timeout=30_000) as info:
        page.page.get_by_role("button", name="Für das Städtetreffen (HTML)").click()
    download = info.value
    assert download.suggested_filename == "staedtevergleich.html"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    report = path.read_text(encoding="utf-8")
    for city, *_rest in CITIES:
        assert f"<li>{city}: 2026-09-28 bis 2026-11-08, Paket vom 2026-11-18T" in report
    assert "Drogennotfälle je 10 000 Einwohner und Woche" in report
    assert "unterdrückt (&lt; 5)" in report
    with page.page.expect_download(timeout=60_000) as info:
        page.page.get_by_role("button", name="Für das Städtetreffen (PDF)").click()
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    for city, *_rest in CITIES:
        assert f"{city}: 2026-09-28 bis 2026-11-08, Paket vom 2026-11-18T" in text
    assert "Lagestufe je Woche" in text and "unterdrückt (< 5)" in text
    assert page.page.locator("[data-testid=stException]").count() == 0
    assert page.foreign_requests() == []
