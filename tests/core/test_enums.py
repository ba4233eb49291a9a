"""Statuses and kinds are str enums whose values are the strings already stored: no data changes,
and a member written to the database or compared with a stored value is that string."""
from __future__ import annotations

from sqlalchemy import select, text

from quizapp.extensions import db
from quizapp.models import (
    MODES, ORG_KINDS, PARTY_STATUSES, PERSON_STATES, Attempt, AttemptMode, AttemptStatus, FinishReason, Org,
    OrgKind, PartyStatus, PersonState, ReportKind,
)
from quizapp.services.reporting.documents import KINDS
from tests.factories import make_quiz


def test_values_are_the_stored_strings():
    """The values are exactly the codes the tables already hold (and the label tables' keys)."""
    assert [s.value for s in AttemptStatus] == ["in_progress", "finished"]
    assert [m.value for m in AttemptMode] == ["online", "paper"]
    assert [r.value for r in FinishReason] == ["member", "timer", "sweep", "read", "paper"]
    assert [k.value for k in ReportKind] == ["cell_sheet", "rollup"]
    assert list(ORG_KINDS) == list(OrgKind) and list(PARTY_STATUSES) == list(PartyStatus)
    assert list(PERSON_STATES) == list(PersonState) and list(MODES) == list(AttemptMode)
    assert list(KINDS) == list(ReportKind)
    assert {"dang_bo_tinh", "chi_bo", "to_dang"} <= set(OrgKind) and "du_bi" in set(PartyStatus)


def test_members_are_written_and_compared_as_their_value(world):
    """Written through the driver (SQLite or PostgreSQL) a member is its value, not its name, and a
    value read back compares equal to the member."""
    quiz = make_quiz(world.committee, [world.committee])
    db.session.add(Attempt(quiz_id=quiz.id, person_id=world.member_a.id, number=1, status=AttemptStatus.FINISHED,
                           mode=AttemptMode.PAPER, finish_reason=FinishReason.PAPER, started_at=quiz.opens_at,
                           deadline=quiz.closes_at))
    db.session.commit()
    raw = db.session.execute(text("SELECT status, mode, finish_reason FROM attempt")).one()
    assert tuple(raw) == ("finished", "paper", "paper")
    assert db.session.execute(text("SELECT kind FROM org WHERE id = :i"), {"i": world.cell_a.id}).scalar() == "chi_bo"
    assert db.session.scalar(select(Org.kind).where(Org.id == world.cell_a.id)) == OrgKind.CHI_BO
    found = db.session.scalars(select(Attempt.id).where(Attempt.status == AttemptStatus.FINISHED,
                                                        Attempt.mode == AttemptMode.PAPER)).all()
    assert len(found) == 1
    assert f"{AttemptStatus.IN_PROGRESS}" == "in_progress"
