"""Web upload of every format: preview first (what was read, notes, skip reasons), then import all-or-nothing."""
from __future__ import annotations

import io
import re
from html import unescape

from openpyxl import load_workbook
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Bank, Question
from tests.banks.test_word import _docx

PASTED = "Câu 1: Thủ đô của Việt Nam?\nA. Huế\tB. Hà Nội\nĐáp án: B\nCâu 2: Không rõ đáp án\nA. x\nB. y\n"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _staged(html: str) -> str:
    return unescape(re.search(r'<textarea name="confirm-staged"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def test_word_upload_previews_then_imports(client, world, login_as):
    """A Word file: the preview lists questions, keys and the skipped question; confirming imports, nothing before."""
    login_as(world.staff)
    data = _docx("Câu 1: Nghị quyết 04 bàn về gì?", "A. Kinh tế", [("B. Xây dựng Đảng", "u")],
                 "Câu 2: Không có đáp án?", "A. Một", "B. Hai")
    resp = client.form("/manage/banks/upload", {
        "file": (io.BytesIO(data), "de-nq04.docx"), "document": "Nghị quyết 04-NQ/TW", "section": "Toàn văn",
        "owner": str(world.committee.id), "preview": "Xem trước"}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:500]
    assert "Word (.docx)" in html and "Xem trước: 1 câu hỏi đọc được" in html
    assert "✓ Xây dựng Đảng" in html and "Câu 2: bỏ qua: không tìm thấy đáp án đúng" in html
    assert _count(Bank) == 0
    resp = client.form("/manage/banks/upload/confirm", {"confirm-staged": _staged(html),
                                                                "confirm-owner": str(world.committee.id)})
    assert resp.status_code == 302
    bank = db.session.scalar(select(Bank).where(Bank.slug == "de-nq04"))
    assert bank.org_id == world.committee.id and [q.key for q in bank.questions] == ["cau-001"]


def test_pasted_text_needs_a_source_then_imports(client, world, login_as):
    """Pasted text without a source is refused with a clear message; with one it previews and imports."""
    login_as(world.admin)
    resp = client.form("/manage/banks/upload", {"pasted": PASTED, "title": "Dán thử", "owner": "", "preview": "1"})
    assert resp.status_code == 422 and "không ghi nguồn văn bản" in resp.get_data(as_text=True)
    resp = client.form("/manage/banks/upload", {"pasted": PASTED, "title": "Dán thử", "owner": "", "preview": "1",
                                                "document": "Hiến pháp", "section": "Điều 53"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "✓ Hà Nội" in html and "Câu 2: bỏ qua" in html
    resp = client.form("/manage/banks/upload/confirm", {"confirm-staged": _staged(html), "confirm-owner": ""})
    assert resp.status_code == 302 and _count(Question) == 1
    assert db.session.scalar(select(Bank.slug)) == "dan-thu"


def test_nothing_to_read_and_tampered_confirm_write_nothing(client, world, login_as):
    """No file and no text is a clear 422; a confirm with broken YAML lists its errors and writes nothing."""
    login_as(world.admin)
    resp = client.form("/manage/banks/upload", {"owner": "", "preview": "1"})
    assert resp.status_code == 422 and "chọn một tệp hoặc dán nội dung" in resp.get_data(as_text=True)
    resp = client.form("/manage/banks/upload/confirm", {"confirm-staged": "format: 1\nbank: [",
                                                                "confirm-owner": ""})
    assert resp.status_code == 422 and "YAML" in resp.get_data(as_text=True)
    assert _count(Bank) == 0


def test_upload_page_names_no_source_path_and_offers_the_template(client, world, login_as):
    """Does the upload page explain the formats without naming a source path, and serve the Excel template?"""
    login_as(world.staff)
    html = client.get("/manage/banks/upload").get_data(as_text=True)
    assert "README" not in html and "question_banks/" not in html and "Câu 1:" in html
    resp = client.get("/manage/banks/template.xlsx")
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.data)).worksheets[0]["D1"].value == "Câu hỏi"
