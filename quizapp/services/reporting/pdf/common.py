"""Shared pieces of party-format (HD 36) and state-format (NĐ 30) documents in ReportLab.

Every user-supplied string goes through `esc()` (NFC + XML escaping) before it reaches a
Paragraph, so names containing `<`, `&` or markup print literally.
"""
from __future__ import annotations

import functools
import io
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from quizapp.models import OrgKind
from quizapp.services.pdf_fonts import drop_unprintable, register_serif
from quizapp.services.reporting.pdf.names import break_lines
from quizapp.vn import date_in_words, format_number, format_percent, format_rate, nfc

CLASS_LABELS = {"gioi": "Giỏi", "kha": "Khá", "trung_binh": "Trung bình", "chua_dat": "Chưa đạt"}
PAGE_NUMBER_SIZE = 13.5  # HD 36: 13-14 pt, from page 2, top centre
ORG_SUFFIX = {OrgKind.CHI_BO: "CB", OrgKind.TO_DANG: "TĐ", OrgKind.DANG_UY_CO_SO: "ĐU", OrgKind.DANG_BO: "ĐU",
              OrgKind.DANG_BO_TINH: "TU"}


def printable(text, font: str | None = None) -> str:
    """NFC text without the characters `font` (default: the document serif) has no glyph for.

    Emoji and other symbols outside the font would print as empty boxes; they are dropped
    (names are refused with them on input, but older rows and free text may still hold some).
    """
    clean = nfc("" if text is None else str(text))
    if clean.isascii():
        return clean
    return drop_unprintable(clean, font or _serif())


@functools.cache
def _serif() -> str:
    return register_serif()  # registration is per process; esc() runs for every table cell


def esc(text) -> str:
    """NFC-normalize, drop what the font cannot print, and escape for Paragraph markup."""
    return escape(printable(text))


def upper(text) -> str:
    """Vietnamese capitals (str.upper handles every precomposed letter)."""
    return nfc(text).upper()


def num(value, decimals: int = 0) -> str:
    """Vietnamese number format."""
    return format_number(value, decimals)


def pct(value: float) -> str:
    """Vietnamese percent with two decimals (shares, facility; rates use `rate`)."""
    return format_percent(value, 2)


def rate(value: float) -> str:
    """A participation rate: truncated, never rounded up across the threshold (97,995 -> 97,99%)."""
    return format_rate(value, 2)


@dataclass
class Letterhead:
    """What the top of a document says."""

    superior: str            # superior organization (capitals, regular)
    issuer: str              # issuing organization (capitals, bold)
    number_label: str        # "05-BC/CB" (party) or "12/BC-STTTT" (state)
    place: str
    issued_on: date
    state: bool = False      # Nghị định 30 instead of Hướng dẫn 36


class Styles:
    """Paragraph styles for one family and body size."""

    def __init__(self, family: str, body: float = 14):
        self.family = family
        self.body = ParagraphStyle("body", fontName=family, fontSize=body, leading=body * 1.3,
                                   alignment=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=3)
        self.plain = ParagraphStyle("plain", parent=self.body, firstLineIndent=0, alignment=TA_LEFT)
        self.center = ParagraphStyle("center", parent=self.plain, alignment=TA_CENTER)
        # A heading never ends a page: it goes with the paragraph after it.
        self.head = ParagraphStyle("head", parent=self.plain, fontName=family + "-Bold", spaceBefore=6, keepWithNext=1)
        self.small = ParagraphStyle("small", parent=self.plain, fontSize=12, leading=14.5, spaceAfter=0)
        self.cell = ParagraphStyle("cell", parent=self.plain, fontSize=11.5, leading=13.5, spaceAfter=0)
        self.cell_c = ParagraphStyle("cellc", parent=self.cell, alignment=TA_CENTER)
        self.th_small = ParagraphStyle("ths", parent=self.cell_c, fontSize=9, leading=10.5)
        self.th_small_left = ParagraphStyle("thsl", parent=self.th_small, alignment=TA_LEFT)
        self.title = ParagraphStyle("title", parent=self.center, fontName=family + "-Bold", fontSize=15.5,
                                    leading=20, spaceBefore=14, spaceAfter=0)
        self.summary = ParagraphStyle("summary", parent=self.center, fontName=family + "-Bold", fontSize=14,
                                      leading=18, spaceAfter=0)


class RuledText(Flowable):
    """A centred line of text with a solid rule beneath exactly as wide as the text (or `rule_width`)."""

    def __init__(self, text: str, font: str, size: float, width: float, rule_width: float | None = None,
                 gap: float = 2.5):
        super().__init__()
        self.text, self.font, self.size, self.width = nfc(text), font, size, width
        self.text_width = stringWidth(self.text, font, size) if self.text else 0
        self.rule_width = rule_width if rule_width is not None else self.text_width
        self.gap = gap
        self.height = size * 1.25 + gap + 1

    def wrap(self, avail_width, avail_height):
        """Fixed size."""
        return self.width, self.height

    def draw(self):
        """Text, then the rule centred under it."""
        c = self.canv
        y_text = self.gap + 1 + self.size * 0.3
        if self.text:
            c.setFont(self.font, self.size)
            c.drawCentredString(self.width / 2, y_text, self.text)
        c.setLineWidth(0.7)
        x0 = (self.width - self.rule_width) / 2
        c.line(x0, 1, x0 + self.rule_width, 1)


