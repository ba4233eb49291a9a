"""In a real browser: is a member who leaves the quiz open until time runs out submitted automatically?"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.services import delivery
from tests.browser import login
from tests.e2e._scenario import SINGLE, attempt_of, countdown_seconds, open_quiz, saved_answers, shown_id
from tests.factories import PASSWORD

LEFT = 8  # seconds between loading the page and the deadline


def test_open_page_submits_itself_at_the_deadline(page, live_server, world):
    """With a few seconds left, does the page count down, save the last answer and submit at zero?"""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    # The page takes its remaining seconds from the server: move the deadline close instead of waiting.
    deadline = utcnow().replace(microsecond=0) + timedelta(seconds=LEFT)
    begin_write()
    db.session.execute(update(Attempt).where(Attempt.id == attempt.id).values(deadline=deadline))
    db.session.commit()

    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    shown = countdown_seconds(page.locator("#countdown-value").inner_text())
    assert 0 < shown <= LEFT, shown
    page.locator(f"#q{SINGLE} label.choice", has=page.locator(f"input[value='{shown_id('b')}']")).click()
    expect(page.locator("#take-bar")).to_have_class(re.compile(r"\btime-low\b"))  # the last minute is flagged

    page.wait_for_url(f"**/take/attempt/{attempt.id}/result", timeout=LEFT * 1000 + 15_000)
    expect(page.locator("main")).to_contain_text("Đã nộp lúc")
    done = attempt_of(quiz, world.member_a)
    assert done.status == "finished"
    assert done.finish_reason == "timer"
    assert abs((done.finished_at - deadline).total_seconds()) <= 2, (done.finished_at, deadline)
    assert saved_answers(attempt.id) == {SINGLE: {"choice": "b"}}
