"""Accessibility and screenshots: does every page a member sees, and every main page of a
secretary, pass axe-core (no serious or critical violation) on a phone and on a desktop?

Each page is also saved as a screenshot under artifacts/screenshots/ (see README, "Screenshots").
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Question
from quizapp.services import delivery
from tests.browser import axe_violations, login, screenshot
from tests.e2e._scenario import ESSAY, MULTIPLE, SHORT, SINGLE, TRUE_FALSE, finished_attempt, open_quiz
from tests.factories import PASSWORD, make_bank, make_person


def _walk(page, base: str, pages: list[tuple[str, str, int]]) -> dict:
    """Visit each (name, path, expected status): axe it and screenshot it; return the violations."""
    found = {}
    for name, path, status in pages:
        resp = page.goto(base + path)
        assert resp.status == status, f"{name} {path}: HTTP {resp.status}"
        assert page.locator("h1").count() == 1, f"{name}: one h1 per page"
        found |= _check(page, name)
    return found


def _check(page, name: str) -> dict:
    """Axe the current page and screenshot it; {name: violations} or {}."""
    violations = axe_violations(page)
    screenshot(page, name)
    return {name: violations} if violations else {}


def test_member_pages_pass_axe(page, live_server, world):
    """Do login, quiz list, start, both attempt layouts, review, result, password and error pages pass axe?"""
    in_progress = open_quiz(world, title="Kiểm tra nhận thức Nghị quyết 04-NQ/TW")
    done = open_quiz(world, title="Kiểm tra Kết luận 21-KL/TW", review_policy="correct")
    not_started = open_quiz(world, title="Kiểm tra Quy định 37-QĐ/TW")
    attempt = delivery.start_attempt(in_progress.id, world.member_a)
    delivery.save_answer(attempt.id, world.member_a.id, SINGLE, "b", 1)
    delivery.save_answer(attempt.id, world.member_a.id, SHORT, "tự chuyển hóa", 1)
    finished = finished_attempt(done, world.member_a, {SINGLE: "b", MULTIPLE: ["a"], ESSAY: "Bài thu hoạch."})

    found = _walk(page, live_server, [("login", "/auth/login", 200)])
    login(page, live_server, world.member_a.member_code, "sai-mat-khau")  # the page with its error message
    expect(page.locator("[role=alert]")).to_be_visible()
    found |= _check(page, "login-error")
    login(page, live_server, world.member_a.member_code, PASSWORD)
    found |= _walk(page, live_server, [
        ("member-quizzes", "/take/", 200),
        ("member-start", f"/take/quiz/{not_started.id}", 200),
        ("member-attempt-one", f"/take/attempt/{attempt.id}?mode=one&q=2", 200),
        ("member-attempt-all", f"/take/attempt/{attempt.id}?mode=all", 200),
        ("member-review", f"/take/attempt/{attempt.id}/review", 200),
        ("member-result", f"/take/attempt/{finished.id}/result", 200),
        ("member-password", "/auth/password", 200),
        ("error-404", "/take/attempt/999999", 404),
        ("error-403", "/manage/people", 403),
    ])
    page.goto(live_server + "/auth/password")  # sent back with a message under each field
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator(".has-error").first).to_be_visible()
    found |= _check(page, "member-password-error")
    assert not found, found


def test_secretary_pages_pass_axe(page, live_server, world):
    """Do the secretary's home, people, import, slips, rounds, board, grading, reports and bank pages pass axe?"""
    quiz = open_quiz(world)
    rid = quiz.round_id
    finished = finished_attempt(quiz, world.member_a, {SINGLE: "b", TRUE_FALSE: "true",
                                                       ESSAY: "Bài thu hoạch <b>thử</b>."})
    delivery.start_attempt(quiz.id, world.deputy_a)
    finished_attempt(quiz, world.secretary_a, {SINGLE: "b"})  # he sits it too: grading and keys open once finished
    make_person(world.cell_a, "Lê Thị Vắng")  # has not started: the absence table lists her
    essay_answer = db.session.scalar(select(Answer.id).where(Answer.attempt_id == finished.id, Answer.position == ESSAY))
    bank = make_bank(world.cell_a)
    db.session.commit()
    question_id = db.session.scalar(select(Question.id).where(Question.bank_id == bank.id).order_by(Question.position))
    cell = world.cell_a.id

    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    found = _walk(page, live_server, [
        ("secretary-home", "/home", 200),
        ("people", "/manage/people", 200),
        ("person-detail", f"/manage/people/{world.member_a.id}", 200),
        ("roster-import", "/manage/people/import", 200),
        ("login-slips", "/manage/people/slips", 200),
        ("secretary-rounds", "/manage/rounds", 200),
        ("secretary-round-detail", f"/manage/rounds/{rid}", 200),
        ("secretary-round-new", "/manage/rounds/new", 200),
        ("board", f"/manage/rounds/{rid}/board", 200),
        ("grading-list", "/manage/grading", 200),
        ("grading-answer", f"/manage/grading/answers/{essay_answer}", 200),
        ("report-results", f"/reports/rounds/{rid}", 200),
        ("report-absences", f"/reports/rounds/{rid}/orgs/{cell}/absences", 200),
        ("report-items", f"/reports/rounds/{rid}/orgs/{cell}/items", 200),
        ("report-sheet-form", f"/reports/rounds/{rid}/orgs/{cell}/sheet", 200),
        ("banks", "/manage/banks", 200),
        ("bank-detail", f"/manage/banks/{bank.id}", 200),
        ("question-edit", f"/manage/banks/{bank.id}/questions/{question_id}/edit", 200),
    ])
    # A form sent back with errors (the grading page with a mark out of range).
    page.goto(f"{live_server}/manage/grading/answers/{essay_answer}")
    page.locator("#awarded").fill("99")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".error-list")).to_be_visible()
    found |= _check(page, "grading-answer-error")
    page.goto(f"{live_server}/manage/rounds/new")
    page.locator("main form [type=submit]").last.click()
    expect(page.locator(".has-error, .error-list").first).to_be_visible()
    found |= _check(page, "secretary-round-new-error")
    page.goto(f"{live_server}/reports/rounds/{rid}/orgs/{cell}/absences")
    page.locator("form.absence").first.get_by_role("button", name="Lưu lý do").click()
    expect(page.locator("form.absence .error").first).to_be_visible()
    found |= _check(page, "report-absences-error")
    assert not found, found


