"""Journey (#20): while the app runs, two organisations drop ten files into the server's
inbox at once (and one of them a file already sent), an outreach worker uploads a file in
the browser at the same moment, and the admin takes a backup with "Sicherung jetzt".

Every inbox file is imported exactly once with a receipt, the identical file is refused
with a receipt, the browser upload succeeds, and the backup restores to the same tables."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from .conftest import wait_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from inbox_kit import HEADER, drop, wait_receipts  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.store import Store  # noqa: E402

pytestmark = pytest.mark.browser
CITY = "Musterstadt"
ORGS = {"Notdienst Nord": "Naloxon-Gaben", "Kontaktcafé Süd": "Spritzenfunde"}
BROWSER_FILE = HEADER + "12.11.2026;Bahnhofsviertel;Naloxon-Gaben;3\n" \
    "13.11.2026;Bahnhofsviertel;Naloxon-Gaben;2\n"


def _file(indicator: str, day: int) -> str:
    return HEADER + f"{day:02d}.11.2026;Bahnhofsviertel;{indicator};{day}\n" \
        f"{day:02d}.11.2026;Altstadt;{indicator};1\n"


def test_inbox_deliveries_a_browser_upload_and_a_backup_at_the_same_time(
        server_factory, demo_db, tmp_path, browser):
    backups = tmp_path / "sicherungen"
    server = server_factory(demo_db, LAGEBILD_DEMO_MODE="true", LAGEBILD_INBOX_SETTLE_S="1",
                            LAGEBILD_BACKUP_DIR=str(backups))
    inbox = demo_db.with_name(demo_db.name + ".inbox") / CITY
    context = browser.new_context(locale="de-DE", viewport={"width": 1400, "height": 1000})
    from .conftest import LoggedPage
    page = LoggedPage(context.new_page())
    page.login(server.url, "streetwork")
    page.navigate("Daten hochladen")

    for i, (org, indicator) in enumerate(ORGS.items()):          # ten files, two senders
        for n in range(5):
            drop(inbox / org, f"lieferung-{n}.csv", _file(indicator, 1 + n + 5 * i))
    drop(inbox / "Notdienst Nord", "nochmal.csv", _file("Naloxon-Gaben", 1))   # identical

    page.page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        files=[{"name": "browser.csv", "mimeType": "text/csv",
                "buffer": BROWSER_FILE.encode("utf-8")}])
    wait_idle(page.page)
    page.page.get_by_role("button", name="Importieren").click()
    wait_idle(page.page)
    page.page.wait_for_selector("text=2 Zeilen importiert", timeout=60_000)

    found = wait_receipts([inbox / org for org in ORGS], 11, timeout=180)
    statuses = sorted(r["status"] for r in found)
    assert statuses == ["duplicate"] + ["imported"] * 10, found
    refused = next(r for r in found if r["status"] == "duplicate")
    assert refused["file"] in ("nochmal.csv", "lieferung-0.csv")
    assert "bereits importiert" in refused["text"]
    for org in ORGS:                     # the receipt's text lies beside each file
        for receipt in (inbox / org).glob("*/*.quittung.json"):
            text = receipt.with_name(receipt.name.replace(".json", ".txt")).read_text()
            assert "Lagebild – Quittung für" in text and org in text

    admin = LoggedPage(context.new_page())
    admin.login(server.url, "admin")
    admin.navigate("Konten & Protokoll")
    admin.page.get_by_role("button", name="Sicherung jetzt").click()
    wait_idle(admin.page, 120_000)
    admin.page.wait_for_selector("text=geschrieben und geprüft", timeout=120_000)
    name = re.search(r"Sicherung (lagebild-[0-9-]+) geschrieben",
                     admin.page.inner_text("body")).group(1)
    assert admin.foreign_requests() == [] and page.foreign_requests() == []
    context.close()
    server.stop()

    taken = backups / name                   # the folder the button's message names
    assert (taken / "geprueft.json").exists()
    restored = Store.restore(taken, tmp_path / "probe.duckdb")
    live = Store(demo_db)
    try:
        got, now = restored.table_fingerprint(), live.table_fingerprint()
        uploads = live.uploads(SYSTEM, CITY)
    finally:
        restored.close()
        live.close()
    assert {k: v for k, v in got.items() if k != "audit_log"} == \
        {k: v for k, v in now.items() if k != "audit_log"}          # the same tables
    by_inbox = uploads[uploads["uploaded_by"] == "posteingang"]
    assert len(by_inbox) == 10                                            # each exactly once
    assert len(set(zip(by_inbox["organisation"], by_inbox["filename"]))) == 10
    assert sorted(set(by_inbox["organisation"])) == sorted(ORGS)
    assert (uploads["filename"] == "browser.csv").sum() == 1
    assert json.loads((taken / "geprueft.json").read_text())["rows"] == \
        sum(n for n, _ in got.values())
