"""Make-up windows (học bù): granted within one's own subtree, counted toward the same round."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, MakeupWindow
from quizapp.services import rounds
from quizapp.services.exceptions import InvalidInput, NotFound
from tests.factories import make_round_with_quiz, make_topic_bank, open_quiz_ids

LATER_OPEN = datetime(2026, 3, 5, 1, 0)
LATER_CLOSE = datetime(2026, 3, 5, 3, 0)


@pytest.fixture
def rnd(world):
    return make_round_with_quiz(world.committee, [world.committee], bank=make_topic_bank())


def test_secretary_grants_makeup_to_own_member(client, world, login_as, rnd):
    """Does CB-A's secretary grant a make-up to a member of CB-A, audited, opening the quiz to them then?"""
    login_as(world.secretary_a)
    page = client.get(f"/manage/rounds/{rnd.id}/makeup").get_data(as_text=True)
    assert world.member_a.full_name in page and world.member_b.full_name not in page
    resp = client.form(f"/manage/rounds/{rnd.id}/makeup", {
        "target": f"person:{world.member_a.id}", "opens_at": "2026-03-05T08:00", "closes_at": "2026-03-05T10:00",
        "reason": "Đi công tác"})
    assert resp.status_code == 302
    window = db.session.scalar(select(MakeupWindow))
    assert window.person_id == world.member_a.id and window.opens_at == LATER_OPEN
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "makeup.grant")).actor_id == world.secretary_a.id
    during = datetime(2026, 3, 5, 2, 0)
    assert open_quiz_ids(world.member_a, during) == [rnd.quiz.id]
    assert open_quiz_ids(world.deputy_a, during) == []


def test_other_cell_secretary_cannot_grant_to_cell_a(client, world, login_as, rnd):
    """Is CB-B's secretary refused (404) a make-up for a CB-A member or for CB-A itself?"""
    login_as(world.secretary_b)
    for target in (f"person:{world.member_a.id}", f"org:{world.cell_a.id}"):
        resp = client.form(f"/manage/rounds/{rnd.id}/makeup", {
            "target": target, "opens_at": "2026-03-05T08:00", "closes_at": "2026-03-05T10:00", "reason": "x"})
        assert resp.status_code == 404
    with pytest.raises(NotFound):
        rounds.grant_makeup(rnd.quiz, person=world.member_a, opens_at=LATER_OPEN, closes_at=LATER_CLOSE,
                            reason="x", actor=world.secretary_b)
    assert db.session.scalar(select(MakeupWindow)) is None


def test_staff_grants_whole_cell(world, rnd):
    """Does staff grant a window to a whole cell, opening the quiz to its members only?"""
    rounds.grant_makeup(rnd.quiz, org=world.cell_b, opens_at=LATER_OPEN, closes_at=LATER_CLOSE,
                        reason="Mất điện trong buổi học", actor=world.staff)
    during = datetime(2026, 3, 5, 2, 0)
    assert open_quiz_ids(world.member_b, during) == [rnd.quiz.id]
    assert open_quiz_ids(world.member_a, during) == []


def test_makeup_times_and_reason_are_checked(client, world, login_as, rnd):
    """Is a make-up closing before it opens, or without a reason, refused with a message?"""
    with pytest.raises(InvalidInput) as exc:
        rounds.grant_makeup(rnd.quiz, person=world.member_a, opens_at=LATER_CLOSE, closes_at=LATER_OPEN,
                            reason="", actor=world.secretary_a)
    messages = [d["message"] for d in exc.value.details]
    assert "Thời điểm đóng phải sau thời điểm mở." in messages and "Vui lòng ghi lý do cho học bù." in messages
    login_as(world.secretary_a)
    resp = client.form(f"/manage/rounds/{rnd.id}/makeup", {
        "target": f"person:{world.member_a.id}", "opens_at": "2026-03-05T10:00", "closes_at": "2026-03-05T08:00",
        "reason": "Ốm"})
    assert resp.status_code == 422 and "Thời điểm đóng phải sau thời điểm mở." in resp.get_data(as_text=True)


def test_makeup_outside_round_orgs_is_refused(world):
    """Is a make-up for a cell that does not take part in the round refused?"""
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank("kh"), code="ONLYA23")
    with pytest.raises(InvalidInput):
        rounds.grant_makeup(rnd.quiz, org=world.cell_b, opens_at=LATER_OPEN, closes_at=LATER_CLOSE,
                            reason="x", actor=world.staff)
