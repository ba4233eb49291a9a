"""Fuzz the member JSON API from its own OpenAPI document (schemathesis, in-process over WSGI):
logged in as a member with a valid CSRF header, every operation gets generated paths, bodies and
headers; no answer may be a 5xx, and statuses, content types and bodies must match the document."""
from __future__ import annotations

import contextvars

import pytest

import schemathesis  # noqa: E402  (pinned in requirements.txt: the fuzz must run, never skip)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (content_type_conformance, not_a_server_error,  # noqa: E402
                                 response_schema_conformance, status_code_conformance)

from quizapp.extensions import db  # noqa: E402
from quizapp.services import delivery  # noqa: E402
from tests.factories import make_quiz  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


@pytest.fixture
def member_session(app, world, login_as):
    """A logged-in member with an open attempt (id 1) and a quiz to start; returns (cookie, csrf)."""
    for _ in range(2):
        make_quiz(world.committee, [world.committee], attempts_allowed=3)
    delivery.start_attempt(1, world.member_a)
    c = login_as(world.member_a, c=app.test_client())
    token = c.csrf()  # fetching a token may rewrite the session cookie: read the cookie after it
    return c.get_cookie("session").value, token


def test_every_operation_survives_generated_input(app, member_session):
    """For every operation of /api/v1/openapi.json, do generated requests get documented, non-5xx answers?"""
    cookie, token = member_session
    schema = contextvars.Context().run(schemathesis.openapi.from_wsgi, "/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    seen: dict[str, set[int]] = {}

    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            case.headers = {**(case.headers or {}), "X-CSRFToken": token}
            # Each request in its own context, as under a real server (else `g` and the session leak
            # between requests through the test's application context); see tests/conftest.py.
            db.session.commit()
            response = contextvars.Context().run(case.call, headers={"X-CSRFToken": token},
                                                 cookies={"session": cookie})
            case.validate_response(response, checks=CHECKS)
            seen.setdefault(operation.label, set()).add(response.status_code)  # noqa: B023 - run() runs at once

        run()
    assert all(codes for codes in seen.values())
    # the member session really reached the handlers (not only 401/400 refusals)
    assert any(200 in codes or 201 in codes for codes in seen.values()), seen
