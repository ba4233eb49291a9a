"""The paper test as one A4 PDF: a question paper per variant (mã đề), then one answer sheet per member.

Answer sheets are drawn from services.paper_layout (marks, QR, bubble grid), so a photo reader
written against that module finds every mark where it was printed. Serif Vietnamese font
(services.pdf_fonts); every user text goes through escape() before ReportLab's markup parser.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, NextPageTemplate,
                                PageBreak, PageTemplate, Paragraph, Spacer)

from quizapp.models import Org, StudyRound
from quizapp.services import paper_layout as L
from quizapp.services.papers import points_text
from quizapp.services.paper_tests import Sheet, Variant
from quizapp.services.pdf_fonts import register_serif
from quizapp.vn import format_date, nfc

KIND_NOTES = {
    "text": "Trả lời ngắn — viết câu trả lời vào phiếu trả lời.",
    "essay": "Tự luận — viết bài vào phần tự luận của phiếu trả lời.",
}


def _t(value) -> str:
    return escape(nfc(str(value or "")))


def _styles(family: str) -> dict[str, ParagraphStyle]:
    return {
        "head": ParagraphStyle("head", fontName=family + "-Bold", fontSize=13, leading=17, alignment=1),
        "sub": ParagraphStyle("sub", fontName=family, fontSize=11.5, leading=15, alignment=1),
        "q": ParagraphStyle("q", fontName=family, fontSize=11.5, leading=15, spaceBefore=5),
        "choice": ParagraphStyle("choice", fontName=family, fontSize=11, leading=14, leftIndent=14),
        "note": ParagraphStyle("note", fontName=family + "-Italic", fontSize=10, leading=13, leftIndent=14),
        "small": ParagraphStyle("small", fontName=family, fontSize=9, leading=11),
    }


def _question_paper(rnd: StudyRound, variant: Variant, minutes: int, styles: dict) -> list:
    story = [
        Paragraph(_t(rnd.quiz.title).upper(), styles["head"]),
        Paragraph(f"{_t(rnd.title)} · {format_date(rnd.session_date)}", styles["sub"]),
        Paragraph(f"<b>MÃ ĐỀ {_t(variant.code)}</b> · Thời gian làm bài: {minutes} phút · "
                  f"{len(variant.items)} câu", styles["sub"]),
        Paragraph("Ghi câu trả lời vào phiếu trả lời (tô kín ô của phương án chọn), không ghi vào đề.",
                  styles["note"]),
        Spacer(1, 4 * mm),
    ]
    for item in variant.items:
        block = [Paragraph(f"<b>Câu {item.number}.</b> {_t(item.version.text)} "
                           f"<i>({points_text(item.points)} điểm)</i>", styles["q"])]
        if item.kind == "letters":
            block += [Paragraph(f"<b>{_t(letter)}.</b> {_t(text)}", styles["choice"]) for letter, text in item.choices]
            if item.qtype.paper_multi:
                block.append(Paragraph("(Có thể có nhiều phương án đúng — tô mọi ô đúng.)", styles["note"]))
        else:
            block.append(Paragraph(KIND_NOTES.get(item.kind, ""), styles["note"]))
        story.append(KeepTogether(block))
    story.append(PageBreak())
    return story


class _SheetPage(Flowable):
    """A whole answer-sheet page drawn at absolute positions from paper_layout."""

    def __init__(self, rnd: StudyRound, cell: Org, sheet: Sheet, variant: Variant, family: str, styles: dict,
                 writing_items: list | None = None):
        super().__init__()
        self.rnd, self.cell, self.sheet, self.variant = rnd, cell, sheet, variant
        self.family, self.styles = family, styles
        self.writing_items = writing_items or []
        self.writing_page = writing_items is not None

    def wrap(self, avail_w, avail_h):
        return A4

    def draw(self):
        c = self.canv
        c.saveState()
        c.setFillColorRGB(0, 0, 0)
        for m in L.corner_marks():
            c.rect(m.x * mm, m.y * mm, m.size * mm, m.size * mm, stroke=0, fill=1)
        self._header(c)
        if self.writing_page:
            self._writing(c)
        else:
            self._grid(c)
        c.restoreState()

    def _para(self, text: str, style: str, x: float, top: float, width: float) -> float:
        para = Paragraph(text, self.styles[style])
        _w, h = para.wrap(width, 100 * mm)
        para.drawOn(self.canv, x, top - h)
        return top - h

    def _header(self, c) -> None:
        left = (L.MARGIN_MM + L.MARK_MM + 4) * mm
        width = (L.QR_X_MM - 4) * mm - left
        top = L.HEADER_TOP_MM * mm
        title = "PHIẾU TRẢ LỜI" + (" — PHẦN VIẾT" if self.writing_page else " TRẮC NGHIỆM")
        top = self._para(f"<b>{title}</b>", "q", left, top, width)
        top = self._para(f"{_t(self.rnd.quiz.title)} · {_t(self.cell.name)}", "small", left, top - 2, width)
        p = self.sheet.person
        top = self._para(f"Họ và tên: <b>{_t(p.full_name)}</b>", "q", left, top - 2, width)
        top = self._para(f"Mã đảng viên: <b>{_t(p.member_code)}</b>", "q", left, top, width)
        c.setLineWidth(1.2)
        c.rect(left, top - 12 * mm, 42 * mm, 10 * mm)
        c.setFont(self.family + "-Bold", 16)
        c.drawString(left + 3 * mm, top - 9 * mm, f"Mã đề: {self.sheet.variant}")
        # The QR (member + round + variant, signed) and its text beneath, for typing when no reader is at hand.
        qr = segno.make(self.sheet.token, error="m")
        rows = list(qr.matrix_iter(scale=1, border=0))
        cell = L.QR_MM * mm / len(rows)
        x0, y_top = L.QR_X_MM * mm, (L.QR_Y_MM + L.QR_MM) * mm
        for r, row in enumerate(rows):
            for col, dark in enumerate(row):
                if dark:
                    c.rect(x0 + col * cell, y_top - (r + 1) * cell, cell, cell, stroke=0, fill=1)
        c.setFont("Courier", 5)
        c.drawCentredString((L.QR_X_MM + L.QR_MM / 2) * mm, (L.QR_Y_MM - 3) * mm, self.sheet.token)

    def _grid(self, c) -> None:
        c.setFont(self.family, 9)
        note = ("Tô kín một ô cho mỗi câu; câu nhiều lựa chọn tô mọi ô đúng; câu Đúng/Sai tô Đ hoặc S. "
                "Câu trả lời ngắn và tự luận viết ở trang sau.")
        self._para(_t(note), "small", L.GRID_LEFT_MM * mm, (L.GRID_TOP_MM + 12) * mm, 170 * mm)
        r = L.BUBBLE_R_MM * mm
        for item in self.variant.items:
            x, y = L.row_origin(item.number)
            c.setFont(self.family + "-Bold", 9.5)
            c.drawRightString((x + L.NUMBER_W_MM - 1.5) * mm, (y - 1.2) * mm, f"{item.number}.")
            if item.kind != "letters":
                c.setFont(self.family + "-Italic", 8.5)
                c.drawString((x + L.NUMBER_W_MM) * mm, (y - 1.2) * mm, "viết ở trang sau")
                continue
            c.setLineWidth(0.7)
            for i, (letter, _text) in enumerate(item.choices):
                cx, cy = L.bubble_center(item.number, i)
                c.circle(cx * mm, cy * mm, r, stroke=1, fill=0)
                c.setFont(self.family, 7)
                c.drawCentredString(cx * mm, (cy - 0.9) * mm, letter)

    def _writing(self, c) -> None:
        top = WRITING_TOP_MM * mm
        left, right = L.GRID_LEFT_MM * mm, (L.PAGE_W_MM - L.GRID_LEFT_MM) * mm
        c.setLineWidth(0.4)
        for it in self.writing_items:
            c.setFont(self.family + "-Bold", 10.5)
            label = "trả lời ngắn" if it.kind == "text" else "tự luận"
            c.drawString(left, top - 5 * mm, f"Câu {it.number} ({label}):")
            top -= LABEL_MM * mm
            for _ in range(_lines_for(it)):
                top -= LINE_MM * mm
                c.line(left, top, right, top)
            top -= GAP_MM * mm


# The writing pages: a label, ruled lines, a gap per written question; as many pages as needed.
WRITING_TOP_MM = L.GRID_TOP_MM + 12
WRITING_BOTTOM_MM = L.MARGIN_MM + L.MARK_MM + 4
LABEL_MM, LINE_MM, GAP_MM = 7.0, 7.0, 4.0
SHORT_LINES, ESSAY_LINES = 2, 12


def _lines_for(item) -> int:
    return SHORT_LINES if item.kind == "text" else ESSAY_LINES


def writing_pages(variant: Variant) -> list[list]:
    """The variant's written questions packed into pages (a question never splits across pages)."""
    room = WRITING_TOP_MM - WRITING_BOTTOM_MM
    pages: list[list] = []
    used = room
    for it in (i for i in variant.items if i.kind != "letters"):
        height = LABEL_MM + _lines_for(it) * LINE_MM + GAP_MM
        if used + height > room:
            pages.append([])
            used = 0.0
        pages[-1].append(it)
        used += height
    return pages


