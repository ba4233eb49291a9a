"""Security headers: on every answer once, and a header a view set itself is kept."""
from __future__ import annotations

from flask import Response

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.web import CSP

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
