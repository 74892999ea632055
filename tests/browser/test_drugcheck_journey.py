"""Journey (#18): an outreach worker downloads the test-results template, uploads it
unchanged (the example rows are refused, line by line), fills it in and imports it."""

from __future__ import annotations

import pytest

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def _upload(page, name: str, data: bytes):
    page.page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    wait_idle(page.page)


def test_template_download_upload_errors_and_import(demo_server, page, tmp_path):
    page.login(demo_server.url, "streetwork")
    page.navigate("Daten hochladen")
    with page.page.expect_download(timeout=60_000) as info:
        page.page.get_by_role("button", name="Vorlage Testergebnisse (Drug-Checking)").click()
    download = info.value
    assert download.failure() is None
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.name == "lagebild-vorlage-testergebnisse.csv"
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "datum;ort;probe;verkauft_als;methode;substanz;ergebnis"
    assert len(lines) == 4 and all(";Drug-Checking Musterstadt (Demo);BEISPIEL-" in ln
                                   for ln in lines[1:])

    _upload(page, "vorlage.csv", path.read_bytes())
    assert "Fehler (3)" in page.page.inner_text("body")
    assert page.page.get_by_role("button", name="Importieren").count() == 0
    with page.page.expect_download(timeout=60_000) as info:      # the error list, opened
        page.page.get_by_role("button", name="Fehlerliste als CSV").click()
    errors = tmp_path / "fehler.csv"
    info.value.save_as(errors)
    rows = [r.split(";") for r in errors.read_bytes().decode("utf-8-sig").splitlines()[1:]]
    assert [(r[0], r[1]) for r in rows] == [("2", "probe"), ("3", "probe"), ("4", "probe")]
    assert all("Beispielzeile aus der Vorlage" in r[3] for r in rows)

    filled = text.replace("BEISPIEL-", "GM-").encode("utf-8")
    _upload(page, "testergebnisse.csv", filled)
    assert "Die Datei ist gültig: 2 Proben mit 3 Testergebnissen." in \
        page.page.inner_text("body")
    page.page.get_by_role("button", name="Importieren").click()
    wait_idle(page.page)
    page.page.wait_for_selector("text=2 Proben mit 3 Testergebnissen importiert",
                                timeout=30_000)
    assert page.foreign_requests() == []