def build_paper_pdf(rnd: StudyRound, cell: Org, variants: dict[str, Variant], sheets: list[Sheet]) -> bytes:
    """Question papers (one per variant) followed by every member's answer sheet, A4, one PDF."""
    family = register_serif()
    styles = _styles(family)
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, title=nfc(f"Đề kiểm tra trên giấy — {rnd.title}"),
                          author="Học tập Nghị quyết", subject=nfc(cell.name))
    margin = 18 * mm
    doc.addPageTemplates([
        PageTemplate("paper", [Frame(margin, margin, A4[0] - 2 * margin, A4[1] - 2 * margin)]),
        PageTemplate("sheet", [Frame(0, 0, A4[0], A4[1], 0, 0, 0, 0)]),
    ])
    minutes = rnd.quiz.time_limit_minutes
    story: list = []
    for variant in variants.values():
        story += _question_paper(rnd, variant, minutes, styles)
    if story:
        story.pop()  # no blank page before the sheets
    story.append(NextPageTemplate("sheet"))
    story.append(PageBreak())
    for sheet in sheets:
        variant = variants[sheet.variant]
        story.append(_SheetPage(rnd, cell, sheet, variant, family, styles))
        for items in writing_pages(variant):
            story.append(_SheetPage(rnd, cell, sheet, variant, family, styles, writing_items=items))
    doc.build(story)
    return buf.getvalue()
