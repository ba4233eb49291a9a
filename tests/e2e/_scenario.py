"""Data and small helpers shared by the browser journeys (quizzes, attempts, DB reads, countdown)."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from quizapp.services import delivery
from tests.factories import make_quiz

# Positions of make_quiz's default questions (fixed order, choices not shuffled).
SINGLE, MULTIPLE, TRUE_FALSE, SHORT, ESSAY = 1, 2, 3, 4, 5


def shown_id(real: str) -> str:
    """The id a taker's page gives an unshuffled choice: its display position ("b" -> "c2").
    Đúng/Sai keeps its fixed ids ("true", "false")."""
    return real if real in ("true", "false") else f"c{'abcdefgh'.index(real) + 1}"


def open_quiz(world, **fields):
    """A quiz open now for the whole committee (both cells), one question of every type."""
    return make_quiz(world.committee, [world.committee], **fields)


def fresh() -> None:
    """End the test's read snapshot so the next query sees what the live server committed."""
    db.session.rollback()
    db.session.expire_all()


def attempt_of(quiz, person) -> Attempt | None:
    """The person's latest attempt at the quiz, read fresh from the database."""
    fresh()
    return db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.person_id == person.id)
                             .order_by(Attempt.number.desc()).limit(1))


def saved_answers(attempt_id: int) -> dict[int, dict]:
    """position -> saved value of an attempt, read fresh."""
    fresh()
    rows = db.session.execute(select(Answer.position, Answer.value).where(Answer.attempt_id == attempt_id))
    return {pos: value for pos, value in rows if value is not None}


def finished_attempt(quiz, person, answers: dict[int, object], now: datetime | None = None) -> Attempt:
    """Start, save `answers` (position -> raw value) and submit through the delivery services."""
    attempt = delivery.start_attempt(quiz.id, person, now=now)
    for pos, value in answers.items():
        delivery.save_answer(attempt.id, person.id, pos, value, 1, now=now)
    return delivery.submit_attempt(attempt.id, person_id=person.id, now=now)


def countdown_seconds(text: str) -> int:
    """'Còn lại 29:57' or '29:57' -> 1797."""
    m = re.search(r"(\d+):(\d{2})", text)
    assert m, f"no m:ss in {text!r}"
    return int(m.group(1)) * 60 + int(m.group(2))


def folded(text: str) -> str:
    """NFC, lower case, single spaces: for comparing text pulled out of a PDF."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def download_bytes(page, click, timeout: float = 15_000) -> bytes:
    """Bytes of the file that `click()` makes the page download."""
    with page.expect_download(timeout=timeout) as info:
        click()
    with open(info.value.path(), "rb") as fh:
        return fh.read()
