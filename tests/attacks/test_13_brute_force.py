"""Checklist items 13 and 18: brute force on every login path (the web form is the only one: the
JSON API has no login of its own — checked below), lockout abuse, and a hall behind one address.

Guessing is slowed by a progressive delay per member code (per code+address, and per code over
all addresses), never a lock: during the delay the password is not even checked, hammering does
not lengthen it, and the right password after it always gets in. Failures from one address never
refuse another code, so 300 members behind one Wi-Fi log in while someone there types wrong.
Client addresses come from X-Forwarded-For only when PROXY_COUNT says a proxy is trusted.
"""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import select

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db
from quizapp.models import LoginThrottle, Membership, Person
from quizapp.services import accounts
from quizapp.services.login_throttle import ThrottlePolicy
from tests.delivery.helpers import T0, at
from tests.factories import PASSWORD

WRONG = "Số thẻ đảng viên hoặc mật khẩu không đúng."


def _login(client, code: str, password: str, addr: str = "10.0.0.1", headers: dict | None = None):
    return client.form("/auth/login", {"member_code": code, "password": password},
                       environ_base={"REMOTE_ADDR": addr}, headers=headers or {})


def _policy(app) -> ThrottlePolicy:
    return ThrottlePolicy.from_config(app.config)


@pytest.fixture
def hash_checks(monkeypatch):
    """Counts the password checks the login path makes."""
    calls = []
    real = accounts.verify_password

    def counting(stored, password):
        calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    return calls


def test_no_other_login_path_exists(app):
    """Is /auth/login the only route that checks a password (so throttling it covers every path)?"""
    logins = [r.rule for r in app.url_map.iter_rules() if "login" in r.rule or "token" in r.rule or "auth" in r.rule]
    assert sorted(logins) == ["/auth/lang/<code>", "/auth/login", "/auth/logout", "/auth/password", "/csrf-token"]
    api = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert not [r for r in api if "login" in r or "session" in r]


def test_wrong_passwords_bring_a_short_delay_not_a_lock(app, world, hash_checks):
    """After the free failures, is even the right password answered 'thử lại sau N giây' (429, no hash
    checked), and does the right password get in as soon as the delay is over?"""
    policy = _policy(app)
    c = app.test_client()
    with at(T0):
        for _ in range(policy.free_per_pair):
            assert _login(c, "MEMA", "sai-mat-khau").status_code == 200
        assert _login(c, "MEMA", "sai-mat-khau").status_code == 200  # this one starts the delay
        checks = len(hash_checks)
        delayed = _login(c, "MEMA", PASSWORD)
        body = delayed.get_data(as_text=True)
        assert delayed.status_code == 429
        assert f"thử lại sau {int(policy.base_seconds)} giây" in body
        assert delayed.headers["Retry-After"] == str(int(policy.base_seconds))
        assert len(hash_checks) == checks  # refused without checking the password
    with at(T0 + timedelta(seconds=policy.base_seconds)):
        assert _login(c, "MEMA", PASSWORD).status_code == 302


def test_the_delay_doubles_and_is_capped(app, world):
    """Does each failure right after a delay double the next one, never past LOGIN_BACKOFF_MAX_SECONDS?"""
    policy = _policy(app)
    c, now = app.test_client(), T0
    with at(now):
        for _ in range(policy.free_per_pair):
            _login(c, "MEMA", "sai")
    seen = []
    for _ in range(14):
        with at(now):
            assert _login(c, "MEMA", "sai").status_code == 200
        row = db.session.get(LoginThrottle, "pair:MEMA@10.0.0.1")
        db.session.refresh(row)
        seen.append((row.retry_at - now).total_seconds())
        now = row.retry_at
    assert seen[:4] == [policy.base_seconds * 2 ** i for i in range(4)]
    assert max(seen) == policy.max_seconds and seen[-1] == policy.max_seconds
    with at(now):
        assert _login(c, "MEMA", PASSWORD).status_code == 302


