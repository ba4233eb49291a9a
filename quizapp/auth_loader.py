"""Flask-Login wiring: the cookie holds a server-side session token, checked on every request."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from quizapp.clock import utcnow
from quizapp.extensions import db, login_manager
from quizapp.models import AuthSession, Person
from quizapp.services.maintenance import session_cutoff


def load_user(token: str) -> Person | None:
    """The person of a live (unrevoked, not too old) session token, if they are still active; one query."""
    if not token or len(token) > 64:
        return None
    opened_after = session_cutoff(utcnow(), current_app.config["AUTH_SESSION_MAX_AGE_SECONDS"])
    person = db.session.scalar(
        select(Person)
        .join(AuthSession, AuthSession.person_id == Person.id)
        .where(AuthSession.token == token, AuthSession.revoked_at.is_(None), AuthSession.created_at >= opened_after)
    )
    if person is None or not person.is_active:
        return None
    person.auth_token = token
    return person


def init_app(app: Flask) -> None:
    """Register the loader and the login view."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side token does this job
