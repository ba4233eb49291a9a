"""Test data for the rounds area: banks, rounds built directly through models, attempts."""
from __future__ import annotations

from datetime import date, datetime

from quizapp.extensions import db
from quizapp.models import (Answer, Attempt, AttemptItem, Bank, Question, QuestionVersion, Quiz, RoundOrg,
                            StudyRound)

OPENS = datetime(2026, 3, 2, 1, 0)    # 08:00 Vietnam time
CLOSES = datetime(2026, 3, 2, 3, 0)   # 10:00 Vietnam time
CUTOFFS = {"gioi": 8.0, "kha": 6.5, "trung_binh": 5.0}
SINGLE = {"choices": [{"id": "a", "text": "Đúng", "correct": True}, {"id": "b", "text": "Sai", "correct": False}]}


def make_bank(slug: str = "nq04", *, org=None, topics=(("Chủ đề A", 6), ("Chủ đề B", 4)),
              difficulty: str = "easy") -> Bank:
    """A bank with single-choice questions: `count` per topic; flushed."""
    bank = Bank(slug=slug, title=f"Ngân hàng {slug}", document="Nghị quyết 04-NQ/TW", org_id=org.id if org else None)
    db.session.add(bank)
    db.session.flush()
    n = 0
    for topic, count in topics:
        for _ in range(count):
            n += 1
            add_question(bank, f"{slug}-{n:03d}", "single", dict(SINGLE), topic=topic, difficulty=difficulty, position=n)
    return bank


def add_question(bank: Bank, key: str, qtype: str, spec: dict, *, topic: str = "Chủ đề A",
                 difficulty: str = "easy", points: float = 1.0, position: int = 0, text: str | None = None):
    """One question with its current version; returns (question, version)."""
    question = Question(bank_id=bank.id, key=key, position=position, active=True)
    db.session.add(question)
    db.session.flush()
    version = QuestionVersion(question_id=question.id, version=1, type=qtype, text=text or f"Câu hỏi {key}?",
                              spec=spec, topic=topic, difficulty=difficulty, points=points)
    db.session.add(version)
    db.session.flush()
    question.current_version_id = version.id
    return question, version


def make_round(owner, orgs, *, bank: Bank | None = None, title: str = "Học tập Nghị quyết 04",
               session_date: date = date(2026, 3, 2), opens: datetime = OPENS, closes: datetime = CLOSES,
               code: str = "ABCD234", count: int = 3) -> StudyRound:
    """A round and its quiz built straight through the models; committed."""
    rnd = StudyRound(title=title, documents="Nghị quyết 04-NQ/TW", session_date=session_date,
                     form="truc_tiep", threshold_percent=98.0, owner_org_id=owner.id)
    for org in orgs:
        rnd.orgs.append(RoundOrg(org_id=org.id))
    rule = {"mode": "random", "rules": [{"bank_id": bank.id, "count": count}]} if bank else {"mode": "fixed", "question_ids": []}
    rnd.quiz = Quiz(title="Kiểm tra nhận thức", short_code=code, draw_rule=rule, opens_at=opens, closes_at=closes,
                    cutoffs=dict(CUTOFFS), time_limit_minutes=30)
    db.session.add(rnd)
    db.session.commit()
    return rnd


def make_attempt(quiz: Quiz, person, cell, *, status: str = "finished", items=(), number: int = 1,
                 started: datetime = OPENS, score: float | None = None) -> Attempt:
    """An attempt with items [(version, answer_value_or_None)]; committed, not graded."""
    attempt = Attempt(quiz_id=quiz.id, person_id=person.id, org_id=cell.id, number=number, status=status,
                      started_at=started, deadline=quiz.closes_at,
                      finished_at=quiz.closes_at if status == "finished" else None, score=score)
    db.session.add(attempt)
    db.session.flush()
    for pos, (version, value) in enumerate(items, start=1):
        db.session.add(AttemptItem(attempt_id=attempt.id, position=pos, question_version_id=version.id,
                                   points=version.points))
        if value is not None:
            db.session.add(Answer(attempt_id=attempt.id, position=pos, value=value, seq=1, saved_at=started))
    db.session.commit()
    return attempt
