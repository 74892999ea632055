"""Journey (#18): the crisis team creates a Substanzwarnung in the browser from the week's
drug-checking signal and gives it a text in Leichte Sprache and in Arabic (a language the city
added); an outreach account of another organisation logs in, sees the warning at the top of
its start page and downloads it as PDF in German, Leichte Sprache and Arabic – each PDF
opened with pypdf: one page, the warning's words in that language. On the way: the e-mail the
warning sends (a real SMTP server) and the language editor's sample PDF of Arabic."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from lagebild.access import SYSTEM, Actor
from lagebild.accounts import hash_password
from lagebild.store import Store

from .conftest import LoggedPage, wait_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from warning_kit import ARABIC  # noqa: E402

pytestmark = pytest.mark.browser

CITY = "Musterstadt"
PASSWORD = "Nord-Hilfe-2026!"
TITLE = "Nitazene im Heroin – bitte testen lassen"
LS_TITLE = "Im Heroin ist Nitazen. Das ist ein sehr starker Stoff."
AR_TITLE = "نيتازين في عينات بيعت على أنها هيروين"


@pytest.fixture
def server(server_factory, demo_db, smtp):
    """The demo, an outreach account of another organisation than the demo's streetwork
    (with an e-mail address), Arabic as a language of the city (entered like the language
    editor does), and a real SMTP server the app sends to."""
    store = Store(demo_db)
    store.add_user(SYSTEM, "nordhilfe", "outreach", password_hash=hash_password(PASSWORD),
                   organisation="Drogenhilfe Nord", cities=[CITY],
                   email="team@drogenhilfe-nord.example")
    store.save_warning_language(Actor("krisenstab", "krisenstab"), CITY, ARABIC)
    store.close()
    return server_factory(demo_db, LAGEBILD_DEMO_MODE="true", LAGEBILD_SMTP_HOST="127.0.0.1",
                          LAGEBILD_SMTP_PORT=str(smtp.port),
                          LAGEBILD_APP_URL="http://lagebild.stadt.example")


def _choose(page, label: str, option: str) -> None:
    box = page.locator("[data-testid=stSelectbox]").filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def _fill(page, key_part: str, value: str, kind: str = "input") -> None:
    field = page.locator(f"[class*='st-key-{key_part}'] {kind}").first
    field.fill(value)
    field.press("Tab")


def _pdf_text(page, box, label: str, tmp_path: Path) -> str:
    with page.expect_download(timeout=60_000) as info:
        box.get_by_role("button", name=label, exact=True).click()
    return _opened(info, label, tmp_path)


def _opened(info, label: str, tmp_path: Path) -> str:
    download = info.value
    assert download.failure() is None, download.failure()
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == 1, label
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def _create(crisis: LoggedPage) -> None:
    p = crisis.page
    crisis.navigate("Substanzwarnungen")
    p.get_by_text("Neue Substanzwarnung", exact=True).click()
    p.get_by_role("button", name="Warnung aus Signal erstellen").click()
    wait_idle(p)
    p.get_by_text("Ausgefüllt aus dem Signal:").wait_for(timeout=30_000)
    _fill(p, "warning_new_1_title", TITLE)
    p.get_by_role("button", name="Warnung anlegen").click()
    wait_idle(p)
    p.get_by_text(f"Substanzwarnung „{TITLE}“ angelegt.").wait_for(timeout=30_000)


def _texts(crisis: LoggedPage, warning_id: int) -> None:
    p = crisis.page
    p.get_by_role("tab", name="Sprachen").click()      # stays open across the saves
    for code, label, title, advice in (
            ("de-LS", "Leichte Sprache", LS_TITLE, "Lass dein Heroin testen."),
            ("ar", "Arabisch – العربية", AR_TITLE, "اختبر الهيروين قبل التعاطي.")):
        _choose(p, "Sprache", label)
        _fill(p, f"wt_title_{warning_id}_{code}", title)
        _fill(p, f"wt_advice_{warning_id}_{code}", advice, "textarea")
        p.locator(f"[class*='st-key-wt_submit_{warning_id}_{code}'] button").click()
        wait_idle(p)
        p.get_by_text(f"Text in {code} gespeichert.").wait_for(timeout=30_000)


def _mail_to(smtp, address: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if smtp.to(address):
            return smtp.to(address)
        time.sleep(0.2)
    return []


def _preview(crisis: LoggedPage, tmp_path: Path) -> str:
    """The language editor's sample page of Arabic, downloaded and opened."""
    p = crisis.page
    p.get_by_text("Sprachen der Druckseite", exact=False).first.click()
    box = p.locator("[class*='st-key-warnlang_choice'] [data-testid=stSelectbox]").first
    box.wait_for(timeout=30_000)
    box.scroll_into_view_if_needed()
    box.click()
    p.keyboard.type("Arabisch")                  # the list filters to the one language
    p.get_by_role("option", name="Arabisch (ar)", exact=True).wait_for(timeout=30_000)
    p.keyboard.press("Enter")
    wait_idle(p)
    label = "Vorschau als PDF (Arabisch)"
    with p.expect_download(timeout=60_000) as info:
        p.get_by_role("button", name=label, exact=True).click()
    return _opened(info, label, tmp_path)


