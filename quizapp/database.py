"""Engine settings per backend: SQLite in WAL with IMMEDIATE write transactions."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from quizapp.extensions import db

IMMEDIATE = "quizapp_begin_immediate"
# SQLite, a connection opened by statement_connection(): no BEGIN, every statement commits on its own
# (the driver's autocommit).
STATEMENTS = "quizapp_statement_transactions"
# The engine's WriterGate, as an engine-wide execution option (absent: no gate, e.g. turned off).
_GATE = "quizapp_writer_gate"


class WriterGate:
    """One SQLite writer at a time, handed over without polling.

    SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps in its
    busy handler and tries again (1, 2, 5 ... up to 100 ms a try), so under a storm of saves most
    of a request's time is spent asleep after the lock is already free. The gate queues the app's
    write transactions (BEGIN IMMEDIATE) before SQLite sees them: threads of a process on a lock,
    processes on an flock of `<database>.writer-lock`; both wake the next writer the moment the
    holder commits or rolls back, and the kernel frees the flock of a process killed mid-write.
    A writer outside the app (a CLI, the sqlite3 shell) still meets SQLite's busy handler. A gate
    that cannot be had within the busy timeout is skipped (SQLite's own waiting takes over)."""

    def __init__(self, path: str, timeout_s: float):
        self.path = path
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None
        self._holders: set[int] = set()

    def _file(self) -> int:
        if self._pid != os.getpid():  # after a fork the description is shared: open our own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @staticmethod
    def _key(conn) -> int:
        # SQLAlchemy hands the dialect the pool's wrapper or the driver's connection: key on the latter.
        return id(getattr(conn, "dbapi_connection", None) or conn)

    def enter(self, dbapi_conn) -> None:
        """Wait for the gate before BEGIN IMMEDIATE on this connection."""
        if not self._lock.acquire(timeout=self.timeout_s):
            return
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except OSError:
            self._lock.release()
            return
        self._holders.add(self._key(dbapi_conn))

    def leave(self, dbapi_conn) -> None:
        """After this connection's COMMIT or ROLLBACK (or its close): let the next writer in."""
        key = self._key(dbapi_conn)
        if key not in self._holders:
            return
        self._holders.discard(key)
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._lock.release()


def _install_gate(engine: Engine, gate: WriterGate) -> None:
    """Leave the gate right after the driver's commit, rollback or close of a connection holding it."""
    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_close"):
        original = getattr(dialect, name)

        def wrapped(dbapi_conn, _original=original):
            try:
                _original(dbapi_conn)
            finally:
                gate.leave(dbapi_conn)

        setattr(dialect, name, wrapped)


def configure_engine(engine: Engine, app_config: dict) -> None:
    """Install SQLite pragmas and explicit BEGIN handling; PostgreSQL needs nothing."""
    if engine.dialect.name != "sqlite":
        return
    from quizapp.config import Config

    def _setting(name):  # the app's config; a partial dict (tests) falls back to the declared default
        return app_config.get(name, getattr(Config, name))

    busy_ms = int(_setting("SQLITE_BUSY_TIMEOUT_MS"))
    synchronous = _setting("SQLITE_SYNCHRONOUS")
    gate = None
    if engine.url.database not in (None, "", ":memory:") and _setting("SQLITE_WRITER_GATE"):
        gate_ms = int(_setting("SQLITE_WRITER_GATE_TIMEOUT_MS") or busy_ms)
        gate = WriterGate(f"{engine.url.database}.writer-lock", gate_ms / 1000)
        _install_gate(engine, gate)
        engine.update_execution_options(**{_GATE: gate})

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
        options = conn.get_execution_options()
        if options.get(STATEMENTS):
            return  # each statement its own transaction: execute_write() gates the writes
        _begin(conn, bool(options.get(IMMEDIATE)))


def _begin(conn, immediate: bool) -> None:
    """BEGIN (IMMEDIATE: after the writer gate) straight on the driver's connection: not through
    conn.exec_driver_sql, whose statement path (events, cursor, result) costs more than the BEGIN
    itself. A driver error is raised as SQLAlchemy's, as a statement's would be ("database is
    locked" is an sqlalchemy.exc.OperationalError)."""
    dbapi_conn = conn.connection.dbapi_connection
    gate = conn.get_execution_options().get(_GATE) if immediate else None
    if gate is not None:
        gate.enter(dbapi_conn)
    try:
        dbapi_conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    except BaseException as exc:
        if gate is not None:
            gate.leave(dbapi_conn)
        if isinstance(exc, sqlite3.Error):
            raise DBAPIError.instance("BEGIN", None, exc, sqlite3.Error) from exc
        raise


def engine_options(app_config: dict) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with the PostgreSQL pool settings of config.py folded in.

    PostgreSQL: a pool that keeps one open connection per gunicorn thread (DB_POOL_SIZE): with
    Flask-SQLAlchemy's default of 5 kept + 10 overflow, more threads busy at once than 5 (gunicorn's
    4 and a sweep, or GUNICORN_THREADS raised) open a 6th and further
    connection (a new server process, its caches cold, its prepared statements lost) and close it
    again when it is handed back. psycopg 3 prepares a statement on a connection after
    DB_PREPARE_THRESHOLD runs (None: never, for pgbouncer in transaction mode before 1.21).
    SQLite keeps SQLAlchemy's own pooling (its in-memory database takes no pool size).
    Both write and read JSON columns with orjson (quizapp/jsonio.py)."""
    from quizapp import jsonio

    options = dict(app_config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("json_serializer", jsonio.dumps_column)
    options.setdefault("json_deserializer", jsonio.loads_column)
    url = str(app_config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url.startswith("postgresql"):
        return options
    from quizapp.config import Config

    def _setting(name):
        return app_config.get(name, getattr(Config, name))

    options.setdefault("pool_size", int(_setting("DB_POOL_SIZE")))
    options.setdefault("max_overflow", int(_setting("DB_MAX_OVERFLOW")))
    options.setdefault("pool_timeout", float(_setting("DB_POOL_TIMEOUT")))
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("prepare_threshold", _setting("DB_PREPARE_THRESHOLD"))
    options["connect_args"] = connect_args
    return options


def begin_write() -> None:
    """Start the session's unit of work as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call it before the first read of a read-then-write unit of work; on SQLite a read-only
    snapshot already open is ended first so the write lock is taken up front, not mid-transaction,
    a statement_connection() goes on as the write transaction, and a write transaction already
    open goes on.
    PostgreSQL (READ COMMITTED: every statement sees what is committed when it starts, and a plain
    read takes no lock) needs neither: the unit of work goes on in the open transaction, which
    saves a COMMIT and a BEGIN round trip on every save, start and submit.
    """
    session = db.session()  # the request-scoped Session behind the proxy
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        conn = session.connection()
        options = conn.get_execution_options()
        if options.get(IMMEDIATE):
            return  # already the write transaction
        if options.get(STATEMENTS):
            # A statement_connection(): no transaction is open on the driver, so the same
            # connection goes on as the write transaction (no COMMIT, no new checkout).
            conn.execution_options(**{STATEMENTS: False, IMMEDIATE: True})
            _begin(conn, True)
            return
        if session.new or session.dirty or session.deleted:
            return
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})


def statement_connection():
    """The session's connection for a unit of work that is one write statement, guarded in itself.

    SQLite: when the session holds no changes and no write transaction, its connection runs every
    statement as its own transaction (no BEGIN, no COMMIT to send): reads before the write (the
    login lookup, a cache miss) take no lock, and the write holds SQLite's write lock, and the
    writer gate, only while the statement itself runs (execute_write). A write transaction already
    open, or pending changes, are kept: the statement then runs inside them, as under begin_write.
    A caller that finds it must write more than one statement calls begin_write(), which ends this
    mode and opens the write transaction. PostgreSQL: the session's connection as it is."""
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return session.connection()
    if session.in_transaction():
        conn = session.connection()
        options = conn.get_execution_options()
        if options.get(STATEMENTS) or options.get(IMMEDIATE) or session.new or session.dirty or session.deleted:
            return conn
        session.commit()
    conn = session.connection(execution_options={STATEMENTS: True})
    return conn


