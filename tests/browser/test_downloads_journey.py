"""Journey: every button that produces a file is clicked in Chromium, for every role that has
it, and the file is opened and checked (#15 point 1, #21 audit log).

The guest's CSV from the browser must equal ``lagebild export --role gast`` byte for byte; the
deferred downloads (export, audit log) used to fail silently because Streamlit runs them
without the logged-in session (streamlit#13409).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from .conftest import ROOT, LoggedPage, wait_idle

pytestmark = pytest.mark.browser

STREETWORK = "Streetwork Kontaktladen Lichtblick (Demo)"   # the demo account's organisation
EXPORT_ROLES = ["admin", "krisenstab", "streetwork", "gast"]


def _download(page: LoggedPage, label: str, tmp_path, timeout: float = 60_000):
    with page.page.expect_download(timeout=timeout) as info:
        page.page.get_by_role("button", name=label).first.click()
    download = info.value
    assert download.failure() is None, download.failure()
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def _cli_export(db, tmp_path, role: str, suffix: str, *extra: str) -> bytes:
    copy = tmp_path / f"cli-{role}.duckdb"
    shutil.copy(db, copy)
    out = tmp_path / f"cli-{role}{suffix}"
    done = subprocess.run([sys.executable, "-m", "lagebild.cli", "export", "--city",
                           "Musterstadt", "--out", str(out), "--role", role, "--db", str(copy),
                           *extra], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def _new_page(browser) -> tuple:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE",
                                  accept_downloads=True)
    return context, LoggedPage(context.new_page())


@pytest.mark.parametrize("username", EXPORT_ROLES)
def test_export_buttons_deliver_files(demo_db_master, demo_server, browser, tmp_path, username):
    context, page = _new_page(browser)
    try:
        page.login(demo_server.url, username)
        page.navigate("Export")
        csv_path = _download(page, "CSV herunterladen", tmp_path)
        parquet_path = _download(page, "Parquet herunterladen", tmp_path)
        assert csv_path.suffix == ".csv" and parquet_path.suffix == ".parquet"
        frame = pd.read_csv(csv_path, sep=";", encoding="utf-8-sig")
        parquet = pd.read_parquet(parquet_path)
        assert len(frame) == len(parquet) > 0
        if username == "gast":
            # the guest file is the command line's guest file, byte for byte
            assert csv_path.read_bytes() == _cli_export(demo_db_master, tmp_path, "gast", ".csv")
            assert list(frame.columns) == ["stadtteil", "indikator", "woche", "anzahl", "hinweis"]
            assert set(frame["hinweis"].dropna()) <= {"< 5", "×"}
            assert (frame["hinweis"] == "< 5").any()
        else:
            assert {"district_code", "indicator", "date", "count"} <= set(frame.columns)
        if username == "streetwork":     # only the own organisation's rows
            assert set(frame["organisation"]) == {STREETWORK}
            assert csv_path.read_bytes() == _cli_export(demo_db_master, tmp_path, "outreach",
                                                        ".csv", "--org", STREETWORK)
        if username == "krisenstab":
            assert csv_path.read_bytes() == _cli_export(demo_db_master, tmp_path, "krisenstab",
                                                        ".csv")
        assert page.page.locator("[data-testid=stException]").count() == 0
        assert page.foreign_requests() == []
    finally:
        context.close()


def test_admin_audit_log_download(demo_server, browser, tmp_path):
    context, page = _new_page(browser)
    try:
        page.login(demo_server.url, "admin")
        page.navigate("Konten & Protokoll")
        path = _download(page, "Protokoll als CSV herunterladen", tmp_path)
        log = pd.read_csv(path, sep=";", encoding="utf-8-sig")
        assert len(log) > 0
        assert "login" in set(log.astype(str).stack())    # the admin's own login is in it
        assert page.page.locator("[data-testid=stException]").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("username", ["admin", "streetwork"])
def test_upload_templates_and_error_report(demo_server, browser, tmp_path, username):
    context, page = _new_page(browser)
    try:
        page.login(demo_server.url, username)
        page.navigate("Daten hochladen")
        csv_tpl = _download(page, "Vorlage CSV", tmp_path)
        head = csv_tpl.read_text(encoding="utf-8-sig").splitlines()[0].lower()
        assert "datum" in head and "stadtteil" in head and "anzahl" in head
        xlsx_tpl = _download(page, "Vorlage Excel", tmp_path)
        sheet = load_workbook(xlsx_tpl).worksheets[0]
        assert "datum" in [str(c.value).lower() for c in sheet[1]]
        if username == "admin":
            page.page.get_by_label("Neue Organisation").fill("Testdienst")
            page.page.keyboard.press("Enter")
            wait_idle(page.page)
        bad = ("datum;stadtteil;indikator;anzahl\n"
               "31.02.2026;Bahnhofsviertel;Naloxon-Gaben;1\n"
               "13.11.2026;Bahnhofsvirtel;Naloxon-Gaben;ca. 2\n")
        page.page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
            files=[{"name": "fehler.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
        wait_idle(page.page)
        report = _download(page, "Fehlerliste als CSV", tmp_path)
        errors = pd.read_csv(report, sep=";", encoding="utf-8-sig")
        text = " ".join(errors.astype(str).stack())
        assert len(errors) >= 3 and "31.02.2026" in text and "Bahnhofsvirtel" in text
        assert page.page.locator("[data-testid=stException]").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("username", ["krisenstab", "gast"])
def test_briefing_pdf_and_html_per_role(demo_server, browser, tmp_path, username):
    context, page = _new_page(browser)
    try:
        page.login(demo_server.url, username)
        page.navigate("Briefing")
        page.page.get_by_role("button", name="Briefing erstellen").click()
        page.page.wait_for_selector("text=Briefing erstellt", timeout=120_000)
        wait_idle(page.page)
        pdf = _download(page, "PDF herunterladen", tmp_path)
        html = _download(page, "HTML herunterladen", tmp_path)
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
        page_html = html.read_text(encoding="utf-8")
        assert "Lagebild-Briefing Musterstadt" in text
        assert "Musterstadt" in page_html and "<html" in page_html.lower()
        assert "None" not in text
        if username == "gast":
            assert "< 5" in text or "&lt; 5" in page_html
        assert page.page.locator("[data-testid=stException]").count() == 0
    finally:
        context.close()
