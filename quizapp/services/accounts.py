"""Passwords (argon2id), login with throttling, password change and reset."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select, update

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import AuditLog, AuthSession, Person
from quizapp.services import login_throttle
from quizapp.services.exceptions import InvalidInput, RateLimited
from quizapp.services.login_throttle import ThrottlePolicy

# No 0/O, 1/l/I: first passwords are typed from a paper slip on a phone.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
MIN_PASSWORD_LENGTH = 8
_DUMMY_HASH: str | None = None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True if the password matches; a missing hash still costs one hash (no timing leak)."""
    global _DUMMY_HASH
    hasher = _hasher()
    if not stored:
        _DUMMY_HASH = _DUMMY_HASH or hasher.hash("dummy-password")
        stored = _DUMMY_HASH
        try:
            hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password(length: int = 8) -> str:
    """A random first password that is easy to read off paper."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def _policy() -> ThrottlePolicy:
    return ThrottlePolicy.from_config(current_app.config)


def _wait_if_delayed(code: str, address: str, now) -> None:
    """During a progressive delay the password is not even checked (and the try is not counted)."""
    seconds = login_throttle.retry_after(code, address, now)
    if seconds:
        raise RateLimited(
            f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {seconds} giây. "
            "Nếu quên mật khẩu, hãy liên hệ bí thư chi bộ để được cấp lại.",
            details={"retry_after": seconds},
        )


def _count_failure(code: str, address: str, now) -> None:
    begin_write()
    login_throttle.record_failure(code, address, now, _policy())
    db.session.commit()


def authenticate(member_code: str, password: str, address: str) -> Person:
    """Check a login; raises InvalidInput, or RateLimited during a progressive delay.

    A correct password always gets in unless the code is being guessed right now (see
    services/login_throttle.py); failures from one address never refuse other codes.
    """
    code = (member_code or "").strip().upper()
    now = utcnow()
    _wait_if_delayed(code, address, now)
    person = db.session.scalar(select(Person).where(Person.member_code == code)) if code else None
    ok = verify_password(person.password_hash if person else None, password or "")
    if not ok or person is None:
        _count_failure(code, address, now)
        raise InvalidInput("Số thẻ đảng viên hoặc mật khẩu không đúng.")
    if not person.is_active:
        raise InvalidInput("Tài khoản này đã chuyển sinh hoạt hoặc đang tạm dừng. Vui lòng liên hệ bí thư chi bộ.")
    begin_write()
    login_throttle.succeeded(code, address)
    person.last_login_at = now
    db.session.commit()
    return person


def change_password(person: Person, current: str, new: str, confirm: str, address: str = "") -> None:
    """Change one's own password; every other session of the person ends.

    Wrong current passwords count toward the login throttle of the person's code, so a stolen
    session cannot be used to guess the password.
    """
    now = utcnow()
    _wait_if_delayed(person.member_code, address, now)
    if not verify_password(person.password_hash, current or ""):
        _count_failure(person.member_code, address, now)
        raise InvalidInput("Mật khẩu hiện tại không đúng.")
    validate_new_password(new, confirm, person)
    begin_write()
    person.password_hash = hash_password(new)
    person.must_change_password = False
    revoke_sessions(person.id)
    db.session.add(AuditLog(actor_id=person.id, action="password.change", target_type="person", target_id=person.id))
    db.session.commit()


def validate_new_password(new: str, confirm: str, person: Person | None = None) -> None:
    """A new password: long enough, confirmed, not the member code."""
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Mật khẩu mới phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if new != confirm:
        raise InvalidInput("Hai lần nhập mật khẩu mới không khớp nhau.")
    if person is not None and new.strip().upper() == person.member_code.upper():
        raise InvalidInput("Mật khẩu không được trùng với số thẻ đảng viên.")


def reset_password(target: Person, actor: Person) -> str:
    """Give a person a new first password (returned once, never stored); ends their sessions."""
    password = generate_password()
    begin_write()
    target.password_hash = hash_password(password)
    target.must_change_password = True
    revoke_sessions(target.id)
    login_throttle.forget([target.member_code])
    db.session.add(AuditLog(actor_id=actor.id, action="password.reset", target_type="person", target_id=target.id))
    db.session.commit()
    return password


def revoke_sessions(person_id: int, token: str | None = None) -> None:
    """Revoke one session (token) or every session of the person; the caller commits."""
    stmt = update(AuthSession).where(AuthSession.person_id == person_id, AuthSession.revoked_at.is_(None))
    if token:
        stmt = stmt.where(AuthSession.token == token)
    db.session.execute(stmt.values(revoked_at=utcnow()))


def open_session(person: Person, user_agent: str | None = None) -> str:
    """Create a new server-side session (a fresh id at every login) and return its token."""
    token = secrets.token_urlsafe(32)
    begin_write()
    db.session.add(AuthSession(token=token, person_id=person.id, user_agent=(user_agent or "")[:200]))
    db.session.commit()
    person.auth_token = token
    return token


def close_session(person: Person) -> None:
    """Revoke the current session (logout)."""
    if person.auth_token:
        begin_write()
        revoke_sessions(person.id, person.auth_token)
        db.session.commit()