def test_hammering_during_the_delay_does_not_extend_it(app, world, hash_checks):
    """If the attacker keeps trying during a delay, from many addresses, is nothing counted or checked,
    and does the member get in the moment the delay ends?"""
    attacker, now, i = app.test_client(), T0, 0
    while True:  # guess from a new address each time the delay is over, until the delay is a minute
        i += 1
        with at(now):
            assert _login(attacker, "MEMA", "sai", addr=f"10.0.1.{i}").status_code == 200
        db.session.expire_all()
        end = db.session.get(LoginThrottle, "acct:MEMA").retry_at
        if end and (end - now).total_seconds() >= 60:
            break
        now = end or now
    retry_at = {r.key: r.retry_at for r in db.session.scalars(select(LoginThrottle))}
    checks = len(hash_checks)
    steps = 20
    for step in range(steps):
        with at(now + (end - now) * step / steps):
            assert _login(attacker, "MEMA", "sai", addr=f"10.0.1.{i}").status_code == 429
            assert _login(attacker, "MEMA", "sai", addr=f"10.1.0.{step}").status_code == 429  # account-wide
    assert len(hash_checks) == checks
    db.session.expire_all()
    assert {r.key: r.retry_at for r in db.session.scalars(select(LoginThrottle))} == retry_at
    with at(end):
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.9.9.9").status_code == 302


def test_an_hour_of_guessing_never_keeps_the_member_out_past_the_cap(app, world):
    """An attacker guessing MEMA every 5-15 seconds for an hour from changing addresses: is MEMA's wait
    never above the cap, are the guesses actually checked at most about once per cap, and does MEMA get
    in within the cap once the attacker stops?"""
    policy = _policy(app)
    attacker, rng = app.test_client(), random.Random(13)
    checked, now = 0, T0
    while now < T0 + timedelta(hours=1):
        with at(now):
            resp = _login(attacker, "MEMA", "sai", addr=f"10.2.{rng.randrange(256)}.{rng.randrange(256)}")
            assert resp.status_code in (200, 429)
            checked += resp.status_code == 200
            if resp.status_code == 429:
                assert int(resp.headers["Retry-After"]) <= policy.max_seconds
        now += timedelta(seconds=rng.uniform(5, 15))
    free = policy.free_per_account
    assert checked <= free + 3600 / policy.max_seconds + 8  # the doubling reaches the cap in ~8 steps
    with at(now + timedelta(seconds=policy.max_seconds)):
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.9.9.9").status_code == 302


def test_guessing_spread_over_many_addresses_is_slowed_per_account(app, world):
    """One wrong password each from many addresses: once the account's free failures are used, is the
    next try on that code delayed from a brand-new address too, while other codes are not?"""
    policy = _policy(app)
    with at(T0):
        for i in range(policy.free_per_account + 1):
            assert _login(app.test_client(), "MEMA", "sai", addr=f"10.3.0.{i}").status_code == 200
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.3.1.1").status_code == 429
        assert _login(app.test_client(), "MEMB", PASSWORD, addr="10.3.1.1").status_code == 302


def test_failures_from_an_address_never_refuse_another_code(app, world):
    """An address spraying wrong passwords over many codes, far past its budget: does a member behind
    the same address still log in first time, and does the spray leave no lock on the address?"""
    policy = _policy(app)
    sprayer = app.test_client()
    with at(T0):
        for i in range(40):
            _login(sprayer, f"CODE{i:03d}", "123456", addr="10.6.6.6")
    with at(T0 + timedelta(seconds=1)), pytest.MonkeyPatch.context() as mp:
        mp.setitem(app.config, "LOGIN_ADDRESS_FAILURE_BUDGET", 10)  # the spray is now far over budget
        assert _policy(app).address_budget < 40 < policy.address_budget
        assert _login(app.test_client(), "MEMB", PASSWORD, addr="10.6.6.6").status_code == 302
        # Over budget, a code failing from that address has no free failures there any more ...
        assert _login(sprayer, "MEMA", "sai", addr="10.6.6.6").status_code == 200
        assert _login(sprayer, "MEMA", PASSWORD, addr="10.6.6.6").status_code == 429
        # ... but only there: the same member from elsewhere is not refused.
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.7.7.7").status_code == 302