def test_staff_pages_pass_axe(page, live_server, world):
    """Do committee staff's home, results, roll-up form, committee board and people list pass axe?"""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.member_a, {SINGLE: "b"})
    finished_attempt(quiz, world.member_b, {SINGLE: "a"})
    rid, committee = quiz.round_id, world.committee.id
    login(page, live_server, world.staff.member_code, PASSWORD)
    found = _walk(page, live_server, [
        ("staff-home", "/home", 200),
        ("staff-reports", "/reports/", 200),
        ("staff-report-results", f"/reports/rounds/{rid}", 200),
        ("staff-rollup-form", f"/reports/rounds/{rid}/orgs/{committee}/rollup", 200),
        ("staff-board", f"/manage/rounds/{rid}/board", 200),
        ("staff-people", "/manage/people", 200),
        ("staff-orgs", "/manage/orgs", 200),
    ])
    assert not found, found



@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_axe_check_catches_real_violations(page):
    """Is the axe check live: does it report an unlabeled input, an image without alt and low contrast?"""
    page.set_content('<!doctype html><html lang="vi"><head><title>x</title></head><body><main><h1>Thử</h1>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
                     '<p class="low">Chữ mờ</p></main></body></html>')
    page.add_style_tag(content=".low { color: #bbb; background: #fff; }")
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= ids, ids
