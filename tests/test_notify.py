"""E-mail notifications (#17, part 5) through a real SMTP server (aiosmtpd) started in the
test: who gets what, once; restricted wording for restricted accounts; after an import."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from smtp_kit import serve  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"


@pytest.fixture
def accounts(demo_db):
    """petra (crisis team), rita (crisis team, opted out), gabi (guest, opted in), olaf
    (outreach, default off) – all with e-mail addresses."""
    s = Store(demo_db)
    try:
        for name, role, org in (("petra", "krisenstab", None), ("rita", "krisenstab", None),
                                ("gabi", "gast", None),
                                ("olaf", "outreach", "Streetwork Kontaktladen Lichtblick (Demo)")):
            s.add_user(SYSTEM, name, role, password_hash=None, organisation=org,
                       cities=[CITY], email=f"{name}@stadt.example")
        s.set_subscription(Actor("rita", "krisenstab", cities=frozenset({CITY})), CITY,
                           enabled=False)
        s.set_subscription(Actor("gabi", "gast", cities=frozenset({CITY})), CITY,
                           enabled=True)
    finally:
        s.close()
    return demo_db


def _cli(*args, port: int | None, db: Path, timeout: int = 300):
    env = dict(os.environ, LAGEBILD_DB_PATH=str(db), LAGEBILD_APP_URL="https://lagebild.stadt.example")
    if port:
        env |= {"LAGEBILD_SMTP_HOST": "127.0.0.1", "LAGEBILD_SMTP_PORT": str(port),
                "LAGEBILD_SMTP_FROM": "lagebild@stadt.example"}
    return subprocess.run([sys.executable, "-m", "lagebild.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def test_notify_sends_each_new_red_signal_once_to_subscribed_accounts(smtp, accounts):
    proc = _cli("notify", "--city", CITY, port=smtp.port, db=accounts)
    assert proc.returncode == 0, proc.stderr
    petra = smtp.to("petra@stadt.example")
    assert petra, proc.stdout                         # the demo's current outbreak is red
    for msg in petra:
        assert msg["From"] == "lagebild@stadt.example"
        assert msg["Subject"].startswith("Lagebild Musterstadt: ")
        body = _body(msg)
        assert "Mehr im Lagebild: https://lagebild.stadt.example/warnungen" in body
    reds = [m for m in petra if ": rot – " in m["Subject"]]
    assert reds and all(re.search(r"\d", _body(m)) for m in reds)   # the reason with numbers
    assert not smtp.to("rita@stadt.example")           # opted out
    assert not smtp.to("olaf@stadt.example")           # outreach: not subscribed by default
    assert len(smtp.to("gabi@stadt.example")) == len(petra)
    first = len(smtp.messages)
    again = _cli("notify", "--city", CITY, port=smtp.port, db=accounts)
    assert again.returncode == 0 and len(smtp.messages) == first   # never twice
    assert "Keine neuen Benachrichtigungen" in again.stdout
    s = Store(accounts)
    try:
        sent = s.notifications_sent(SYSTEM, CITY)
        audit = s.audit_log(SYSTEM)
    finally:
        s.close()
    assert len(sent) == first
    assert (audit["action"] == "notify.sent").sum() == first       # every message audited


RULE_WORDS = re.compile(r"Lagestufe \d|EARS C\d|Schwelle \d+ in \d+ Stunden|mindestens \d+ Stadtteil\w*|"
                        r"innerhalb von \d+ Wochen|p ≤ 0,\d+")
SMALL = re.compile(r"(?<![\d.,/])[1-4](?![\d.,/])")


def test_restricted_accounts_get_no_small_person_related_counts(smtp, accounts):
    """gabi (gast) gets the same notices as petra, in the restricted wording: where petra's
    reason gives a person-related count 1…4, gabi's has none; rule words (thresholds, level
    rules) are the same for both."""
    assert _cli("notify", "--city", CITY, port=smtp.port, db=accounts).returncode == 0
    full = {m["Subject"]: _body(m) for m in smtp.to("petra@stadt.example")}
    restricted = {m["Subject"]: _body(m) for m in smtp.to("gabi@stadt.example")}
    assert set(full) == set(restricted)
    hidden = 0
    for subject, text in restricted.items():
        words = RULE_WORDS.sub("", text.split("Mehr im Lagebild")[0])
        assert not SMALL.search(words), (subject, text)
        hidden += bool(SMALL.search(RULE_WORDS.sub("", full[subject].split("Mehr im")[0])))
        assert "https://lagebild.stadt.example/lagebild" in text     # no alert list for gast
    assert hidden, "the demo has small counts in petra's reasons that gabi must not read"


def test_dry_run_sends_and_records_nothing(smtp, accounts):
    proc = _cli("notify", "--city", CITY, "--dry-run", port=smtp.port, db=accounts)
    assert proc.returncode == 0 and "(Probelauf)" in proc.stdout
    assert smtp.messages == []
    real = _cli("notify", "--city", CITY, port=smtp.port, db=accounts)
    assert real.returncode == 0 and smtp.messages           # the dry run kept nothing back


def test_daily_digest_is_one_message(smtp, accounts):
    s = Store(accounts)
    try:
        s.set_subscription(Actor("petra", "krisenstab", cities=frozenset({CITY})), CITY,
                           enabled=True, digest=True)
        s.set_subscription(Actor("rita", "krisenstab", cities=frozenset({CITY})), CITY,
                           enabled=True)                # rita reads every notice singly
    finally:
        s.close()
    assert _cli("notify", "--city", CITY, port=smtp.port, db=accounts).returncode == 0
    assert not smtp.to("petra@stadt.example")         # digest readers wait for the digest
    assert _cli("notify", "--city", CITY, "--digest", port=smtp.port,
                db=accounts).returncode == 0
    (digest,) = smtp.to("petra@stadt.example")
    single = smtp.to("rita@stadt.example")
    assert len(single) > 1
    assert digest["Subject"] == (f"Lagebild Musterstadt: {len(single)} neue Warnungen "
                                 "(Tageszusammenfassung)")
    digest_text = " ".join(_body(digest).split())
    for msg in single:                                  # every reason is in the digest
        reason = " ".join(_body(msg).split("Mehr im Lagebild")[0].split()[2:])
        assert reason and reason in digest_text, reason


def test_without_smtp_host_notify_says_so(accounts):
    proc = _cli("notify", "--city", CITY, port=None, db=accounts)
    assert proc.returncode == 2 and "LAGEBILD_SMTP_HOST ist nicht gesetzt" in proc.stderr


def _ingest(tmp_path, row: str, org: str, smtp, db) -> float:
    """``lagebild ingest`` of a one-row CSV (exit 0 asserted); returns the seconds it took."""
    csv = tmp_path / f"meldung-{len(list(tmp_path.glob('*.csv')))}.csv"
    csv.write_text(f"datum;stadtteil;indikator;anzahl\n{row}\n", encoding="utf-8")
    started = time.monotonic()
    proc = _cli("ingest", str(csv), "--city", CITY, "--org", org, port=smtp.port, db=db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return time.monotonic() - started


def test_an_import_refreshes_the_signals_and_sends_within_a_minute(smtp, accounts, tmp_path):
    took = _ingest(tmp_path, "01.11.2026;Altstadt;beschwerden;1", "Bürgertelefon (Test)",
                   smtp, accounts)
    assert smtp.to("petra@stadt.example") and took < 60
    count = len(smtp.messages)
    _ingest(tmp_path, "02.11.2026;Altstadt;beschwerden;1", "Bürgertelefon (Test)", smtp,
            accounts)
    assert len(smtp.messages) == count                # nothing new: nothing sent again


def test_an_account_subscribes_in_the_app(accounts, monkeypatch):
    """The sidebar box: rita (opted out) switches e-mails on with the daily digest."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(accounts))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = Actor("rita", "krisenstab", cities=frozenset({CITY}))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [c.value.replace("\u2060", "").replace("\\", "") for c in at.sidebar.caption]
    assert any("rita@stadt.example" in c for c in shown), shown     # escaped, no mailto link
    toggle = at.sidebar.toggle(key=f"notify_enabled_{CITY}")
    assert toggle.value is False
    toggle.set_value(True).run()
    at.sidebar.checkbox(key=f"notify_digest_{CITY}").check().run()
    s = Store(accounts)
    try:
        mine = s.subscription(Actor("rita", "krisenstab", cities=frozenset({CITY})), CITY)
    finally:
        s.close()
    assert mine == {"email": "rita@stadt.example", "enabled": True, "digest": True}


