"""The paper answers grid in a browser: typing row by row, checks as typed, Enter to the next row, axe-clean."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.services import paper_tests
from tests.attacks.helpers import take
from tests.browser import axe_violations, login, screenshot
from tests.factories import PASSWORD
from tests.paper.helpers import key_letters, paper_scene


def test_secretary_types_paper_answers_row_by_row(page, live_server, world):
    """Does a wrong letter show at its row as typed, Enter move to the next member, and saving grade both rows?"""
    quiz, paper = paper_scene(world)
    variants = paper_tests.load_variants(paper)
    take(quiz.id, world.deputy_a)  # she sits the quiz too: paper entry opens once she has submitted
    db.session.commit()
    login(page, live_server, world.deputy_a.member_code, PASSWORD)
    page.goto(f"{live_server}/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/entry")
    assert not axe_violations(page)
    screenshot(page, "paper-entry")

    roster = paper_tests.cell_roster(quiz.round, world.cell_a)
    first, second = roster[0].person, roster[1].person
    row1 = page.locator(f'tr[data-person="{first.id}"]')
    row2 = page.locator(f'tr[data-person="{second.id}"]')
    v1 = row1.locator(".in-variant").input_value()
    answers = row1.locator(".in-answers")
    answers.click()
    answers.type("1Z")
    expect(row1.locator(".row-msg")).to_contain_text("Câu 1")
    expect(answers).to_have_attribute("aria-invalid", "true")
    answers.fill("")
    lettered = [it for it in variants[v1].items if it.kind == "letters"]
    typed = " ".join(f"{it.number}{key_letters(it)}" for it in lettered)
    answers.type(typed)
    expect(answers).to_have_attribute("aria-invalid", "false")
    answers.press("Enter")
    expect(row2.locator(".in-answers")).to_be_focused()
    v2 = row2.locator(".in-variant").input_value()
    row2.locator(".in-answers").type("".join(key_letters(it) if len(key_letters(it)) == 1 else f"({key_letters(it)})"
                                             for it in variants[v2].items if it.kind == "letters"))
    page.get_by_role("button", name="Lưu các dòng đã nhập").click()
    expect(page.locator(".flash-success")).to_contain_text("2 người")
    assert not axe_violations(page)
    db.session.rollback()  # end the test's read snapshot: the server wrote these
    for person in (first, second):
        attempt = db.session.scalar(select(Attempt).where(Attempt.person_id == person.id))
        assert attempt.mode == "paper" and attempt.points == 3  # 3 bubble questions right; short and essay not
