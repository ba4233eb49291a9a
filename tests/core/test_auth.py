"""Accounts and sessions: how does logging in, out and changing a password behave?"""
from __future__ import annotations

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuthSession, LoginThrottle
from tests.factories import PASSWORD


def test_login_with_member_code_reaches_home(client, world):
    """Does a member log in with their member code (any case) and land on a page of theirs?"""
    resp = client.form("/auth/login", {"member_code": "mema", "password": PASSWORD})
    assert resp.status_code == 302
    assert client.get("/home", follow_redirects=True).status_code == 200


def test_wrong_password_gives_vietnamese_message(client, world):
    """Does a wrong password say so in Vietnamese without revealing which part was wrong?"""
    resp = client.form("/auth/login", {"member_code": "MEMA", "password": "sai"})
    assert resp.status_code == 200
    assert "Số thẻ đảng viên hoặc mật khẩu không đúng." in resp.get_data(as_text=True)


def test_login_without_csrf_is_refused(client, world):
    """Is a login post without a CSRF token refused with a clear message?"""
    resp = client.post("/auth/login", data={"member_code": "MEMA", "password": PASSWORD})
    assert resp.status_code == 400
    assert "biểu mẫu" in resp.get_data(as_text=True)


def test_wrong_passwords_delay_briefly_and_per_account(client, world, app):
    """After the free failures is the code delayed for a few seconds only, while another code still works?"""
    from tests.delivery.helpers import T0, at

    with at(T0):
        for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
            client.form("/auth/login", {"member_code": "MEMA", "password": "sai"})
        resp = client.form("/auth/login", {"member_code": "MEMA", "password": PASSWORD})
        assert resp.status_code == 429
        assert "thử lại sau" in resp.get_data(as_text=True)
        row = db.session.get(LoginThrottle, "acct:MEMA")
        pair = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key.like("pair:MEMA@%")))
        assert row.retry_at is None  # the account-wide counter still has free failures
        assert (pair.retry_at - T0).total_seconds() == app.config["LOGIN_BACKOFF_BASE_SECONDS"]
        assert client.form("/auth/login", {"member_code": "MEMB", "password": PASSWORD}).status_code == 302


def test_login_rotates_session_and_logout_revokes_it(client, world, login_as):
    """Does each login get a new server-side session, and does logout revoke it for good?"""
    login_as(world.member_a)
    with client.session_transaction() as sess:
        token = sess["_user_id"]
    stolen = client.get_cookie("session").value
    assert client.form("/auth/logout").status_code == 302
    assert db.session.get(AuthSession, token).revoked_at is not None
    # Replaying the old cookie no longer authenticates.
    client.set_cookie("session", stolen)
    assert client.get("/home").status_code == 302


def test_password_change_ends_other_sessions(app, world, login_as):
    """Does changing a password log out the person's other devices but keep this one?"""
    phone, laptop = app.test_client(), app.test_client()
    login_as(world.member_a, c=phone)
    login_as(world.member_a, c=laptop)
    resp = phone.form("/auth/password", {"current": PASSWORD, "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert resp.status_code == 302
    assert phone.get("/auth/password").status_code == 200
    assert laptop.get("/auth/password").status_code == 302


def test_pages_of_logged_in_people_are_not_cached(client, world, login_as):
    """Are authenticated pages sent with Cache-Control: no-store?"""
    login_as(world.secretary_a)
    assert client.get("/home").headers["Cache-Control"] == "no-store"


def test_open_redirect_after_login_is_ignored(client, world):
    """Is an absolute 'next' address ignored after login?"""
    resp = client.form("/auth/login?next=https://evil.example/", {"member_code": "MEMA", "password": PASSWORD})
    assert resp.headers["Location"].startswith("/")


def test_guessing_the_current_password_is_throttled(client, world, login_as, app):
    """Can a stolen session guess the password on the change-password page? (It is locked out.)"""
    from tests.delivery.helpers import T0, at

    with at(T0):
        login_as(world.member_a)
        for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
            client.form("/auth/password", {"current": "doan-sai", "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
        resp = client.form("/auth/password", {"current": PASSWORD, "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert "thử lại sau" in resp.get_data(as_text=True)
    from quizapp.services.accounts import verify_password

    db.session.refresh(world.member_a)
    assert verify_password(world.member_a.password_hash, PASSWORD)


def test_loaded_person_is_clean_and_shared_with_the_session(app, world):
    """Is the person the loader builds from its one row a normal, unchanged Person of the request's
    session (the same object a query returns, nothing to write, relationships that load, changes
    that flush), and refused at once when suspended?"""
    from sqlalchemy import select

    from quizapp.auth_loader import load_user
    from quizapp.extensions import db
    from quizapp.models import AuthSession, Person
    from quizapp.services import accounts

    token = accounts.open_session(world.member_a)
    member_id, name = world.member_a.id, world.member_a.full_name
    db.session.remove()
    with app.test_request_context():
        person = load_user(token)
        assert person is not None and person.id == member_id and person.auth_token == token
        assert person.full_name == name and person.member_code == "MEMA"
        assert person in db.session and not db.session.dirty and not db.session.new
        assert db.session.scalar(select(Person).where(Person.id == person.id)) is person
        assert [m.person_id for m in person.memberships] == [member_id]  # relationships load lazily
        person.locale = "en"  # and a change flushes
        db.session.commit()
        db.session.remove()
    assert db.session.scalar(select(Person.locale).where(Person.id == member_id)) == "en"
    db.session.remove()
    with app.test_request_context():
        already = db.session.get(Person, member_id)
        assert load_user(token) is already
        already.state = "suspended"
        db.session.commit()
        db.session.remove()
    with app.test_request_context():
        assert load_user(token) is None
        assert load_user("x" * 65) is None and load_user("") is None
        assert db.session.scalar(select(AuthSession.revoked_at).where(AuthSession.token == token)) is None
        db.session.remove()
