"""Flask-Login wiring: the cookie holds a server-side session token, checked on every request."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from quizapp.clock import utcnow
from quizapp.extensions import db, login_manager
from quizapp.models import AuthSession, Person
from quizapp.services.maintenance import session_cutoff


# Built once: every request only binds the token and the cutoff. One Core row, no ORM query.
_MAPPER = sa_inspect(Person)
_ATTRS = [(prop.key, prop.columns[0]) for prop in _MAPPER.column_attrs]
_KEYS = tuple(key for key, _ in _ATTRS)
_SESSION = AuthSession.__table__
_LOAD = (select(*(column for _, column in _ATTRS))
         .join(_SESSION, _SESSION.c.person_id == Person.__table__.c.id)
         .where(_SESSION.c.token == bindparam("token"), _SESSION.c.revoked_at.is_(None),
                _SESSION.c.created_at >= bindparam("after")))


def load_user(token: str) -> Person | None:
    """The person of a live (unrevoked, not too old) session token, if they are still active.

    One prebuilt Core statement per request; the Person is made from its row and attached to the
    session as if loaded (no ORM query), so views and services get the usual Person: its
    relationships load lazily and its changes flush. Nothing is cached between requests: a logout,
    a password change (every session revoked) or a suspension takes effect on the very next
    request, in every worker and on every host."""
    if not token or len(token) > 64:
        return None
    session = db.session()
    opened_after = session_cutoff(utcnow(), current_app.config["AUTH_SESSION_MAX_AGE_SECONDS"])
    row = session.connection().execute(_LOAD, {"token": token, "after": opened_after}).first()
    if row is None:
        return None
    person = session.identity_map.get(_MAPPER.identity_key_from_primary_key((row.id,)))
    if person is None:
        # As the ORM's own loading does: a new instance (no __init__), the row's values written
        # straight into its dict (no attribute events, no history), then marked as loaded.
        person = _MAPPER.class_manager.new_instance()
        instance_dict(person).update(zip(_KEYS, row))
        make_transient_to_detached(person)  # its values count as loaded, not as changes to write
        session.add(person)
    if not person.is_active:
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
