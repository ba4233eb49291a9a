"""Checklist item 3: granting extensions, overrides or make-ups (học bù) outside one's own subtree."""
from __future__ import annotations

from datetime import timedelta

import pytest

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import MakeupWindow
from quizapp.services import rounds
from quizapp.services.exceptions import NotFound
from tests.factories import make_quiz


def _closed_quiz(world):
    now = utcnow()
    return make_quiz(world.committee, [world.committee], opens_at=now - timedelta(days=2),
                     closes_at=now - timedelta(days=1))


def _form(target: str) -> dict:
    now = utcnow() + timedelta(hours=7)  # the form speaks Vietnam time
    return {"target": target, "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "reason": "Đi công tác"}


@pytest.mark.parametrize("target", ["person:{member_a}", "org:{cell_a}", "org:{committee}", "person:{secretary_a}"])
def test_secretary_b_cannot_grant_a_makeup_into_cell_a_through_the_page(app, world, login_as, target):
    """Does a forged make-up target in cell A (or above it) get refused with nothing stored?"""
    quiz = _closed_quiz(world)
    c = login_as(world.secretary_b, c=app.test_client())
    value = target.format(member_a=world.member_a.id, cell_a=world.cell_a.id, committee=world.committee.id,
                          secretary_a=world.secretary_a.id)
    resp = c.form(f"/manage/rounds/{quiz.round_id}/makeup", _form(value))
    assert resp.status_code in (404, 422), resp.status_code
    db.session.expire_all()
    assert db.session.query(MakeupWindow).count() == 0
    member = login_as(world.member_a, c=app.test_client())
    assert member.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 409


def test_service_refuses_targets_outside_the_actor_subtree(world):
    """Does grant_makeup itself refuse a person or cell the actor does not manage?"""
    quiz = _closed_quiz(world)
    now = utcnow()
    for kw in ({"person": world.member_a}, {"org": world.cell_a}, {"org": world.committee}):
        with pytest.raises(NotFound):
            rounds.grant_makeup(quiz, opens_at=now, closes_at=now + timedelta(hours=1), reason="x",
                                actor=world.secretary_b, **kw)
    assert db.session.query(MakeupWindow).count() == 0


def test_cell_a_makeup_does_not_open_the_quiz_to_cell_b(app, world, login_as):
    """After a make-up for the whole of cell A, is the closed quiz still closed to member_b?"""
    quiz = _closed_quiz(world)
    a = login_as(world.secretary_a, c=app.test_client())
    resp = a.form(f"/manage/rounds/{quiz.round_id}/makeup", _form(f"org:{world.cell_a.id}"))
    assert resp.status_code == 302
    assert db.session.query(MakeupWindow).count() == 1
    ok = login_as(world.member_a, c=app.test_client()).json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert ok.status_code == 201
    other = login_as(world.member_b, c=app.test_client())
    assert other.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 409
    cards = [q for q in other.get("/api/v1/quizzes").get_json()["quizzes"] if q["id"] == quiz.id]
    assert not cards or cards[0]["state"] != "open"


def test_makeup_list_of_secretary_b_hides_cell_a_grants(app, world, login_as):
    """Does cell B's secretary see cell A's make-up grant (with its reason) on the round pages?"""
    quiz = _closed_quiz(world)
    now = utcnow()
    rounds.grant_makeup(quiz, person=world.member_a, opens_at=now, closes_at=now + timedelta(hours=1),
                        reason="Lý do riêng của chi bộ A", actor=world.secretary_a)
    c = login_as(world.secretary_b, c=app.test_client())
    for url in (f"/manage/rounds/{quiz.round_id}/makeup", f"/manage/rounds/{quiz.round_id}"):
        body = c.get(url).get_data(as_text=True)
        assert "Lý do riêng của chi bộ A" not in body and "Nguyễn Thị Ngọc Ánh" not in body, url
    staff = login_as(world.staff, c=app.test_client())
    assert "Lý do riêng của chi bộ A" in staff.get(f"/manage/rounds/{quiz.round_id}/makeup").get_data(as_text=True)
