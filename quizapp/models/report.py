"""Absence records and issued result sheets (numbered, verifiable)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import JSONType


class ReportKind(StrEnum):
    """IssuedReport.kind: a cell's result sheet, or the roll-up of a committee's cells."""

    CELL_SHEET = "cell_sheet"
    ROLLUP = "rollup"


ABSENCE_REASONS = {
    "om": "Ốm",
    "cong_tac": "Đi công tác",
    "gia_dinh": "Việc gia đình",
    "khac": "Lý do khác",
}


class Absence(db.Model):
    """Why a required member did not take part in a round, and whether it is excused."""

    __tablename__ = "absence"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("study_round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason_code: Mapped[str] = mapped_column(String(20))
    reason_text: Mapped[Optional[str]] = mapped_column(String(300))
    excused: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class IssuedReport(db.Model):
    """A result sheet or roll-up as issued: number, date, figures snapshot and the exact PDF bytes.

    Never updated after issue: a correction is a new record whose `replaces_id` names this one
    (a document is replaced at most once, so the unique constraint settles two racing corrections).
    """

    __tablename__ = "issued_report"
    __table_args__ = (UniqueConstraint("org_id", "doc_type", "term", "number"),
                      UniqueConstraint("replaces_id", name="uq_issued_report_replaces_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("study_round.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # ReportKind
    doc_type: Mapped[str] = mapped_column(String(10), default="BC")
    term: Mapped[str] = mapped_column(String(40), default="")
    number: Mapped[int] = mapped_column(Integer)
    number_label: Mapped[str] = mapped_column(String(60))  # "05-BC/CB"
    issued_on: Mapped[date] = mapped_column(Date)
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    figures: Mapped[dict] = mapped_column(JSONType)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # The file as issued (signed, when the org signs): served byte-for-byte on every download.
    # NULL only for documents issued before files were kept.
    pdf: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    state_format: Mapped[bool] = mapped_column(Boolean, default=False)
    replaces_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("issued_report.id", name="fk_issued_report_replaces_id"))
    replace_reason: Mapped[Optional[str]] = mapped_column(String(300))

    replaces: Mapped[Optional["IssuedReport"]] = relationship(
        remote_side=[id], foreign_keys=[replaces_id], back_populates="replaced_by")
    replaced_by: Mapped[Optional["IssuedReport"]] = relationship(
        foreign_keys=[replaces_id], back_populates="replaces", uselist=False)
