"""Checklist item 16: suspended, transferred-out or removed members still able to log in, keep a
session, or start/save attempts (pages, API and services)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import Attempt, Membership
from quizapp.services import delivery
from quizapp.services.exceptions import Forbidden, NotFound
from tests.delivery.helpers import save, start
from tests.factories import PASSWORD, make_quiz


def _attempts(quiz_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.quiz_id == quiz_id))


@pytest.mark.parametrize("state", ["suspended", "transferred"])
def test_inactive_people_cannot_log_in(app, world, state):
    """Is a suspended or transferred person refused at login with a message saying why?"""
    world.member_a.state = state
    db.session.commit()
    resp = app.test_client().form("/auth/login", {"member_code": "MEMA", "password": PASSWORD})
    assert resp.status_code == 200
    assert "chuyển sinh hoạt hoặc đang tạm dừng" in resp.get_data(as_text=True)


@pytest.mark.parametrize("state", ["suspended", "transferred"])
def test_live_session_dies_and_the_open_attempt_stops_taking_saves(app, world, login_as, state):
    """When a member mid-quiz is suspended, do the API and pages stop at once, for saves, submits and new starts?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=2)
    c = login_as(world.member_a, c=app.test_client())
    body = start(c, quiz.id)
    aid, pos = body["id"], body["items"][0]["position"]
    assert save(c, aid, pos, "a", 1).status_code == 200
    token = c.csrf()
    world.member_a.state = state
    db.session.commit()
    hdr = {"X-CSRFToken": token}
    assert c.put(f"/api/v1/attempts/{aid}/answers/{pos}", json={"value": "b", "seq": 2}, headers=hdr).status_code == 401
    assert c.post(f"/api/v1/attempts/{aid}/submit", json={}, headers=hdr).status_code == 401
    assert c.post(f"/api/v1/quizzes/{quiz.id}/attempts", json={}, headers=hdr).status_code == 401
    assert c.get("/api/v1/quizzes").status_code == 401
    page = c.get(f"/take/attempt/{aid}")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    assert _attempts(quiz.id) == 1


def test_service_refuses_to_start_for_inactive_people(world):
    """Does start_attempt itself refuse a suspended person (whatever door the call came through)?"""
    quiz = make_quiz(world.committee, [world.committee])
    world.member_a.state = "suspended"
    db.session.commit()
    with pytest.raises(Forbidden):
        delivery.start_attempt(quiz.id, world.member_a)
    assert _attempts(quiz.id) == 0


def test_removed_member_without_a_cell_cannot_start(app, world, login_as):
    """Is a person whose membership ended (no cell now, none on the session day) unable to start the quiz?"""
    quiz = make_quiz(world.committee, [world.committee], session_date=today_local())
    m = db.session.scalar(select(Membership).where(Membership.person_id == world.member_a.id))
    m.end_date = today_local() - timedelta(days=1)
    db.session.commit()
    c = login_as(world.member_a, c=app.test_client())
    assert c.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 404
    assert quiz.id not in [q["id"] for q in c.get("/api/v1/quizzes").get_json()["quizzes"]]
    assert _attempts(quiz.id) == 0


def test_member_transferred_out_cannot_take_the_old_cells_own_quiz(app, world, login_as):
    """After moving from cell A to cell B before the session, can the member still take cell A's own quiz?"""
    quiz = make_quiz(world.cell_a, [world.cell_a], session_date=today_local())
    from quizapp.services.people import transfer_person

    transfer_person(world.member_a, world.staff, world.cell_b, on=today_local() - timedelta(days=3))
    c = login_as(world.member_a, c=app.test_client())
    assert c.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 404
    with pytest.raises(NotFound):
        delivery.start_attempt(quiz.id, world.member_a)
    assert _attempts(quiz.id) == 0
    assert date(2020, 1, 1) == db.session.scalar(select(Membership.start_date).where(
        Membership.person_id == world.member_a.id, Membership.org_id == world.cell_a.id))  # history kept
