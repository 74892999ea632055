"""A Substanzwarnung by e-mail (#18) through a real SMTP server (aiosmtpd, tests/smtp_kit.py):
every account of the city with an address gets it – outreach and guests without opting in,
not who switched the city's e-mails off –, once per revision, again when changed or
withdrawn; and the page sends it when the crisis team saves."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, Actor
from lagebild.config import get_settings
from lagebild.drugcheck import warning_mail
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
K = Actor("petra", "krisenstab", cities=frozenset({CITY}))
NEW = {"substance": "nitazene", "title": "Nitazene in Heroin",
       "location": "Drogenkonsumraum Bahnhofsviertel (Bahnhofsviertel)",
       "since": date(2026, 11, 9), "valid_until": date(2026, 12, 7),
       "advice": "Nicht allein konsumieren\nNaloxon dabeihaben"}


@pytest.fixture
def store(demo_db):
    """petra, rita (crisis team, rita switched Musterstadt's e-mails off), olaf and nina
    (outreach of two organisations, no choice stored), gabi (guest), otto (no address),
    lea (crisis team of another city)."""
    s = Store(demo_db)
    s.ensure_city(SYSTEM, "Leipzig")
    for name, role, org, cities in (
            ("petra", "krisenstab", None, [CITY]), ("rita", "krisenstab", None, [CITY]),
            ("olaf", "outreach", "Streetwork Kontaktladen Lichtblick (Demo)", [CITY]),
            ("nina", "outreach", "Drogenhilfe Nord", [CITY]), ("gabi", "gast", None, [CITY]),
            ("otto", "outreach", "Drogenhilfe Nord", [CITY]), ("lea", "krisenstab", None,
                                                               ["Leipzig"])):
        s.add_user(SYSTEM, name, role, password_hash=None, organisation=org, cities=cities,
                   email=None if name == "otto" else f"{name}@stadt.example")
    s.set_subscription(Actor("rita", "krisenstab", cities=frozenset({CITY})), CITY,
                       enabled=False)
    yield s
    s.close()


def _settings(port):
    return get_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="lagebild@stadt.example",
                        app_url="https://lagebild.stadt.example/")


RECIPIENTS = ["gabi@stadt.example", "nina@stadt.example", "olaf@stadt.example",
              "petra@stadt.example"]


def test_a_new_warning_goes_to_every_account_of_the_city_once(smtp, store):
    wid = store.add_substance_warning(K, CITY, **NEW)
    sent = warning_mail.run(store, CITY, wid, settings=_settings(smtp.port))
    assert sorted(d.email for d in sent if d.sent) == RECIPIENTS
    assert sorted(m["To"] for m in smtp.messages) == RECIPIENTS
    msg = smtp.to("nina@stadt.example")[0]
    assert msg["Subject"] == "Substanzwarnung Musterstadt: Nitazene – Nitazene in Heroin"
    body = msg.get_content()
    assert "Lagebild Musterstadt – Der Krisenstab warnt:" in body
    for line in ("Substanz:   Nitazene",
                 "Wo:         Drogenkonsumraum Bahnhofsviertel (Bahnhofsviertel)",
                 "Seit:       09.11.2026", "Gültig bis: 07.12.2026",
                 "- Nicht allein konsumieren", "- Naloxon dabeihaben",
                 "https://lagebild.stadt.example/substanzwarnungen"):
        assert line in body, line
    # the same revision is not sent twice; the record and the audit say who got it
    assert warning_mail.run(store, CITY, wid, settings=_settings(smtp.port)) == []
    assert len(smtp.messages) == 4
    rec = store.notifications_sent(SYSTEM, CITY)
    assert sorted(rec.loc[rec["notice_key"] == f"warning:{wid}:1", "username"]) == \
        ["gabi", "nina", "olaf", "petra"]


def test_a_change_and_a_withdrawal_are_told_again(smtp, store):
    wid = store.add_substance_warning(K, CITY, **NEW)
    warning_mail.run(store, CITY, wid, settings=_settings(smtp.port))
    store.update_substance_warning(K, CITY, wid, valid_until=date(2026, 12, 21))
    warning_mail.run(store, CITY, wid, settings=_settings(smtp.port))
    changed = smtp.to("olaf@stadt.example")[-1]
    assert changed["Subject"] == ("Substanzwarnung Musterstadt geändert: Nitazene – "
                                  "Nitazene in Heroin")
    assert "Gültig bis: 21.12.2026" in changed.get_content()
    store.withdraw_substance_warning(K, CITY, wid)
    warning_mail.run(store, CITY, wid, settings=_settings(smtp.port))
    gone = smtp.to("olaf@stadt.example")[-1]
    assert gone["Subject"].startswith("Substanzwarnung Musterstadt zurückgezogen: ")
    assert "ist zurückgezogen und gilt nicht mehr" in gone.get_content()
    assert "Was tun:" not in gone.get_content()
    assert len(smtp.to("olaf@stadt.example")) == 3


def test_without_smtp_host_nothing_is_sent_or_recorded(store):
    wid = store.add_substance_warning(K, CITY, **NEW)
    planned = warning_mail.run(store, CITY, wid, settings=get_settings(smtp_host=""))
    assert sorted(d.email for d in planned) == RECIPIENTS and not any(d.sent for d in planned)
    assert store.notifications_sent(SYSTEM, CITY).empty


def test_saving_on_the_page_sends_the_mail(smtp, store, demo_db, monkeypatch):
    store.close()
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.setenv("LAGEBILD_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LAGEBILD_SMTP_PORT", str(smtp.port))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = K
    at.run()
    at.switch_page("pages/warnings.py").run()
    key = next(t.key for t in at.text_input if (t.key or "").endswith("_title")
               and t.key.startswith("warning_new_")).removesuffix("_title")
    at.text_input(key=f"{key}_title").input("Fentanyl in Kokain")
    at.text_input(key=f"{key}_location").input("Mitte")
    at.date_input(key=f"{key}_since").set_value(date(2026, 11, 16))
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [
        "Substanzwarnung „Fentanyl in Kokain“ angelegt. E-Mail an 4 Konten gesendet."]
    assert sorted(m["To"] for m in smtp.messages) == RECIPIENTS