def test_a_delivery_with_a_spike_is_mailed_once_right_after_the_import(smtp, accounts,
                                                                       tmp_path):
    """The notices of the demo go out first; then a delivery with 4 overdoses in Nordheide
    on one day: its spike reaches the crisis team within a minute, once, and the guest
    account reads it without the small count."""
    assert _cli("notify", "--city", CITY, port=smtp.port, db=accounts).returncode == 0
    before = len(smtp.messages)
    assert _ingest(tmp_path, "16.11.2026;Nordheide;drogennotfaelle;4",
                   "Notaufnahme Klinikum (Test)", smtp, accounts) < 60
    new = smtp.messages[before:]
    petra = [m for m in new if m["To"] == "petra@stadt.example"
             and m["Subject"] == "Lagebild Musterstadt: Spitze – Drogennotfälle in Nordheide"]
    assert len(petra) == 1, [m["Subject"] for m in new]
    assert "4 Drogennotfälle in Nordheide am 16.11.2026 – Schwelle 3 in 24 Stunden" in \
        _body(petra[0])
    (gabi,) = [m for m in new if m["To"] == "gabi@stadt.example"
               and m["Subject"] == petra[0]["Subject"]]
    assert "auffällig gehäuft" in _body(gabi) and "4 Drogennotfälle" not in _body(gabi)
    again = _cli("notify", "--city", CITY, port=smtp.port, db=accounts)
    assert again.returncode == 0
    assert not [m for m in smtp.messages if m["Subject"] == petra[0]["Subject"]][2:]


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"lagebild" \
        and auth_data.password == b"geheim"
    return AuthResult(success=ok)


@pytest.fixture
def smtp_auth():
    yield from serve(authenticator=_authenticator, auth_required=True, auth_require_tls=False)


@pytest.mark.parametrize("password, delivered", [("geheim", True), ("falsch", False)])
def test_a_relay_with_login(smtp_auth, accounts, password, delivered, monkeypatch):
    """LAGEBILD_SMTP_USER/_PASSWORD log in at the relay; a refused login is a German error,
    exit 1, and nothing is recorded (the next run tries again)."""
    monkeypatch.setenv("LAGEBILD_SMTP_USER", "lagebild")
    monkeypatch.setenv("LAGEBILD_SMTP_PASSWORD", password)
    proc = _cli("notify", "--city", CITY, port=smtp_auth.port, db=accounts)
    assert bool(smtp_auth.to("petra@stadt.example")) is delivered
    assert proc.returncode == (0 if delivered else 1), proc.stderr
    if not delivered:
        assert "NICHT gesendet" in proc.stdout and "Anmeldung abgelehnt" in proc.stdout
        s = Store(accounts)
        try:
            assert s.notifications_sent(SYSTEM, CITY).empty
        finally:
            s.close()