def name_block(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """An organization's name in capitals, broken by `break_lines` (one Paragraph, lines joined by <br/>)."""
    lines = break_lines(upper(printable(text)), style.fontName, style.fontSize, width)
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def letterhead(lh: Letterhead, st: Styles, width: float) -> list:
    """The two-column heading block of a party (HD 36) or state (NĐ 30) document."""
    fam = st.family
    left_w, right_w = (width * 0.4, width * 0.6) if lh.state else (width * 0.45, width * 0.55)
    sup = ParagraphStyle("sup", parent=st.center, fontSize=13 if lh.state else 14, leading=17, spaceAfter=0)
    iss = ParagraphStyle("iss", parent=sup, fontName=fam + "-Bold")
    date_st = ParagraphStyle("date", parent=st.center, fontName=fam + "-Italic", fontSize=14, leading=18, spaceAfter=0)
    left = []
    if lh.superior:
        left.append(name_block(lh.superior, sup, left_w))
    left.append(name_block(lh.issuer, iss, left_w))
    if lh.state:
        left += [RuledText("", fam, 1, left_w, rule_width=left_w * 0.35),
                 Spacer(1, 4), Paragraph(f"Số: {esc(lh.number_label)}", ParagraphStyle("n", parent=st.center, fontSize=13))]
        motto = "Độc lập - Tự do - Hạnh phúc"
        right = [Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ParagraphStyle("nat", parent=iss, fontSize=12)),
                 RuledText(motto, fam + "-Bold", 13.5, right_w), Spacer(1, 6),
                 Paragraph(esc(date_in_words(lh.issued_on, printable(lh.place) or None)), date_st)]
    else:
        left += [Paragraph("*", st.center), Paragraph(f"Số {esc(lh.number_label)}", st.center)]
        right = [RuledText("ĐẢNG CỘNG SẢN VIỆT NAM", fam + "-Bold", 15, right_w), Spacer(1, 8),
                 Paragraph(esc(date_in_words(lh.issued_on, printable(lh.place) or None)), date_st)]
    table = Table([[left, right]], colWidths=[left_w, right_w])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [table]


def summary_case(summary: str, state: bool = False) -> str:
    """Trích yếu: a party document's starts in lower case (HD 36), a state one's with a capital (NĐ 30)."""
    text = nfc(summary)
    if not text:
        return text
    return (text[0].upper() if state else text[0].lower()) + text[1:]


def title_block(doc_title: str, summary: str, st: Styles, width: float, state: bool = False) -> list:
    """`BÁO CÁO`, the bold summary line (trích yếu), and a short rule under it."""
    return [Paragraph(esc(doc_title), st.title), Paragraph(esc(summary_case(summary, state)), st.summary),
            Spacer(1, 3), RuledText("", st.family, 1, width, rule_width=30 * mm), Spacer(1, 8)]


def recipients_and_signature(recipients: list[str], sign_for: str, sign_title: str, signer: str,
                             st: Styles, width: float, has_seal: bool = False, state: bool = False) -> Table:
    """Bottom block: `Nơi nhận:` (left) and the signature (right); a seal area only if the org has one.

    Party (HD 36): "Nơi nhận:" underlined, recipients 12 pt. State (NĐ 30): "Nơi nhận:" bold
    italic 12 pt, recipients 11 pt. `sign_title` may hold several lines separated by newlines
    ("KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC").
    """
    fam = st.family
    rec_head = ParagraphStyle("rh", parent=st.small, fontName=fam + "-BoldItalic", fontSize=12, leading=14.5)
    rec = ParagraphStyle("rc", parent=st.small, fontSize=11, leading=13) if state else st.small
    head = "Nơi nhận:" if state else "<u>Nơi nhận:</u>"
    left = [Paragraph(head, rec_head)] + [Paragraph(esc(r), rec) for r in recipients]
    sign = ParagraphStyle("sg", parent=st.center, fontName=fam + "-Bold", spaceAfter=0)
    right = [Paragraph(esc(line), sign) for line in [sign_for, *str(sign_title).split("\n")] if nfc(line)]
    right += [Spacer(1, (30 if has_seal else 22) * mm), Paragraph(esc(signer), sign)]
    t = Table([[left, right]], colWidths=[width * 0.45, width * 0.55])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def closing(last_paragraphs: list, bottom) -> KeepTogether:
    """The last body paragraph(s) and the signature block, kept on one page: the signature never
    stands alone at the top of a page (HD 36)."""
    return KeepTogether([*last_paragraphs, Spacer(1, 6), bottom])


