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
