"""Small builders for bank tests: YAML snippets and an attempt that shows a question version."""
from __future__ import annotations

from datetime import date, datetime

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptItem, Quiz, StudyRound

HEADER = """format: 1
bank:
  slug: {slug}
  title: "Ngân hàng thử"
  document: "Nghị quyết 04-NQ/TW"
questions:
"""

QUESTION = """  - id: {key}
    type: single
    topic: "Chủ đề 1"
    difficulty: easy
    text: "{text}"
    choices:
      - text: "Đúng là A"
        correct: true
      - text: "Phương án B"
    source: {{document: "Nghị quyết 04-NQ/TW", section: "Mục 1"}}
"""


def bank_yaml(slug: str = "thu", questions: dict[str, str] | None = None) -> bytes:
    """A valid bank file with single-choice questions {key: text}."""
    questions = questions if questions is not None else {"q-001": "Câu hỏi một?", "q-002": "Câu hỏi hai?"}
    body = "".join(QUESTION.format(key=k, text=t) for k, t in questions.items())
    return (HEADER.format(slug=slug) + body).encode("utf-8")


def show_version_in_attempt(version_id: int, person, org) -> Attempt:
    """An attempt whose item references the version directly (as delivery would)."""
    rnd = StudyRound(title="Đợt thử", documents="NQ 04", session_date=date(2025, 1, 1), owner_org_id=org.id)
    db.session.add(rnd)
    db.session.flush()
    quiz = Quiz(round_id=rnd.id, title="Bài thử", short_code=f"T{version_id}X{rnd.id}", draw_rule={"mode": "fixed"},
                opens_at=datetime(2025, 1, 1), closes_at=datetime(2025, 1, 2), cutoffs={})
    db.session.add(quiz)
    db.session.flush()
    attempt = Attempt(quiz_id=quiz.id, person_id=person.id, started_at=datetime(2025, 1, 1, 1),
                      deadline=datetime(2025, 1, 1, 2))
    db.session.add(attempt)
    db.session.flush()
    db.session.add(AttemptItem(attempt_id=attempt.id, position=1, question_version_id=version_id))
    db.session.commit()
    return attempt
