"""SQLite's writer gate: write transactions queue in the app and are handed over at commit,
without SQLite's sleep-and-poll busy handler; a killed holder frees it."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from quizapp.database import IMMEDIATE, configure_engine


@pytest.fixture
def engine(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    # A busy timeout of 0: without the gate a second writer fails at once with "database is locked".
    configure_engine(eng, {"SQLITE_BUSY_TIMEOUT_MS": 0, "SQLITE_WRITER_GATE_TIMEOUT_MS": 10000})
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield eng
    eng.dispose()


def _write(engine, n: int, hold: float = 0.0, fail: bool = False) -> None:
    with engine.connect().execution_options(**{IMMEDIATE: True}) as conn:
        with conn.begin():
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            time.sleep(hold)
            if fail:
                raise RuntimeError("rolled back")


def test_without_the_gate_sqlite_refuses_the_second_writer(tmp_path):
    """Control: with the gate off and no busy timeout, does a second writer fail ('database is locked')?"""
    from sqlalchemy.exc import OperationalError

    eng = create_engine(f"sqlite:///{tmp_path / 'nogate.sqlite3'}")
    configure_engine(eng, {"SQLITE_BUSY_TIMEOUT_MS": 0, "SQLITE_WRITER_GATE": False})
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    first = eng.connect().execution_options(**{IMMEDIATE: True})
    first.begin()
    try:
        with pytest.raises(OperationalError, match="locked"):
            _write(eng, 2)
    finally:
        first.rollback()
        first.close()
        eng.dispose()


def test_writers_queue_instead_of_failing_and_each_commit_hands_over(engine):
    """Do 8 threads writing at once (busy timeout 0, each holding the lock 20 ms) all commit, one after
    another, where SQLite alone would refuse all but one with 'database is locked'?"""
    errors = []

    def writer(n):
        try:
            _write(engine, n, hold=0.02)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == list(range(8))


def test_a_rolled_back_writer_lets_the_next_one_in(engine):
    """After a write transaction rolls back (an error inside it), does the next writer get in?"""
    with pytest.raises(RuntimeError):
        _write(engine, 1, fail=True)
    _write(engine, 2)
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT n FROM t")).scalars()) == [2]


def test_a_writer_killed_mid_transaction_frees_the_gate(engine, tmp_path):
    """Is the gate of a process killed with SIGKILL while writing released (the kernel drops its flock,
    SQLite its lock), so this process can write?"""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        try:
            os.close(read_fd)
            child = create_engine(str(engine.url))
            configure_engine(child, {"SQLITE_BUSY_TIMEOUT_MS": 0, "SQLITE_WRITER_GATE_TIMEOUT_MS": 10000})
            conn = child.connect().execution_options(**{IMMEDIATE: True})
            conn.begin()
            conn.execute(text("INSERT INTO t VALUES (99)"))
            os.write(write_fd, b"x")
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write_fd)
    assert os.read(read_fd, 1) == b"x"  # the child holds the gate and SQLite's write lock
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    _write(engine, 1)
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT n FROM t")).scalars()) == [1]
