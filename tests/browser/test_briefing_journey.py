"""Journey: the crisis team makes the briefing for the meeting, downloads the PDF and opens
it; the page asked no foreign server for anything."""

import pytest
from pypdf import PdfReader

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def test_briefing_is_made_downloaded_and_opened(demo_server, page, tmp_path):
    page.login(demo_server.url, "krisenstab")
    page.navigate("Briefing")
    assert page.page.locator("h1").first.inner_text() == "Briefing Musterstadt"
    page.page.get_by_role("button", name="Briefing erstellen").click()
    page.page.wait_for_selector("text=Briefing erstellt", timeout=60_000)
    wait_idle(page.page)
    with page.page.expect_download(timeout=30_000) as info:
        page.page.get_by_role("button", name="PDF herunterladen").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Lagebild-Briefing Musterstadt" in text and "Lagestufe" in text
    assert "Stand der Maßnahmen" in text
    assert page.page.locator("[data-testid=stException]").count() == 0
    assert page.foreign_requests() == []
