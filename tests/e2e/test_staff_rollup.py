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
    """Does the committee's roll-up come down as a numbered PDF and as a workbook naming every cell?"""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.member_a, {SINGLE: "b", SHORT: "tự chuyển hóa"})
    finished_attempt(quiz, world.member_b, {SINGLE: "a"})
    login(page, live_server, world.staff.member_code, PASSWORD)

    page.goto(f"{live_server}/reports/rounds/{quiz.round_id}")
    block = page.locator("section.card", has=page.get_by_role("heading", name=world.committee.name))
    block.get_by_role("link", name="Báo cáo tổng hợp").click()
    expect(page.locator("h1")).to_contain_text(world.committee.name)
    form_url = page.url
    expect(page.get_by_label("Số văn bản")).to_have_value("1")

    pdf = download_bytes(page, lambda: page.get_by_role("button", name="Tải báo cáo").click())
    assert pdf.startswith(b"%PDF")
    text = folded("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for name in (world.committee.name, world.cell_a.name, world.cell_b.name):
        assert folded(name) in text, name

    page.goto(form_url)
    expect(page.get_by_label("Số văn bản")).to_have_value("2")  # the PDF took number 01
    page.get_by_label("Excel (.xlsx)").check()
    xlsx = download_bytes(page, lambda: page.get_by_role("button", name="Tải báo cáo").click())
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    values = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert world.cell_a.name in values and world.cell_b.name in values
