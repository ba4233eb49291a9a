"""In a real browser (phone and desktop): can committee staff download the roll-up as PDF and as Excel?"""
from __future__ import annotations

import io

import openpyxl
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import login
from tests.e2e._scenario import SHORT, SINGLE, download_bytes, finished_attempt, folded, open_quiz
from tests.factories import PASSWORD


def test_staff_download_rollup_pdf_and_xlsx(page, live_server, world):
    """Does the committee's roll-up preview (DỰ THẢO) and workbook name every cell, with issuing held while the quiz is open?"""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.member_a, {SINGLE: "b", SHORT: "tự chuyển hóa"})
    finished_attempt(quiz, world.member_b, {SINGLE: "a"})
    login(page, live_server, world.staff.member_code, PASSWORD)

    page.goto(f"{live_server}/reports/rounds/{quiz.round_id}")
    block = page.locator("section.card", has=page.get_by_role("heading", name=world.committee.name))
    href = block.get_by_role("link", name="Xem trước báo cáo tổng hợp (PDF)").get_attribute("href")
    pdf = page.request.get(f"{live_server}{href}").body()
    assert pdf.startswith(b"%PDF")
    text = folded("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for name in (world.committee.name, world.cell_a.name, world.cell_b.name, "DỰ THẢO"):
        assert folded(name) in text, name

    block.get_by_role("link", name="Cấp số báo cáo tổng hợp").click()
    expect(page.locator("h1")).to_contain_text(world.committee.name)
    expect(page.get_by_role("alert")).to_contain_text("Bài kiểm tra còn mở đến")  # open round: no number yet
    xlsx = download_bytes(page, lambda: page.get_by_role("link", name="Bảng tổng hợp (Excel)").click())
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    values = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert world.cell_a.name in values and world.cell_b.name in values
