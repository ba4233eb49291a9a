"""Checklist item 17: managers who also sit the test, and which cell an attempt belongs to."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Membership
from quizapp.services import grading, round_grading
from quizapp.services.exceptions import Forbidden
from quizapp.services.reporting import queries
from tests.attacks.helpers import take
from tests.factories import make_quiz


def _cell_quiz(world, **fields):
    return make_quiz(world.cell_a, [world.cell_a], **fields)


# ---------------------------------------------------------------- nobody grades their own attempt

@pytest.mark.parametrize("role", ["secretary_a", "deputy_a"])
def test_secretary_does_not_grade_her_own_essay(app, world, login_as, role):
    """Does a cell manager who sat the quiz find her own essay in her queue, or grade it by POST?"""
    me = getattr(world, role)
    quiz = _cell_quiz(world)
    _aid, own_answer = take(quiz.id, me, "Bài của chính tôi")
    _bid, member_answer = take(quiz.id, world.member_a, "Bài của đảng viên")
    queue = {t.answer.id for t in round_grading.essays_to_grade(me)}
    assert member_answer in queue and own_answer not in queue
    assert own_answer not in {t.answer.id for t in round_grading.essays_to_grade(me, include_graded=True)}
    c = login_as(me)
    assert "Bài của chính tôi" not in c.get("/manage/grading").get_data(as_text=True)
    page = c.get(f"/manage/grading/answers/{own_answer}")
    assert page.status_code == 403 and "chính mình" in page.get_data(as_text=True)
    post = c.form(f"/manage/grading/answers/{own_answer}", {"awarded": "1", "comment": "Tốt"})
    assert post.status_code == 403
    with pytest.raises(Forbidden):
        grading.grade_essay(own_answer, me, 1.0, "Tự chấm")
    db.session.expire_all()
    assert db.session.get(Answer, own_answer).graded_at is None


@pytest.mark.parametrize("other", ["deputy_a", "staff"])
def test_secretary_essay_goes_to_another_manager_who_is_recorded_as_grader(app, world, login_as, other):
    """Can the deputy (or the committee staff above) grade the secretary's essay, and does the list
    show who graded it ("Người chấm")?"""
    quiz = _cell_quiz(world)
    _aid, answer_id = take(quiz.id, world.secretary_a, "Bài của bí thư")
    grader = getattr(world, other)
    assert answer_id in {t.answer.id for t in round_grading.essays_to_grade(grader)}
    c = login_as(grader)
    resp = c.form(f"/manage/grading/answers/{answer_id}", {"awarded": "0.5", "comment": "Đạt"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Answer, answer_id).grader_id == grader.id
    html = c.get(f"/manage/grading?round_id={quiz.round_id}&graded=1").get_data(as_text=True)
    assert "Người chấm" in html and grader.full_name in html and world.secretary_a.full_name in html


# ---------------------------------------------------------------- the cell on the session date

def _move(person, new_cell, on):
    current = db.session.scalar(select(Membership).where(Membership.person_id == person.id,
                                                         Membership.end_date.is_(None)))
    current.end_date = on - timedelta(days=1)
    db.session.add(Membership(person_id=person.id, org_id=new_cell.id, start_date=on))
    db.session.commit()


def test_moved_member_attempt_belongs_to_the_cell_of_the_session_date(app, world):
    """A member of CB-A on the session date who moved to CB-B since: is the essay graded by CB-A
    (not CB-B's secretary, who is not in the round) and counted in CB-A by the reports?"""
    quiz = _cell_quiz(world, session_date=today_local() - timedelta(days=5))
    _move(world.member_a, world.cell_b, today_local() - timedelta(days=1))
    aid, answer_id = take(quiz.id, world.member_a, "Bài của người đã chuyển")
    assert db.session.get(Attempt, aid).org_id == world.cell_a.id
    assert answer_id in {t.answer.id for t in round_grading.essays_to_grade(world.secretary_a)}
    assert answer_id not in {t.answer.id for t in round_grading.essays_to_grade(world.secretary_b)}
    rows = {r.org_id: r for r in queries.cell_rows(quiz.round, world.committee)}
    assert rows[world.cell_a.id].took_part == 1


def test_member_who_joined_after_the_session_date_is_not_in_the_round(app, world):
    """Does a CB-B member who joined CB-A only after the session get CB-A's quiz (counted nowhere)?"""
    from quizapp.services import delivery, rounds
    from quizapp.services.exceptions import NotFound

    quiz = _cell_quiz(world, session_date=today_local() - timedelta(days=5))
    _move(world.member_b, world.cell_a, today_local() - timedelta(days=1))
    assert quiz.id not in rounds.eligible_quiz_ids(world.member_b)
    with pytest.raises(NotFound):
        delivery.start_attempt(quiz.id, world.member_b)


# ---------------------------------------------------------------- replacing a cell's secretary

def test_replaced_secretary_keeps_no_secretary_rights(app, world, login_as):
    """After staff set a new secretary on the organization page, does the former one still manage
    the cell (members list, grading queue)?"""
    from quizapp import permissions
    from quizapp.models import RoleGrant

    quiz = _cell_quiz(world)
    take(quiz.id, world.member_a, "Bài của đảng viên")
    c = login_as(world.staff)
    resp = c.form(f"/manage/orgs/{world.cell_a.id}", {
        "edit-name": world.cell_a.name, "edit-place": "Đồng Xoài", "edit-term": "2025-2027",
        "edit-secretary_id": str(world.deputy_a.id), "edit-submit": "Lưu"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(world.cell_a), world.cell_a.id).secretary_id == world.deputy_a.id
    held = {(g.person_id, g.role) for g in db.session.scalars(
        select(RoleGrant).where(RoleGrant.org_id == world.cell_a.id))}
    assert (world.secretary_a.id, "secretary") not in held and (world.deputy_a.id, "secretary") in held
    former = db.session.get(type(world.secretary_a), world.secretary_a.id)
    assert not permissions.is_manager(former) and round_grading.essays_to_grade(former) == []
    old = login_as(world.secretary_a, c=app.test_client())
    assert old.get(f"/manage/orgs/{world.cell_a.id}").status_code in (403, 404)
    assert old.get("/manage/grading").status_code == 403
