"""Checklist item 14: session fixation; sessions not invalidated on logout, password change or
reset; authenticated pages cached (back button after logout)."""
from __future__ import annotations

from quizapp.extensions import db
from tests.factories import PASSWORD, make_quiz


def _cookie(c) -> str:
    cookie = c.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, value: str):
    """A brand-new client carrying a stolen session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def _is_logged_in(c) -> bool:
    return c.get("/api/v1/quizzes").status_code == 200


def test_session_cookie_changes_at_login_and_planted_one_stays_anonymous(app, world):
    """Is the cookie issued before login (e.g. planted by an attacker) different from the one after, and still anonymous?"""
    c = app.test_client()
    c.get("/auth/login")
    token = c.csrf()
    planted = _cookie(c)
    resp = c.post("/auth/login", data={"member_code": "MEMA", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    after = _cookie(c)
    assert after != planted
    assert _is_logged_in(c)
    assert not _is_logged_in(_replay(app, planted))


def test_logout_kills_the_server_side_session(app, world, login_as):
    """After logout, does replaying the old session cookie get 401 from the API and the login page from pages?"""
    c = login_as(world.member_a, c=app.test_client())
    stolen = _cookie(c)
    assert _is_logged_in(_replay(app, stolen))
    assert c.form("/auth/logout").status_code == 302
    thief = _replay(app, stolen)
    assert thief.get("/api/v1/quizzes").status_code == 401
    page = thief.get("/take/")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]


def test_password_change_ends_every_other_session(app, world, login_as):
    """When a member changes the password on the phone, is the session on the laptop (and a thief's copy) ended?"""
    phone = login_as(world.member_a, c=app.test_client())
    laptop = login_as(world.member_a, c=app.test_client())
    old_phone_cookie = _cookie(phone)
    resp = phone.form("/auth/password", {"current": PASSWORD, "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert resp.status_code == 302
    assert _is_logged_in(phone)
    assert not _is_logged_in(laptop)
    assert not _is_logged_in(_replay(app, old_phone_cookie))
    assert app.test_client().form("/auth/login", {"member_code": "MEMA", "password": PASSWORD}).status_code == 200
    assert app.test_client().form("/auth/login", {"member_code": "MEMA", "password": "mat-khau-moi-1"}).status_code == 302


def test_reset_by_the_secretary_ends_the_member_sessions(app, world, login_as):
    """When the secretary issues a new first password, are the member's open sessions ended?"""
    member = login_as(world.member_a, c=app.test_client())
    sec = login_as(world.secretary_a, c=app.test_client())
    assert sec.form(f"/manage/people/{world.member_a.id}/reset-password").status_code == 200
    assert not _is_logged_in(member)
    assert _is_logged_in(sec)


def test_authenticated_pages_and_api_are_never_cached(app, world, login_as):
    """Does every page and JSON answer a logged-in person gets carry Cache-Control: no-store?"""
    quiz = make_quiz(world.committee, [world.committee])
    m = login_as(world.member_a, c=app.test_client())
    aid = m.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()["id"]
    s = login_as(world.staff, c=app.test_client())
    for c, url in ((m, "/take/"), (m, f"/take/attempt/{aid}"), (m, f"/api/v1/attempts/{aid}"), (m, "/api/v1/quizzes"),
                   (m, "/auth/password"), (s, "/manage/people"), (s, f"/manage/people/{world.member_a.id}"),
                   (s, f"/reports/rounds/{quiz.round_id}"), (s, f"/reports/rounds/{quiz.round_id}/orgs/{world.cell_a.id}/export.csv"),
                   (s, "/manage/people/import/template.xlsx")):
        resp = c.get(url)
        assert resp.status_code == 200, url
        assert "no-store" in resp.headers.get("Cache-Control", ""), url


def test_session_cookie_flags(app, world, login_as):
    """Is the session cookie HttpOnly and SameSite=Lax?"""
    c = app.test_client()
    resp = c.form("/auth/login", {"member_code": "MEMA", "password": PASSWORD})
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_suspending_ends_the_session_without_a_new_login(app, world, login_as):
    """Does a session die as soon as the person is suspended (checked on every request)?"""
    c = login_as(world.member_a, c=app.test_client())
    world.member_a.state = "suspended"
    db.session.commit()
    assert not _is_logged_in(c)
