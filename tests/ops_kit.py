"""Shared pieces of the #20 completeness tests: weekly deliveries through the real importer,
a real SMTP server (aiosmtpd) collecting what it receives."""

from __future__ import annotations

import email
import socket
from datetime import date, timedelta
from email import policy

from aiosmtpd.controller import Controller

from lagebild.access import SYSTEM
from lagebild.ingest.importer import import_file

CITY = "Musterstadt"
ORG = "Drogenhilfe Wochenbericht"
TODAY = date(2026, 11, 18)


def week_file(end: date, indicator_label="Spritzenfunde", district="Altstadt") -> bytes:
    days = [end - timedelta(days=i) for i in range(6, -1, -1)]
    lines = ["datum;stadtteil;indikator;anzahl"]
    lines += [f"{d:%d.%m.%Y};{district};{indicator_label};{i % 3}" for i, d in enumerate(days)]
    return ("\n".join(lines) + "\n").encode()


def deliver_weekly(store, org, last_end: date, n=4, district="Altstadt"):
    for i in reversed(range(n)):
        end = last_end - timedelta(days=7 * i)
        out = import_file(store, SYSTEM, CITY, org, week_file(end, district=district),
                          f"woche-{end}.csv",
                          today=TODAY)
        assert out.status == "imported", (out.status, out.message)


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def smtp_server():
    """Start aiosmtpd on a free port of 127.0.0.1; yields its inbox (``.port``)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()
