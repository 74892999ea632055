"""The Substanzwarnung as one A4 page (fpdf2, DejaVu Sans), in any language incl. Arabic and
Farsi (issue #18).

Layout, top to bottom: a red band with the heading, the substance (large), the title, the
labelled fields (where, since, valid until), the advice as bullets, "issued by … on …" and
the footer in a frame at the foot of the page. Right-to-left sheets (``sheet.rtl``) are
mirrored: text aligned right, captions and bullets on the right. Text in scripts that need
it (Arabic, Farsi, Hebrew, Indic …) is shaped by HarfBuzz (``uharfbuzz``), so letters join
and run right to left; DejaVu Sans has the Arabic and Persian letters (پ چ ژ گ ی).

The page never overflows: the layout is measured first (``dry_run``) and the font shrinks
step by step down to 55 %; if it still does not fit, advice lines are left out from the end
and a last bullet "… (+n)" says how many. Single fields are cut to a few hundred characters
with "…". Nothing is fetched: the fonts are local files (``lagebild.briefing.pdf.font_files``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from lagebild import clock
from lagebild.briefing.pdf import font_files
from lagebild.drugcheck.languages import pdf_language
from lagebild.drugcheck.sheet import WarningSheet

PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 15.0
SCALES = (1.0, 0.9, 0.8, 0.7, 0.62, 0.55)
RED, DARK_RED, GREY = (190, 20, 20), (140, 0, 0), (90, 90, 90)
ELLIPSIS = "…"
# characters per field at most (a longer field is cut with "…"); at the smallest scale all
# but the advice fits in these lengths.
CLIP = {"heading": 80, "substance": 80, "title": 300, "where": 200, "since": 40,
        "valid_until": 40, "issued_by": 150, "issued_on": 40, "footer": 300, "label": 40,
        "advice": 300}
LABEL_W = 48.0                      # caption column of the fields (mm) at scale 1
BULLET_W = 7.0


def render_pdf(sheet: WarningSheet, font_paths: tuple[Path, Path] | None = None) -> bytes:
    """The warning as PDF bytes: exactly one A4 page."""
    page = _Page(_clipped(sheet), font_paths or font_files())
    n = len(page.sheet.advice)
    if page.measure(SCALES[0], n):
        scale, keep = SCALES[0], n
    elif page.measure(SCALES[-1], n):
        lo, hi = 1, len(SCALES) - 1          # SCALES[hi] fits: the largest scale that does
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if page.measure(SCALES[mid], n) else (mid + 1, hi)
        scale, keep = SCALES[hi], n
    else:
        scale, keep = SCALES[-1], page.lines_that_fit(SCALES[-1])
    page.draw(scale, keep)
    return bytes(page.pdf.output())


@lru_cache(maxsize=2)
def _font_characters(regular: str, bold: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont            # fpdf2's own dependency
    maps = [set(TTFont(path, lazy=True).getBestCmap()) for path in (regular, bold)]
    return frozenset(maps[0] & maps[1])


def missing_characters(*texts: str, font_paths: tuple[Path, Path] | None = None) -> list[str]:
    """The characters of ``texts`` the PDF font (DejaVu Sans, regular and bold) has no glyph
    for, in order of appearance: they would print as empty boxes (e.g. Urdu ہ ے, Tigrinya,
    Devanagari, Chinese). Spaces, line breaks and joiners need no glyph."""
    regular, bold = font_paths or font_files()
    known = _font_characters(str(regular), str(bold))
    seen = dict.fromkeys(ch for ch in "".join(texts)
                         if ord(ch) not in known and not ch.isspace()
                         and unicodedata.category(ch) not in ("Cc", "Cf"))
    return list(seen)


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


def _clipped(s: WarningSheet) -> WarningSheet:
    fields = {k: _clip(getattr(s, k), CLIP[k]) for k in
              ("heading", "substance", "title", "where", "since", "valid_until", "issued_by",
               "issued_on", "footer")}
    return replace(s, **fields, advice=tuple(_clip(a, CLIP["advice"]) for a in s.advice
                                             if str(a).strip()),
                   labels={k: _clip(v, CLIP["label"]) for k, v in s.labels.items()})


def needs_shaping(sheet: WarningSheet) -> bool:
    """Right to left, or letters beyond Latin/Greek/Cyrillic (Arabic, Hebrew, Indic …):
    HarfBuzz shapes the text. Latin text is set without it (line breaking with shaping is
    about ten times slower)."""
    text = "".join([sheet.heading, sheet.title, sheet.substance, sheet.where, sheet.footer,
                    sheet.issued_by, *sheet.advice, *sheet.labels.values()])
    return sheet.rtl or any(ord(ch) > 0x052F and unicodedata.category(ch)[0] in "LM"
                            for ch in text)


class _Page:
    """One sheet on one FPDF page: measured at a scale (``dry_run``, nothing drawn), then
    drawn once. Layout helpers mirror themselves for right-to-left sheets."""

    def __init__(self, sheet: WarningSheet, fonts: tuple[Path, Path]):
        self.sheet, self.scale, self.drawing = sheet, 1.0, False
        self.align = "R" if sheet.rtl else "L"
        self.width = PAGE_W - 2 * MARGIN
        self.advice_top, self.advice_heights = 0.0, []
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        if needs_shaping(sheet):
            pdf.set_text_shaping(True, direction="rtl" if sheet.rtl else "ltr")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(False)
        pdf.set_title(f"{sheet.heading}: {sheet.substance}")
        pdf.set_subject(sheet.title)
        pdf.set_author(sheet.issued_by)
        pdf.set_creator("Lagebild")
        pdf.set_lang(pdf_language(sheet.language))
        pdf.set_creation_date(clock.now().astimezone())
        pdf.add_page()
        self.pdf = pdf

    def measure(self, scale: float, keep: int) -> bool:
        """Does the page fit at ``scale`` with ``keep`` advice lines? Draws nothing."""
        return _layout(self, scale, keep, drawing=False)

    def lines_that_fit(self, scale: float) -> int:
        """The most advice lines that fit at ``scale`` with a last line "… (+n)"."""
        _layout(self, scale, 0, drawing=False)          # heights of everything but advice
        room = self.bottom - self.advice_top - self.height(
            self.text_w, self.font(14), f"{ELLIPSIS} (+{len(self.sheet.advice)})") - 1.8 * scale
        heights = [self.height(self.text_w, self.font(14), line) + 1.8 * scale
                   for line in self.sheet.advice]
        keep, used = 0, 0.0
        while keep < len(heights) and used + heights[keep] <= room:
            used, keep = used + heights[keep], keep + 1
        return keep

    def draw(self, scale: float, keep: int) -> None:
        _layout(self, scale, keep, drawing=True)

    def font(self, size: float, bold: bool = False, color=(0, 0, 0)) -> float:
        """Set the font at ``size`` pt × scale; returns the line height in mm."""
        pt = size * self.scale
        self.pdf.set_font("DejaVu", "B" if bold else "", pt)
        self.pdf.set_text_color(*color)
        return pt * 0.47

    def text(self, x: float, w: float, h: float, text: str, align: str | None = None) -> None:
        """A paragraph at ``x`` (width ``w``) from the current y; only advances y when
        measuring."""
        if not self.drawing:
            self.pdf.set_y(self.pdf.get_y() + self.height(w, h, text, align))
            return
        self.pdf.set_x(x)
        self.pdf.multi_cell(w, h, text, align=align or self.align, new_x="LMARGIN",
                            new_y="NEXT")

    def height(self, w: float, h: float, text: str, align: str | None = None) -> float:
        return self.pdf.multi_cell(w, h, text, align=align or self.align, dry_run=True,
                                   output=MethodReturnValue.HEIGHT)

    def columns(self, first: float) -> tuple[float, float, float]:
        """x of the first (narrow) column, x and width of the second; mirrored for rtl."""
        rest = self.width - first - 2
        if self.sheet.rtl:
            return PAGE_W - MARGIN - first, MARGIN, rest
        return MARGIN, MARGIN + first + 2, rest

    def gap(self, mm: float) -> None:
        self.pdf.set_y(self.pdf.get_y() + mm * self.scale)


def _layout(page: _Page, scale: float, keep: int, drawing: bool) -> bool:
    """Lay the page out at ``scale`` with the first ``keep`` advice lines (and "… (+n)" when
    lines are left out); draw it when ``drawing``. True when it fits on the page."""
    page.scale, page.drawing = scale, drawing
    page.bottom, draw_bottom = _bottom(page)
    page.pdf.set_y(0)
    _band(page)
    _top(page)
    _fields(page)
    _advice(page, keep)
    fits = page.pdf.get_y() <= page.bottom
    if drawing:
        draw_bottom()                # last, so the page reads top to bottom
    return fits


def _band(page: _Page) -> None:
    """The red band across the top with the heading in white, centred."""
    pdf = page.pdf
    h = page.font(30, bold=True, color=(255, 255, 255))
    text_h = page.height(page.width, h, page.sheet.heading, "C")
    band = max(26 * page.scale, text_h + 12 * page.scale)
    if page.drawing:
        pdf.set_fill_color(*RED)
        pdf.rect(0, 0, PAGE_W, band, style="F")
    pdf.set_y((band - text_h) / 2)
    page.text(MARGIN, page.width, h, page.sheet.heading, align="C")
    pdf.set_y(band + 7 * page.scale)


def _top(page: _Page) -> None:
    """Caption "Substanz", the substance large and dark red, the title bold, a red rule."""
    s = page.sheet
    page.text(MARGIN, page.width, page.font(12, color=GREY), s.labels.get("substance", ""))
    page.text(MARGIN, page.width, page.font(32, bold=True, color=DARK_RED), s.substance)
    page.gap(2)
    page.text(MARGIN, page.width, page.font(17, bold=True), s.title)
    page.gap(3)
    if page.drawing:
        y = page.pdf.get_y()
        page.pdf.set_draw_color(*RED)
        page.pdf.set_line_width(0.8 * page.scale)
        page.pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    page.gap(4)


def _fields(page: _Page) -> None:
    """Where, since, valid until: caption column and value column (mirrored for rtl)."""
    s = page.sheet
    page.font(13, bold=True)
    widest = max(page.pdf.get_string_width(s.labels.get(k, k))
                 for k in ("where", "since", "valid_until"))
    label_w = min(max(LABEL_W * page.scale, widest + 3), page.width * 0.45)
    label_x, value_x, value_w = page.columns(label_w)
    for key, value in (("where", s.where), ("since", s.since), ("valid_until", s.valid_until)):
        y = page.pdf.get_y()
        page.text(label_x, label_w, page.font(13, bold=True), s.labels.get(key, key))
        after_label = page.pdf.get_y()
        page.pdf.set_y(y)
        page.text(value_x, value_w, page.font(14, bold=key == "valid_until"), value)
        page.pdf.set_y(max(after_label, page.pdf.get_y()) + 1.5 * page.scale)
    page.gap(3)


def _advice(page: _Page, keep: int) -> None:
    """The caption "Was tun?" and the advice lines as bullets; "… (+n)" for lines left out."""
    s = page.sheet
    page.text(MARGIN, page.width, page.font(16, bold=True, color=DARK_RED),
              s.labels.get("advice", ""))
    page.gap(1.5)
    left_out = len(s.advice) - keep
    lines = list(s.advice[:keep]) + ([f"{ELLIPSIS} (+{left_out})"] if left_out > 0 else [])
    bullet_w = BULLET_W * page.scale
    bullet_x, text_x, page.text_w = page.columns(bullet_w)
    page.advice_top = page.pdf.get_y()
    for line in lines:
        h = page.font(14)
        y = page.pdf.get_y()
        if page.drawing:
            page.text(bullet_x, bullet_w, h, "•", align="C")
            page.pdf.set_y(y)
        page.text(text_x, page.text_w, h, line)
        page.gap(1.8)


def _bottom(page: _Page):
    """Issued by … on …, and the footer in a red frame, at the foot of the page: the y the
    content above must not pass, and the function that draws them."""
    s, pdf = page.sheet, page.pdf
    issued = f"{s.labels.get('issued_by', '')}: {s.issued_by} · {s.issued_on}"
    h_issued = page.font(11, color=GREY)
    issued_h = page.height(page.width, h_issued, issued)
    h_foot = page.font(14, bold=True)
    pad = 3 * page.scale
    foot_h = page.height(page.width - 2 * pad, h_foot, s.footer, "C") + 2 * pad \
        if s.footer else 0
    y_foot = PAGE_H - MARGIN - foot_h
    y_issued = y_foot - (3 * page.scale if foot_h else 0) - issued_h

    def draw() -> None:
        pdf.set_y(y_issued)
        page.font(11, color=GREY)
        page.text(MARGIN, page.width, h_issued, issued)
        if foot_h:
            pdf.set_draw_color(*RED)
            pdf.set_line_width(1.0 * page.scale)
            pdf.rect(MARGIN, y_foot, page.width, foot_h)
            pdf.set_y(y_foot + pad)
            page.font(14, bold=True)
            page.text(MARGIN + pad, page.width - 2 * pad, h_foot, s.footer, align="C")
    return y_issued - 4 * page.scale, draw
