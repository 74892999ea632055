"""The briefing lists the Substanzwarnungen in force on the day it is made (#18): an active
one appears in the PDF and the HTML, an expired or withdrawn one does not."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from lagebild.access import Actor
from lagebild.alerts.config import load_alert_config
from lagebild.briefing.build import make
from lagebild.catalog import load_catalog

CITY = "Musterstadt"
K = Actor("k", "krisenstab", cities=frozenset({CITY}))
CATALOG = load_catalog()


def _add(store, title, since, until, **kw):
    return store.add_substance_warning(K, CITY, substance="xylazin", title=title,
                                       location="Altstadt", since=since, valid_until=until,
                                       **kw)


def test_active_warnings_in_the_briefing_expired_and_withdrawn_not(demo_store):
    _add(demo_store, "Xylazin in Heroin", date(2026, 11, 16), date(2026, 12, 14))
    _add(demo_store, "Alte Warnung", date(2026, 10, 5), date(2026, 11, 19))    # ends before
    gone = _add(demo_store, "Zurückgezogene Warnung", date(2026, 11, 16), date(2026, 12, 14))
    demo_store.withdraw_substance_warning(K, CITY, gone)
    docs = make(demo_store, K, CITY, catalog=CATALOG, config=load_alert_config(catalog=CATALOG),
                today=date(2026, 11, 20))
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(docs.pdf)).pages)
                    .split())
    assert "Substanzwarnungen (gültig am 20.11.2026)" in text
    assert ("Xylazin: Xylazin in Heroin – Altstadt; seit 16.11.2026, gültig bis 14.12.2026"
            in text)
    assert "Alte Warnung" not in text and "Zurückgezogene Warnung" not in text
    assert "Xylazin in Heroin" in docs.html and "Alte Warnung" not in docs.html
    assert docs.briefing.sections[0].key == "warnings"


def test_english_briefing_names_the_substance_in_english(demo_store):
    _add(demo_store, "Xylazin in Heroin", date(2026, 11, 16), date(2026, 12, 14))
    docs = make(demo_store, K, CITY, catalog=CATALOG, config=load_alert_config(catalog=CATALOG),
                today=date(2026, 11, 20), lang="en")
    section = docs.briefing.sections[0]
    assert section.heading == "Substance warnings (in force on 2026-11-20)"
    assert any(b.startswith("Xylazine: Xylazin in Heroin – Altstadt; since 2026-11-16")
               for b in section.bullets), section.bullets
