"""Manager-side grading: essays waiting in scope, one essay to grade, and key-fix previews.

The writes themselves (grade_essay, fix_key) live in services.grading; this module finds what a
manager may grade and previews a key correction without keeping it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Person,
    Question,
    QuestionVersion,
    Quiz,
    StudyRound,
)
from quizapp.services.exceptions import NotFound
from quizapp.services.question_types import manual_type_names


@dataclass
class EssayTask:
    """One essay answer of a finished attempt, with what a grader needs to see."""

    answer: Answer
    attempt: Attempt
    item: AttemptItem
    version: QuestionVersion
    grader: Person | None = None  # who graded it (Answer.grader_id), shown as "Người chấm"


def _essay_rows(person: Person, *, own: bool = False):
    """Essay answers of finished attempts the person may grade (permissions.grading_scope_clause);
    with own=True, only the cell scope applies (to tell one's own attempt from one out of scope)."""
    scope = (permissions.org_scope_clause(person, Attempt.org_id) if own
             else permissions.grading_scope_clause(person, Attempt.person_id, Attempt.org_id))
    return (
        select(Answer, Attempt, AttemptItem, QuestionVersion)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(AttemptItem, (AttemptItem.attempt_id == Answer.attempt_id) & (AttemptItem.position == Answer.position))
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(Attempt.status == AttemptStatus.FINISHED, QuestionVersion.type.in_(manual_type_names()), scope)
    )


def essays_to_grade(person: Person, round_id: int | None = None, *, include_graded: bool = False) -> list[EssayTask]:
    """Essays waiting for a mark in the person's scope (optionally one round; with include_graded
    also those already marked, with their grader), oldest first. Never the person's own essays."""
    stmt = _essay_rows(person)
    if not include_graded:
        stmt = stmt.where(Answer.graded_at.is_(None))
    if round_id is not None:
        stmt = stmt.join(Quiz, Quiz.id == Attempt.quiz_id).where(Quiz.round_id == round_id)
    grader = aliased(Person)
    stmt = (stmt.add_columns(grader).outerjoin(grader, grader.id == Answer.grader_id)
            .order_by(Attempt.finished_at, Attempt.id, Answer.position))
    return [EssayTask(*row) for row in db.session.execute(stmt).all()]


def essay_task(answer_id: int, person: Person) -> EssayTask:
    """One essay answer the person may grade; anything else is 'not found'."""
    row = db.session.execute(_essay_rows(person, own=True).where(Answer.id == answer_id)).first()
    if row is None:
        raise NotFound("Không tìm thấy bài làm này.")
    permissions.check_may_grade(row[1], person)
    return EssayTask(*row)


def versions_in_round(rnd: StudyRound) -> list[tuple[QuestionVersion, Question, int]]:
    """Question versions shown in the round's attempts, with how many attempts showed each."""
    if rnd.quiz is None:
        return []
    rows = db.session.execute(
        select(QuestionVersion, Question, func.count(AttemptItem.id))
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Attempt.quiz_id == rnd.quiz.id)
        .group_by(QuestionVersion.id, Question.id)
        .order_by(Question.bank_id, Question.position, Question.id)
    ).all()
    return [(v, q, n) for v, q, n in rows]


def version_in_round(rnd: StudyRound, version_id: int) -> QuestionVersion:
    """A version shown in the round's attempts, or NotFound."""
    for version, _question, _n in versions_in_round(rnd):
        if version.id == version_id:
            return version
    raise NotFound("Câu hỏi này không có trong bài kiểm tra của đợt học tập.")


def scoped_changes(changes: list[dict], person: Person) -> list[dict]:
    """Only the regrade rows of attempts whose cell the person manages (names stay in scope)."""
    ids = [c["attempt_id"] for c in changes]
    if not ids:
        return []
    visible = set(db.session.scalars(
        select(Attempt.id).where(Attempt.id.in_(ids), permissions.org_scope_clause(person, Attempt.org_id))
    ))
    return [c for c in changes if c["attempt_id"] in visible]


def essay_graders(rnd: StudyRound, person: Person) -> list[dict]:
    """Who graded which essay of the round, in the person's scope (for the board, sheet appendix or
    exports): member, question position, mark, grader and when; ungraded essays have grader None."""
    if rnd.quiz is None:
        return []
    grader = aliased(Person)
    member = aliased(Person)
    rows = db.session.execute(
        select(member.full_name, Attempt.org_id, Answer.position, Answer.awarded, grader.full_name, Answer.graded_at)
        .select_from(Answer)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(member, member.id == Attempt.person_id)
        .join(AttemptItem, (AttemptItem.attempt_id == Answer.attempt_id) & (AttemptItem.position == Answer.position))
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .outerjoin(grader, grader.id == Answer.grader_id)
        .where(Attempt.quiz_id == rnd.quiz.id, Attempt.status == AttemptStatus.FINISHED,
               QuestionVersion.type.in_(manual_type_names()),
               permissions.org_scope_clause(person, Attempt.org_id))
        .order_by(member.name_key, Answer.position)
    ).all()
    return [{"member": m, "org_id": o, "position": p, "awarded": a, "grader": g, "graded_at": t}
            for m, o, p, a, g, t in rows]
