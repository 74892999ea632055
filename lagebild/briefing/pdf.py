"""The briefing as PDF (fpdf2): A4, DejaVu Sans (umlauts), page numbers "Seite n/N".

Readable in black and white: the Lagestufe box gets a thicker frame and a darker grey per
level and says the level in words; overdue measures are marked with "!"; images carry
patterns and symbols (``briefing_charts``). Nothing is fetched: fonts are local files,
images are PNG bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from lagebild.briefing.model import Briefing, Section
from lagebild.briefing.inputs import BriefingError
from lagebild.i18n import t

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
LEVEL_STYLE = {0: (255, 0.3), 1: (240, 0.6), 2: (220, 1.0), 3: (195, 1.6)}  # grey, frame mm
BODY, SMALL = 9.5, 7.5


def font_files() -> tuple[Path, Path]:
    """(regular, bold) DejaVu Sans: Debian's fonts-dejavu-core, else the copy that ships
    with matplotlib (a dependency). German error when neither exists."""
    dirs = list(FONT_DIRS)
    try:
        import matplotlib
        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:   # pragma: no cover - matplotlib is a dependency
        pass
    for d in dirs:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise BriefingError("Für das PDF fehlt die Schrift DejaVu Sans (für Umlaute). Bitte "
                        "installieren: apt-get install fonts-dejavu-core (oder matplotlib "
                        "neu installieren). Gesucht in: " + ", ".join(map(str, dirs)))


class _Doc(FPDF):
    def __init__(self, footer_text: str, page_word: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text, self.page_word = footer_text, page_word

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", size=SMALL)
        self.set_text_color(60)
        self.cell(0, 5, f"{self.footer_text} – {self.page_word} {self.page_no()}/{{nb}}",
                  align="C")
        self.set_text_color(0)


def render(briefing: Briefing, font_paths: tuple[Path, Path] | None = None) -> bytes:
    """PDF bytes of the briefing."""
    regular, bold = font_paths or font_files()
    pdf = _Doc(briefing.footer, t("briefing.doc.page", briefing.lang))
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(briefing.title)
    pdf.set_creator("Lagebild")
    pdf.set_lang(briefing.lang)
    pdf.add_page()
    _head(pdf, briefing)
    for section in briefing.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _head(pdf: _Doc, b: Briefing) -> None:
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, b.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)
    for label, value in b.facts:
        pdf.set_font("DejaVu", "B", BODY)
        pdf.cell(38, 5.2, label + ":")
        pdf.set_font("DejaVu", "", BODY)
        pdf.multi_cell(0, 5.2, value, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
    grey, frame = LEVEL_STYLE.get(b.level, LEVEL_STYLE[3])
    pdf.set_fill_color(grey)
    pdf.set_line_width(frame)
    pdf.set_font("DejaVu", "B", 12)
    text = f"{b.level_heading}\n"
    pdf.multi_cell(0, 6.5, text.strip(), border="LTR", fill=True, padding=(3, 3, 0, 3),
                   new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "", BODY)
    pdf.multi_cell(0, 5, b.level_reason, border="LBR", fill=True, padding=(1, 3, 3, 3),
                   new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_line_width(0.2)
    pdf.ln(4)


def _image_height(png: bytes, width: float) -> float:
    from PIL import Image
    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
    return width * h / w


def _section(pdf: _Doc, s: Section) -> None:
    width = pdf.epw
    if s.new_page:
        pdf.add_page()
    needed = 14 + (_image_height(s.images[0][1], _image_width(s, width)) if s.images else 20)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 12.5)
    pdf.multi_cell(0, 7, s.heading, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)
    pdf.set_font("DejaVu", "", BODY)
    for text in s.paragraphs:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)
    for text in s.bullets:
        pdf.set_x(pdf.l_margin + 2)
        pdf.multi_cell(width - 2, 4.8, "• " + text, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(0.6)
    if s.table is not None and s.table.rows:
        _table(pdf, s)
    for alt, png in s.images:
        w = _image_width(s, width)
        if pdf.get_y() + _image_height(png, w) > pdf.page_break_trigger:
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=pdf.l_margin + (width - w) / 2, w=w, alt_text=alt)
        pdf.ln(2)
    pdf.set_font("DejaVu", "", SMALL)
    for note in s.notes:
        pdf.multi_cell(0, 3.8, note, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(0.5)
    pdf.ln(3)


def _image_width(s: Section, width: float) -> float:
    return width * (0.72 if s.key == "map" else 1.0)


def _table(pdf: _Doc, s: Section) -> None:
    pdf.set_font("DejaVu", "", 8)
    head = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(col_widths=s.table.widths, text_align="LEFT", line_height=4.2,
                   headings_style=head, first_row_as_headings=True,
                   padding=1) as table:
        header = table.row()
        for col in s.table.columns:
            header.cell(col)
        for row in s.table.rows:
            cells = table.row()
            for value in row:
                cells.cell(str(value))
    pdf.ln(2)
