"""The Substanzwarnung as one A4 page (#18): the text read back from the PDF with pypdf, in
German, Leichte Sprache, English, Arabic and Farsi; right-to-left pages mirrored; never a
second page, however long the text."""

from __future__ import annotations

import io
import re
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from lagebild.briefing.pdf import font_files
from lagebild.drugcheck import languages
from lagebild.drugcheck.warning_pdf import missing_characters, needs_shaping, render_pdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warning_kit import ARABIC, FARSI, ISSUED_ON, OWN, SINCE, VALID_UNTIL  # noqa: E402

A4 = (595.28, 841.89)                 # points


def _templates():
    city = [languages.to_row(languages.check_template(f)) for f in (ARABIC, FARSI)]
    return languages.templates_for(city)


def _sheet(code: str, **overrides):
    substance, title, where, advice = OWN[code]
    sheet = languages.sheet(_templates()[code], substance=substance, title=title, where=where,
                            since=SINCE, valid_until=VALID_UNTIL, advice=advice,
                            issued_by="Krisenstab Musterstadt", issued_on=ISSUED_ON)
    return replace(sheet, **overrides) if overrides else sheet


def _read(data: bytes, nfkc: bool = False) -> tuple[PdfReader, str]:
    """The reader and the page's text (NFKC-normalised for Arabic script: presentation
    forms → letters; it would also turn "…" into "...")."""
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    return reader, unicodedata.normalize("NFKC", text) if nfkc else text


def _flat(text: str) -> str:
    """Extracted text with line breaks as spaces (multi_cell wraps long lines)."""
    return " ".join(text.split())


def _x_of(data: bytes) -> dict[str, float]:
    """Left x (points) of each text piece as the PDF places it."""
    out: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            out.setdefault(unicodedata.normalize("NFKC", text.strip()), tm[4])
    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return out


@pytest.mark.parametrize("code, expected", [
    ("de", ["Substanzwarnung", "Nitazene", "Nitazene in Proben, die als Heroin verkauft wurden",
            "Wo", "Bahnhofsviertel, Drogenkonsumraum", "Seit 09.11.2026",
            "Gültig bis 07.12.2026", "Was tun?", "Nitazene wirken viel stärker als Heroin.",
            "Erst wenig nehmen (antesten)", "Herausgegeben von: Krisenstab Musterstadt · "
            "18.11.2026", "Notruf 112"]),
    ("de-LS", ["Achtung! Gefährliche Drogen", "Welche Droge?", "Im Heroin sind gefährliche "
               "Stoffe", "Seit wann? 9. November 2026", "Die Warnung gilt bis 7. Dezember 2026",
               "Die Stoffe heißen Nitazene.", "Nimm nur wenig.", "Nimm Drogen nicht allein.",
               "Hab Naloxon dabei.", "Notruf: 112", "18. November 2026"]),
    ("en", ["Drug alert", "Nitazenes in samples sold as heroin", "Since 09/11/2026",
            "Valid until 07/12/2026", "What to do", "Nitazenes are far stronger than heroin.",
            "Do not use alone", "Issued by: Krisenstab Musterstadt · 18/11/2026",
            "Emergency: call 112"]),
])
def test_left_to_right_pages_read_back_with_every_field(code, expected):
    reader, text = _read(render_pdf(_sheet(code)))
    assert len(reader.pages) == 1
    assert [round(float(v), 2) for v in reader.pages[0].mediabox[2:]] == list(A4)
    missing = [e for e in expected if e not in _flat(text)]
    assert missing == []
    # the warning's own advice comes before the template's standard advice
    assert _flat(text).index(OWN[code][3][0]) < _flat(text).index(
        _templates()[code].advice[0][:20])


def test_reading_order_is_top_to_bottom():
    text = _flat(_read(render_pdf(_sheet("de")))[1])
    order = ["Substanzwarnung", "Nitazene in Proben", "Wo", "Seit", "Gültig bis", "Was tun?",
             "Nitazene wirken", "Herausgegeben von", "Notruf 112"]
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions)


# Arabic and Farsi: pypdf gives words of Arabic letters back in logical (reading) order, also
# when HarfBuzz set them in their joined presentation forms (NFKC turns those back into
# letters). Digits and punctuation between right-to-left words come back in visual order, so
# the phrases checked here are letters only.
RTL_PHRASES = {
    "ar": ["تحذير من مادة خطرة", "المادة", "نيتازين في عينات بيعت على أنها هيروين",
           "محطة القطار الرئيسية", "المكان", "منذ", "صالح حتى", "ماذا تفعل",
           "النيتازين أقوى بكثير من الهيروين", "ابدأ بكمية صغيرة وانتظر", "لا تتعاط بمفردك",
           "احمل النالوكسون معك", "صادر عن", "الطوارئ"],
    "fa": ["هشدار درباره مواد خطرناک", "نیتازن در نمونه های فروخته شده به جای هروئین",
           "ایستگاه مرکزی قطار", "از تاریخ", "معتبر تا", "چه باید کرد",
           "پیش از مصرف بیشتر صبر کنید", "هرگز تنها مصرف نکنید",
           "در وضعیت اضطراری با اورژانس تماس بگیرید", "صادر شده توسط", "اورژانس"],
}


@pytest.mark.parametrize("code", ["ar", "fa"])
def test_right_to_left_pages_read_back_in_logical_order(code):
    sheet = _sheet(code)
    assert sheet.rtl and needs_shaping(sheet)
    reader, text = _read(render_pdf(sheet), nfkc=True)
    assert len(reader.pages) == 1
    missing = [p for p in RTL_PHRASES[code] if p not in _flat(text)]
    assert missing == []
    # the same words reversed (what a page set without bidi would give) are not there
    assert RTL_PHRASES[code][0][::-1] not in text
    for date_text in ("2026", "11", "09", "12", "07", "18"):
        assert date_text in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == code
    assert reader.metadata.title == f"{sheet.heading}: {sheet.substance}"


