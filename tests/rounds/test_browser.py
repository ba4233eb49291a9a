"""In a real browser (phone and desktop): are the round pages accessible and usable?"""
from __future__ import annotations

from quizapp.extensions import db
from quizapp.services import grading
from tests.browser import assert_accessible, login, screenshot
from tests.factories import (
    PASSWORD,
    SINGLE,
    add_question,
    make_attempt_with_items,
    make_round_with_quiz,
    make_topic_bank,
)


def _setup(world):
    bank = make_topic_bank(org=world.committee)
    _, single = add_question(bank, "s-1", "single", dict(SINGLE))
    _, essay = add_question(bank, "e-1", "essay", {"rubric": [{"criterion": "Nội dung", "points": 2.0}]}, points=2.0)
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=bank)
    attempt = make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a,
                           items=[(single, {"choice": "a"}), (essay, {"text": "Bài viết <b>thử</b>"})])
    grading.grade_attempt(attempt)
    db.session.commit()
    return rnd


def test_round_pages_pass_axe(page, live_server, world):
    """Do the round list, form, detail, board, QR, make-up and grading pages pass axe on phone and desktop?"""
    rnd = _setup(world)
    login(page, live_server, world.staff.member_code, PASSWORD)
    for name, path in [
        ("rounds", "/manage/rounds"), ("round-new", "/manage/rounds/new"),
        ("round-detail", f"/manage/rounds/{rnd.id}"), ("round-board", f"/manage/rounds/{rnd.id}/board"),
        ("round-board-cell", f"/manage/rounds/{rnd.id}/board?org={world.cell_a.id}"),
        ("round-qr", f"/manage/rounds/{rnd.id}/qr"), ("round-makeup", f"/manage/rounds/{rnd.id}/makeup"),
        ("grading", "/manage/grading"), ("key-fix", f"/manage/rounds/{rnd.id}/key-fix"),
    ]:
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1, name
        assert_accessible(page)
        screenshot(page, name)
    # Nothing may overflow a 360 px phone screen horizontally outside scrollable tables.
    page.goto(live_server + "/manage/rounds/new")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1


def test_board_refreshes_itself(page, live_server, world, app, monkeypatch):
    """Does the board page fetch its fragment again (the refresh mechanism is wired)?"""
    monkeypatch.setitem(app.config, "BOARD_REFRESH_SECONDS", 1)
    rnd = _setup(world)
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(live_server + f"/manage/rounds/{rnd.id}/board")
    with page.expect_response(lambda r: "/board/fragment" in r.url, timeout=15000) as info:
        pass
    assert info.value.status == 200
