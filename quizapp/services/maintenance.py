"""Housekeeping run by the sweep: delete expired login sessions and idle throttle counters.

Rows go in bounded batches, each its own short write transaction, so a large backlog never
holds SQLite's write lock (or PostgreSQL row locks) for long while members are saving answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.sql.elements import ColumnElement

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import AuthSession, LoginThrottle


@dataclass
class PurgeResult:
    """How many rows each purge deleted."""

    auth_sessions: int = 0
    login_throttles: int = 0

    def summary(self) -> str:
        """One Vietnamese line for the command line."""
        return (f"Đã xóa {self.auth_sessions} phiên đăng nhập hết hạn và "
                f"{self.login_throttles} bộ đếm đăng nhập sai đã hết hiệu lực.")


def session_cutoff(now: datetime, max_age_seconds: int) -> datetime:
    """Sessions opened before this moment are expired (the login check and the purge agree)."""
    return now - timedelta(seconds=max_age_seconds)


def expired_sessions(now: datetime, max_age_seconds: int) -> ColumnElement[bool]:
    """Revoked (logout, password change or reset) or older than the maximum session age."""
    return or_(AuthSession.revoked_at.is_not(None), AuthSession.created_at < session_cutoff(now, max_age_seconds))


def idle_throttles(now: datetime, idle_seconds: int) -> ColumnElement[bool]:
    """No delay running, and no failure for longer than the throttle's memory.

    Such a counter is already forgotten by services.login_throttle, so deleting it changes nothing.
    """
    cutoff = now - timedelta(seconds=idle_seconds)
    return (
        or_(LoginThrottle.retry_at.is_(None), LoginThrottle.retry_at <= now)
        & or_(LoginThrottle.last_failure_at < cutoff,
              LoginThrottle.last_failure_at.is_(None) & (LoginThrottle.window_start < cutoff))
    )


def _delete_in_batches(key_column, condition, batch_size: int, max_batches: int) -> int:
    deleted = 0
    for _ in range(max_batches):
        begin_write()
        keys = select(key_column).where(condition).limit(batch_size).scalar_subquery()
        count = db.session.execute(
            delete(key_column.class_).where(key_column.in_(keys)).execution_options(synchronize_session=False)
        ).rowcount or 0
        db.session.commit()
        deleted += count
        if count < batch_size:
            break
    return deleted


def purge_expired(*, session_max_age_seconds: int, throttle_idle_seconds: int, batch_size: int = 500,
                  max_batches: int = 200, now: datetime | None = None) -> PurgeResult:
    """Delete expired auth_session and idle login_throttle rows, `batch_size` per transaction.

    At most `max_batches` batches per table per call; what is left goes at the next sweep.
    """
    now = now or utcnow()
    batch_size = max(1, batch_size)
    return PurgeResult(
        auth_sessions=_delete_in_batches(AuthSession.token, expired_sessions(now, session_max_age_seconds),
                                         batch_size, max_batches),
        login_throttles=_delete_in_batches(LoginThrottle.key, idle_throttles(now, throttle_idle_seconds),
                                           batch_size, max_batches),
    )