def test_crisis_team_warns_outreach_of_another_organisation_prints_three_languages(
        server, browser, demo_db, tmp_path, smtp):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    crisis = LoggedPage(context.new_page())
    crisis.login(server.url, "krisenstab")
    _create(crisis)                     # from the first signal of KW 46: rising nitazene
    box = crisis.page.locator("[class*='st-key-warning_box_']").filter(has_text=TITLE)
    key = box.first.get_attribute("class")
    warning_id = int(key.split("st-key-warning_box_")[1].split()[0])
    # the e-mail to the other organisation's account, through the real SMTP server
    mails = _mail_to(smtp, "team@drogenhilfe-nord.example")
    assert len(mails) == 1, [m["Subject"] for m in smtp.messages]
    body = mails[0].get_content()
    assert TITLE in mails[0]["Subject"] and "Substanz:   Nitazene" in body
    assert "Gültig bis: 07.12.2026" in body
    assert "http://lagebild.stadt.example/substanzwarnungen" in body
    _texts(crisis, warning_id)
    # the language editor's sample page of the city's Arabic template
    sample = _preview(crisis, tmp_path)
    assert ARABIC["heading"] in sample and "الطوارئ" in sample
    assert crisis.foreign_requests() == []
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE",
                                  accept_downloads=True)
    outreach = LoggedPage(context.new_page())
    outreach.login(server.url, "nordhilfe", PASSWORD)
    p = outreach.page
    assert p.locator("h1").first.inner_text().startswith("Lagebild Musterstadt")  # start page
    box = p.locator(f".st-key-warning_box_{warning_id}")
    box.wait_for(timeout=30_000)
    alert = box.locator("[data-testid=stAlertContentError]").inner_text()
    assert f"Substanzwarnung – Nitazene: {TITLE}" in alert
    assert "seit 09.11.2026 · gültig bis 07.12.2026" in alert

    german = _pdf_text(p, box, "PDF Deutsch", tmp_path)
    for part in ("Substanzwarnung", TITLE, "Seit 09.11.2026", "Gültig bis 07.12.2026",
                 "Nitazene wirkt viel stärker als gewohnt",      # from the signal
                 "Nicht allein konsumieren"):                    # the template's advice
        assert part in german, part
    easy = _pdf_text(p, box, "PDF Leichte Sprache", tmp_path)
    for part in ("Achtung! Gefährliche Drogen", LS_TITLE, "7. Dezember 2026",
                 "Lass dein Heroin testen.", "Nimm Drogen nicht allein."):
        assert part in easy, part
    arabic = _pdf_text(p, box, "PDF Arabisch", tmp_path)
    for part in ("تحذير من مادة خطرة", AR_TITLE, "اختبر الهيروين قبل التعاطي",
                 "لا تتعاط بمفردك", "Nitazenes"):
        assert part in arabic, part
    assert outreach.foreign_requests() == []
    context.close()
