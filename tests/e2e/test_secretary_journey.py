"""In a real browser (phone and desktop): can a cell secretary watch participation rise, record an
absence, grade an essay and download the cell's sheet (PDF) and list (Excel) — seeing only their cell?"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select, update

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import Absence, Answer, Quiz
from tests.browser import login
from tests.e2e._scenario import (ESSAY, MULTIPLE, SHORT, SINGLE, TRUE_FALSE, attempt_of, download_bytes,
                                 finished_attempt, folded, fresh, open_quiz)
from tests.factories import PASSWORD

TIMEOUT = 15_000
ESSAY_TEXT = "Tôi học tập và làm theo Bác bằng việc làm cụ thể hằng ngày."


def test_secretary_board_absence_grading_and_downloads(page, live_server, world, app, monkeypatch):
    """Does the board change as members submit, and do absence, grading, PDF and Excel work, cell-scoped?"""
    monkeypatch.setitem(app.config, "BOARD_REFRESH_SECONDS", 1)
    quiz = open_quiz(world)
    answers = {SINGLE: "b", MULTIPLE: ["a", "b"], TRUE_FALSE: "true", SHORT: "tự chuyển hóa", ESSAY: ESSAY_TEXT}
    first = finished_attempt(quiz, world.member_a, answers)
    finished_attempt(quiz, world.member_b, {SINGLE: "a"})  # the other cell: never on this secretary's pages
    rid, cell = quiz.round_id, world.cell_a

    # The board: 1 of 3 required members of CB-A has submitted; it refreshes itself every second.
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(f"{live_server}/manage/rounds/{rid}/board")
    board = page.locator("#board")
    expect(board).to_have_attribute("data-refresh-seconds", "1")
    expect(page.locator(".board-rate")).to_contain_text("1/3 đảng viên")
    expect(board).to_contain_text(world.member_a.full_name)
    expect(board).not_to_contain_text(world.member_b.full_name)
    finished_attempt(quiz, world.deputy_a, {SINGLE: "b"})  # a member submits while the board is open
    expect(page.locator(".board-rate")).to_contain_text("2/3 đảng viên", timeout=8000)  # < the 10 s default
    expect(board.locator("tr", has_text=world.deputy_a.full_name)).to_contain_text("Đã nộp")

    # Record why the secretary himself has not taken it.
    page.goto(f"{live_server}/reports/rounds/{rid}")
    expect(page.locator("main")).not_to_contain_text(world.cell_b.name)
    page.get_by_role("link", name="Ghi lý do vắng").click()
    form = page.locator("form.absence", has_text=world.secretary_a.full_name)
    expect(page.locator("form.absence")).to_have_count(1)
    form.get_by_label(f"Lý do của {world.secretary_a.full_name}", exact=True).select_option("cong_tac")
    form.get_by_label(f"Ghi rõ lý do của {world.secretary_a.full_name}").fill("Họp tại Hà Nội")
    form.get_by_role("button", name="Lưu lý do").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã lưu lý do vắng (1 thay đổi).")
    fresh()
    absence = db.session.scalar(select(Absence).where(Absence.person_id == world.secretary_a.id))
    assert absence is not None and absence.reason_code == "cong_tac" and absence.reason_text == "Họp tại Hà Nội"

    # The quiz closes (he sat the round's quiz as a member of CB-A but was away): only now may he see
    # its keys, the essay rubric included, and grade.
    page.goto(f"{live_server}/manage/grading")
    page.get_by_role("link", name="Chấm bài").first.click()
    expect(page.locator("main")).to_contain_text("chưa làm xong bài")
    begin_write()
    db.session.execute(update(Quiz).where(Quiz.id == quiz.id).values(closes_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    # Grade the essay by rubric (Vietnamese decimal comma).
    page.goto(f"{live_server}/manage/grading")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="Chấm bài").click()
    expect(page.locator(".essay-text")).to_have_text(ESSAY_TEXT)
    page.locator("#rubric-0").fill("0,5")
    page.locator("#rubric-1").fill("0,25")
    page.get_by_label("Nhận xét").fill("Liên hệ bản thân còn chung chung.")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".flash-success")).to_have_text("Đã lưu điểm bài viết.")
    fresh()
    graded = db.session.scalar(select(Answer).where(Answer.attempt_id == first.id, Answer.position == ESSAY))
    assert graded.awarded == 0.75 and graded.grader_id == world.secretary_a.id
    assert attempt_of(quiz, world.member_a).pending_essays == 0

    # The cell sheet: the preview (DỰ THẢO, no number) is the main action; the quiz has closed, every
    # absence has its reason and the essay is graded, so issuing a number is offered (a deliberate step).
    page.goto(f"{live_server}/reports/rounds/{rid}")
    href = page.get_by_role("link", name="Xem trước báo cáo (PDF)").get_attribute("href")
    pdf = page.request.get(f"{live_server}{href}").body()
    assert pdf.startswith(b"%PDF")
    page.get_by_role("link", name="Cấp số báo cáo").click()
    expect(page.locator("h1")).to_contain_text(cell.name)
    expect(page.get_by_role("button", name="Tiếp tục cấp số")).to_be_visible()
    text = folded("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert folded(cell.name) in text
    assert folded(world.member_a.full_name) in text
    assert folded(world.member_b.full_name) not in text and folded(world.cell_b.name) not in text

    # The Excel list.
    page.goto(f"{live_server}/reports/rounds/{rid}")
    xlsx = download_bytes(page, lambda: page.get_by_role("link", name="Danh sách (Excel)").click())
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    values = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert {world.member_a.full_name, world.deputy_a.full_name, world.secretary_a.full_name} <= values
    assert world.member_b.full_name not in values
    assert any(re.search(r"Gi[ỏo]i", v) for v in values)
