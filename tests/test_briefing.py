"""The briefing (#6): PDF text and images, restricted version, HTML, CLI, errors."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from lagebild.alerts import service as alerting
from lagebild.briefing import pdf as briefing_pdf
from lagebild.access import SYSTEM, Actor
from lagebild.alerts.config import load_alert_config
from lagebild.analytics.escalation import escalation
from lagebild.analytics.trends import CITY
from lagebild.briefing.model import reasons
from lagebild.briefing.inputs import BriefingError, period_start
from lagebild.briefing.build import make
from lagebild.catalog import load_catalog
from lagebild.cli import main
from lagebild.measures.model import due_state

CITY_NAME = "Musterstadt"
TODAY = date(2026, 11, 20)          # the demo's data end on Sunday 15.11.2026
CATALOG = load_catalog()
CONFIG = load_alert_config(catalog=CATALOG)
KRISENSTAB = Actor("k", "krisenstab", cities=frozenset({CITY_NAME}))
GAST = Actor("g", "gast", cities=frozenset({CITY_NAME}))


def _make(store, actor=KRISENSTAB, **kw):
    return make(store, actor, CITY_NAME, catalog=CATALOG, config=CONFIG, today=TODAY,
                k=5 if actor.restricted else None, **kw)


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return " ".join(text.split()), reader


def _between(text: str, start: str, end: str) -> str:
    a = text.index(start)
    return text[a:text.index(end, a)]


def test_pdf_has_level_map_red_districts_with_reasons_and_due_measures(demo_store):
    docs = _make(demo_store)
    text, reader = _text(docs.pdf)
    assert docs.pdf.startswith(b"%PDF") and len(reader.pages) >= 2
    signals = alerting.load_signals(demo_store, SYSTEM, CITY_NAME)
    week = alerting.latest_week(signals)
    level = escalation(signals, week, CONFIG.levels).level
    assert f"Lagestufe {level}:" in text and level >= 2          # demo: current outbreak
    assert "seit der letzten Sitzung am 16.09.2026" in text
    assert f"Seite 1/{len(reader.pages)}" in text

    cells = signals[signals["week"] == week]
    dist = demo_store.districts(SYSTEM, CITY_NAME)
    red = cells[(cells["colour"] == "red") & (cells["district_id"] != CITY)]
    names = set(dist.set_index("district_id").loc[list(red["district_id"]), "name"])
    assert "Bahnhofsviertel" in names                       # the demo outbreak
    alerts = _between(text, "Warnungen in", "Warnliste")
    for colour, reason in reasons(cells, dist, CATALOG, "de", None):
        if colour == "red":
            assert " ".join(reason.split()) in alerts, reason
    for name in names:
        assert re.search(rf"▲ rot: [^•]* in {name}: \d+ ", alerts), name

    measures = demo_store.measures(SYSTEM, CITY_NAME)
    due = measures[[due_state(s, d, TODAY) in ("due", "overdue")
                    for s, d in zip(measures["status"], measures["due_on"])]]
    assert len(due) >= 3
    section = _between(text, "Stand der Maßnahmen", "Meldevollständigkeit")
    for title in due["title"]:
        assert title in section, title
    assert "! überfällig" in section                         # marked without colour

    map_page = next(p for p in reader.pages if "Karte: Ampel je Stadtteil" in p.extract_text())
    xobjects = map_page["/Resources"]["/XObject"]
    assert any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())
    assert "Meldevollständigkeit je Organisation" in text and "56 / 56" in text
    assert "Rettungsdienst Musterstadt (Demo)" in text


LABELS = [i.label("de") for i in CATALOG]
PERSON = [i.label("de") for i in CATALOG if i.person_related]


def _small(numbers) -> list[int]:
    return [int(n) for n in numbers if 1 <= int(n) <= 4]


def _small_in_key_numbers(section: str) -> list[int]:
    """Counts 1..4 in the table rows of person-related indicators; what is not a count is
    removed first: weeks reported (8/8), changes (-83 %), '< 5'."""
    found = []
    for label in PERSON:
        others = "|".join(re.escape(x) for x in LABELS if x != label)
        row = re.search(rf"{re.escape(label)} (.*?)(?= (?:{others})|$)", section).group(1)
        clean = re.sub(r"\d+/\d+|[+-]?\d+ %|< \d+", " ", row)
        found += _small(re.findall(r"(?<![\w.,])\d+(?![\w.,])", clean))
    return found


def _small_in_alert_reasons(section: str) -> list[int]:
    """The count of every bullet about a person-related indicator ('…: 23 (12,8 je …' or
    '…: 3 in KW …'), if it is 1..4."""
    found = []
    for bullet in re.findall(r"•([^•]*)", section):
        if any(f": {label} in " in bullet for label in PERSON):
            found += _small(re.findall(r": (\d+) (?:\(|in KW)", bullet))
    return found


def test_restricted_pdf_shows_no_person_related_count_below_k(demo_store):
    full, _ = _text(_make(demo_store).pdf)
    restricted, _ = _text(_make(demo_store, GAST).pdf)
    # the demo's report week has exactly 1 drug death: the full version shows it …
    full_numbers = _between(full, "Kennzahlen der Gesamtstadt", "Summen der Wochen")
    assert 1 in _small_in_key_numbers(full_numbers), full_numbers
    assert _small_in_alert_reasons("• ▲ rot: Drogennotfälle in Altstadt: 3 in KW 46/2026")
    # … the restricted one does not, neither in the key numbers nor in the alert reasons
    numbers = _between(restricted, "Kennzahlen der Gesamtstadt", "Summen der Wochen")
    alerts = _between(restricted, "Warnungen in", "Verläufe")
    assert _small_in_key_numbers(numbers) == [] and _small_in_alert_reasons(alerts) == []
    assert len(re.findall(r"•", alerts)) >= 1
    assert re.search(r"Drogentodesfälle nur wochenweise – – \d+/\d+ < 5", numbers)
    assert "eingeschränkt" in restricted and "Warnliste KW" not in restricted
    assert "Gast" in restricted


def test_html_is_self_contained_and_escaped(demo_store):
    demo_store.add_measure(SYSTEM, CITY_NAME, title='<script>alert("x")</script> & ${1}',
                           body="polizei", due_on=date(2026, 11, 30))
    html = _make(demo_store).html
    assert '<script>alert("x")' not in html and "&lt;script&gt;alert(&quot;x&quot;)" in html
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"https?://", html.replace("http-equiv", ""))


def test_english_briefing(demo_store):
    docs = _make(demo_store, lang="en")
    text, _ = _text(docs.pdf)
    for part in ("Key numbers of the whole city", "Status of measures", "Page 1/",
                 "since the last meeting on 2026-09-16", "Reporting completeness"):
        assert part in text, part


def test_period_from_since_and_without_meeting(demo_store):
    docs = _make(demo_store, since=date(2026, 10, 28))
    text, _ = _text(docs.pdf)
    assert "KW 45/2026 – KW 46/2026" in text and "ab 28.10.2026" in text
    import pandas as pd
    start, kind, meeting = period_start(pd.DataFrame(columns=["held_on"]), TODAY, None,
                                        pd.Timestamp("2026-11-09"))
    assert (start, kind, meeting) == (date(2026, 9, 21), "default", None)


def test_missing_font_is_explained_in_german(monkeypatch, tmp_path, demo_store):
    import matplotlib
    monkeypatch.setattr(briefing_pdf, "FONT_DIRS", (tmp_path,))
    monkeypatch.setattr(matplotlib, "get_data_path", lambda: str(tmp_path))
    with pytest.raises(BriefingError, match="fehlt die Schrift DejaVu Sans.*fonts-dejavu-core"):
        _make(demo_store)


def test_no_data_no_briefing(empty_store):
    empty_store.ensure_city(SYSTEM, "Leer")
    with pytest.raises(BriefingError, match="keine vollständig gemeldeten Wochen"):
        make(empty_store, SYSTEM, "Leer", catalog=CATALOG, config=CONFIG)


def test_briefing_is_audited(demo_store):
    _make(demo_store, GAST)
    log = demo_store.audit_log(SYSTEM)
    row = log[log["action"] == "briefing.create"].iloc[0]
    assert row["actor"] == "g" and '"restricted": true' in row["detail"]


def test_cli_report(demo_db, tmp_path, capsys):
    out = tmp_path / "briefing.pdf"
    assert main(["report", "--city", CITY_NAME, "--out", str(out), "--db", str(demo_db),
                 "--role", "krisenstab", "--since", "16.09.2026"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "vollständig" in capsys.readouterr().out
    html = tmp_path / "briefing.html"
    assert main(["report", "--city", CITY_NAME, "--out", str(html), "--db", str(demo_db),
                 "--lang", "en"]) == 0                              # default role: gast
    assert "restricted" in html.read_text(encoding="utf-8")
    assert main(["report", "--city", "Nirgendwo", "--out", str(out), "--db",
                 str(demo_db)]) == 2
    assert "nicht angelegt" in capsys.readouterr().err
    assert main(["report", "--city", CITY_NAME, "--out", str(tmp_path / "x.docx"),
                 "--db", str(demo_db)]) == 2
