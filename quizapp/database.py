"""Engine settings per backend: SQLite in WAL with IMMEDIATE write transactions."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from quizapp.extensions import db

IMMEDIATE = "quizapp_begin_immediate"


def configure_engine(engine: Engine, app_config: dict) -> None:
    """Install SQLite pragmas and explicit BEGIN handling; PostgreSQL needs nothing."""
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(app_config["SQLITE_BUSY_TIMEOUT_MS"])
    synchronous = app_config["SQLITE_SYNCHRONOUS"]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Driver autocommit: SQLAlchemy's "begin" event below emits BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the session's unit of work as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call it before the first read of a read-then-write unit of work; a read-only snapshot
    already open is ended first so the write lock is taken up front, not mid-transaction.
    """
    session = db.session()  # the request-scoped Session behind the proxy
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})
