"""Seed a load-test database: N members already logged in, a 20-of-30 question quiz.

Members get AuthSession rows and signed session cookies made directly (argon2 is not on the path,
as in a hall where everyone logged in before the session). Works on a SQLite file or PostgreSQL.
"""
from __future__ import annotations

import secrets
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CELL_SIZE = 50


@dataclass(frozen=True)
class Member:
    """One seeded member: person id, session cookie value and X-CSRFToken header value."""

    person_id: int
    cookie: str
    csrf: str


def fresh_database(kind_or_url: str, workdir: Path) -> tuple[str, callable]:
    """A brand-new empty database: 'sqlite' -> a file in workdir; a postgresql:// URL -> a new
    database on that server. Returns (url, drop) where drop() removes it."""
    if kind_or_url == "sqlite":
        path = workdir / "load.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from quizapp import normalize_db_url

    url = make_url(normalize_db_url(kind_or_url))
    name = f"quizapp_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def seed(url: str, members: int, secret: str, *, grace_seconds: int = 5) -> tuple[int, list[Member]]:
    """Create the schema and seed `members` logged-in members in cells of 50 and one quiz (20 drawn
    from 30: single, multiple, short text; questions and choices shuffled). Returns (quiz_id, members)."""
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import insert, select

    from quizapp import create_app
    from quizapp.clock import utcnow
    from quizapp.config import DevelopmentConfig
    from quizapp.extensions import db
    from quizapp.models import AuthSession, Membership, Person
    from quizapp.services import orgs
    from tests.factories import make_bank, make_quiz

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secret)
    out: list[Member] = []
    with app.app_context():
        db.create_all()
        top = orgs.create_org("TAI", "Đảng bộ thử tải", "dang_bo_tinh")
        cells = [orgs.create_org(f"TAI-CB{i:03d}", f"Chi bộ thử tải số {i}", "chi_bo", top)
                 for i in range(max(1, (members + CELL_SIZE - 1) // CELL_SIZE))]
        single = {"choices": [{"id": c, "text": f"Phương án {c}", "correct": c == "a"} for c in "abcd"]}
        multi = {"choices": [{"id": c, "text": f"Lựa chọn {c}", "correct": c in "ab"} for c in "abcd"]}
        questions = ([("single", f"Câu một lựa chọn số {i}", single) for i in range(14)]
                     + [("multiple", f"Câu nhiều lựa chọn số {i}", multi) for i in range(8)]
                     + [("short_text", f"Câu trả lời ngắn số {i}", {"answers": ["a"]}) for i in range(8)])
        bank = make_bank(top, questions=questions)
        now = utcnow()
        quiz = make_quiz(top, [top], bank=bank, draw_rule={"mode": "random", "rules": [
            {"bank_id": bank.id, "count": 20}]}, shuffle_questions=True, shuffle_choices=True,
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=6), time_limit_minutes=60,
            grace_seconds=grace_seconds, session_date=now.date())
        db.session.execute(insert(Person), [
            {"member_code": f"T{i:06d}", "full_name": f"Đảng viên thử tải {i}", "name_key": b"",
             "state": "active", "party_status": "chinh_thuc", "exempt": False, "must_change_password": False}
            for i in range(members)])
        ids = list(db.session.scalars(select(Person.id).where(Person.member_code.like("T%")).order_by(Person.id)))
        db.session.execute(insert(Membership), [
            {"person_id": pid, "org_id": cells[n // CELL_SIZE].id, "start_date": date(2020, 1, 1)}
            for n, pid in enumerate(ids)])
        tokens = {pid: secrets.token_urlsafe(32) for pid in ids}
        db.session.execute(insert(AuthSession), [{"token": t, "person_id": pid, "created_at": now}
                                                 for pid, t in tokens.items()])
        db.session.commit()
        signer = app.session_interface.get_signing_serializer(app)
        csrf_signer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        for pid in ids:
            raw = secrets.token_hex(20)
            cookie = signer.dumps({"_user_id": tokens[pid], "_fresh": True, "_permanent": True, "csrf_token": raw})
            out.append(Member(pid, cookie, csrf_signer.dumps(raw)))
        quiz_id = quiz.id
        db.session.remove()
        db.engine.dispose()
    return quiz_id, out


def set_window(url: str, quiz_id: int, closes_at: datetime) -> None:
    """Make the quiz close at `closes_at` (naive UTC): every attempt's deadline is that instant."""
    from sqlalchemy import create_engine, text

    from quizapp import normalize_db_url

    engine = create_engine(normalize_db_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE quiz SET closes_at = :c WHERE id = :q"), {"c": closes_at, "q": quiz_id})
    engine.dispose()
