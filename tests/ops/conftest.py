"""Fixtures for the operations tests: logging restored after each test, scratch databases."""
from __future__ import annotations

import logging
import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from quizapp import normalize_db_url
from quizapp.ops import logs


@pytest.fixture(autouse=True)
def _restore_logging():
    """Apps built here reconfigure the shared `quizapp` logger; put the test settings back."""
    logs.configure("WARNING", "text")  # re-enables loggers an earlier in-process migration disabled
    yield
    logs.configure("WARNING", "text")
    logging.getLogger("quizapp").setLevel(logging.WARNING)


@pytest.fixture
def scratch_database_url(tmp_path):
    """A new empty database of the same kind as the test database, dropped afterwards.

    On PostgreSQL it is `<test database>_restore_<hex>`: the test session's own database is
    never backed up over or restored into.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    url = make_url(normalize_db_url(url))
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
