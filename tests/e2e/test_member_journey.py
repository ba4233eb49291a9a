"""In a real browser (phone and desktop): can a member take a whole quiz — answers kept across a
reload and an outage, the true time left shown, unanswered questions listed before a confirmed
submit — and see only what the review policy allows?"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from quizapp.clock import utcnow
from quizapp.services import delivery
from tests.browser import login
from tests.e2e._scenario import (ESSAY, MULTIPLE, SHORT, SINGLE, TRUE_FALSE, attempt_of, countdown_seconds, shown_id,
                                 open_quiz, saved_answers)
from tests.factories import PASSWORD

TIMEOUT = 15_000


def _choice(page, position: int, value: str):
    """The whole row (label) of one choice of one question."""
    return page.locator(f"#q{position} label.choice", has=page.locator(f"input[value='{shown_id(value)}']"))


def _saved(page) -> None:
    expect(page.locator("#save-state")).to_have_text("Đã lưu", timeout=TIMEOUT)


def test_member_takes_quiz_through_reload_and_outage(page, live_server, world):
    """Does every answer survive a reload and an offline spell, and does the result follow the policy?"""
    # The phone shows the score only; the desktop also shows the member's own answers (never the key).
    policy = "score" if page.viewport_name == "phone" else "answers"
    quiz = open_quiz(world, review_policy=policy)
    login(page, live_server, world.member_a.member_code, PASSWORD)

    # Quiz list -> start page -> start.
    page.goto(live_server + "/take/")
    card = page.locator(".quiz-card", has_text=quiz.title)
    card.get_by_role("link", name="Vào làm bài").click()
    expect(page.locator("h1")).to_have_text(quiz.title)
    expect(page.locator(".facts")).to_contain_text("30 phút")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("#take-bar")).to_be_visible()
    attempt = attempt_of(quiz, world.member_a)
    assert attempt is not None and attempt.status == "in_progress"

    # One question per page: tap a row, it saves; "Câu sau" goes on.
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=one&q=1")
    header_bottom, bar_top = page.evaluate(
        "() => [document.querySelector('header.topbar').getBoundingClientRect().bottom,"
        " document.getElementById('take-bar').getBoundingClientRect().top]")
    assert bar_top >= header_bottom - 0.5, "the time bar must not cover the header's links"
    _choice(page, SINGLE, "b").click()
    _saved(page)
    expect(page.locator(f"#q{SINGLE} input[value='{shown_id('b')}']")).to_be_checked()
    page.get_by_role("button", name=re.compile("Câu sau")).click()
    expect(page.locator(f"#q{MULTIPLE}")).to_be_visible()
    _choice(page, MULTIPLE, "a").click()
    _choice(page, MULTIPLE, "b").click()
    _saved(page)

    # All on one page: type the short answer (saved after a pause in typing).
    page.get_by_role("link", name="Xem tất cả câu trên một trang").click()
    expect(page.locator("fieldset.question")).to_have_count(5)
    page.locator(f"#a{SHORT}").fill("tự chuyển hóa")
    page.locator(f"#a{SHORT}").press("Tab")  # leaving the field sends it at once
    # "Đã lưu" may still be showing from the previous save: wait for the answer itself to arrive.
    for _ in range(TIMEOUT // 100):
        if SHORT in saved_answers(attempt.id):
            break
        page.wait_for_timeout(100)
    _saved(page)
    assert saved_answers(attempt.id) == {SINGLE: {"choice": "b"}, MULTIPLE: {"choices": ["a", "b"]},
                                         SHORT: {"text": "tự chuyển hóa"}}

    # Reload mid-way: every answer is still there and the clock shows the server's time left.
    page.reload()
    expect(page.locator(f"#q{SINGLE} input[value='{shown_id('b')}']")).to_be_checked()
    expect(page.locator(f"#q{MULTIPLE} input[value='{shown_id('a')}']")).to_be_checked()
    expect(page.locator(f"#q{MULTIPLE} input[value='{shown_id('b')}']")).to_be_checked()
    expect(page.locator(f"#q{MULTIPLE} input[value='{shown_id('c')}']")).not_to_be_checked()
    expect(page.locator(f"#a{SHORT}")).to_have_value("tự chuyển hóa")
    shown = countdown_seconds(page.locator("#countdown-value").inner_text())
    true_left = (attempt_of(quiz, world.member_a).deadline - utcnow()).total_seconds()
    assert abs(shown - true_left) <= 5, (shown, true_left)
    assert shown > 25 * 60

    # Offline: the answer is kept on the phone and the bar says it is not saved yet.
    page.context.set_offline(True)
    _choice(page, TRUE_FALSE, "true").click()
    expect(page.locator("#save-state")).to_contain_text("Chưa lưu", timeout=TIMEOUT)
    assert TRUE_FALSE not in saved_answers(attempt.id)
    # Back online: the queued answer goes out by itself.
    page.context.set_offline(False)
    _saved(page)
    assert saved_answers(attempt.id)[TRUE_FALSE] == {"value": True}

    # Review: the essay is listed as unanswered.
    page.get_by_role("button", name="Xem lại và nộp bài").click()
    expect(page.locator("h1")).to_have_text("Xem lại trước khi nộp")
    expect(page.locator("main")).to_contain_text("Đã trả lời 4/5 câu.")
    unanswered = page.locator("main .qmap-list a")
    expect(unanswered).to_have_count(1)
    expect(unanswered).to_have_text(str(ESSAY))

    # Submitting asks first; cancelling keeps the attempt open.
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator("h1")).to_have_text("Xem lại trước khi nộp")
    assert attempt_of(quiz, world.member_a).status == "in_progress"
    messages = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator(".flash-success")).to_have_text("Bạn đã nộp bài.")
    assert "chắc chắn muốn nộp bài" in messages[0]

    done = attempt_of(quiz, world.member_a)
    assert done.status == "finished" and done.finish_reason == "member"
    assert done.score == 8.0 and done.pending_essays == 0
    main = page.locator("main")
    expect(main).to_contain_text("Điểm: 8,0/10")
    expect(main).to_contain_text("Xếp loại: Giỏi")
    text = main.inner_text()
    # Never the key or explanations under either policy.
    for secret in ("Đáp án", "Giải thích", "cốt lõi"):
        assert secret not in text
    if policy == "score":
        assert "Bài làm của bạn" not in text and "Năm 2016" not in text
    else:
        expect(page.get_by_role("heading", name="Bài làm của bạn")).to_be_visible()
        expect(main).to_contain_text("☑ Năm 2016")
        expect(main).to_contain_text("tự chuyển hóa")
        expect(main).to_contain_text("(bỏ trống)")


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_member_answers_with_keyboard_only(page, live_server, world):
    """Can a member reach the questions by the skip link and answer with the keyboard alone?"""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    first = page.locator(f"#q{SINGLE} input[type=radio]").first
    for _ in range(30):  # tab forward from the main landmark to the first choice
        page.keyboard.press("Tab")
        if first.evaluate("el => el === document.activeElement"):
            break
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")  # radio group: arrows move and select
    expect(page.locator(f"#q{SINGLE} input[value='{shown_id('b')}']")).to_be_checked()
    _saved(page)
    assert saved_answers(attempt.id) == {SINGLE: {"choice": "b"}}


def test_text_typed_before_the_script_ran_is_saved_on_leaving_the_field(page, live_server, world):
    """On a slow phone a member may type before the page's script has run: is that text saved when
    they leave the field (no "input" event was seen, only the field's "change")?"""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    page.route("**/static/js/take.js*", lambda route: route.abort())  # the script has not arrived yet
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    page.locator(f"#a{SHORT}").fill("tự chuyển hóa")  # focus stays in the field
    page.unroute("**/static/js/take.js*")
    page.add_script_tag(url=f"{live_server}/static/js/take.js")  # now it runs
    page.locator(f"#a{SHORT}").press("Tab")
    _saved(page)
    assert saved_answers(attempt.id) == {SHORT: {"text": "tự chuyển hóa"}}
