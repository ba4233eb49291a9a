"""Study rounds, their quizzes, participating organizations and make-up windows."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import JSONType, TimestampMixin

if TYPE_CHECKING:
    from quizapp.models.org import Org
    from quizapp.models.person import Person

REVIEW_POLICIES = {
    "score": "Chỉ điểm số",
    "answers": "Điểm và bài làm của mình",
    "correct": "Điểm, bài làm và đáp án đúng",
}
REVIEW_WHEN = {"after_close": "Sau khi đợt kiểm tra kết thúc", "after_submit": "Ngay sau khi nộp bài"}
# Safe default: keys and per-question marks are not shown while others in the hall are still answering.
DEFAULT_REVIEW_WHEN = "after_close"
ATTEMPT_POLICIES = {"best": "Lần cao điểm nhất", "last": "Lần cuối cùng", "first": "Lần đầu tiên"}


class StudyRound(TimestampMixin, db.Model):
    """An đợt học tập: the documents studied, when and where, who takes part, and the threshold."""

    __tablename__ = "study_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    documents: Mapped[str] = mapped_column(Text)  # the document(s) studied, one per line
    session_date: Mapped[date] = mapped_column(Date)
    place: Mapped[Optional[str]] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(30), default="truc_tiep")  # trực tiếp / trực tuyến / kết hợp
    threshold_percent: Mapped[float] = mapped_column(Float, default=98.0)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    copied_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("study_round.id"))

    owner_org: Mapped["Org"] = relationship(foreign_keys=[owner_org_id])
    orgs: Mapped[list["RoundOrg"]] = relationship(back_populates="round", cascade="all, delete-orphan")
    quiz: Mapped[Optional["Quiz"]] = relationship(back_populates="round", uselist=False)


class RoundOrg(db.Model):
    """An organization taking part in a round (a node includes its whole subtree)."""

    __tablename__ = "round_org"

    round_id: Mapped[int] = mapped_column(ForeignKey("study_round.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), primary_key=True)

    round: Mapped["StudyRound"] = relationship(back_populates="orgs")
    org: Mapped["Org"] = relationship()


class Quiz(TimestampMixin, db.Model):
    """The comprehension test of a round: draw rule, timing, attempts, cut-offs, review policy."""

    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("study_round.id"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    short_code: Mapped[str] = mapped_column(String(16), unique=True)  # for the short link / QR
    # {"mode": "random", "rules": [{"bank_id", "topic"?, "difficulty"?, "count"}]}
    # or {"mode": "fixed", "question_ids": [...]}
    draw_rule: Mapped[dict] = mapped_column(JSONType)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=30)
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    attempt_policy: Mapped[str] = mapped_column(String(10), default="best")
    cutoffs: Mapped[dict] = mapped_column(JSONType)  # {"gioi": 8, "kha": 6.5, "trung_binh": 5}
    review_policy: Mapped[str] = mapped_column(String(10), default="answers")
    review_when: Mapped[str] = mapped_column(String(15), default=DEFAULT_REVIEW_WHEN)
    partial_credit: Mapped[bool] = mapped_column(Boolean, default=True)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=60)

    round: Mapped["StudyRound"] = relationship(back_populates="quiz")


class MakeupWindow(db.Model):
    """A học bù window for one person or one cell; attempts in it count toward the same round."""

    __tablename__ = "makeup_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), index=True)
    person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org.id"))
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[Optional[str]] = mapped_column(String(300))
    granted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    quiz: Mapped["Quiz"] = relationship()
    person: Mapped[Optional["Person"]] = relationship(foreign_keys=[person_id])
    org: Mapped[Optional["Org"]] = relationship()
