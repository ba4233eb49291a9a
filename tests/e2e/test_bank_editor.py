"""In a real browser (phone and desktop): can a cell secretary start a bank from nothing, add one
question of each type without touching a file, and preview one as a member sees it — axe-clean?"""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Question
from tests.browser import axe_violations, login, screenshot
from tests.e2e._scenario import fresh
from tests.factories import PASSWORD

SOURCE = {"#source_document": "Nghị quyết số 04-NQ/TW", "#source_section": "Mục II"}
QUESTIONS = [
    ("single", "Nghị quyết 04-NQ/TW được ban hành năm nào?",
     {"#choices-0-text": "Năm 2016", "#choices-1-text": "Năm 2011", "#choices-2-text": "Năm 2021"}, ["#choices-0-correct"]),
    ("multiple", "Những biểu hiện nào là suy thoái về tư tưởng chính trị?",
     {"#choices-0-text": "Phai nhạt lý tưởng", "#choices-1-text": "Chăm lo học tập",
      "#choices-2-text": "Nói không đi đôi với làm"}, ["#choices-0-correct", "#choices-2-correct"]),
    ("true_false", "Nghị quyết nêu 27 biểu hiện suy thoái. Đúng hay sai?", {}, ["#tf_answer-0"]),
    ("short_text", "Cụm từ nào chỉ sự thay đổi từ bên trong dẫn tới xa rời mục tiêu?", {"#answers": "tự chuyển hóa"}, []),
    ("essay", "Liên hệ bản thân về việc phòng, chống suy thoái.", {}, []),
]


def _violations(page, name: str) -> dict:
    found = axe_violations(page)
    screenshot(page, name)
    return {name: found} if found else {}


def test_bank_from_nothing_with_every_question_type(page, live_server, world):
    """Create a bank, add single/multiple/true_false/short_text/essay questions by form, then preview one."""
    found = {}
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(f"{live_server}/manage/banks")
    page.get_by_role("link", name="Tạo ngân hàng câu hỏi").click()
    found |= _violations(page, "bank-new")
    page.get_by_role("button", name="Tạo ngân hàng câu hỏi").click()  # empty: errors at the fields
    expect(page.locator("#title-err")).to_have_text("Vui lòng nhập tên ngân hàng.")
    found |= _violations(page, "bank-new-error")
    page.fill("#title", f"Học tập Nghị quyết 04 ({page.viewport_name})")
    page.fill("#document", "Nghị quyết số 04-NQ/TW")
    page.fill("#document_date", "2016-10-30")
    page.get_by_role("button", name="Tạo ngân hàng câu hỏi").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã tạo ngân hàng câu hỏi")
    bank_id = int(re.search(r"/manage/banks/(\d+)", page.url).group(1))
    found |= _violations(page, "bank-empty")

    for n, (qtype, text, fills, checks) in enumerate(QUESTIONS, start=1):
        page.goto(f"{live_server}/manage/banks/{bank_id}/questions/new")
        page.select_option("#type", qtype)
        page.fill("#text", text)
        for selector, value in {**fills, **SOURCE}.items():
            page.fill(selector, value)
        for selector in checks:
            page.check(selector)
        if n == 1:  # a preview from the form first, then the form with a missing source, then save
            page.get_by_role("button", name="Xem trước như người làm bài").click()
            expect(page.locator(".member-preview")).to_contain_text("Năm 2011")
            found |= _violations(page, "question-form-preview")
            page.fill("#source_section", "")
            page.get_by_role("button", name="Lưu câu hỏi").click()
            expect(page.locator("#source_section-err")).to_be_visible()
            found |= _violations(page, "question-form-error")
            page.fill("#source_section", "Mục II")
        page.get_by_role("button", name="Lưu câu hỏi").click()
        expect(page.locator(".flash-success").first).to_be_visible()

    fresh()
    bank = db.session.get(Bank, bank_id)
    rows = db.session.scalars(select(Question).where(Question.bank_id == bank_id).order_by(Question.position)).all()
    assert [q.current_version.type for q in rows] == [t for t, *_ in QUESTIONS]
    prefix = "".join(p[0] for p in bank.slug.split("-") if not p.isdigit())
    assert [q.key for q in rows] == [f"{prefix}-{i:03d}" for i in range(1, 6)]

    page.goto(f"{live_server}/manage/banks/{bank_id}")
    expect(page.locator(".question-item")).to_have_count(5)
    found |= _violations(page, "bank-detail")
    page.locator(".question-item").nth(1).get_by_role("link", name=re.compile("Xem như người làm bài")).click()
    expect(page.locator(".member-preview input[type=checkbox]")).to_have_count(3)
    expect(page.locator("main .badge-ok")).to_have_count(0)
    found |= _violations(page, "question-preview")
    page.goto(f"{live_server}/manage/banks/{bank_id}/quality")
    found |= _violations(page, "bank-quality")
    assert not found, found
