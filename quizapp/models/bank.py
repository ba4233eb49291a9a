"""Question banks, questions, and their immutable-once-answered versions."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, event, update
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models.base import JSONType, TimestampMixin

if TYPE_CHECKING:
    from quizapp.models.org import Org

DIFFICULTIES = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}


class Bank(TimestampMixin, db.Model):
    """A bank of questions on one studied document; owned by an org node (None = whole site)."""

    __tablename__ = "bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    document: Mapped[str] = mapped_column(String(300))
    document_date: Mapped[Optional[date]] = mapped_column(Date)
    description: Mapped[Optional[str]] = mapped_column(Text)
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org.id"), index=True)

    org: Mapped[Optional["Org"]] = relationship()
    questions: Mapped[list["Question"]] = relationship(
        back_populates="bank", order_by="Question.position"
    )


class Question(TimestampMixin, db.Model):
    """A question's identity in a bank; its content lives in versions."""

    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("question_version.id", use_alter=True, name="fk_question_current_version")
    )

    bank: Mapped["Bank"] = relationship(back_populates="questions")
    current_version: Mapped[Optional["QuestionVersion"]] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="question",
        foreign_keys="QuestionVersion.question_id",
        order_by="QuestionVersion.version",
    )


class QuestionVersion(db.Model):
    """One version of a question's content. Once an attempt shows it, it is never edited."""

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict] = mapped_column(JSONType)  # type-specific: choices, key, answers, rubric
    topic: Mapped[str] = mapped_column(String(200), default="")
    difficulty: Mapped[str] = mapped_column(String(10), default="medium")
    points: Mapped[float] = mapped_column(Float, default=1.0)
    explanation: Mapped[Optional[str]] = mapped_column(Text)
    source_document: Mapped[str] = mapped_column(String(300), default="")
    source_section: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Optional[datetime]] = mapped_column(DateTime, default=utcnow)

    question: Mapped["Question"] = relationship(
        back_populates="versions", foreign_keys=[question_id]
    )


@event.listens_for(QuestionVersion, "before_update")
def _touch_question(mapper, connection, version: QuestionVersion) -> None:
    """A version edited in place (an import or the editor before anyone saw it, a key fix) marks its
    question updated: a start knows its pool changed by the questions' updated_at (delivery._STAMP).
    A Core UPDATE of question_version must do the same (none does)."""
    if object_session(version).is_modified(version, include_collections=False):
        connection.execute(update(Question.__table__).where(Question.__table__.c.id == version.question_id)
                           .values(updated_at=utcnow()))