def test_farsi_letters_are_in_the_font_and_on_the_page():
    """DejaVu Sans has پ چ ژ گ ی ک (letters Arabic lacks); the page uses them, with no
    .notdef box in their place."""
    regular, bold = font_files()
    for path in (regular, bold):
        cmap = TTFont(str(path)).getBestCmap()
        assert [ch for ch in "پچژگیک" if ord(ch) not in cmap] == []
    text = _read(render_pdf(_sheet("fa")), nfkc=True)[1]
    assert set("پچژگیک") <= set(text)


def test_the_font_check_knows_what_prints_and_what_would_be_boxes():
    every = [text for t in _templates().values() for text in languages.texts(t)]
    every += [text for own in OWN.values() for text in (*own[:3], *own[3])]
    assert missing_characters(*every) == []
    assert missing_characters("Nitazene ہے 中文 ትግ\u200c\n") == ["ہ", "ے", "中", "文", "ት", "ግ"]


def test_right_to_left_pages_are_mirrored():
    """Captions, bullets and headings of an Arabic page start right of the middle of the
    page; on the German page they start at the left margin."""
    middle = A4[0] / 2
    ar, de = _x_of(render_pdf(_sheet("ar"))), _x_of(render_pdf(_sheet("de")))
    assert [k for k in ("المادة", "المكان", "منذ", "صالح حتى", "•") if ar[k] <= middle] == []
    assert all(de[k] < 60 for k in ("Substanz", "Wo", "Seit", "Gültig bis", "Was tun?"))
    assert de["•"] < 60 and ar["•"] > A4[0] - 60      # the bullets: left margin / right margin
    # the German value column starts right of the captions; the Arabic one ends left of them
    assert de["Bahnhofsviertel, Drogenkonsumraum"] > de["Gültig bis"]
    assert ar["محطة القطار الرئيسية"] < ar["صالح حتى"]


def test_fifty_advice_lines_stay_on_one_page_and_say_how_many_are_left_out():
    lines = [f"Hinweis {i:02d}: bitte genau lesen und weitersagen" for i in range(50)]
    reader, text = _read(render_pdf(_sheet("de", advice=tuple(lines))))
    assert len(reader.pages) == 1
    shown = [line for line in lines if line in text]
    assert 10 <= len(shown) < 50 and shown == lines[:len(shown)]
    assert f"… (+{50 - len(shown)})" in text
    # the foot of the page is still there, after the advice
    assert _flat(text).rindex("Notruf 112") > _flat(text).index(shown[-1])


def test_a_page_that_only_just_overflows_shrinks_instead_of_cutting():
    lines = tuple(f"Hinweis {i}: kurz" for i in range(16))
    reader, text = _read(render_pdf(_sheet("de", advice=lines)))
    assert len(reader.pages) == 1 and all(line in text for line in lines)
    assert "…" not in text


def test_long_fields_and_words_wrap_or_are_cut_visibly():
    word = "Drogenkonsumraum" * 12                                 # 192 letters, no space
    sheet = _sheet("de", title="Sehr langer Titel " * 40, where=word, substance="X" * 200,
                   advice=(word,))
    reader, text = _read(render_pdf(sheet))
    assert len(reader.pages) == 1
    assert word in "".join(text.split())                           # wrapped, not lost
    joined = "".join(text.split())
    assert "X" * 79 + "…" in joined and "X" * 80 not in joined      # cut at 80 with "…"
    cut_title = ("Sehr langer Titel " * 40)[:299].rstrip() + "…"      # 300 characters
    assert "".join(cut_title.split()) in joined and joined.count("Sehrlanger") == 17


def test_fifty_arabic_lines_stay_on_one_page():
    """Set right to left, "… (+6)" becomes "(6+) …" from the left (bidi mirrors the
    parentheses); pypdf reads it back as ")6+( ..."."""
    lines = tuple(f"احمل النالوكسون معك {i}" for i in range(50))
    reader, text = _read(render_pdf(_sheet("ar", advice=lines)), nfkc=True)
    assert len(reader.pages) == 1
    shown = sorted(int(n) for n in re.findall(r"(\d+) احمل النالوكسون معك", text))
    assert 10 <= len(shown) < 50 and shown == list(range(len(shown)))
    assert f"){50 - len(shown)}+( ..." in text


def test_the_preview_of_a_city_language_shows_its_own_words():
    """The editor's sample page: the template's heading, captions, advice and footer, the
    city as place and issuer, dates around today."""
    farsi = _templates()["fa"]
    sheet = languages.sample_sheet(farsi, city="Teststadt", today=ISSUED_ON)
    assert (sheet.since, sheet.valid_until, sheet.issued_on) == (
        "2026/11/11", "2026/12/09", "2026/11/18")
    reader, text = _read(render_pdf(sheet), nfkc=True)
    assert len(reader.pages) == 1
    assert [p for p in ("هشدار درباره مواد خطرناک", "چه باید کرد", "هرگز تنها مصرف نکنید",
                        "Teststadt", "Nitazene") if p not in _flat(text)] == []


def test_document_metadata():
    reader, _ = _read(render_pdf(_sheet("de-LS")))
    assert reader.metadata.title == "Achtung! Gefährliche Drogen: Nitazene"
    assert reader.metadata.subject == "Im Heroin sind gefährliche Stoffe"
    assert reader.metadata.creator == "Lagebild"
    assert reader.trailer["/Root"]["/Lang"] == "de"      # Leichte Sprache is German
