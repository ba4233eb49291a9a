"""Readiness (database reachable, schema at the migrations' head) and figures read for /metrics."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptStatus, Quiz


@dataclass
class Readiness:
    """ready, else a machine-readable reason and the revisions compared."""

    ready: bool
    reason: str | None = None
    database_revisions: list[str] = field(default_factory=list)
    code_revisions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON body for /readyz."""
        body: dict = {"status": "ready" if self.ready else "not_ready"}
        if self.reason:
            body["reason"] = self.reason
        body["database_revisions"] = self.database_revisions
        body["code_revisions"] = self.code_revisions
        return body


def readiness(engine: Engine, code_heads: list[str], known_revisions: set[str]) -> Readiness:
    """Can the database answer `SELECT 1`, and is alembic_version exactly the code's head(s)?

    A revision the code does not know means the database was migrated by newer code.
    """
    heads = sorted(code_heads)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
    except SQLAlchemyError:
        return Readiness(False, "database_unreachable", code_revisions=heads)
    try:
        with engine.connect() as conn:
            revisions = sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return Readiness(False, "migrations_missing", code_revisions=heads)
    if revisions != heads:
        reason = "migrations_behind" if set(revisions) <= known_revisions else "database_newer_than_code"
        return Readiness(False, reason, revisions, heads)
    return Readiness(True, None, revisions, heads)


@dataclass
class AttemptFigures:
    """Gauges for /metrics."""

    open_attempts: int
    sweep_lag_seconds: float


def attempt_figures(now: datetime | None = None, limit: int = 1000) -> AttemptFigures:
    """Attempts in progress, and how long the oldest one past deadline + grace has waited for the sweep."""
    now = now or utcnow()
    try:
        open_attempts = db.session.scalar(
            select(db.func.count()).select_from(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS)) or 0
        # Past the deadline (index on status, deadline); grace is per quiz, so compare here.
        rows = db.session.execute(
            select(Attempt.deadline, Quiz.grace_seconds).join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline < now)
            .order_by(Attempt.deadline).limit(limit)
        ).all()
    finally:
        db.session.rollback()
    lags = [(now - (deadline + timedelta(seconds=grace or 0))).total_seconds() for deadline, grace in rows]
    return AttemptFigures(open_attempts, max([0.0, *lags]))