def test_unknown_codes_and_wrong_passwords_look_the_same(app, world):
    """Are an unknown member code and a wrong password answered with the same message, and delayed
    after the same number of tries (no enumeration through the throttle)?"""
    policy = _policy(app)
    with at(T0):
        unknown = [_login(app.test_client(), "KHONGCO", "sai", addr="10.2.0.1") for _ in range(policy.free_per_pair + 2)]
        wrong = [_login(app.test_client(), "MEMA", "sai", addr="10.2.0.2") for _ in range(policy.free_per_pair + 2)]
    assert [r.status_code for r in unknown] == [r.status_code for r in wrong] == [200] * (policy.free_per_pair + 1) + [429]
    assert WRONG in unknown[0].get_data(as_text=True) and WRONG in wrong[0].get_data(as_text=True)


def test_success_clears_the_account_counter(app, world):
    """After the free failures and a success, do as many failures again still leave the code undelayed?"""
    free = _policy(app).free_per_pair
    c = app.test_client()
    with at(T0):
        for _ in range(free):
            _login(c, "MEMA", "sai", addr="10.3.0.1")
        assert _login(c, "MEMA", PASSWORD, addr="10.3.0.1").status_code == 302
        assert db.session.scalar(select(LoginThrottle).where(LoginThrottle.key.like("%MEMA%"))) is None
        c2 = app.test_client()
        for _ in range(free):
            assert _login(c2, "MEMA", "sai", addr="10.3.0.1").status_code == 200
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.3.0.1").status_code == 302


def test_failures_are_forgotten_after_a_quiet_while(app, world):
    """Does a member who mistyped a few times yesterday start today with their free failures again?"""
    free = _policy(app).free_per_pair
    c = app.test_client()
    with at(T0):
        for _ in range(free):
            _login(c, "MEMA", "sai")
    with at(T0 + timedelta(seconds=app.config["LOGIN_FAILURE_MEMORY_SECONDS"] + 1)):
        assert _login(c, "MEMA", "sai").status_code == 200  # counted as the first again: no delay
        assert _login(c, "MEMA", PASSWORD).status_code == 302


def test_a_study_hall_behind_one_address_logs_in(app, world):
    """300 members log in from one address within a minute while 60 wrong passwords arrive from the
    same address, interleaved (members mistyping once or twice first, and a spray over other codes):
    does every correct login succeed at the first correct try?"""
    cell = world.cell_a
    hashed = accounts.hash_password(PASSWORD)
    codes = [f"HALL{i:03d}" for i in range(300)]
    for code in codes:
        person = Person(member_code=code, password_hash=hashed, must_change_password=False)
        person.set_name("Đảng viên Hội trường")
        db.session.add(person)
        db.session.flush()
        db.session.add(Membership(person_id=person.id, org_id=cell.id, start_date=T0.date() - timedelta(days=400)))
    db.session.commit()
    rng = random.Random(18)
    events = [(code, PASSWORD) for code in codes]
    # 30 members mistype once, 10 mistype twice (before their right password), 10 wrong codes sprayed.
    typos = rng.sample(codes, 40)
    wrong = [(code, "sai-mat-khau") for code in typos[:30]] + [(code, "sai-mat-khau") for code in typos[30:] for _ in range(2)]
    wrong += [(f"LA{i:03d}", "123456") for i in range(10)]
    assert len(wrong) == 60
    rng.shuffle(events)
    for code, pw in wrong:  # insert each mistake at a random place before that member's own login
        own = next((i for i, e in enumerate(events) if e == (code, PASSWORD)), len(events))
        events.insert(rng.randrange(own + 1), (code, pw))
    refused = []
    for i, (code, pw) in enumerate(events):
        with at(T0 + timedelta(seconds=i * 60 / len(events))):
            resp = _login(app.test_client(), code, pw, addr="203.0.113.7")
        if pw == PASSWORD and resp.status_code != 302:
            refused.append((code, resp.status_code))
        if pw != PASSWORD:
            assert resp.status_code == 200
    assert refused == []
    logged_in = db.session.scalar(select(db.func.count()).select_from(Person)
                                  .where(Person.member_code.in_(codes), Person.last_login_at.is_not(None)))
    assert logged_in == 300


