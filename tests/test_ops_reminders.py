"""Reminder e-mails for overdue deliveries (#20) through a real SMTP server (aiosmtpd):
``lagebild erinnern`` reminds the organisation's accounts once per overdue delivery."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from lagebild.access import SYSTEM
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ops_kit import deliver_weekly  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
LATE = "Drogenhilfe Wochenbericht"
ON_TIME = "Kontaktcafé Pünktlich"


@pytest.fixture
def late_city(demo_db):
    """LATE delivered weekly up to 25.10.2026 (overdue on 18.11.), ON_TIME up to 15.11.;
    accounts: ute and uwe (LATE, uwe inactive afterwards), paula (ON_TIME), kurt (crisis
    team), nora (LATE, no e-mail address)."""
    s = Store(demo_db)
    try:
        deliver_weekly(s, LATE, date(2026, 10, 25))
        deliver_weekly(s, ON_TIME, date(2026, 11, 15), district="Bahnhofsviertel")
        for name, role, org, mail in (("ute", "outreach", LATE, True),
                                      ("uwe", "outreach", LATE, True),
                                      ("paula", "outreach", ON_TIME, True),
                                      ("kurt", "krisenstab", None, True),
                                      ("nora", "outreach", LATE, False)):
            s.add_user(SYSTEM, name, role, password_hash=None, organisation=org,
                       cities=[CITY], email=f"{name}@traeger.example" if mail else None)
        s.set_active(SYSTEM, "uwe", False)
    finally:
        s.close()
    return demo_db


def erinnern(*args, port, db, today=None):
    env = dict(os.environ, LAGEBILD_DB_PATH=str(db),
               LAGEBILD_APP_URL="https://lagebild.stadt.example")
    if port:
        env |= {"LAGEBILD_SMTP_HOST": "127.0.0.1", "LAGEBILD_SMTP_PORT": str(port),
                "LAGEBILD_SMTP_FROM": "lagebild@stadt.example"}
    if today:
        env["LAGEBILD_TODAY"] = today
    return subprocess.run([sys.executable, "-m", "lagebild.cli", "erinnern", "--city", CITY,
                           *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_overdue_organisation_is_reminded_once(smtp, late_city):
    proc = erinnern(port=smtp.port, db=late_city)
    assert proc.returncode == 0, proc.stderr
    assert [m["To"] for m in smtp.messages] == ["ute@traeger.example"]
    (msg,) = smtp.messages
    assert " ".join(msg["Subject"].split()) == f"Lagebild {CITY}: Meldung von {LATE} überfällig"
    body = msg.get_body(("plain",)).get_content()
    assert ("- Spritzenfunde: wöchentlich, gemeldet bis 25.10.2026, erwartet bis 01.11.2026 "
            "(überfällig seit 14 Tagen)") in body
    assert "https://lagebild.stadt.example/hochladen" in body
    again = erinnern(port=smtp.port, db=late_city)
    assert again.returncode == 0 and len(smtp.messages) == 1          # not on every run
    assert "Keine fälligen Erinnerungen" in again.stdout
    s = Store(late_city)
    try:
        sent = s.notifications_sent(SYSTEM, CITY)
        audit = s.audit_log(SYSTEM)
    finally:
        s.close()
    assert list(sent["notice_key"]) == [f"reminder:{LATE}:spritzenfunde:2026-11-01"]
    assert (audit["action"] == "notify.sent").sum() == 1


def test_next_missed_week_is_reminded_again(smtp, late_city):
    """After a new delivery the organisation is late again a week later: a new reminder."""
    assert erinnern(port=smtp.port, db=late_city).returncode == 0
    s = Store(late_city)
    try:
        deliver_weekly(s, LATE, date(2026, 11, 15), n=3)
    finally:
        s.close()
    assert erinnern(port=smtp.port, db=late_city).returncode == 0
    assert len(smtp.messages) == 1                                     # on time now
    later = (date(2026, 11, 15) + timedelta(days=7 + 3 + 1)).isoformat()   # 26.11.
    proc = erinnern(port=smtp.port, db=late_city, today=later)
    assert proc.returncode == 0, proc.stderr
    # both weekly organisations are now a day late (ON_TIME too, up to 15.11. as well)
    new = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp.messages[1:]}
    assert sorted(new) == ["paula@traeger.example", "ute@traeger.example"]
    assert "erwartet bis 22.11.2026 (überfällig seit 1 Tag)" in new["ute@traeger.example"]


def test_dry_run_and_list_send_nothing(smtp, late_city):
    dry = erinnern("--dry-run", port=smtp.port, db=late_city)
    assert dry.returncode == 0 and "ute <ute@traeger.example>" in dry.stdout
    assert "(Probelauf)" in dry.stdout
    listed = erinnern("--list", port=None, db=late_city)
    assert listed.returncode == 0
    late_line = next(line for line in listed.stdout.splitlines() if LATE in line)
    assert "wöchentlich (gelernt)" in late_line and "überfällig seit 14 Tagen" in late_line
    assert smtp.messages == []
    assert erinnern(port=smtp.port, db=late_city).returncode == 0 and smtp.messages


def test_without_smtp_host_it_says_so(late_city):
    proc = erinnern(port=None, db=late_city)
    assert proc.returncode == 2 and "LAGEBILD_SMTP_HOST ist nicht gesetzt" in proc.stderr


def test_unknown_city_is_a_german_error(smtp, late_city):
    env = dict(os.environ, LAGEBILD_DB_PATH=str(late_city))
    proc = subprocess.run([sys.executable, "-m", "lagebild.cli", "erinnern", "--city",
                           "Atlantis", "--dry-run"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "Atlantis" in proc.stderr and "Traceback" not in proc.stderr
