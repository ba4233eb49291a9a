"""A round's paper test: its variants (mã đề), drawn once with a stored seed."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models.base import JSONType


class PaperTest(db.Model):
    """The paper form of a quiz. `variants` is a list of {"code": "101", "items": [{"position",
    "question_version_id", "choice_order", "points"}]}: every variant holds the same questions,
    in its own order with its own choice order. Printing again reprints these exact papers."""

    __tablename__ = "paper_test"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), unique=True)
    seed: Mapped[int] = mapped_column(Integer)
    variants: Mapped[list] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
