"""In a real browser: when another device saved a newer answer, does the page say so and show it?"""
from __future__ import annotations

from playwright.sync_api import expect

from quizapp.services import delivery
from tests.browser import login
from tests.e2e._scenario import SINGLE, fresh, open_quiz, saved_answers, shown_id
from tests.factories import PASSWORD


def test_page_shows_the_newer_answer_kept_from_another_device(page, live_server, world):
    """A phone's older save loses on seq: is the member told "Đã giữ câu trả lời mới hơn từ thiết bị
    khác" (never "Đã lưu"), is the kept choice shown, and does a new tap then save normally?"""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    expect(page.locator("#save-state")).to_have_text("Đã lưu")
    # Another device (the page above still hands out seq 1) saves "d" with seq 5.
    fresh()
    assert delivery.save_answer(attempt.id, world.member_a.id, SINGLE, shown_id("d"), 5)["applied"] is True
    row = page.locator(f"#q{SINGLE} label.choice", has=page.locator(f"input[value='{shown_id('b')}']"))
    row.click()
    expect(page.locator("#save-state")).to_have_text("Đã giữ câu trả lời mới hơn từ thiết bị khác")
    expect(page.locator(f"#q{SINGLE} input[value='{shown_id('d')}']")).to_be_checked()
    expect(page.locator(f"#q{SINGLE} input[value='{shown_id('b')}']")).not_to_be_checked()
    assert saved_answers(attempt.id)[SINGLE] == {"choice": "d"}
    # Choosing again now goes above the kept seq and is saved.
    row.click()
    expect(page.locator("#save-state")).to_have_text("Đã lưu")
    assert saved_answers(attempt.id)[SINGLE] == {"choice": "b"}
