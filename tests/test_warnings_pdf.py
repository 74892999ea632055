"""The printed Substanzwarnung (#18): a warning from the store, through its language's
template, as the one-page A4 PDF – German, Leichte Sprache and Arabic (right to left), the
text read back from the PDF with pypdf."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from lagebild.access import SYSTEM, Actor
from lagebild.drugcheck import warnings as w
from lagebild.drugcheck.languages import templates_for
from lagebild.drugcheck.warning_pdf import render_pdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warning_kit import ARABIC  # noqa: E402

CITY = "Musterstadt"
K = Actor("kira", "krisenstab", cities=frozenset({CITY}))


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split()), len(reader.pages)


def test_the_demo_warning_prints_in_german_leichte_sprache_and_arabic(demo_store):
    demo_store.save_warning_language(K, CITY, ARABIC)
    wid = int(demo_store.substance_warnings(SYSTEM, CITY)["warning_id"].iloc[0])
    demo_store.set_substance_warning_text(K, CITY, wid, "ar", title="نيتازين في الهيروين",
                                          location="محطة القطار", advice="اختبر الهيروين.")
    warning = w.from_frames(demo_store.substance_warnings(SYSTEM, CITY),
                            demo_store.substance_warning_texts(SYSTEM, CITY))[0]
    templates = templates_for(demo_store.warning_languages(SYSTEM, CITY))
    today = date(2026, 11, 18)

    de, pages = _text(render_pdf(w.sheet_for(warning, templates["de"], CITY, today)))
    assert pages == 1
    for part in ("Substanzwarnung", "Nitazene", "Nitazene in Proben, die als Heroin verkauft "
                 "wurden", "Seit 09.11.2026", "Gültig bis 07.12.2026",
                 "Auch was als Heroin verkauft wird, kann Nitazene enthalten",
                 "Nicht allein konsumieren", "Musterstadt"):
        assert part in de, part

    ls, pages = _text(render_pdf(w.sheet_for(warning, templates["de-LS"], CITY, today)))
    assert pages == 1
    for part in ("Achtung! Gefährliche Drogen", "Im Heroin ist oft Nitazen.",
                 "Bahnhofs·viertel", "7. Dezember 2026", "Lass dein Heroin testen.",
                 "Nimm Drogen nicht allein."):
        assert part in ls, part

    ar, pages = _text(render_pdf(w.sheet_for(warning, templates["ar"], CITY, today)))
    assert pages == 1
    for part in ("تحذير من مادة خطرة", "نيتازين في الهيروين", "محطة القطار",
                 "اختبر الهيروين", "لا تتعاط بمفردك", "Nitazenes"):
        assert part in ar, part