def execute_write(conn, statement, params) -> list:
    """Run one write statement and return all its rows (RETURNING), committed when this returns.

    On a statement_connection() of SQLite the statement is its own transaction: it waits for the
    writer gate, runs to its end (SQLite commits it at its last step, and a failed commit is raised
    there) and lets the next writer in. Its SQL and bound values are made before the gate (below),
    so the gate is held for the driver's call alone. Anywhere else it runs in the open transaction,
    and the caller commits."""
    options = conn.get_execution_options()
    gate = options.get(_GATE) if options.get(STATEMENTS) else None
    if gate is None:
        return conn.execute(statement, params).all()
    sql, args = _driver_call(conn.dialect, statement, params)
    dbapi_conn = conn.connection.dbapi_connection
    gate.enter(dbapi_conn)
    try:
        return _on_driver(dbapi_conn, sql, args)
    finally:
        gate.leave(dbapi_conn)


def write_transaction(conn, steps):
    """Run `steps(run)` as one write transaction and return what it returns, committed.

    `run(statement, params)` executes one statement and returns all its rows. On a
    statement_connection() of SQLite the transaction is BEGIN IMMEDIATE ... COMMIT straight on the
    driver, inside the writer gate, with every statement compiled once (_driver_call), so the
    gate and SQLite's write lock are held for the driver's calls alone; a driver error rolls it
    back and is raised as SQLAlchemy's (a unique key broken: sqlalchemy.exc.IntegrityError).
    Anywhere else: begin_write(), the statements through SQLAlchemy, then the session's commit."""
    options = conn.get_execution_options()
    gate = options.get(_GATE) if options.get(STATEMENTS) else None
    if gate is None:
        begin_write()
        conn = db.session.connection()

        def run_here(statement, params):
            rows = conn.execute(statement, params)
            return rows.all() if rows.returns_rows else []

        result = steps(run_here)
        db.session.commit()
        return result
    dialect = conn.dialect
    dbapi_conn = conn.connection.dbapi_connection

    def run(statement, params):
        return _on_driver(dbapi_conn, *_driver_call(dialect, statement, params))

    gate.enter(dbapi_conn)
    try:
        dbapi_conn.execute("BEGIN IMMEDIATE")
        try:
            result = steps(run)
            dbapi_conn.execute("COMMIT")
        except BaseException:
            if dbapi_conn.in_transaction:
                dbapi_conn.execute("ROLLBACK")
            raise
        return result
    except sqlite3.Error as exc:
        raise DBAPIError.instance("BEGIN IMMEDIATE ... COMMIT", None, exc, sqlite3.Error) from exc
    finally:
        gate.leave(dbapi_conn)


def _on_driver(dbapi_conn, sql: str, args: tuple) -> list:
    """Run SQL on the driver to its end and return its rows; a driver error is raised as
    SQLAlchemy's (a unique key broken: sqlalchemy.exc.IntegrityError)."""
    try:
        return dbapi_conn.execute(sql, args).fetchall()
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, args, exc, sqlite3.Error) from exc


_COMPILED: dict = {}


def _driver_call(dialect, statement, params) -> tuple[str, tuple]:
    """The statement's SQL for this dialect, compiled once, and its positional values as
    SQLAlchemy's own execution binds them (the same literal values, the same bind processors:
    JSON serialized, datetimes as SQLite's text). Rows come back as the driver gives them, with no
    result processing: callers read only whether a row came back or an integer id."""
    key = (dialect.name, statement)
    entry = _COMPILED.get(key)
    if entry is None:
        compiled = statement.compile(dialect=dialect)
        entry = _COMPILED[key] = (compiled.string, tuple(compiled.positiontup), compiled._bind_processors, compiled)
    sql, names, processors, compiled = entry
    values = compiled.construct_params(params)
    return sql, tuple(processors[name](values[name]) if name in processors else values[name] for name in names)
