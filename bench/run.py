"""Benchmark of the member flow against a bare Flask hello-world, under gunicorn, SQLite or PostgreSQL.

Not a test. Seeds a temporary database with N members logged in (AuthSession rows and signed
cookies made directly, so argon2 is not on the path) and a 20-question quiz drawn at random from a
30-question bank; then starts gunicorn exactly as `make run` does (gunicorn.conf.py: gthread,
preloaded) on the bench app (`bench.app:app`: the product plus a bench-only /hello), and beside it,
served the same way, a bare Flask hello-world (`bench.app:bare`). wrk drives each at 64 connections,
the bare app before and after every route (its ratio is to the mean of those two):

  bare    GET  /hello on the bare Flask app            (the ceiling: Flask + gunicorn on this machine)
  hello   GET  /hello on the product                   (session cookie + user lookup + request log)
  start   POST /api/v1/quizzes/<id>/attempts           (rule checks, seeded draw of 20, 21 rows)
  save    PUT  /api/v1/attempts/<id>/answers/<pos>     (one upsert, seq grows, acknowledged after commit)
  submit  POST /api/v1/attempts/<id>/submit            (conditional update + grading of 20 items)

Every row is printed as a ready markdown table row with its ratio to `bare`, the command and the
load average before and after, so a table pasted into bench/README.md says how it was measured.
Each row also says what the route cost: the workers' CPU ms per request (user + system, from
/proc; the bare app's beside it) and how busy the whole machine was (wrk included). A route below
the machine's capacity whose CPU per request would allow more is held by a lock, not by the CPU.

Usage:  .venv/bin/python bench/run.py [--workers 2] [--members 15000] [--seconds 10] [--connections 64]
        [--db postgresql://postgres@127.0.0.1:5432/postgres] [--worker-class gthread] [--threads 4]
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
      local cookie, csrf, aid, vals = line:match("(%S+) (%S+) (%S+) ?(%S*)")
      local values = {}
      for v in string.gmatch(vals or "", "[^|]+") do values[#values + 1] = v end
      users[#users + 1] = {cookie = cookie, csrf = csrf, aid = aid, values = values}
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
    "bare": 'return wrk.format("GET", "/hello", h)',
    "hello": 'return wrk.format("GET", "/hello", h)',
    "start": 'return wrk.format("POST", "/api/v1/quizzes/__QUIZ__/attempts", h, "{}")',
    "save": ('local pos = round % 20 + 1\n'
             '  local v = u.values[pos] or "null"\n'
             '  return wrk.format("PUT", "/api/v1/attempts/" .. u.aid .. "/answers/" .. pos, h,'
             ' \'{"value":\' .. v .. \',"seq":\' .. (round + 1) .. \'}\')'),
    "submit": 'return wrk.format("POST", "/api/v1/attempts/" .. u.aid .. "/submit", h, "{}")',
}


def seed(kind: str, workdir: Path, members: int) -> tuple[str, callable, int, list[tuple[int, str, str]]]:
    """Build the database (bench/seed.py, shared with the load run); return its url, its drop(),
    the quiz id and (person_id, cookie, csrf header) per member."""
    os.environ.update(SECRET_KEY=SECRET, QUIZAPP_INSTANCE=str(workdir))
    sys.path.insert(0, str(ROOT))
    from bench import seed as seeding

    url, drop = seeding.fresh_database(kind, workdir)
    os.environ["DATABASE_URL"] = url
    quiz_id, seeded = seeding.seed(url, members, SECRET, grace_seconds=60)
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split("///", 1)[1])
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    return url, drop, quiz_id, [(m.person_id, m.cookie, m.csrf) for m in seeded]


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


def _cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU seconds used so far by the server's worker processes (the master's children)."""
    kids = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in kids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a worker gone between the listing and the read
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(idle + iowait, all) CPU ticks of the whole machine since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return values[3] + values[4], sum(values)


