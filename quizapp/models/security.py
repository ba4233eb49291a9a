"""Login throttling counters, server-side login sessions and the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models.base import JSONType


class LoginThrottle(db.Model):
    """Failed-login counter for one key, shared by all workers (services/login_throttle.py).

    Keys: 'acct:CODE' (a member code from every address), 'pair:CODE@ADDR' (a code from one
    address) and 'ip:ADDR' (every failure from one address). `retry_at` is the end of a
    progressive delay, never a lock: a correct password after it always gets in.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_failure_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    retry_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class AuditLog(db.Model):
    """Who did what to which record, and when (grading, key fixes, imports, resets)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[Optional[str]] = mapped_column(String(40))
    target_id: Mapped[Optional[int]] = mapped_column(Integer)
    details: Mapped[Optional[dict]] = mapped_column(JSONType)


class AuthSession(db.Model):
    """A server-side login session. Logout or a password change revokes it for every worker."""

    __tablename__ = "auth_session"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    user_agent: Mapped[Optional[str]] = mapped_column(String(200))
