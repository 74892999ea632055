"""Shared pieces of the #20 completeness tests: weekly deliveries through the real importer,
(the SMTP server is tests/smtp_kit.py)."""

from __future__ import annotations

from datetime import date, timedelta


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
