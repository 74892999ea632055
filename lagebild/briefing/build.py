"""Make a briefing: collect → build → PDF and HTML (used by the page and ``lagebild report``).

>>> from lagebild.briefing.pdf import font_files
>>> font_files()[0].name
'DejaVuSans.ttf'
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from lagebild.briefing import html as briefing_html, pdf as briefing_pdf, sections
from lagebild.access import Actor
from lagebild.briefing.data import collect
from lagebild.briefing.model import Briefing
from lagebild.store import Store


@dataclass
class Documents:
    briefing: Briefing
    pdf: bytes
    html: str
    seconds: float

    @property
    def filename(self) -> str:
        return self.briefing.filename


def make(store: Store, actor: Actor, city: str, *, catalog, config, lang: str = "de",
         k: int | None = None, today: date | None = None, since: date | None = None,
         signals=None, grid=None, progress=None) -> Documents:
    """The briefing of ``city`` for ``actor`` as PDF and HTML; audited as
    ``briefing.create``. ``progress(fraction, step_key)`` reports the steps (keys:
    data, alerts, map, numbers, trends, measures, pdf, html, done). Raises
    ``briefing.inputs.BriefingError`` (German) when the font or the data are missing."""
    step = progress or (lambda f, s: None)
    started = time.perf_counter()
    fonts = briefing_pdf.font_files()                    # fail early, before any work
    inputs = collect(store, actor, city, catalog=catalog, config=config, lang=lang, k=k,
                     today=today, since=since, signals=signals, grid=grid, progress=step)
    step(0.25, "map")
    doc = sections.build(inputs, progress=step)
    step(0.85, "pdf")
    pdf = briefing_pdf.render(doc, fonts)
    step(0.95, "html")
    html = briefing_html.render(doc)
    seconds = time.perf_counter() - started
    store.log_event(actor, "briefing.create", city, since=inputs.since,
                    report_week=inputs.report_week.date(), restricted=bool(k),
                    seconds=round(seconds, 2))
    step(1.0, "done")
    return Documents(doc, pdf, html, seconds)
