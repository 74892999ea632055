"""A real SMTP server for the e-mail tests: aiosmtpd on a free port of 127.0.0.1, collecting
what it receives as parsed messages (one copy for notifications, reminders and warnings)."""

from __future__ import annotations

import email
import socket
from email import policy

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received; ``port`` is where it listens."""

    port: int

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def serve(**options):
    """Generator for a fixture: start the server (``options`` go to aiosmtpd's Controller,
    e.g. an authenticator), yield its inbox, stop it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()
