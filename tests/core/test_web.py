"""What every answer gets (security headers) and how the session cookie is signed."""
from __future__ import annotations

import pytest
from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.web import CSP, SessionCookies

EXPECTED = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


def test_every_answer_carries_the_security_headers_once(client):
    """Does a page, a JSON answer, a 404 and a static file each carry the four headers, once each?"""
    for url in ("/auth/login", "/api/v1/openapi.json", "/khong-co-trang-nay", "/static/css/app.css"):
        resp = client.get(url)
        for name, value in EXPECTED.items():
            assert resp.headers.getlist(name) == [value], (url, name)


def test_a_header_the_view_set_is_kept(app):
    """Does a view that sends its own X-Frame-Options keep it (and still get the other three)?"""
    own = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    own.add_url_rule("/framed", "framed", lambda: Response("ok", headers={"x-frame-options": "SAMEORIGIN"}))
    resp = own.test_client().get("/framed")
    assert resp.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert resp.headers.getlist(name) == [EXPECTED[name]]


def test_session_cookie_is_flasks_own(app):
    """Does a cookie Flask's stock session signs open with the app's, and the other way round?"""
    assert isinstance(app.session_interface, SessionCookies)
    stock = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = app.session_interface.get_signing_serializer(app)
    data = {"_user_id": "t" * 43, "csrf_token": "c" * 40, "_fresh": True}
    assert ours.loads(stock.dumps(data)) == data and stock.loads(ours.dumps(data)) == data


def test_a_new_secret_key_refuses_the_old_cookie():
    """Is the kept serializer rebuilt when the secret key changes, and are fallbacks honoured?"""
    site = Flask("site")
    site.secret_key = "k1" * 16
    sessions = SessionCookies()
    old = sessions.get_signing_serializer(site).dumps({"x": 1})
    site.secret_key = "k2" * 16
    with pytest.raises(BadSignature):
        sessions.get_signing_serializer(site).loads(old)
    site.config["SECRET_KEY_FALLBACKS"] = ["k1" * 16]
    assert SessionCookies().get_signing_serializer(site).loads(old) == {"x": 1}
