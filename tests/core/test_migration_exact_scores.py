"""The exact-scores migration: do the float results already stored keep exactly the decimals they stood for?"""
from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import Float, inspect, text

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db

BEFORE = "a3a66b4f988d"
REVISION = "5c1e0f7a9b42"


def test_float_scores_are_snapped_to_their_decimals(empty_database_url):
    """Are stored float results (points 1,6667 of 10, score 8,3, an essay's 0,3333) the same decimals after it?
    Scores already issued are not recomputed: the migration changes storage, not results."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.connect() as conn:  # no parent rows: foreign keys off for this connection
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = replica"))
            else:
                # Outside any transaction (a PRAGMA inside one is ignored): on the driver connection.
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            conn.execute(text(
                "INSERT INTO attempt (id, quiz_id, person_id, number, is_makeup, status, seed, started_at, deadline,"
                " points, max_points, score, pending_essays) VALUES (1, 1, 1, 1, false, 'finished', 0,"
                " '2026-02-05 02:00:00', '2026-02-05 02:30:00', 1.6667, 10.0, 8.3, 0)"))
            conn.execute(text("INSERT INTO answer (id, attempt_id, position, seq, saved_at, awarded)"
                              " VALUES (1, 1, 1, 1, '2026-02-05 02:01:00', 0.3333)"))
            conn.commit()
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            points, max_points, score = conn.execute(text("SELECT points, max_points, score FROM attempt")).one()
            awarded = conn.execute(text("SELECT awarded FROM answer")).scalar()
            types = {c["name"]: c["type"] for c in inspect(conn).get_columns("attempt")}
        db.engine.dispose()
    assert (float(points), float(max_points), float(score), float(awarded)) == (1.6667, 10.0, 8.3, 0.3333)
    assert not isinstance(types["score"], Float) and types["score"].scale == 1  # NUMERIC(4, 1) now
    assert not isinstance(types["points"], Float) and types["points"].scale == 4