# ------------------------------------------------------------------ trusted proxies


def _address_app(**overrides):
    """A fresh app with a route that echoes the client address it sees."""
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://", **overrides)
    application.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr}|{request.scheme}")
    return application


def test_forwarded_for_is_ignored_without_a_trusted_proxy():
    """With PROXY_COUNT=0 (the default), is a spoofed X-Forwarded-For ignored?"""
    assert TestingConfig.PROXY_COUNT == 0
    client = _address_app().test_client()
    resp = client.get("/_whoami", environ_base={"REMOTE_ADDR": "198.51.100.9"},
                      headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"})
    assert resp.get_data(as_text=True) == "198.51.100.9|http"


def test_forwarded_for_is_honoured_behind_one_trusted_proxy():
    """With PROXY_COUNT=1, is the address the proxy appended used (and not one the client prepended)?"""
    client = _address_app(PROXY_COUNT=1).test_client()
    resp = client.get("/_whoami", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                      headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.50", "X-Forwarded-Proto": "https"})
    assert resp.get_data(as_text=True) == "203.0.113.50|https"


def test_spoofed_forwarded_for_does_not_escape_the_delay(app, world):
    """Without a trusted proxy, can a guesser dodge the delay by sending a new X-Forwarded-For each try?"""
    free = _policy(app).free_per_pair
    c = app.test_client()
    with at(T0):
        statuses = [_login(c, "MEMA", "sai", addr="10.8.0.1", headers={"X-Forwarded-For": f"172.16.0.{i}"}).status_code
                    for i in range(free + 2)]
    assert statuses[-1] == 429
    assert db.session.get(LoginThrottle, "pair:MEMA@10.8.0.1") is not None


def test_forgotten_counters_are_pruned(app, world):
    """Do counters of codes sprayed once disappear after the memory window (the table does not only grow)?"""
    memory = app.config["LOGIN_FAILURE_MEMORY_SECONDS"]
    with at(T0):
        for i in range(5):
            _login(app.test_client(), f"RAC{i}", "sai", addr="10.4.0.1")
    assert db.session.scalar(select(db.func.count()).select_from(LoginThrottle)) == 11  # 5 acct + 5 pair + 1 ip
    with at(T0 + timedelta(seconds=memory + 1)):
        _login(app.test_client(), "MEMA", "sai", addr="10.4.0.1")
    db.session.expire_all()
    keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert keys == {"ip:10.4.0.1", "acct:MEMA", "pair:MEMA@10.4.0.1"}


def test_simultaneous_failures_on_a_new_code_are_all_counted(app, world):
    """Eight wrong passwords on the same code at the same instant, from eight workers: is each one counted
    (no lost update, no crash when the counter row is created by two at once)?"""
    import threading

    from quizapp.services.exceptions import InvalidInput

    barrier, outcomes = threading.Barrier(8), []

    def guess(i: int):
        with app.app_context():
            try:
                barrier.wait()
                accounts.authenticate("MEMA", "sai", f"10.5.0.{i}")
            except InvalidInput:
                outcomes.append("wrong")
            except Exception as exc:  # noqa: BLE001 - the assertion below reports it
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["wrong"] * 8
    db.session.expire_all()
    assert db.session.get(LoginThrottle, "acct:MEMA").failures == 8


def test_a_members_success_does_not_reset_a_guesser_elsewhere(app, world):
    """While a guesser at one address waits out a delay on MEMA, the member logs in from their own phone:
    does the member get in, and does the guesser still wait (the success clears only the member's side)?"""
    free = _policy(app).free_per_pair
    guesser = app.test_client()
    with at(T0):
        for _ in range(free + 1):
            _login(guesser, "MEMA", "sai", addr="10.4.1.1")
        assert _login(app.test_client(), "MEMA", PASSWORD, addr="10.4.2.2").status_code == 302
        assert _login(guesser, "MEMA", "sai", addr="10.4.1.1").status_code == 429
