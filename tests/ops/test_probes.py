"""/healthz, /readyz and /metrics: what a load balancer and Prometheus see."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from quizapp import create_app
from quizapp.clock import utcnow
from quizapp.config import TestingConfig
from quizapp.extensions import db
from quizapp.services import delivery
from quizapp.services.health import readiness
from tests.factories import make_person, make_quiz

TOKEN = "metrics-token-0123456789"


def _unreachable_url(tmp_path) -> str:
    if os.environ.get("TEST_DATABASE_URL"):
        return "postgresql://postgres@127.0.0.1:1/khong_co?connect_timeout=2"
    return f"sqlite:///{tmp_path / 'khong-co-thu-muc' / 'db.sqlite3'}"


def test_healthz_needs_no_database_and_readyz_fails_when_it_is_gone(tmp_path):
    """With the database gone, is /healthz still 200 and /readyz a 503 saying the database is unreachable?"""
    broken = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=_unreachable_url(tmp_path))
    c = broken.test_client()
    assert c.get("/healthz").status_code == 200
    resp = c.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["status"] == "not_ready" and resp.get_json()["reason"] == "database_unreachable"


def test_readyz_follows_the_migrations(empty_database_url):
    """Is /readyz 503 before migrating, 200 at head, and 503 'migrations_behind' after going back?"""
    probe = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    c = probe.test_client()
    try:
        missing = c.get("/readyz")
        assert missing.status_code == 503 and missing.get_json()["reason"] == "migrations_missing"
        with probe.app_context():
            upgrade()
        ready = c.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        body = ready.get_json()
        assert body["status"] == "ready" and body["database_revisions"] == body["code_revisions"] != []
        with probe.app_context():
            downgrade(revision="base")
        behind = c.get("/readyz")
        assert behind.status_code == 503 and behind.get_json()["reason"] == "migrations_behind"
        assert behind.get_json()["database_revisions"] == []
        with probe.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('ffffffffffff')"))
        newer = c.get("/readyz")
        assert newer.status_code == 503 and newer.get_json()["reason"] == "database_newer_than_code"
    finally:
        with probe.app_context():
            db.engine.dispose()


def test_readiness_reports_behind_when_code_has_a_newer_migration(empty_database_url):
    """Code deployed with a new migration not yet applied: is that 'migrations_behind'?"""
    probe = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with probe.app_context():
        upgrade()
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        db.session.rollback()
        state = readiness(db.engine, ["0123456789ab"], {current, "0123456789ab"})
        db.engine.dispose()
    assert not state.ready and state.reason == "migrations_behind"
    assert state.database_revisions == [current] and state.code_revisions == ["0123456789ab"]


def test_metrics_is_404_unless_a_token_is_set(client):
    """Without METRICS_TOKEN, is /metrics a plain 404 (it does not exist)?"""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


@pytest.fixture
def metrics_on(app, monkeypatch):
    """METRICS_TOKEN set on the test app for this test."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def _scrape(client) -> dict:
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/plain"
    return {f.name: f for f in text_string_to_metric_families(resp.get_data(as_text=True))}


def _value(families: dict, family: str, sample: str, **labels) -> float:
    for s in families[family].samples:
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0.0


def test_metrics_needs_the_bearer_token(client, metrics_on):
    """With a token set: no or a wrong token is a 401, the right one a 200?"""
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer sai-ma-truy-cap-000"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_metrics_parse_and_count_requests_events_and_open_attempts(client, world, metrics_on):
    """Does /metrics parse as Prometheus text, with latency per route, event counters and DB gauges?"""
    before = _scrape(client)
    quiz = make_quiz(world.committee, [world.committee], opens_at=utcnow() - timedelta(hours=2),
                     time_limit_minutes=10)
    late = make_person(world.cell_a, "Đỗ Văn Muộn")
    db.session.commit()
    # One attempt in progress now, one started 30 minutes ago (deadline + grace long past).
    delivery.start_attempt(quiz.id, world.member_a)
    delivery.start_attempt(quiz.id, late, now=utcnow() - timedelta(minutes=30))
    done = delivery.start_attempt(quiz.id, world.secretary_a)
    delivery.submit_attempt(done.id, person_id=world.secretary_a.id)
    for _ in range(3):
        client.get("/auth/login")
    after = _scrape(client)

    assert after["quizapp_http_request_duration_seconds"].type == "histogram"
    assert after["quizapp_http_requests"].type == "counter"
    grew = (_value(after, "quizapp_http_requests", "quizapp_http_requests_total", endpoint="auth.login",
                   method="GET", status="200")
            - _value(before, "quizapp_http_requests", "quizapp_http_requests_total", endpoint="auth.login",
                     method="GET", status="200"))
    assert grew == 3
    assert _value(after, "quizapp_http_request_duration_seconds", "quizapp_http_request_duration_seconds_count",
                  endpoint="auth.login") >= 3
    assert _value(after, "quizapp_http_request_duration_seconds", "quizapp_http_request_duration_seconds_bucket",
                  endpoint="auth.login", le="+Inf") >= 3

    def events(name, fams):
        return _value(fams, "quizapp_events", "quizapp_events_total", event=name)

    assert events("attempt.started", after) - events("attempt.started", before) == 3
    assert events("attempt.finished", after) - events("attempt.finished", before) == 1

    assert _value(after, "quizapp_open_attempts", "quizapp_open_attempts") == 2
    lag = _value(after, "quizapp_sweep_lag_seconds", "quizapp_sweep_lag_seconds")
    grace = quiz.grace_seconds or 0
    assert 20 * 60 - grace - 5 <= lag <= 20 * 60 - grace + 60  # started 30 min ago, 10-minute limit
    delivery.close_overdue()
    assert _value(_scrape(client), "quizapp_sweep_lag_seconds", "quizapp_sweep_lag_seconds") == 0


def test_each_method_and_status_of_a_route_is_counted_apart(client, metrics_on):
    """Are the counters kept per endpoint, method and status (a 405 is not a 200 of the same page)?"""
    before = _scrape(client)
    client.get("/auth/login")
    client.get("/auth/login")
    client.open("/auth/login", method="PUT")  # 405
    client.get("/khong-co-trang-nay")  # 404, endpoint "unmatched"
    client.get("/static/css/app.css")
    client.get("/static/css/khong-co.css")  # 404 of the same endpoint and method
    after = _scrape(client)

    def grew(**labels):
        sample = "quizapp_http_requests_total"
        return (_value(after, "quizapp_http_requests", sample, **labels)
                - _value(before, "quizapp_http_requests", sample, **labels))

    assert grew(endpoint="auth.login", method="GET", status="200") == 2
    assert grew(endpoint="auth.login", method="PUT", status="405") == 0  # a 405 matches no endpoint
    assert grew(endpoint="unmatched", method="PUT", status="405") == 1
    assert grew(endpoint="unmatched", method="GET", status="404") == 1
    assert grew(endpoint="static", method="GET", status="200") == grew(endpoint="static", method="GET", status="404") == 1
    seconds = "quizapp_http_request_duration_seconds"
    assert (_value(after, seconds, f"{seconds}_count", endpoint="unmatched")
            - _value(before, seconds, f"{seconds}_count", endpoint="unmatched")) == 2