def wrk_cpu(server: subprocess.Popen, *wrk_args) -> dict:
    """wrk() plus what it cost: the server's worker CPU ms per request, and how busy the whole
    machine was (wrk included). A route whose workers and machine are not busy is waiting on a lock,
    not on the CPU."""
    cpu0, (idle0, all0) = _cpu_seconds(server), _machine_ticks()
    got = wrk(*wrk_args)
    cpu1, (idle1, all1) = _cpu_seconds(server), _machine_ticks()
    # wrk() sleeps 1.5 s before its phase: the worker CPU of that idle pause is negligible.
    got["cpu_ms"] = (cpu1 - cpu0) * 1000 / max(got["requests"], 1)
    got["busy"] = 1 - (idle1 - idle0) / max(all1 - all0, 1)
    return got


def answers_by_attempt(engine) -> dict[int, str]:
    """A valid answer per position of every attempt, in its display ids, as 'v1|v2|...' of JSON."""
    import json

    from sqlalchemy import text

    from quizapp.services.display_ids import to_display

    out: dict[int, list] = {}
    with engine.connect() as con:
        rows = con.execute(text(
            "SELECT ai.attempt_id, ai.position, ai.choice_order, qv.type, qv.spec FROM attempt_item ai "
            "JOIN question_version qv ON qv.id = ai.question_version_id ORDER BY ai.attempt_id, ai.position"))
        for aid, _pos, order, qtype, spec in rows:
            order = json.loads(order) if isinstance(order, str) else order
            spec = json.loads(spec) if isinstance(spec, str) else spec
            first = (spec.get("choices") or [{}])[0].get("id")
            real = {"single": {"choice": first}, "multiple": {"choices": [first]}}.get(qtype, {"text": "a"})
            shown = to_display(spec, order, real)
            value = shown.get("choice") or shown.get("choices") or shown.get("text")
            out.setdefault(aid, []).append(json.dumps(value, separators=(",", ":")))
    return {aid: "|".join(vals) for aid, vals in out.items()}


