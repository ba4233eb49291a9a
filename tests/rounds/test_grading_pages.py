"""Essay grading and key correction pages: scope, escaping, audit, regrading."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AuditLog, QuestionVersion
from quizapp.services import grading
from tests.factories import (
    SINGLE,
    add_question,
    make_attempt_with_items,
    make_round_with_quiz,
    make_topic_bank,
)

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def essay_setup(world):
    bank = make_topic_bank(org=world.committee)
    _, single = add_question(bank, "s-1", "single", dict(SINGLE), points=1.0)
    _, essay = add_question(bank, "e-1", "essay", {"rubric": [{"criterion": "Nội dung", "points": 2.0},
                                                              {"criterion": "Liên hệ bản thân", "points": 1.0}]},
                            points=3.0)
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=bank)
    attempt = make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a,
                           items=[(single, {"choice": "a"}), (essay, {"text": "Bài viết.\n" + XSS})])
    grading.grade_attempt(attempt)
    db.session.commit()
    answer = db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == 2))
    return rnd, attempt, answer, single


def test_pending_essay_listed_in_scope_only(client, world, login_as, essay_setup):
    """Is the pending essay listed for CB-A's secretary and staff, but not for CB-B's secretary?"""
    rnd, attempt, answer, _ = essay_setup
    assert attempt.pending_essays == 1
    for person in (world.secretary_a, world.staff):
        login_as(person)
        assert world.member_a.full_name in client.get("/manage/grading").get_data(as_text=True)
        client.form("/auth/logout")
    login_as(world.secretary_b)
    assert world.member_a.full_name not in client.get("/manage/grading").get_data(as_text=True)
    assert client.get(f"/manage/grading/answers/{answer.id}").status_code == 404
    assert client.form(f"/manage/grading/answers/{answer.id}", {"awarded": "3"}).status_code == 404
    assert db.session.get(Answer, answer.id).graded_at is None


def test_essay_text_is_escaped(client, world, login_as, essay_setup):
    """Is markup in an essay shown as text on the grading page, never as live HTML?"""
    _, _, answer, _ = essay_setup
    login_as(world.secretary_a)
    html = client.get(f"/manage/grading/answers/{answer.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in html and "<script>alert" not in html and "<img src=x" not in html


def test_grading_with_rubric_updates_score_and_audit(client, world, login_as, essay_setup):
    """Does grading by rubric ("1,5" + "1") set the essay mark, rescore the attempt and leave an audit entry?"""
    _, attempt, answer, _ = essay_setup
    login_as(world.secretary_a)
    resp = client.form(f"/manage/grading/answers/{answer.id}", {
        "rubric-0": "1,5", "rubric-1": "1", "awarded": "", "comment": "Khá tốt <b>"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    graded = db.session.get(Answer, answer.id)
    assert graded.awarded == 2.5 and graded.rubric_scores == [1.5, 1.0] and graded.grader_id == world.secretary_a.id
    att = db.session.get(Attempt, attempt.id)
    assert att.pending_essays == 0 and att.score == round(10 * 3.5 / 4, 1)
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "essay.grade"))
    assert log.actor_id == world.secretary_a.id and log.target_id == answer.id
    assert world.member_a.full_name not in client.get("/manage/grading").get_data(as_text=True)


def test_bad_marks_are_explained(client, world, login_as, essay_setup):
    """Are a mark above the maximum, or text instead of a number, refused with a message?"""
    _, _, answer, _ = essay_setup
    login_as(world.secretary_a)
    resp = client.form(f"/manage/grading/answers/{answer.id}", {"awarded": "5", "comment": "giữ nhận xét"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Điểm chấm phải từ 0 đến 3" in html and "giữ nhận xét" in html
    resp = client.form(f"/manage/grading/answers/{answer.id}", {"awarded": "ba"})
    assert resp.status_code == 422 and "vui lòng nhập một số" in resp.get_data(as_text=True)
    assert db.session.get(Answer, answer.id).graded_at is None


def test_key_fix_preview_then_confirm_regrades(client, world, login_as, essay_setup):
    """Does a key fix show a preview without changing anything, then regrade and audit on confirm?"""
    rnd, attempt, _, single = essay_setup
    before = db.session.get(Attempt, attempt.id).points
    login_as(world.staff)
    listing = client.get(f"/manage/rounds/{rnd.id}/key-fix").get_data(as_text=True)
    assert "s-1" in listing
    url = f"/manage/rounds/{rnd.id}/key-fix/{single.id}"
    preview = client.form(url, {"correct": "b", "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and world.member_a.full_name in html and "Có thay đổi" in html
    db.session.expire_all()
    assert db.session.get(QuestionVersion, single.id).spec["choices"][0]["correct"] is True
    assert db.session.get(Attempt, attempt.id).points == before
    done = client.form(url, {"correct": "b", "action": "confirm"})
    assert done.status_code == 200 and "Kết quả chấm lại" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuestionVersion, single.id).spec["choices"][1]["correct"] is True
    assert db.session.get(Attempt, attempt.id).points == before - 1.0
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "question.fix_key")).actor_id == world.staff.id


def test_key_fix_refused_outside_scope(client, world, login_as, essay_setup):
    """Is the key fix refused to CB-B's secretary (404 on a CB-A round) and to a cell secretary on a committee round (403)?"""
    rnd, _, _, single = essay_setup
    cell_round = make_round_with_quiz(world.cell_a, [world.cell_a], bank=make_topic_bank("kh"), code="CELLA23")
    login_as(world.secretary_b)
    assert client.get(f"/manage/rounds/{cell_round.id}/key-fix").status_code == 404
    client.form("/auth/logout")
    login_as(world.secretary_a)
    resp = client.form(f"/manage/rounds/{rnd.id}/key-fix/{single.id}", {"correct": "b", "action": "confirm"})
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.get(QuestionVersion, single.id).spec["choices"][0]["correct"] is True
