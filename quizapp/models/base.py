"""Shared column helpers and the timestamp mixin."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.clock import utcnow

JSONType = JSON().with_variant(JSON(none_as_null=True), "postgresql")


class TimestampMixin:
    """created_at / updated_at in naive UTC."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
