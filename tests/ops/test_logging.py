"""Logs: one JSON line per request and per domain event, with a request id; nothing secret."""
from __future__ import annotations

import io
import json
import logging
import re
from datetime import date

import pytest

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db
from quizapp.ops.logs import JsonFormatter
from quizapp.services import delivery
from tests.factories import PASSWORD, make_quiz

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def request_lines(caplog):
    """The request records (INFO and up) logged during the test, as parsed JSON lines."""
    caplog.set_level(logging.INFO, logger="quizapp")
    formatter = JsonFormatter()

    def lines(logger: str = "quizapp.request") -> list[dict]:
        return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]

    return lines


def test_request_line_is_json_with_every_field_and_no_query_string(client, request_lines):
    """Does a request log one JSON line: id, method, endpoint, route, path, status, ms, user — no query?"""
    resp = client.get("/auth/login?next=/home&token=hemmelig", headers={"X-Request-ID": "lb-7f3a9c2e11"})
    assert resp.status_code == 200
    [line] = request_lines()
    assert line["request_id"] == "lb-7f3a9c2e11" == resp.headers["X-Request-ID"]
    assert line["method"] == "GET" and line["endpoint"] == "auth.login" and line["route"] == "/auth/login"
    assert line["path"] == "/auth/login" and line["status"] == 200 and line["user_id"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "hemmelig" not in json.dumps(line) and "?" not in json.dumps(line)


def test_login_logs_user_but_never_password_or_session(client, world, login_as, caplog, request_lines):
    """After a login, is the user id logged — and never the password, the CSRF or session token?"""
    login_as(world.member_a)
    client.get("/home")
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert PASSWORD not in text
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value not in text
    home = [line for line in request_lines() if line["path"] == "/home"]
    assert home and home[-1]["user_id"] == world.member_a.id
    post = [line for line in request_lines() if line["method"] == "POST" and line["path"] == "/auth/login"]
    assert post and post[0]["status"] == 302 and post[0]["user_id"] == world.member_a.id  # who just logged in


@pytest.mark.parametrize("incoming", ["short", "has space in it", "x" * 200, "abc\"def-ghijk", "<script>alert(1)</script>"])
def test_insane_incoming_request_id_is_replaced(client, incoming, request_lines):
    """Is a too short, too long or odd X-Request-ID replaced by a fresh random id?"""
    resp = client.get("/healthz", headers={"X-Request-ID": incoming})
    rid = resp.headers["X-Request-ID"]
    assert rid != incoming and HEX_ID.match(rid)


def test_error_pages_show_the_request_id(client):
    """Does a 404 page show the id that is also in the X-Request-ID header (JSON errors: header only)?"""
    html = client.get("/khong-co-trang-nay")
    rid = html.headers["X-Request-ID"]
    assert html.status_code == 404 and HEX_ID.match(rid) and rid in html.get_data(as_text=True)
    api = client.get("/api/v1/khong-co", headers={"X-Request-ID": "req-0123456789"})
    # The body stays byte-identical between requests (tests/attacks compare 404 bodies for leaks).
    assert api.status_code == 404 and api.headers["X-Request-ID"] == "req-0123456789"
    assert "req-0123456789" not in api.get_data(as_text=True)


def test_crash_page_shows_the_request_id_and_the_log_has_it(app):
    """On a 500, do the page, the header and the logged traceback carry the same request id?"""
    crashing = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          PROPAGATE_TEST_ERRORS=False, LOG_FORMAT="json", LOG_LEVEL="INFO")

    @crashing.route("/hong")
    def _broken():
        raise RuntimeError("hỏng")

    stream = io.StringIO()
    [handler] = [h for h in logging.getLogger("quizapp").handlers if getattr(h, "quizapp_handler", False)]
    handler.setStream(stream)
    resp = crashing.test_client().get("/hong")
    rid = resp.headers["X-Request-ID"]
    assert resp.status_code == 500 and rid in resp.get_data(as_text=True)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    error = next(line for line in lines if line["level"] == "error")
    assert error["request_id"] == rid and "RuntimeError" in error["exc"]
    request_line = next(line for line in lines if line["logger"] == "quizapp.request")
    assert request_line["request_id"] == rid and request_line["status"] == 500


def test_configured_handler_writes_one_json_line_per_request(app):
    """With LOG_FORMAT=json, does the installed stderr handler write exactly one parseable line per request?"""
    json_app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          LOG_FORMAT="json", LOG_LEVEL="INFO")
    [handler] = [h for h in logging.getLogger("quizapp").handlers if getattr(h, "quizapp_handler", False)]
    stream = io.StringIO()
    handler.setStream(stream)
    c = json_app.test_client()
    c.get("/auth/login")
    c.get("/auth/login")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["endpoint"] for line in lines] == ["auth.login", "auth.login"]


def test_probe_lines_are_debug_only(client, request_lines):
    """Are /healthz hits kept out of the INFO log (a probe every few seconds would drown it)?"""
    client.get("/healthz")
    assert request_lines() == []


def test_attempt_start_and_finish_are_logged_as_events(world, request_lines):
    """Do starting and finishing an attempt each log one event line with the attempt's ids?"""
    quiz = make_quiz(world.committee, [world.committee])
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    delivery.submit_attempt(attempt.id, person_id=world.member_a.id)
    delivery.submit_attempt(attempt.id, person_id=world.member_a.id)  # a repeat finishes nothing
    events = request_lines("quizapp.events")
    assert [e["event"] for e in events] == ["attempt.started", "attempt.finished"]
    assert events[0]["attempt_id"] == attempt.id and events[0]["quiz_id"] == quiz.id
    assert events[0]["person_id"] == world.member_a.id and events[0]["org_id"] == world.cell_a.id
    assert events[1]["attempt_id"] == attempt.id and events[1]["reason"] == "member"


def test_issuing_a_sheet_is_logged_as_an_event(world, request_lines):
    """Does issuing a cell's result sheet log a document.issued line with its number and kind?"""
    from quizapp.services.reporting.sheets import issue_cell_sheet
    from tests.factories import make_questions, make_report_attempt, make_report_round

    rnd = make_report_round([world.committee], world.committee)
    make_report_attempt(rnd, world.secretary_a, 9.0, versions=make_questions(3), picks=["a", "a", "b"])
    db.session.commit()
    report, _pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a, issued_on=date(2026, 2, 6))
    [event] = request_lines("quizapp.events")
    assert event["event"] == "document.issued" and event["kind"] == "cell_sheet"
    assert event["report_id"] == report.id and event["number"] == report.number_label
