"""Benchmark of the member flow: hello vs start, save, submit, under gunicorn on SQLite.

Not a test. Seeds a temporary SQLite database with N members logged in (AuthSession rows and
signed cookies made directly, so argon2 is not on the path) and a 20-question quiz drawn at random
from a 30-question bank; then, for each worker count, starts gunicorn on a copy of that database
and drives it with wrk (Debian package `wrk`) at 64 connections:

  hello   GET  /hello                                  (same app, same cookie: the baseline)
  start   POST /api/v1/quizzes/<id>/attempts           (seeded draw of 20, 20 attempt_item rows)
  save    PUT  /api/v1/attempts/<id>/answers/<pos>     (one upsert, seq grows, acknowledged after commit)
  submit  POST /api/v1/attempts/<id>/submit            (conditional update + grading of 20 items)

Usage:  .venv/bin/python bench/run.py [--workers 2 4] [--members 15000] [--seconds 5] [--connections 64]
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-" + secrets.token_hex(8)

LUA = r"""
local next_tid = 0
function setup(thread) thread:set("tid", next_tid); next_tid = next_tid + 1 end
local users, counter = {}, 0
function init(args)
  local i = 0
  for line in io.lines("__USERS__") do
    if i % __THREADS__ == tid then
      local cookie, csrf, aid = line:match("(%S+) (%S+) (%S+)")
      users[#users + 1] = {cookie = cookie, csrf = csrf, aid = aid}
    end
    i = i + 1
  end
end
function request()
  counter = counter + 1
  local u = users[(counter - 1) % #users + 1]
  local round = math.floor((counter - 1) / #users)
  local h = {Cookie = "session=" .. u.cookie, ["X-CSRFToken"] = u.csrf, ["Content-Type"] = "application/json"}
  __BODY__
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""
BODIES = {
    "hello": 'return wrk.format("GET", "/hello", h)',
    "start": 'return wrk.format("POST", "/api/v1/quizzes/__QUIZ__/attempts", h, "{}")',
    "save": ('local pos = round % 20 + 1\n'
             '  local v = (round % 2 == 0) and "a" or "b"\n'
             '  return wrk.format("PUT", "/api/v1/attempts/" .. u.aid .. "/answers/" .. pos, h,'
             ' \'{"value":"\' .. v .. \'","seq":\' .. (round + 1) .. \'}\')'),
    "submit": 'return wrk.format("POST", "/api/v1/attempts/" .. u.aid .. "/submit", h, "{}")',
}


def seed(db_path: Path, members: int) -> tuple[int, list[tuple[int, str, str]]]:
    """Build the database (bench/seed.py, shared with the load run); return the quiz id and
    (person_id, cookie, csrf header) per member."""
    os.environ.update(DATABASE_URL=f"sqlite:///{db_path}", SECRET_KEY=SECRET, QUIZAPP_INSTANCE=str(db_path.parent))
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from seed import seed as seed_members

    quiz_id, seeded = seed_members(f"sqlite:///{db_path}", members, SECRET, grace_seconds=60)
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return quiz_id, [(m.person_id, m.cookie, m.csrf) for m in seeded]


def wrk(phase: str, port: int, users_file: Path, quiz_id: int, seconds: int, conns: int, threads: int) -> dict:
    """Run one wrk phase; return requests, req/s, errors, p50 and p99 in ms."""
    script = users_file.parent / f"{phase}.lua"
    body = BODIES[phase].replace("__QUIZ__", str(quiz_id))
    script.write_text(LUA.replace("__USERS__", str(users_file)).replace("__THREADS__", str(threads))
                      .replace("__BODY__", body))
    time.sleep(1.5)  # let the previous phase's queued requests drain first
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout", "5s",
                          "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    reqs, dur_us, errors, p50, p99 = (int(x) for x in line.split()[1:])
    return {"phase": phase, "requests": reqs, "rps": reqs / (dur_us / 1e6), "errors": errors,
            "p50": p50 / 1000, "p99": p99 / 1000}


def write_users(path: Path, users: list, attempts: dict[int, int] | None) -> int:
    """One line per member: cookie, CSRF header, attempt id (0 before start)."""
    lines = [f"{c} {t} {attempts.get(pid, 0) if attempts else 0}" for pid, c, t in users
             if attempts is None or pid in attempts]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def serve(db_path: Path, workers: int, port: int) -> subprocess.Popen:
    """Start gunicorn (sync workers, as `make run`) on the database and wait until it answers."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}", SECRET_KEY=SECRET,
               QUIZAPP_INSTANCE=str(db_path.parent), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--backlog", "2048", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def run(workers: int, seed_db: Path, quiz_id: int, users: list, args) -> tuple[list[dict], dict]:
    """All four phases against a fresh copy of the seeded database."""
    work = seed_db.parent / f"w{workers}"
    work.mkdir(exist_ok=True)
    db_path = work / "bench.sqlite3"
    shutil.copy(seed_db, db_path)
    port = 18000 + workers
    proc = serve(db_path, workers, port)
    results = []
    try:
        users_file = work / "users.txt"
        write_users(users_file, users, None)
        time_args = (args.seconds, args.connections, args.threads)
        wrk("hello", port, users_file, quiz_id, 2, *time_args[1:])  # warm-up: imports, connections
        results.append(wrk("hello", port, users_file, quiz_id, *time_args))
        results.append(wrk("start", port, users_file, quiz_id, *time_args))
        time.sleep(1.5)
        con = sqlite3.connect(db_path)
        attempts = dict(con.execute("SELECT person_id, id FROM attempt"))
        started = len(attempts)
        write_users(users_file, users, attempts)
        results.append(wrk("save", port, users_file, quiz_id, *time_args))
        results.append(wrk("submit", port, users_file, quiz_id, *time_args))
        facts = {
            "attempts_started": started,
            "answers_stored": con.execute("SELECT count(*) FROM answer").fetchone()[0],
            "attempt_items": con.execute("SELECT count(*) FROM attempt_item").fetchone()[0],
            "finished": con.execute("SELECT count(*) FROM attempt WHERE status='finished'").fetchone()[0],
        }
        con.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return results, facts


def main() -> None:
    """Seed once, run each worker count, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--members", type=int, default=15000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="quizbench-"))
    try:
        t0 = time.time()
        quiz_id, users = seed(tmp / "seed.sqlite3", args.members)
        print(f"Seeded {len(users)} members and a 20-of-30 question quiz in {time.time() - t0:.1f} s")
        print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"wrk: {args.connections} connections, {args.threads} threads, {args.seconds} s per phase; "
              f"gunicorn sync workers; SQLite WAL\n")
        print("| workers | route | req/s | vs hello | p50 ms | p99 ms | errors |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for w in args.workers:
            results, facts = run(w, tmp / "seed.sqlite3", quiz_id, users, args)
            hello = results[0]["rps"]
            for r in results:
                print(f"| {w} | {r['phase']} | {r['rps']:.0f} | {r['rps'] / hello:.0%} | {r['p50']:.1f} | "
                      f"{r['p99']:.1f} | {r['errors']} |")
            print(f"|  | *{w} workers: {facts['attempts_started']} attempts started, {facts['attempt_items']} items, "
                  f"{facts['answers_stored']} answers stored, {facts['finished']} finished* | | | | | |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
