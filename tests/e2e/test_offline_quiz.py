"""In a real browser (phone and desktop): a quiz that survives the hall's network — one question per
page offline, question chips without JavaScript, a session lost mid-quiz, and the time alerts."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.services import delivery
from tests.browser import DESKTOP, PHONE, assert_accessible, login, screenshot
from tests.e2e._scenario import MULTIPLE, SHORT, SINGLE, TRUE_FALSE, open_quiz, saved_answers, shown_id
from tests.factories import PASSWORD

TIMEOUT = 15_000


def _choice(page, position: int, value: str):
    return page.locator(f"#q{position} label.choice", has=page.locator(f"input[value='{shown_id(value)}']"))


def _saved(page) -> None:
    expect(page.locator("#save-state")).to_have_text("Đã lưu", timeout=TIMEOUT)


def _set_deadline(attempt_id: int, seconds: int) -> None:
    begin_write()
    db.session.execute(update(Attempt).where(Attempt.id == attempt_id)
                       .values(deadline=utcnow().replace(microsecond=0) + timedelta(seconds=seconds)))
    db.session.commit()


def test_one_question_per_page_works_offline(page, live_server, world):
    """Offline, do "Câu sau" and the question chips move between questions without loading a page,
    and do the answers given offline reach the server once the network is back?"""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=one&q=1")
    _saved(page)
    page.evaluate("() => { window.__samePage = true; }")
    assert_accessible(page)

    page.context.set_offline(True)
    _choice(page, SINGLE, "b").click()
    expect(page.locator("#save-state")).to_have_text("Chưa lưu — đang chờ có mạng", timeout=TIMEOUT)
    page.get_by_role("button", name=re.compile("Câu sau")).click()
    expect(page.locator(f"#q{MULTIPLE}")).to_be_visible()
    expect(page.locator(f"#q{SINGLE}")).to_be_hidden()
    _choice(page, MULTIPLE, "a").click()
    # A chip (question number) jumps straight to question 4; the chip says where we are.
    page.locator(f"[data-qmap='{SHORT}']").click()
    expect(page.locator(f"#q{SHORT}")).to_be_visible()
    expect(page.locator(f"#q{MULTIPLE}")).to_be_hidden()
    expect(page.locator(f"[data-qmap='{SHORT}']")).to_have_attribute("aria-current", "step")
    expect(page.locator(f"[data-qmap='{SINGLE}']")).to_have_class(re.compile(r"\bdone\b"))
    page.locator(f"#a{SHORT}").fill("tự chuyển hóa")
    page.get_by_role("button", name=re.compile("Câu trước")).click()
    expect(page.locator(f"#q{TRUE_FALSE}")).to_be_visible()
    # Switching to the all-on-one-page view needs the server: offline it stays put and says why.
    page.get_by_role("link", name="Xem tất cả câu trên một trang").click()
    expect(page.locator("#save-state")).to_have_text("Chưa lưu — đang chờ có mạng")
    expect(page.locator(f"#q{TRUE_FALSE}")).to_be_visible()
    assert page.evaluate("() => window.__samePage === true"), "moving between questions loaded a page"
    assert page.url.endswith(f"q={TRUE_FALSE}")
    assert saved_answers(attempt.id) == {}
    # The offline line stays one line on a phone.
    height, line = page.evaluate("() => { const s = document.getElementById('save-state');"
                                 " return [s.getBoundingClientRect().height, parseFloat(getComputedStyle(s).lineHeight)]; }")
    assert height <= line * 1.5, (height, line)
    assert_accessible(page)
    screenshot(page, "take-paged-offline")

    page.context.set_offline(False)
    _saved(page)
    assert saved_answers(attempt.id) == {SINGLE: {"choice": "b"}, MULTIPLE: {"choices": ["a"]},
                                         SHORT: {"text": "tự chuyển hóa"}}
    # A reload keeps the question the member was on.
    page.reload()
    expect(page.locator(f"#q{TRUE_FALSE}")).to_be_visible()
    expect(page.locator(f"#q{SINGLE}")).to_be_hidden()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_question_chips_save_without_javascript(browser, live_server, world, viewport):
    """With JavaScript off, does pressing a question number save the answer on screen, then move?"""
    ctx = browser.new_context(viewport=PHONE if viewport == "phone" else DESKTOP, locale="vi-VN",
                              java_script_enabled=False, bypass_csp=True)
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    try:
        quiz = open_quiz(world)
        attempt = delivery.start_attempt(quiz.id, world.member_a)
        login(page, live_server, world.member_a.member_code, PASSWORD)
        page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=one&q=1")
        expect(page.locator(f"#q{SINGLE}")).to_be_visible()
        expect(page.locator(f"#q{MULTIPLE}")).to_be_hidden()
        _choice(page, SINGLE, "c").click()
        with page.expect_navigation():
            page.locator(f"[data-qmap='{TRUE_FALSE}']").click()
        assert page.url.endswith(f"q={TRUE_FALSE}")
        expect(page.locator(f"#q{TRUE_FALSE}")).to_be_visible()
        expect(page.locator(f"#q{SINGLE}")).to_be_hidden()
        assert saved_answers(attempt.id) == {SINGLE: {"choice": "c"}}
        expect(page.locator(f"[data-qmap='{SINGLE}']")).to_have_class(re.compile(r"\bdone\b"))
        _choice(page, TRUE_FALSE, "true").click()
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("Câu trước")).click()
        expect(page.locator(f"#q{TRUE_FALSE - 1}")).to_be_visible()
        assert saved_answers(attempt.id) == {SINGLE: {"choice": "c"}, TRUE_FALSE: {"value": True}}
    finally:
        ctx.close()


def test_lost_session_keeps_answers_until_login(page, live_server, world):
    """Cookies cleared mid-quiz: the answer stays queued, the page asks to log in again with a link
    back to the quiz, and after logging in the queued answer arrives."""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    _saved(page)
    page.context.clear_cookies()
    _choice(page, SINGLE, "d").click()
    relogin = page.locator("#relogin")
    expect(relogin).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#save-state")).to_have_text("Đăng nhập lại để làm tiếp")
    assert_accessible(page)
    screenshot(page, "take-session-lost")
    assert saved_answers(attempt.id) == {}
    queued = page.evaluate(f"() => localStorage.getItem('quiz-queue-{attempt.id}')")
    assert queued and shown_id("d") in queued

    page.get_by_role("link", name="Đăng nhập lại để làm tiếp").click()
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.fill("#member_code", world.member_a.member_code)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert f"/take/attempt/{attempt.id}" in page.url
    _saved(page)
    assert saved_answers(attempt.id) == {SINGLE: {"choice": "d"}}
    expect(page.locator(f"#q{SINGLE} input[value='{shown_id('d')}']")).to_be_checked()
    expect(relogin).to_be_hidden()


def test_alerts_at_five_and_one_minute_once_each(page, live_server, world):
    """At 5 and at 1 minute left: a visible banner and a polite live region, each only once."""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    _set_deadline(attempt.id, 5 * 60 + 3)
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    alert, live = page.locator("#time-alert"), page.locator("#time-live")
    expect(alert).to_be_hidden()
    expect(alert).to_have_text("Còn 5 phút làm bài.", timeout=TIMEOUT)
    expect(alert).to_be_visible()
    expect(live).to_have_text("Còn 5 phút làm bài.")
    assert live.get_attribute("aria-live") == "polite"
    assert_accessible(page)
    screenshot(page, "take-alert-5min")
    # Once: a reload still under 5 minutes does not repeat it.
    page.reload()
    page.wait_for_timeout(2500)
    expect(alert).to_be_hidden()
    expect(live).to_have_text("")

    _set_deadline(attempt.id, 60 + 3)
    page.reload()
    expect(alert).to_have_text("Còn 1 phút — hết giờ bài sẽ tự nộp.", timeout=TIMEOUT)
    expect(live).to_have_text("Còn 1 phút — hết giờ bài sẽ tự nộp.")


def test_result_page_marks_and_auto_submit_notice(page, live_server, world):
    """An attempt submitted by the timer under the policy that shows keys: the notice, ✓/✗ and the
    explanation are shown, readable on a phone and axe-clean."""
    quiz = open_quiz(world, review_policy="correct", review_when="after_submit")
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    delivery.save_answer(attempt.id, world.member_a.id, SINGLE, shown_id("b"), 1)
    delivery.save_answer(attempt.id, world.member_a.id, TRUE_FALSE, "false", 1)
    delivery.submit_attempt(attempt.id, person_id=world.member_a.id, reason="timer")
    db.session.commit()
    login(page, live_server, world.member_a.member_code, PASSWORD)
    page.goto(f"{live_server}/take/attempt/{attempt.id}/result")
    expect(page.locator("#auto-submitted")).to_have_text("Hết giờ — bài đã được nộp tự động.")
    items = page.locator("section.review-item")
    expect(items.nth(SINGLE - 1)).to_contain_text("✓ Đúng")
    expect(items.nth(TRUE_FALSE - 1)).to_contain_text("✗ Sai")
    expect(items.nth(SINGLE - 1)).to_contain_text("Giải thích:")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(page)
    screenshot(page, "take-result-correct")
