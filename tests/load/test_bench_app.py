"""The benchmark's baseline route lives in the bench's own app wrapper, never in the product."""
from __future__ import annotations

from bench.app import make_bare, with_hello
from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db
from tests.conftest import Client


def test_product_has_no_public_hello(client):
    """Does the product answer /hello with a 404 (no benchmark route in production)?"""
    assert client.get("/hello").status_code == 404


def test_bench_hello_looks_the_member_up(app, world, login_as):
    """Does the bench's /hello pay for the session and the user lookup (logged in: ok; not: anonymous)?"""
    bench_app = with_hello(create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))
    bench_app.test_client_class = Client
    try:
        client = bench_app.test_client()
        assert client.get("/hello").get_data() == b"anonymous"
        login_as(world.member_a, c=client)
        assert client.get("/hello").get_data() == b"ok"
    finally:
        with bench_app.app_context():
            db.engine.dispose()


def test_bare_flask_baseline():
    """Does the bare hello-world answer without any of the product's machinery?"""
    bare = make_bare().test_client()
    assert bare.get("/hello").get_data() == b"ok"
    assert bare.get("/api/v1/quizzes").status_code == 404
