"""Login slips: issue new first passwords to chosen members and print them as cut-out A4 slips.

A first password is never stored in plain text, so printing a slip is what issues it: the
passwords exist only in the returned PDF (and in the returned mapping, for the caller to drop).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from sqlalchemy import select

from quizapp import permissions
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import AuditLog, Org, Person
from quizapp.services import accounts, login_throttle
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services.pdf_fonts import drop_unprintable, register_sans
from quizapp.vn import nfc

MODES = ("new", "all", "selected")
COLS, ROWS = 2, 5
MARGIN = 10 * mm
PAD = 9
QR_SIZE = 64


@dataclass
class Slip:
    """What one slip shows."""

    cell_name: str
    full_name: str
    member_code: str
    password: str


@dataclass
class SlipBatch:
    """The PDF, and the issued passwords by member code (for the caller or a test; never stored)."""

    pdf: bytes
    passwords: dict[str, str]
    count: int


def slip_candidates(caller: Person, org: Org, mode: str = "new", person_ids: list[int] | None = None,
                    on: date | None = None) -> list[Person]:
    """Active members of the cell the caller may administer: 'new' = never logged in or first password unchanged."""
    if mode not in MODES:
        raise InvalidInput("Cách chọn người in phiếu không hợp lệ.")
    if not org.is_cell or not permissions.can_manage_org(org, caller):
        raise NotFound("Không tìm thấy chi bộ này trong phạm vi quản lý của bạn.")
    people = db.session.scalars(permissions.members_in_scope(caller, on, org)).unique().all()
    chosen = set(person_ids or [])
    result = []
    for person in people:
        if person.id == caller.id or not person.is_active or not permissions.can_administer(caller, person):
            continue
        if mode == "new" and not (person.must_change_password or person.last_login_at is None):
            continue
        if mode == "selected" and person.id not in chosen:
            continue
        result.append(person)
    return result


def issue_slips(actor: Person, org: Org, people: list[Person], site_url: str) -> SlipBatch:
    """Give each person a new first password, build the slips PDF, then commit (a failed PDF changes nothing)."""
    if not people:
        raise InvalidInput("Không có ai cần in phiếu theo lựa chọn này.")
    issued = [(p, accounts.generate_password()) for p in people]
    slips = [Slip(org.name, p.full_name, p.member_code, pw) for p, pw in issued]
    pdf = build_slips_pdf(slips, site_url)
    hashes = {p.id: accounts.hash_password(pw) for p, pw in issued}  # CPU-heavy: before taking the write lock
    ids = [p.id for p in people]
    begin_write()
    for person in db.session.scalars(select(Person).where(Person.id.in_(ids))):
        person.password_hash = hashes[person.id]
        person.must_change_password = True
        accounts.revoke_sessions(person.id)
    login_throttle.forget([p.member_code for p in people])
    db.session.add(AuditLog(actor_id=actor.id, action="slips.print", target_type="org", target_id=org.id,
                            details={"count": len(ids), "person_ids": ids}))
    db.session.commit()
    return SlipBatch(pdf=pdf, passwords={s.member_code: s.password for s in slips}, count=len(slips))


def printable(text: str, family: str) -> str:
    """NFC text without what the slip font cannot draw (emoji would print as boxes)."""
    return drop_unprintable(nfc(text), family + "-Bold")


def _qr_drawing(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _styles(family: str) -> dict[str, ParagraphStyle]:
    return {
        "cell": ParagraphStyle("cell", fontName=family, fontSize=8.5, leading=10.5, textColor=HexColor("#5b5b66")),
        "name": ParagraphStyle("name", fontName=family + "-Bold", fontSize=12.5, leading=15),
        "label": ParagraphStyle("label", fontName=family, fontSize=8, leading=9.5),
        "note": ParagraphStyle("note", fontName=family, fontSize=7.5, leading=9.5),
    }


def _draw_para(canvas: Canvas, text: str, style: ParagraphStyle, x: float, top: float, width: float) -> float:
    """Draw markup-safe text whose top edge is at `top`; returns the new top below it."""
    para = Paragraph(text, style)
    _, height = para.wrap(width, 1000)
    para.drawOn(canvas, x, top - height)
    return top - height


def _para_height(text: str, style: ParagraphStyle, width: float) -> float:
    return Paragraph(text, style).wrap(width, 1000)[1]


def fit_style(text: str, style: ParagraphStyle, width: float, room: float, min_size: float = 6.5) -> ParagraphStyle:
    """The largest size (from style's own, down to `min_size`, by 0.5 pt) at which `text` wrapped
    in `width` is no taller than `room`: a long name shrinks instead of crossing the cut line."""
    size = style.fontSize
    while True:
        fitted = ParagraphStyle(f"{style.name}-{size}", parent=style, fontSize=size, leading=size * 1.2)
        if size <= min_size or _para_height(text, fitted, width) <= room:
            return fitted
        size -= 0.5


def _code_font(text: str, family: str) -> str:
    return "Courier-Bold" if text.isascii() else family + "-Bold"


# Fixed heights below the name (pt): labels, the code and password lines, gaps; the note comes after.
_BELOW_NAME = 62


def _draw_slip(canvas: Canvas, slip: Slip, x: float, y: float, w: float, h: float, qr_form: str,
               styles: dict, family: str, site_url: str) -> None:
    qr_size = QR_SIZE
    text_w = w - 3 * PAD - qr_size  # left of the QR code, which reaches up beside the name
    note = (f"Vào {escape(printable(site_url, family))} (hoặc quét mã QR), đăng nhập bằng số thẻ và mật khẩu trên, "
            "rồi đổi mật khẩu ngay. Giữ kín phiếu này.")
    note_h = _para_height(note, styles["note"], w - 2 * PAD)
    cell_text = escape(printable(slip.cell_name, family))
    name_text = escape(printable(slip.full_name, family))
    room = h - 2 * PAD - _BELOW_NAME - note_h - 2
    cell_style = fit_style(cell_text, styles["cell"], text_w, min(2 * styles["cell"].leading, room / 3), 7)
    cell_h = _para_height(cell_text, cell_style, text_w)
    name_style = fit_style(name_text, styles["name"], text_w, room - cell_h)
    top = y + h - PAD
    top = _draw_para(canvas, cell_text, cell_style, x + PAD, top, text_w)
    top = _draw_para(canvas, name_text, name_style, x + PAD, top - 2, text_w)
    top = _draw_para(canvas, "Tên đăng nhập (số thẻ đảng viên):", styles["label"], x + PAD, top - 4, text_w)
    canvas.setFont(_code_font(slip.member_code, family), 13)
    canvas.drawString(x + PAD, top - 13, slip.member_code)
    top = _draw_para(canvas, "Mật khẩu lần đầu:", styles["label"], x + PAD, top - 17, text_w)
    canvas.setFont(_code_font(slip.password, family), 16)
    canvas.drawString(x + PAD, top - 16, slip.password)
    canvas.saveState()
    canvas.translate(x + w - PAD - qr_size, top - 16)
    canvas.doForm(qr_form)  # the QR is drawn once per document and reused
    canvas.restoreState()
    _draw_para(canvas, note, styles["note"], x + PAD, top - 22, w - 2 * PAD)


def _cut_lines(canvas: Canvas, w: float, h: float) -> None:
    page_w, page_h = A4
    canvas.saveState()
    canvas.setDash(4, 3)
    canvas.setLineWidth(0.5)
    canvas.setStrokeColor(HexColor("#8a8a95"))
    for col in range(COLS + 1):
        canvas.line(MARGIN + col * w, MARGIN, MARGIN + col * w, page_h - MARGIN)
    for row in range(ROWS + 1):
        canvas.line(MARGIN, MARGIN + row * h, page_w - MARGIN, MARGIN + row * h)
    canvas.restoreState()


def build_slips_pdf(slips: list[Slip], site_url: str) -> bytes:
    """A4 pages of 2 x 5 cut-out login slips (name, code, first password, site address and its QR code)."""
    family = register_sans()
    styles = _styles(family)
    page_w, page_h = A4
    w, h = (page_w - 2 * MARGIN) / COLS, (page_h - 2 * MARGIN) / ROWS
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.beginForm("site_qr", 0, 0, QR_SIZE, QR_SIZE)
    renderPDF.draw(_qr_drawing(site_url, QR_SIZE), canvas, 0, 0)
    canvas.endForm()
    canvas.setTitle("Phiếu đăng nhập")
    canvas.setAuthor("Học tập Nghị quyết")
    per_page = COLS * ROWS
    for start in range(0, len(slips), per_page):
        _cut_lines(canvas, w, h)
        for i, slip in enumerate(slips[start:start + per_page]):
            col, row = i % COLS, i // COLS
            x, y = MARGIN + col * w, page_h - MARGIN - (row + 1) * h
            _draw_slip(canvas, slip, x, y, w, h, "site_qr", styles, family, site_url)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
