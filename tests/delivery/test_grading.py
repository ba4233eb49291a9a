"""Scoring: classification, partial credit, essays graded by a person, key correction."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptItem, AuditLog, QuestionVersion
from quizapp.services import delivery, grading
from quizapp.services.exceptions import InvalidInput, NotFound
from tests.factories import make_quiz


@pytest.mark.parametrize("score,label", [(10, "gioi"), (8.0, "gioi"), (7.9, "kha"), (6.5, "kha"),
                                         (6.4, "trung_binh"), (5.0, "trung_binh"), (4.9, "chua_dat"), (0, "chua_dat")])
def test_classify_default_cutoffs(score, label):
    """Do the default cut-offs (8 / 6,5 / 5) give the expected label at and around each boundary?"""
    assert grading.classify(score, {"gioi": 8, "kha": 6.5, "trung_binh": 5}) == label


def test_classify_uses_quiz_cutoffs_and_round_half_up():
    """Are a quiz's own cut-offs used, and is 8.25 rounded up to 8.3 (not banker's rounding)?"""
    assert grading.classify(7.0, {"gioi": 7, "kha": 6, "trung_binh": 4}) == "gioi"
    assert grading.round1(8.25) == 8.3 and grading.round1(6.45) == 6.5


def _finished(world, answers: dict, **quiz_fields) -> Attempt:
    quiz = make_quiz(world.committee, [world.committee], **quiz_fields)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    for pos, value in answers.items():
        delivery.save_answer(attempt.id, world.member_a.id, pos, value, 1)
    return delivery.submit_attempt(attempt.id, person_id=world.member_a.id)


def test_multiple_partial_credit_or_all_or_nothing(world):
    """Does one right and one wrong pick of two earn 0 with partial credit floored, and 0 all-or-nothing?"""
    partial = _finished(world, {2: ["a", "c"]})
    assert db.session.scalar(select(Answer.fraction).where(Answer.attempt_id == partial.id, Answer.position == 2)) == 0.0
    half = _finished(world, {2: ["a"]}, partial_credit=True)
    none = _finished(world, {2: ["a"]}, partial_credit=False)
    assert half.points == 0.5 and none.points == 0.0


def test_essay_grading_rescores_is_audited_and_scoped(world):
    """Does the cell secretary's essay mark complete the score, while another cell's secretary gets 404?"""
    attempt = _finished(world, {1: "b", 2: ["a", "b"], 3: True, 4: "tự chuyển hóa", 5: "Bài thu hoạch."})
    assert attempt.pending_essays == 1 and attempt.classification_label == "Chờ chấm"
    essay = db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == 5))
    with pytest.raises(NotFound):
        grading.grade_essay(essay.id, world.secretary_b, 1.0, "", None)
    with pytest.raises(InvalidInput):
        grading.grade_essay(essay.id, world.secretary_a, 3.0, "", None)
    with pytest.raises(InvalidInput):
        grading.grade_essay(essay.id, world.secretary_a, 0.5, "", [2, 0])
    graded = grading.grade_essay(essay.id, world.secretary_a, 0.5, "Cần liên hệ cụ thể hơn.", [0.5, 0])
    assert graded.pending_essays == 0 and graded.points == 4.5 and graded.score == 9.0
    assert graded.classification == "gioi"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "essay.grade"))
    assert log.actor_id == world.secretary_a.id and log.details["after"]["score"] == 9.0
    # A later automatic regrade keeps the person's mark.
    db.session.commit()
    grading.grade_attempt(graded)
    assert graded.points == 4.5


def test_fix_key_regrades_every_affected_attempt(world):
    """Does correcting a wrong key regrade the attempts that used it, report changes, and audit it?"""
    attempt = _finished(world, {1: "c"})
    assert attempt.points == 0.0
    qv_id = db.session.scalar(select(AttemptItem.question_version_id).where(
        AttemptItem.attempt_id == attempt.id, AttemptItem.position == 1))
    old = db.session.get(QuestionVersion, qv_id).spec
    fixed = {"choices": [dict(c, correct=(c["id"] == "c")) for c in old["choices"]]}
    with pytest.raises(NotFound):
        grading.fix_key(qv_id, fixed, None, world.secretary_a)  # not committee staff
    changes = grading.fix_key(qv_id, fixed, 2.0, world.staff)
    assert changes == [{"attempt_id": attempt.id, "person_name": world.member_a.full_name,
                        "old_score": 0.0, "new_score": 3.3}]
    db.session.expire_all()
    again = db.session.get(Attempt, attempt.id)
    assert again.points == 2.0 and again.max_points == 6.0
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "question.fix_key")).details["regraded"]


def test_counted_attempt_follows_policy(world):
    """With two attempts, do best / last / first pick the right one?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=2)
    scores = []
    for value in ("b", "a"):
        a = delivery.start_attempt(quiz.id, world.member_a)
        delivery.save_answer(a.id, world.member_a.id, 1, value, 1)
        scores.append(delivery.submit_attempt(a.id).id)
    assert grading.counted_attempt(quiz, world.member_a.id).id == scores[0]
    quiz.attempt_policy = "last"
    assert grading.counted_attempt(quiz, world.member_a.id).id == scores[1]
    quiz.attempt_policy = "first"
    assert grading.counted_attempt(quiz, world.member_a.id).id == scores[0]
    assert grading.counted_attempt(quiz, world.member_b.id) is None
