"""Checklist item 13: brute force on every login path (the web form is the only one: the JSON API
has no login of its own — checked below) and lockout abuse: an attacker failing on a victim's
code cannot keep the victim out longer than the configured lock, the per-address limit holds,
and the victim logs in once the lock is over."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import LoginThrottle
from tests.delivery.helpers import T0, at
from tests.factories import PASSWORD


def _login(client, code: str, password: str, addr: str = "10.0.0.1"):
    return client.form("/auth/login", {"member_code": code, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_no_other_login_path_exists(app):
    """Is /auth/login the only route that checks a password (so throttling it covers every path)?"""
    logins = [r.rule for r in app.url_map.iter_rules() if "login" in r.rule or "token" in r.rule or "auth" in r.rule]
    assert sorted(logins) == ["/auth/lang/<code>", "/auth/login", "/auth/logout", "/auth/password", "/csrf-token"]
    api = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert not [r for r in api if "login" in r or "session" in r]


def test_account_locks_after_the_limit_and_reopens_after_the_lock(app, world):
    """After 5 wrong passwords is even the right one refused (429), and accepted once the lock is over?"""
    limit, lock = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], app.config["LOGIN_ACCOUNT_LOCK_SECONDS"]
    attacker, victim = app.test_client(), app.test_client()
    with at(T0):
        for _ in range(limit):
            assert _login(attacker, "MEMA", "sai-mat-khau").status_code == 200
        locked = _login(victim, "MEMA", PASSWORD, addr="10.9.9.9")
        assert locked.status_code == 429 and "thử lại sau" in locked.get_data(as_text=True)
    with at(T0 + timedelta(seconds=lock + 1)):
        assert _login(victim, "MEMA", PASSWORD, addr="10.9.9.9").status_code == 302


def test_failing_during_the_lock_does_not_extend_it(app, world):
    """If the attacker keeps failing on the victim's code during the lock, is the victim still out only until the first lock ends?"""
    limit, lock = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], app.config["LOGIN_ACCOUNT_LOCK_SECONDS"]
    attacker, victim = app.test_client(), app.test_client()
    with at(T0):
        for _ in range(limit):
            _login(attacker, "MEMA", "sai", addr="10.0.0.2")
    for step in range(1, 20):  # hammering all through the lock, from many addresses
        with at(T0 + timedelta(seconds=step * lock / 20)):
            assert _login(attacker, "MEMA", "sai", addr=f"10.1.0.{step}").status_code == 429
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == "acct:MEMA"))
    assert row.locked_until == T0 + timedelta(seconds=lock)
    with at(T0 + timedelta(seconds=lock + 1)):
        assert _login(victim, "MEMA", PASSWORD, addr="10.9.9.9").status_code == 302


def test_per_address_limit_stops_spraying_many_accounts(app, world):
    """Does one address spraying wrong passwords over many codes get locked, while another address is not?"""
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    sprayer = app.test_client()
    with at(T0):
        for i in range(limit):
            _login(sprayer, f"CODE{i:03d}", "123456", addr="10.6.6.6")
        blocked = _login(sprayer, "MEMB", PASSWORD, addr="10.6.6.6")
        assert blocked.status_code == 429
        assert _login(app.test_client(), "MEMB", PASSWORD, addr="10.7.7.7").status_code == 302


def test_unknown_codes_and_wrong_passwords_look_the_same(app, world):
    """Are an unknown member code and a wrong password answered with the same message (no enumeration)?"""
    with at(T0):
        unknown = _login(app.test_client(), "KHONGCO", "sai", addr="10.2.0.1").get_data(as_text=True)
        wrong = _login(app.test_client(), "MEMA", "sai", addr="10.2.0.2").get_data(as_text=True)
    msg = "Số thẻ đảng viên hoặc mật khẩu không đúng."
    assert msg in unknown and msg in wrong


def test_success_clears_the_account_counter(app, world):
    """After 4 failures and a success, do 4 more failures still leave the account open (the count restarted)?"""
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    c = app.test_client()
    with at(T0):
        for _ in range(limit - 1):
            _login(c, "MEMA", "sai", addr="10.3.0.1")
        assert _login(c, "MEMA", PASSWORD, addr="10.3.0.1").status_code == 302
        c2 = app.test_client()
        for _ in range(limit - 1):
            _login(c2, "MEMA", "sai", addr="10.3.0.2")
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.3.0.3").status_code == 302
