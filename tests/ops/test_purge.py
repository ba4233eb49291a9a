"""Purge: does the sweep delete expired sessions and idle login counters, in bounded batches, and nothing else?"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import AuthSession, LoginThrottle
from quizapp.services.maintenance import purge_expired

WEEK = 7 * 24 * 3600
LOCK = 900


def _sessions(world) -> dict[str, str]:
    """One session of each kind; returns kind -> token."""
    now = utcnow()
    rows = {
        "live": AuthSession(token="live", person_id=world.member_a.id, created_at=now - timedelta(hours=2)),
        "old_but_young_enough": AuthSession(token="sixdays", person_id=world.member_a.id,
                                            created_at=now - timedelta(days=6)),
        "revoked": AuthSession(token="revoked", person_id=world.member_a.id, created_at=now - timedelta(hours=1),
                               revoked_at=now - timedelta(minutes=5)),
        "too_old": AuthSession(token="eightdays", person_id=world.member_b.id, created_at=now - timedelta(days=8)),
    }
    db.session.add_all(rows.values())
    for i in range(5):  # a backlog of expired sessions
        db.session.add(AuthSession(token=f"cu-{i}", person_id=world.member_b.id, created_at=now - timedelta(days=30)))
    db.session.commit()
    return {kind: row.token for kind, row in rows.items()}


def _throttles() -> None:
    now = utcnow()
    db.session.add_all([
        LoginThrottle(key="acct:DANGKHOA", failures=6, window_start=now - timedelta(hours=2),
                      last_failure_at=now - timedelta(hours=2),
                      retry_at=now + timedelta(minutes=10)),  # delay running now: kept
        LoginThrottle(key="ip:10.0.0.1", failures=3, window_start=now - timedelta(hours=2),
                      last_failure_at=now - timedelta(minutes=5)),  # failed recently: kept
        LoginThrottle(key="ip:10.0.0.2", failures=2, window_start=now - timedelta(hours=3),
                      last_failure_at=now - timedelta(hours=3)),  # forgotten: purged
        LoginThrottle(key="acct:HETKHOA", failures=5, window_start=now - timedelta(hours=3),
                      last_failure_at=now - timedelta(hours=3),
                      retry_at=now - timedelta(hours=2)),  # delay over long ago: purged
    ])
    db.session.commit()


def _left(column) -> set[str]:
    return set(db.session.scalars(select(column)))


def test_purge_deletes_expired_and_idle_rows_only(world):
    """Are revoked and too-old sessions and idle counters deleted, live ones and locks kept?"""
    tokens = _sessions(world)
    _throttles()
    result = purge_expired(session_max_age_seconds=WEEK, throttle_idle_seconds=LOCK, batch_size=2)
    assert (result.auth_sessions, result.login_throttles) == (7, 2)
    assert _left(AuthSession.token) == {tokens["live"], tokens["old_but_young_enough"]}
    assert _left(LoginThrottle.key) == {"acct:DANGKHOA", "ip:10.0.0.1"}


def test_purge_is_bounded_per_run(world):
    """With batches of 2 and at most one batch, does one run delete 2 rows and leave the rest for later?"""
    _sessions(world)
    first = purge_expired(session_max_age_seconds=WEEK, throttle_idle_seconds=LOCK, batch_size=2, max_batches=1)
    assert first.auth_sessions == 2 and len(_left(AuthSession.token)) == 9 - 2
    rest = purge_expired(session_max_age_seconds=WEEK, throttle_idle_seconds=LOCK, batch_size=100)
    assert rest.auth_sessions == 5 and len(_left(AuthSession.token)) == 2


def test_a_session_past_the_maximum_age_no_longer_logs_in(client, world, login_as):
    """Does the login check agree with the purge: a session older than the maximum age is logged out?"""
    login_as(world.member_a)
    assert client.get("/home").status_code in (200, 302)
    assert "/auth/login" not in client.get("/home").headers.get("Location", "")
    db.session.execute(update(AuthSession).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    resp = client.get("/home")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_sweep_command_purges_and_says_so(runner, world):
    """Does `flask quiz sweep` (once) also purge, and print how many rows it deleted?"""
    _sessions(world)
    _throttles()
    result = runner.invoke(args=["quiz", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Đã đóng 0 bài làm quá hạn." in result.output
    assert "Đã xóa 7 phiên đăng nhập hết hạn và 2 bộ đếm đăng nhập sai đã hết hiệu lực." in result.output
    assert len(_left(AuthSession.token)) == 2
