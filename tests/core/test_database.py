"""SQLite settings: is the database in WAL mode, and does a write unit of work take the lock up front?"""
from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import select, text

from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import Org

sqlite_only = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite settings")


@sqlite_only
def test_wal_and_busy_timeout():
    """Is the file database in WAL mode with a busy timeout and foreign keys on?"""
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@sqlite_only
def test_begin_write_takes_the_write_lock_before_the_first_read(world):
    """After begin_write() and a mere read, is another writer kept out (BEGIN IMMEDIATE)?"""
    db.session.commit()
    begin_write()
    db.session.scalar(select(Org.id).limit(1))
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        db.session.rollback()


@sqlite_only
def test_plain_reads_do_not_block_writers(world):
    """Does an ordinary read transaction leave the write lock free for others?"""
    db.session.commit()
    db.session.scalar(select(Org.id).limit(1))
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        db.session.rollback()


postgresql_only = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL settings")


def test_engine_options_size_the_postgresql_pool_and_leave_sqlite_alone():
    """Does a PostgreSQL URL get the declared pool (one kept connection per gunicorn thread at
    least) and psycopg's prepare threshold, and SQLite nothing it would refuse?"""
    from quizapp.config import Config
    from quizapp.database import engine_options

    pg = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/d",
                         "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    assert pg["pool_size"] == Config.DB_POOL_SIZE >= 8
    assert pg["max_overflow"] == Config.DB_MAX_OVERFLOW
    assert pg["connect_args"]["prepare_threshold"] == Config.DB_PREPARE_THRESHOLD
    assert pg["pool_pre_ping"] is True  # what the deployment declared is kept
    mine = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/d", "DB_POOL_SIZE": 20,
                           "SQLALCHEMY_ENGINE_OPTIONS": {"max_overflow": 0}})
    assert (mine["pool_size"], mine["max_overflow"]) == (20, 0)
    assert set(engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite://"})) == {"json_serializer", "json_deserializer"}


@postgresql_only
def test_postgresql_engine_uses_the_declared_pool(app):
    """Is the app's engine built with that pool (not Flask-SQLAlchemy's 5 + 10)?"""
    pool = db.engine.pool
    assert pool.size() == app.config["DB_POOL_SIZE"]
    assert pool._max_overflow == app.config["DB_MAX_OVERFLOW"]


@postgresql_only
def test_begin_write_on_postgresql_goes_on_in_the_open_transaction(world):
    """On PostgreSQL, does begin_write() after a read keep the transaction (no COMMIT round trip),
    and does a write made then still commit?"""
    from sqlalchemy import event

    db.session.commit()
    ends = []
    listener = lambda *_: ends.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        db.session.scalar(select(Org.id).limit(1))
        before = db.session.connection().exec_driver_sql("SELECT txid_current()").scalar()
        begin_write()
        after = db.session.connection().exec_driver_sql("SELECT txid_current()").scalar()
        assert before == after and ends == []
        db.session.commit()
        assert ends == [1]
    finally:
        event.remove(db.engine, "commit", listener)
