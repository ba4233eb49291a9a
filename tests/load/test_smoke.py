"""Load smoke (short bench/load.py): 40 members against gunicorn, every worker killed with
kill -9 mid-run, then the database is compared with the generator's ledger.

Runs on a SQLite temporary file, or on a new temporary database on the PostgreSQL server of
TEST_DATABASE_URL. Bounded: the runner has a hard timeout and every process group it started is
killed at the end, whatever happened.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARD_TIMEOUT = 240  # seconds; a normal run takes about 40


def _kill_groups(workdir: Path, runner: subprocess.Popen) -> None:
    groups = workdir / "groups"
    pids = [int(x) for x in groups.read_text().split()] if groups.exists() else []
    for pid in [*pids, runner.pid]:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One short run; its result as written by bench/load.py --json."""
    return _run(tmp_path_factory.mktemp("load"), ["--workers", "2"])


@pytest.fixture(scope="module")
def smoke_two_instances(tmp_path_factory):
    """One short run on two app instances behind haproxy, one instance killed whole mid-run."""
    # `make test` installs it (lb-tools); a missing balancer is a failed setup, not a pass.
    assert shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists(), \
        "haproxy is not installed: run `make lb-tools` (apt-get install -y haproxy)"
    return _run(tmp_path_factory.mktemp("load2"), ["--workers", "1", "--instances", "2"])


def _run(workdir: Path, extra: list[str]) -> dict:
    out = workdir / "result.json"
    cmd = [sys.executable, str(ROOT / "bench" / "load.py"), "--members", "40", "--duration", "15",
           "--reaction", "1", "--submit-window", "4", "--grace", "3", "--sweep-seconds", "1",
           "--kill-at", "0.5", *extra, "--workdir", str(workdir), "--json", str(out),
           "--db", os.environ.get("TEST_DATABASE_URL") or "sqlite"]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    runner = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True, text=True)
    try:
        output, _ = runner.communicate(timeout=HARD_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_groups(workdir, runner)
        output, _ = runner.communicate(timeout=10)
        pytest.fail(f"load smoke did not finish in {HARD_TIMEOUT} s:\n{output[-3000:]}")
    finally:
        _kill_groups(workdir, runner)
    assert out.exists(), f"no result written (exit {runner.returncode}):\n{output[-3000:]}"
    result = json.loads(out.read_text())
    result["output"] = output
    return result


def test_nothing_acknowledged_is_missing(smoke):
    """Is every acknowledged start, answer and submit in the database after kill -9 of every worker?"""
    assert smoke["problems"] == [], smoke["output"][-3000:]
    facts = smoke["facts"]
    assert facts["starts_acknowledged"] == 40
    assert facts["saves_acknowledged"] > 200
    assert facts["submits_acknowledged"] > 25


def test_every_attempt_regraded_as_stored(smoke):
    """Was every finished attempt regraded from its stored answers (the load quiz has no essay), with
    nothing different from what the server stored?"""
    assert smoke["problems"] == []
    assert smoke["facts"]["regraded"] == smoke["facts"]["attempts"] == 40
    assert smoke["facts"]["essays_pending_attempts"] == 0


def test_workers_were_killed_and_replaced(smoke):
    """Did the run really kill every worker mid-run, and did gunicorn replace them?"""
    assert len(smoke["kills"]) == 1
    assert len(smoke["kills"][0]["pids"]) == 2
    assert smoke["workers_after"] == 2


def test_no_attempt_left_open_or_finished_twice(smoke):
    """Is every attempt closed (one per member), those who vanished by the sweep at their deadline?"""
    facts = smoke["facts"]
    assert smoke["in_progress_left"] == 0
    assert facts["attempts"] == 40
    reasons = facts["finish_reasons"]
    assert sum(reasons.values()) == 40 and "in_progress" not in reasons
    assert reasons.get("sweep", 0) + reasons.get("read", 0) >= 1
    assert reasons.get("member", 0) >= 20


def test_no_request_refused(smoke):
    """Did every step answer without an HTTP error (transport failures at the kill are retried)?"""
    rows = {r["step"]: r for r in smoke["rows"]}
    for step in ("hello", "start", "save", "submit"):
        assert rows[step]["http_errors"] == 0, (step, smoke["error_samples"])
        assert rows[step]["requests"] > 0, step


def test_two_instances_one_killed_whole(smoke_two_instances):
    """With two app instances behind haproxy, one killed whole (arbiter, workers and its sweep) mid-run:
    is everything acknowledged stored, no attempt finished twice, every attempt closed by the
    surviving instance's sweep, and no request refused?"""
    result = smoke_two_instances
    assert result["problems"] == [], result["output"][-3000:]
    assert len(result["kills"]) == 1 and result["workers_after"] == 1
    facts = result["facts"]
    assert facts["starts_acknowledged"] == facts["attempts"] == facts["regraded"] == 40
    assert result["in_progress_left"] == 0
    assert sum(facts["finish_reasons"].values()) == 40
    for row in result["rows"]:
        assert row["http_errors"] == 0, (row["step"], result["error_samples"])
