"""Test data for reports, built directly through models (no delivery code involved)."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from quizapp.extensions import db
from quizapp.models import (Answer, Attempt, AttemptItem, Bank, Membership, Org, Person, Question,
                            QuestionVersion, Quiz, RoundOrg, StudyRound)
from tests.factories import make_person

SESSION = date(2026, 2, 5)
_seq = itertools.count(1)


def make_round(orgs: list[Org], owner: Org, *, title: str = "Học tập Nghị quyết 04", policy: str = "best",
               threshold: float = 98.0, session_date: date = SESSION) -> StudyRound:
    """A round with its quiz, participating orgs given; flushed."""
    rnd = StudyRound(title=title, documents="Nghị quyết 04-NQ/TW\nKết luận 21-KL/TW", session_date=session_date,
                     place="Hội trường tỉnh ủy", form="truc_tiep", threshold_percent=threshold,
                     owner_org_id=owner.id)
    db.session.add(rnd)
    db.session.flush()
    for o in orgs:
        db.session.add(RoundOrg(round_id=rnd.id, org_id=o.id))
    opens = datetime(2026, 2, 5, 2, 0)
    quiz = Quiz(round_id=rnd.id, title="Kiểm tra nhận thức", short_code=f"Q{next(_seq):05d}",
                draw_rule={"mode": "fixed", "question_ids": []}, opens_at=opens,
                closes_at=opens + timedelta(days=3), attempt_policy=policy, attempts_allowed=3,
                cutoffs={"gioi": 8, "kha": 6.5, "trung_binh": 5})
    db.session.add(quiz)
    db.session.flush()
    return rnd


def make_questions(n: int = 3, topics: list[str] | None = None, essay: bool = False) -> list[QuestionVersion]:
    """n single-choice versions (choices a-d, 'a' correct), optionally one essay at the end."""
    bank = Bank(slug=f"bank-{next(_seq)}", title="Ngân hàng NQ 04", document="Nghị quyết 04-NQ/TW")
    db.session.add(bank)
    db.session.flush()
    out = []
    topics = topics or ["Biểu hiện suy thoái", "Giải pháp", "Tự diễn biến"]
    for i in range(n + (1 if essay else 0)):
        q = Question(bank_id=bank.id, key=f"q{i + 1}", position=i)
        db.session.add(q)
        db.session.flush()
        is_essay = essay and i == n
        spec = {"rubric": []} if is_essay else {"choices": [
            {"id": c, "text": f"Phương án {c.upper()}", "correct": c == "a"} for c in "abcd"]}
        qv = QuestionVersion(question_id=q.id, version=1, type="essay" if is_essay else "single",
                             text=f"Câu hỏi số {i + 1}", spec=spec, topic=topics[i % len(topics)],
                             points=1.0)
        db.session.add(qv)
        db.session.flush()
        out.append(qv)
    return out


def classify(score: float) -> str:
    """Default cut-offs."""
    return "gioi" if score >= 8 else "kha" if score >= 6.5 else "trung_binh" if score >= 5 else "chua_dat"


def make_attempt(rnd: StudyRound, person: Person, score: float | None, *, number: int = 1, makeup: bool = False,
                 status: str = "finished", picks: list[str | None] | None = None,
                 versions: list[QuestionVersion] | None = None, pending: int = 0,
                 essay_awarded: float | None = None, org: Org | None = None) -> Attempt:
    """A finished (or open) attempt with optional items and picked choices ('a' is correct)."""
    started = datetime(2026, 2, 5, 3, 0) + timedelta(days=3 if makeup else 0)
    a = Attempt(quiz_id=rnd.quiz.id, person_id=person.id, org_id=org.id if org else None, number=number,
                is_makeup=makeup, status=status, started_at=started, deadline=started + timedelta(minutes=30),
                finished_at=started + timedelta(minutes=20) if status == "finished" else None,
                score=score, classification=classify(score) if score is not None and not pending else None,
                pending_essays=pending, seed=1)
    db.session.add(a)
    db.session.flush()
    for pos, qv in enumerate(versions or [], start=1):
        db.session.add(AttemptItem(attempt_id=a.id, position=pos, question_version_id=qv.id,
                                   choice_order=["a", "b", "c", "d"], points=1.0))
        if qv.type == "essay":
            db.session.add(Answer(attempt_id=a.id, position=pos, value={"text": "Bài thu hoạch"}, seq=1,
                                  saved_at=started, awarded=essay_awarded,
                                  fraction=None if essay_awarded is None else essay_awarded))
            continue
        pick = (picks or [])[pos - 1] if picks and pos - 1 < len(picks) else None
        if pick is None:
            continue
        db.session.add(Answer(attempt_id=a.id, position=pos, value={"choice": pick}, seq=1, saved_at=started,
                              fraction=1.0 if pick == "a" else 0.0, awarded=1.0 if pick == "a" else 0.0))
    db.session.flush()
    return a


def add_member(cell: Org, name: str, **fields) -> Person:
    """A party member of `cell` since 2020."""
    return make_person(cell, name, **fields)


def move(person: Person, new_cell: Org, on: date) -> None:
    """End the person's open membership the day before `on` and open one in new_cell."""
    for m in person.memberships:
        if m.end_date is None:
            m.end_date = on - timedelta(days=1)
    db.session.add(Membership(person_id=person.id, org_id=new_cell.id, start_date=on))
    db.session.flush()
