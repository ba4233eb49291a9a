"""The quiz's short link as a QR code: inline SVG for the hall screen, and an A4 landscape PDF."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.enums import TA_CENTER

from quizapp.models import Quiz, StudyRound
from quizapp.services.pdf_fonts import register_sans
from quizapp.vn import format_date, nfc


def short_url(quiz: Quiz, site_url: str) -> str:
    """The public short link of a quiz: SITE_URL/q/<code>."""
    return f"{site_url.rstrip('/')}/q/{quiz.short_code}"


def qr_svg(url: str) -> str:
    """An inline SVG QR code that scales with CSS (no fixed size, no style attributes)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff")


def qr_pdf(rnd: StudyRound, site_url: str) -> bytes:
    """A4 landscape: the round's title, the QR code, and the short link in large type."""
    family = register_sans()
    url = short_url(rnd.quiz, site_url)
    buf = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buf, pagesize=(width, height))
    pdf.setTitle(nfc(rnd.title))
    margin = 15 * mm

    # Title: a Paragraph wraps long titles; escape() keeps ReportLab markup out of user text.
    style = ParagraphStyle("title", fontName=family + "-Bold", fontSize=22, leading=28, alignment=TA_CENTER)
    title = Paragraph(escape(nfc(rnd.title)), style)
    _w, h = title.wrap(width - 2 * margin, 80 * mm)
    title.drawOn(pdf, margin, height - margin - h)
    sub = ParagraphStyle("sub", fontName=family, fontSize=14, leading=18, alignment=TA_CENTER)
    line = f"{nfc(rnd.quiz.title)} · {format_date(rnd.session_date)}"
    para = Paragraph(escape(line), sub)
    _w2, h2 = para.wrap(width - 2 * margin, 30 * mm)
    para.drawOn(pdf, margin, height - margin - h - 4 * mm - h2)
    top = height - margin - h - 8 * mm - h2

    # QR: one filled square per dark module.
    qr = segno.make(url, error="m")
    modules = list(qr.matrix_iter(scale=1, border=2))
    n = len(modules)
    side = min(top - margin - 30 * mm, width - 2 * margin)
    cell = side / n
    x0, y0 = (width - side) / 2, top - side
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x0 + c * cell, y0 + (n - 1 - r) * cell, cell, cell, stroke=0, fill=1)

    link = url.split("://", 1)[-1]
    size = 30
    while pdf.stringWidth(link, family + "-Bold", size) > width - 2 * margin and size > 12:
        size -= 2
    pdf.setFont(family + "-Bold", size)
    pdf.drawCentredString(width / 2, margin + 8 * mm, link)
    pdf.setFont(family, 13)
    pdf.drawCentredString(width / 2, margin, "Quét mã QR hoặc gõ địa chỉ trên để làm bài kiểm tra")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