def write_users(path: Path, users: list, attempts: dict[int, int] | None, values: dict[int, str] | None = None) -> int:
    """One line per member: cookie, CSRF header, attempt id (0 before start), answers (after start)."""
    lines = [f"{c} {t} {attempts.get(pid, 0) if attempts else 0} {(values or {}).get((attempts or {}).get(pid), '')}"
             for pid, c, t in users if attempts is None or pid in attempts]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def serve(url: str, workdir: Path, target: str, port: int, args) -> subprocess.Popen:
    """gunicorn with the repository's gunicorn.conf.py (as `make run`) on `target`; waits for /healthz."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, QUIZAPP_INSTANCE=str(workdir), PYTHONPATH=str(ROOT),
               GUNICORN_WORKERS=str(args.workers), GUNICORN_WORKER_CLASS=args.worker_class,
               GUNICORN_THREADS=str(args.threads), BENCH_BARE="1" if target.endswith(":bare") else "0")
    env.pop("TEST_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--bind",
           f"127.0.0.1:{port}", target]
    if args.granian:  # the comparison server: its own venv, the product's packages on the path
        import sysconfig

        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
        cmd = [args.granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers), "--blocking-threads", str(args.threads), "--backlog", "2048",
               "--no-ws", "--log-level", "warning", target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "gunicorn.log", "ab"),
                            start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"gunicorn did not start ({target}); see {workdir / 'gunicorn.log'}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group and wait."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(url: str, workdir: Path, quiz_id: int, users: list, args) -> tuple[list[dict], dict]:
    """hello, start, save and submit against the seeded database, each between two runs of the bare
    app (both servers stay up; the idle one costs nothing), so every route is compared with the bare
    Flask figures taken just before and just after it: the CPU of a shared virtual machine changes
    speed by tens of percent within minutes, and a ratio to one early bare run would carry that."""
    from sqlalchemy import create_engine, text

    from quizapp import normalize_db_url

    users_file = workdir / "users.txt"
    write_users(users_file, users, None)
    time_args = (args.seconds, args.connections, args.threads_wrk)
    bare_args = (max(3, args.seconds // 2), args.connections, args.threads_wrk)
    results = []
    bare = serve(url, workdir, "bench.app:bare", 18100, args)
    proc = serve(url, workdir, "bench.app:app", 18101, args)
    engine = create_engine(normalize_db_url(url))

    def measure(phase: str) -> None:
        before = results[-1]["bare_after"] if results else wrk_cpu(bare, "bare", 18100, users_file, quiz_id, *bare_args)
        got = wrk_cpu(proc, phase, 18101, users_file, quiz_id, *time_args)
        got["bare_before"], got["bare_after"] = before, wrk_cpu(bare, "bare", 18100, users_file, quiz_id, *bare_args)
        results.append(got)

    try:
        wrk("bare", 18100, users_file, quiz_id, 2, *time_args[1:])  # warm-up
        wrk("hello", 18101, users_file, quiz_id, 2, *time_args[1:])  # warm-up: connections, caches
        measure("hello")
        measure("start")
        time.sleep(1.5)
        with engine.connect() as con:
            attempts = dict(con.execute(text("SELECT person_id, id FROM attempt")).all())
        write_users(users_file, users, attempts, answers_by_attempt(engine))
        measure("save")
        measure("submit")
        with engine.connect() as con:
            facts = {
                "attempts_started": len(attempts),
                "answers_stored": con.execute(text("SELECT count(*) FROM answer")).scalar(),
                "attempt_items": con.execute(text("SELECT count(*) FROM attempt_item")).scalar(),
                "finished": con.execute(text("SELECT count(*) FROM attempt WHERE status='finished'")).scalar(),
            }
    finally:
        engine.dispose()
        stop(proc)
        stop(bare)
    return results, facts


def main() -> None:
    """Seed once, run the five phases, print the markdown rows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread; 4 as gunicorn.conf.py)")
    parser.add_argument("--members", type=int, default=15000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads-wrk", type=int, default=2, help="wrk threads")
    parser.add_argument("--granian", default=None, metavar="PATH",
                        help="serve both apps with this granian executable instead of gunicorn (WSGI, "
                             "--workers processes x --threads blocking threads); granian is not a "
                             "dependency: install it in a venv of its own (python3 -m venv /tmp/g && "
                             "/tmp/g/bin/pip install granian) and pass /tmp/g/bin/granian")
    parser.add_argument("--db", default="sqlite", help="'sqlite' (a temporary file) or a postgresql:// server URL")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="quizbench-"))
    drop = None
    try:
        t0 = time.time()
        url, drop, quiz_id, users = seed(args.db, tmp, args.members)
        load_before = os.getloadavg()[0]
        print(f"Seeded {len(users)} members and a 20-of-30 question quiz in {time.time() - t0:.1f} s")
        command = "bench/run.py " + " ".join(sys.argv[1:])
        results, facts = run(url, tmp, quiz_id, users, args)
        load_after = os.getloadavg()[0]
        label = (f"{args.db.split(':')[0]}, {'granian ' if args.granian else ''}{args.workers} x "
                 f"{'blocking threads' if args.granian else args.worker_class}"
                 f"{f' x {args.threads}' if args.granian or args.worker_class == 'gthread' else ''}, {args.connections} conn., "
                 f"load {load_before:.1f}→{load_after:.1f}")
        bares = [r["rps"] for r in [results[0]["bare_before"]] + [r["bare_after"] for r in results]]
        print(f"\n`{command}` — wrk {args.connections} connections, {args.seconds} s per phase; "
              f"load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs; "
              f"the bare app ran {max(3, args.seconds // 2)} s before and after every route: "
              f"{' / '.join(f'{b:,.0f}' for b in bares)} req/s\n")
        print("| run | route | req/s | bare Flask before / after (req/s) | vs bare (their mean) | p50 ms | p99 ms | errors "
              "| worker CPU ms / request (bare's) | machine busy |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            b0, b1 = r["bare_before"]["rps"], r["bare_after"]["rps"]
            bare_cpu = (r["bare_before"]["cpu_ms"] + r["bare_after"]["cpu_ms"]) / 2
            print(f"| {label} | {r['phase']} | {r['rps']:,.0f} | {b0:,.0f} / {b1:,.0f} | {r['rps'] / ((b0 + b1) / 2):.1%} "
                  f"| {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['cpu_ms']:.2f} ({bare_cpu:.2f}) "
                  f"| {r['busy']:.0%} |")
        print(f"\nfacts: {facts}", flush=True)
    finally:
        if drop:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
