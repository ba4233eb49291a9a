"""Attempts, the questions each attempt was shown, and saved answers."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import JSONType

if TYPE_CHECKING:
    from quizapp.models.bank import QuestionVersion
    from quizapp.models.person import Person
    from quizapp.models.round import Quiz

POINTS = Numeric(12, 4, asdecimal=False)
SCORE = Numeric(4, 1, asdecimal=False)

CLASSIFICATIONS = {
    "gioi": "Giỏi",
    "kha": "Khá",
    "trung_binh": "Trung bình",
    "chua_dat": "Chưa đạt",
}



class AttemptStatus(StrEnum):
    """Attempt.status: taking it now, or finished (one conditional update, never back)."""

    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class FinishReason(StrEnum):
    """Attempt.finish_reason: who or what finished it."""

    MEMBER = "member"  # the member pressed Nộp bài
    TIMER = "timer"    # the page's timer ran out
    SWEEP = "sweep"    # `flask quiz sweep` closed an overdue attempt
    READ = "read"      # closed when read after its deadline and grace
    PAPER = "paper"    # a paper answer sheet entered by a secretary


class AttemptMode(StrEnum):
    """Attempt.mode: taken on a device, or a paper test typed in by a secretary."""

    ONLINE = "online"
    PAPER = "paper"


MODES = {AttemptMode.ONLINE: "Trực tuyến", AttemptMode.PAPER: "Giấy"}


class Attempt(db.Model):
    """One person's try at a quiz. Finishing is one conditional update (in_progress -> finished)."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "person_id", "number"),
        Index("ix_attempt_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))  # led by (quiz_id, person_id, number)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org.id"), index=True)  # cell at start
    number: Mapped[int] = mapped_column(Integer, default=1)
    is_makeup: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default=AttemptStatus.IN_PROGRESS)  # AttemptStatus
    finish_reason: Mapped[Optional[str]] = mapped_column(String(10))  # FinishReason
    seed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # Exact decimals (NUMERIC), so sums and means in SQL carry no binary error; read as float.
    # The score is computed exactly and rounded once (services.grading); points are for display.
    points: Mapped[Optional[float]] = mapped_column(POINTS)
    max_points: Mapped[Optional[float]] = mapped_column(POINTS)
    score: Mapped[Optional[float]] = mapped_column(SCORE)  # 10-point scale, one decimal
    classification: Mapped[Optional[str]] = mapped_column(String(12))
    pending_essays: Mapped[int] = mapped_column(Integer, default=0)
    # AttemptMode: "online" (taken by the member) or "paper" (a paper test entered by a secretary).
    mode: Mapped[str] = mapped_column(String(8), default=AttemptMode.ONLINE, server_default="online")
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))  # who typed in the paper
    paper_variant: Mapped[Optional[str]] = mapped_column(String(8))  # mã đề of a paper attempt

    quiz: Mapped["Quiz"] = relationship()
    person: Mapped["Person"] = relationship(foreign_keys=[person_id])
    items: Mapped[list["AttemptItem"]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position"
    )

    @property
    def mode_label(self) -> str:
        """'Giấy' for a paper attempt, 'Trực tuyến' otherwise."""
        return MODES.get(self.mode or "online", "")

    @property
    def classification_label(self) -> str:
        """Vietnamese label, or 'Chờ chấm' while essays are ungraded."""
        if self.status == AttemptStatus.FINISHED and self.pending_essays:
            return "Chờ chấm"
        return CLASSIFICATIONS.get(self.classification or "", "")


class AttemptItem(db.Model):
    """A question as shown in one attempt: its version, position and choice order."""

    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))  # led by (attempt_id, position)
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    choice_order: Mapped[Optional[list]] = mapped_column(JSONType)
    points: Mapped[float] = mapped_column(Float, default=1.0)

    attempt: Mapped["Attempt"] = relationship(back_populates="items")
    question_version: Mapped["QuestionVersion"] = relationship()


class Answer(db.Model):
    """The latest saved answer to one item. `seq` only grows: a stale save changes nothing."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))  # led by (attempt_id, position)
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[Optional[dict]] = mapped_column(JSONType)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    fraction: Mapped[Optional[float]] = mapped_column(Float)  # 0..1 once graded
    awarded: Mapped[Optional[float]] = mapped_column(POINTS)
    grader_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    grader_comment: Mapped[Optional[str]] = mapped_column(Text)
    rubric_scores: Mapped[Optional[list]] = mapped_column(JSONType)
    graded_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
