"""AppTests of #20's views: the overview names an organisation whose weekly delivery is
overdue (crisis team), the admin page "Betrieb" (completeness, rhythm form, rejected inbox
files, last backup, database)."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, open_app  # noqa: E402
from ops_kit import ORG, deliver_weekly  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
ADMIN = Actor("admin", "admin")
CRISIS = Actor("k", "krisenstab", cities=frozenset({CITY}))
GUEST = Actor("g", "gast", cities=frozenset({CITY}))


@pytest.fixture
def late_db(demo_db):
    """The demo plus ORG, which delivered weekly up to 25.10.2026 and then stopped."""
    s = Store(demo_db)
    try:
        deliver_weekly(s, ORG, date(2026, 10, 25))
    finally:
        s.close()
    return demo_db


def _completeness(at):
    """The operations page's table: organisation × indicator with rhythm and status."""
    return frame_with(at, "Organisation", "Rhythmus", "Status")


def overdue_warnings(at) -> list[str]:
    return [w.value for w in at.warning if "Ausstehende Meldungen" in w.value]


def test_overview_names_the_organisation_whose_weekly_delivery_is_overdue(late_db,
                                                                          monkeypatch):
    at = open_app(late_db, monkeypatch, CRISIS)
    (text,) = overdue_warnings(at)
    assert f"**{ORG}**: wöchentliche Meldung Spritzenfunde überfällig seit 14 Tagen" in text
    assert "gemeldet bis 25.10.2026, erwartet bis 01.11.2026 + 3 Tage" in text
    assert "(Demo)" not in text                  # the demo's organisations are not late


def test_overview_without_late_organisation_and_for_guests_shows_no_notice(late_db, demo_db,
                                                                           monkeypatch):
    assert overdue_warnings(open_app(late_db, monkeypatch, GUEST)) == []
    s = Store(late_db)
    try:
        deliver_weekly(s, ORG, date(2026, 11, 15), n=3)
    finally:
        s.close()
    assert overdue_warnings(open_app(late_db, monkeypatch, CRISIS)) == []


def test_operations_page_shows_completeness_and_the_admin_sets_a_rhythm(late_db,
                                                                       monkeypatch):
    at = open_app(late_db, monkeypatch, ADMIN, "pages/operations.py")
    assert only(at.title).value == "Betrieb"
    frame = _completeness(at)
    late = frame[frame["Organisation"] == ORG].iloc[0]
    assert late["Rhythmus"] == "wöchentlich (gelernt)"
    assert late["Status"] == "überfällig seit 14 Tagen"
    assert late["Gemeldet bis"] == "25.10.2026" and late["Lieferungen"] == 4
    health = frame[frame["Organisation"] == "Gesundheitsamt Musterstadt (Demo)"].iloc[0]
    assert (health["Rhythmus"], health["Status"]) == ("unbekannt", "–")
    # the admin says: the Gesundheitsamt reports monthly
    at.selectbox(key="ops_org").set_value("Gesundheitsamt Musterstadt (Demo)")
    at.selectbox(key="ops_rhythm_choice").set_value("monthly")
    labelled(at.button, "Rhythmus speichern").click().run()
    assert any("Gesundheitsamt" in s.value for s in at.success), [s.value for s in at.success]
    frame = _completeness(at)
    health = frame[frame["Organisation"] == "Gesundheitsamt Musterstadt (Demo)"].iloc[0]
    assert health["Rhythmus"] == "monatlich (festgelegt)"
    assert health["Nächste erwartet bis"] == "15.12.2026"      # reported up to 15.11.
    s = Store(late_db)
    try:
        stored = s.delivery_rhythms(SYSTEM, CITY)
    finally:
        s.close()
    assert list(stored["rhythm"]) == ["monthly"] and list(stored["set_by"]) == ["admin"]


def test_operations_page_lists_rejected_inbox_files_backup_and_database(late_db, tmp_path,
                                                                        monkeypatch):
    rejected = Path(f"{late_db}.inbox") / CITY / "Streetwork Nord" / "abgelehnt"
    rejected.mkdir(parents=True)
    (rejected / "woche-46.csv").write_text("datum;anzahl\n", encoding="utf-8")
    (rejected / "woche-46.csv.txt").write_text(
        "Abgelehnt: Zeile 2, Spalte stadtteil fehlt.\nNichts gespeichert.", encoding="utf-8")
    (rejected / "woche-46.csv.json").write_text("{}", encoding="utf-8")
    s = Store(late_db)
    try:
        s.backup(SYSTEM, tmp_path / "sicherung")
    finally:
        s.close()
    at = open_app(late_db, monkeypatch, ADMIN, "pages/operations.py")
    inbox = frame_with(at, "Datei", "Stadt / Organisation", "Grund (Quittung)")
    assert list(inbox["Datei"]) == ["woche-46.csv"]                  # receipts not listed
    assert inbox.iloc[0]["Stadt / Organisation"] == f"{CITY} / Streetwork Nord"
    assert "Zeile 2, Spalte stadtteil fehlt" in inbox.iloc[0]["Grund (Quittung)"]
    text = " ".join(m.value for m in at.markdown)
    assert re.search(r"Letzte Sicherung: \d\d\.\d\d\.\d{4} \d\d:\d\d nach \S*sicherung "
                     r"\(\d+,\d (KB|MB)\)", text), text
    # the schema version is the number of the newest migration file
    newest = max(int(f.name[:3]) for f in (ROOT / "lagebild/store/migrations").glob("*.sql"))
    assert "Lagebild-Version 0.1.0" in text and f"Schema-Version {newest}." in text


def test_operations_page_is_admin_only(late_db, monkeypatch):
    at = AppTest.from_file(str(ROOT / "pages" / "operations.py"), default_timeout=60)
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(late_db))
    monkeypatch.chdir(ROOT)
    at.session_state["lagebild_actor"] = CRISIS
    at.run()
    assert any("nicht freigegeben" in e.value for e in at.error)
    assert not at.dataframe


def test_operations_page_in_english(late_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(late_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = ADMIN
    at.session_state["lagebild_lang"] = "en"
    at.run()
    at.switch_page("pages/operations.py").run()
    frame = frame_with(at, "Organisation", "Rhythm", "Status")
    late = frame[frame["Organisation"] == ORG].iloc[0]
    assert (late["Rhythm"], late["Status"]) == ("weekly (learnt)", "overdue for 14 days")