def distribution_chart(distribution: dict, family: str, width: float = 120 * mm, height: float = 45 * mm) -> Drawing:
    """A small vertical bar chart of counts by classification."""
    keys = list(CLASS_LABELS)
    values = [int(distribution.get(k, 0)) for k in keys]
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 18, width - 40, height - 28
    chart.data = [values]
    chart.categoryAxis.categoryNames = [CLASS_LABELS[k] for k in keys]
    chart.categoryAxis.labels.fontName = family
    chart.categoryAxis.labels.fontSize = 9
    chart.valueAxis.labels.fontName = family
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max(values + [1])
    chart.valueAxis.valueMax = top + max(1, top // 5)
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.bars[0].fillColor = colors.HexColor("#8c0f15")
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = family
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    d.add(chart)
    d.add(String(0, height - 8, "Số người", fontName=family, fontSize=8))
    return d


class QRFlowable(Flowable):
    """A QR code drawn as one filled path (segno matrix): far cheaper than a shape per module."""

    def __init__(self, data: str, size: float):
        super().__init__()
        import segno

        self.matrix = [list(row) for row in segno.make(data, error="m").matrix]
        self.size = size
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        """Fixed size."""
        return self.size, self.size

    def draw(self):
        """Dark modules as rectangles in one path, with a quiet zone of 2 modules."""
        n = len(self.matrix)
        cell = self.size / (n + 4)
        path = self.canv.beginPath()
        for y, row in enumerate(self.matrix):
            for x, dark in enumerate(row):
                if dark:
                    path.rect((x + 2) * cell, self.size - (y + 3) * cell, cell, cell)
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def qr_block(url: str, code: str, st: Styles, size: float = 26 * mm) -> Table:
    """A QR code of the verify URL, with the code printed beside it."""
    text = [Paragraph(f"Mã xác thực: <b>{esc(code)}</b>", st.small),
            Paragraph(f"Đối chiếu tại: {esc(url)}", st.small)]
    t = Table([[QRFlowable(url, size), text]], colWidths=[size + 4 * mm, None])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def grid_style(header_rows: int = 1) -> list:
    """Table style commands for a bordered data table."""
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def build(story: list, margins_mm: tuple, family: str, title: str) -> bytes:
    """Lay out the story on A4 with the given margins; page numbers from page 2, top centre."""
    top, bottom, left, right = margins_mm
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, topMargin=top * mm, bottomMargin=bottom * mm,
                            leftMargin=left * mm, rightMargin=right * mm, title=nfc(title),
                            author="Học tập Nghị quyết", creator="quizapp")

    def later(canvas, d):
        canvas.saveState()
        canvas.setFont(family, PAGE_NUMBER_SIZE)
        canvas.drawCentredString(left * mm + d.width / 2, A4[1] - top * mm / 2, str(d.page))
        canvas.restoreState()

    story, marked = apply_marks(story, family)
    doc.build(story, onFirstPage=marked(None), onLaterPages=marked(later))
    return buf.getvalue()


def setup(margins_mm: tuple | None = None) -> tuple[str, Styles, float, tuple]:
    """Register the serif font; return (family, styles, frame width, margins)."""
    family = register_serif()
    margins = tuple(margins_mm or _config_margins())
    width = A4[0] - (margins[2] + margins[3]) * mm
    return family, Styles(family), width, margins


def _config_margins() -> tuple:
    try:
        from flask import current_app

        return tuple(current_app.config["PDF_MARGINS_MM"])
    except RuntimeError:  # no application: the declared default
        from quizapp.config import Config

        return tuple(Config.PDF_MARGINS_MM)


# ---------------------------------------------------------------------------- document marks
# Set by reporting.documents around a build: a preview carries DỰ THẢO diagonally across every
# page; a document issued while figures may still change says TẠM THỜI under its title.
_MARKS: ContextVar[dict | None] = ContextVar("pdf_document_marks", default=None)


@contextmanager
def document_marks(*, draft: bool = False, provisional: bool = False):
    """Within the block, build() marks documents as a draft and/or provisional."""
    token = _MARKS.set({"draft": draft, "provisional": provisional})
    try:
        yield
    finally:
        _MARKS.reset(token)


def apply_marks(story: list, family: str):
    """(story with the TẠM THỜI line after the title block, page-callback wrapper adding DỰ THẢO)."""
    marks = _MARKS.get() or {}
    if marks.get("provisional"):
        style = ParagraphStyle("provisional", fontName=family + "-Bold", fontSize=14, leading=18,
                               alignment=TA_CENTER, textColor=colors.HexColor("#8c0f15"), spaceBefore=2)
        names = [getattr(getattr(f, "style", None), "name", "") for f in story]
        # Right after the title block's summary line (or after the letterhead if there is none).
        at = names.index("title") + 1 if "title" in names else min(1, len(story))
        while at < len(story) and names[at] == "summary":
            at += 1
        story = story[:at] + [Paragraph("(TẠM THỜI)", style)] + story[at:]

    def marked(inner):
        def on_page(canvas, doc):
            if inner is not None:
                inner(canvas, doc)
            if marks.get("draft"):
                draft_watermark(canvas, family)
        return on_page

    return story, marked


def draft_watermark(canvas, family: str) -> None:
    """'DỰ THẢO' in large grey letters across the page, corner to corner."""
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.35))
    canvas.setFont(family + "-Bold", 96)
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(54)
    canvas.drawCentredString(0, -32, "DỰ THẢO")
    canvas.restoreState()
