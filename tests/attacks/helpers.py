"""Shared set-up for the attack modules: a committee round both cells take, with finished attempts."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from quizapp.services import delivery
from tests.factories import make_quiz

# Markup that must come out inert wherever it is shown.
XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>']
XSS_TEXT = " ".join(XSS)
RAW_MARKERS = ["<script>alert(1)", "<img src=x onerror", "<svg onload"]
FORMULAS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2", "\r=1+2"]


def assert_escaped(html: str, label: str = "") -> None:
    """No raw markup from the hostile strings survives in the HTML."""
    leaks = [m for m in RAW_MARKERS if m in html]
    assert not leaks, f"{label}: unescaped {leaks}"


@dataclass
class Scene:
    """A committee quiz taken by member_a (cell A) and member_b (cell B), both finished."""

    quiz_id: int
    round_id: int
    attempt_a: int
    attempt_b: int
    essay_answer_a: int
    essay_answer_b: int


def take(quiz_id: int, person, essay_text: str = "Bài thu hoạch", submit: bool = True) -> tuple[int, int | None]:
    """Start, answer the essay (if any) and optionally submit through the delivery services."""
    attempt = delivery.start_attempt(quiz_id, person)
    essay = next((i.position for i in attempt.items if i.question_version.type == "essay"), None)
    if essay is not None:
        delivery.save_answer(attempt.id, person.id, essay, {"text": essay_text}, 1)
    answer_id = None
    if submit:
        delivery.submit_attempt(attempt.id, person_id=person.id)
        if essay is not None:
            answer_id = db.session.scalar(select(Answer.id).where(Answer.attempt_id == attempt.id,
                                                                  Answer.position == essay))
    return attempt.id, answer_id


def build_scene(world, essay_a: str = "Bài của A", essay_b: str = "Bài của B", **quiz_fields) -> Scene:
    """One committee round over both cells; member_a and member_b each finish an attempt."""
    quiz = make_quiz(world.committee, [world.committee], **quiz_fields)
    a, ea = take(quiz.id, world.member_a, essay_a)
    b, eb = take(quiz.id, world.member_b, essay_b)
    return Scene(quiz.id, quiz.round_id, a, b, ea, eb)


def attempt_status(attempt_id: int) -> str:
    """Fresh status of an attempt from the database."""
    db.session.expire_all()
    return db.session.scalar(select(Attempt.status).where(Attempt.id == attempt_id))
