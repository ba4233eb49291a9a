"""pytest fixtures: app, client (with CSRF helpers), world, login_as.

The database is SQLite in a temporary file by default (so threads can race on it), or the
PostgreSQL database named by TEST_DATABASE_URL. The schema is created once per run; each test
starts from empty tables.
"""
from __future__ import annotations

import contextvars
import os
import re
import uuid
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from quizapp import create_app, normalize_db_url
from quizapp.config import TestingConfig
from quizapp.extensions import db
from quizapp.services import delivery

pytest_plugins = ["tests.browser"]

TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Markers by place, so new tests get them too: `e2e` for tests/e2e/ and for any test that
    drives the browser (uses the `browser` fixture, directly or through `page`); `load` for
    tests/load/. `make test-fast` deselects both."""
    for item in items:
        path = Path(item.path).resolve()
        top = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else ""
        if top == "e2e" or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
        if top == "load":
            item.add_marker(pytest.mark.load)


class Client(FlaskClient):
    """Test client that can fetch a CSRF token and post forms or JSON with it.

    Each request runs in its own application context (an empty contextvars.Context), as under
    a real server: `g` and the database session are not shared with the test body. The test's
    session is committed before and after each request, so it sees what the request wrote.
    """

    def open(self, *args, **kwargs):
        # Read the whole body and close the response's iterator (a static file's handle) at once,
        # as a server does once it has sent it; tests read bodies, nothing here streams.
        kwargs.setdefault("buffered", True)
        in_test_ctx = has_app_context()
        if in_test_ctx:
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if in_test_ctx:
            db.session.commit()
        # Werkzeug spools a multipart body over 500 KB into a temporary file it never closes.
        for sent in (*getattr(response, "history", ()), response):
            body = sent.request.environ.get("wsgi.input") if sent.request is not None else None
            if body is not None:
                body.close()
        return response

    def csrf(self) -> str:
        """A valid CSRF token for this client's session."""
        return self.get("/csrf-token").get_json()["csrf_token"]

    def form(self, url: str, data: dict | None = None, **kw):
        """POST a form with a CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.post(url, data=data, **kw)

    def json_post(self, url: str, payload: dict | None = None, **kw):
        """POST JSON with the CSRF token header."""
        headers = {"X-CSRFToken": self.csrf(), **kw.pop("headers", {})}
        return self.post(url, json=payload or {}, headers=headers, **kw)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app per test run; schema created once."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    application.test_client_class = Client
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", _commit_without_waiting_for_the_disk)
        db.drop_all()
        db.create_all()
        _stamp_head()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _commit_without_waiting_for_the_disk(dbapi_conn, _record) -> None:
    """PostgreSQL: the test database's commits do not wait for the WAL to reach the disk
    (synchronous_commit=off). What every other connection sees is the same; only a crash of the
    database server itself could lose the last commits of a throwaway database."""
    with dbapi_conn.cursor() as cur:
        cur.execute("SET synchronous_commit TO off")
    dbapi_conn.commit()


def _stamp_head() -> None:
    """Record the migrations' head in alembic_version: create_all built that very schema
    (tests/core/test_migrations.py checks it), so /readyz answers 200 as on a migrated server."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from quizapp.extensions import migrate

    script = ScriptDirectory.from_config(migrate.get_config())
    with db.engine.begin() as conn:
        MigrationContext.configure(conn).stamp(script, "heads")


def _truncate() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        # One DELETE of every table (data-modifying CTEs: the foreign keys, cycles included, are
        # checked once at the end of the statement), then the id sequences back to 1, as TRUNCATE
        # ... RESTART IDENTITY would leave them. TRUNCATE replaces every table's and index's files
        # and costs about half a second a test; a DELETE of a test's few rows costs milliseconds.
        *first, last = tables
        ctes = ", ".join(f'd{i} AS (DELETE FROM "{t.name}")' for i, t in enumerate(first))
        db.session.execute(text(f'WITH {ctes} DELETE FROM "{last.name}"'))
        sequences = _pg_sequences()
        if sequences:
            db.session.execute(text("SELECT " + ", ".join(f"setval('{s}', 1, false)" for s in sequences)))
        db.session.commit()
        return
    db.session.remove()
    raw = db.engine.raw_connection()  # driver autocommit: the PRAGMA must run outside a transaction
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")
        for t in tables:
            cur.execute(f'DELETE FROM "{t.name}"')
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()
    finally:
        raw.close()


_PG_SEQUENCES: list[str] | None = None


def _pg_sequences() -> list[str]:
    """The sequences behind the tables' serial/identity columns (read once per run)."""
    global _PG_SEQUENCES
    if _PG_SEQUENCES is None:
        names = []
        for t in db.metadata.sorted_tables:
            for column in t.primary_key.columns:
                seq = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                        {"t": f'"{t.name}"', "c": column.name})
                if seq:
                    names.append(seq)
        _PG_SEQUENCES = names
    return _PG_SEQUENCES


@pytest.fixture(autouse=True)
def _clean_db(app):
    """Every test runs inside an app context on empty tables."""
    with app.app_context():
        yield
        db.session.rollback()
        _truncate()
        db.session.remove()
    # The start's pool copies are validated by a stamp of ids and updated_at: empty tables restart
    # the ids and many tests freeze the clock at the same instant, which a running server never does.
    delivery._POOLS.clear()


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database of the same kind as the test database, dropped afterwards
    (migrations, backup and restore, readiness probes run against it).

    On PostgreSQL it is `<test database>_scratch_<hex>` on the same server: the test session's own
    database is never migrated, backed up over or restored into.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    url = make_url(normalize_db_url(url))
    name = f"{url.database}_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def client(app) -> Client:
    """A fresh test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def world():
    """Two cells, a committee and a province, with a person in every role."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture
def login_as(client):
    """login_as(person) logs the test client in through the real login form."""
    from tests.factories import PASSWORD

    def _login(person, password: str = PASSWORD, c: Client | None = None):
        c = c or client
        resp = c.form("/auth/login", {"member_code": person.member_code, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return c

    return _login


def extract_csrf(html: str) -> str:
    """The CSRF token from a rendered page's meta tag."""
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
