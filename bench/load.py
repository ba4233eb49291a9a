"""A study hall's worth of load, with faults: the real journey against gunicorn, kill -9 mid-run.

Sets up a fresh database (SQLite file, or a new database on a PostgreSQL server), seeds N members
already logged in and one quiz, starts gunicorn (gunicorn.conf.py) and the overdue sweep
(`flask quiz sweep --loop N`), then drives every member through the JSON API (bench/loadgen.py):
a hello storm (the baseline), the start storm at the barrier, saves with think time, the submit
storm in the last seconds (some members vanish and are left to the sweep). In the middle it kills
every gunicorn worker with SIGKILL; the arbiter forks new ones and the run goes on. At the end it
compares the database with the ledger (bench/verify.py) and prints a table.

    .venv/bin/python bench/load.py --members 2000 --duration 60
    .venv/bin/python bench/load.py --db postgresql://postgres@127.0.0.1:5432/postgres --members 2000

Exit status 1 when an invariant is broken.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import loadgen, seed as seeding, verify as verifying  # noqa: E402


def child_pids(parent: int) -> list[int]:
    """Pids whose parent is `parent` (gunicorn's workers under the arbiter)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry))
    return found


def kill_workers(master: int) -> list[int]:
    """SIGKILL every worker of the arbiter at once; returns their pids."""
    pids = child_pids(master)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def stop(proc: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def server_env(url: str, secret: str, workdir: Path, args) -> dict:
    """Environment for gunicorn and the sweep."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secret, QUIZAPP_INSTANCE=str(workdir),
               PYTHONPATH=str(ROOT), FLASK_APP="wsgi", GUNICORN_WORKERS=str(args.workers),
               GUNICORN_WORKER_CLASS=args.worker_class, GUNICORN_THREADS=str(args.threads))
    env.pop("TEST_DATABASE_URL", None)
    return env


def remember(proc: subprocess.Popen, workdir: Path) -> subprocess.Popen:
    """Append the child's process group to workdir/groups, so a supervisor can kill it whatever happens."""
    with open(workdir / "groups", "a") as fh:
        fh.write(f"{proc.pid}\n")
    return proc


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port with the repository's gunicorn.conf.py; waits for /healthz."""
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                             "--bind", f"127.0.0.1:{port}", "bench.app:app"], cwd=ROOT, env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
    remember(proc, log.parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def start_sweep(env: dict, seconds: int, log: Path) -> subprocess.Popen:
    """`flask quiz sweep --loop N` beside the server, as `make run` does."""
    return remember(subprocess.Popen([sys.executable, "-m", "flask", "quiz", "sweep", "--loop", str(seconds)],
                                     cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True), log.parent)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_closed(url: str, limit: float) -> int:
    """Poll until no attempt is in progress (the sweep's job) or `limit` seconds pass; returns how many remain."""
    from sqlalchemy import create_engine, text

    from quizapp import normalize_db_url

    engine = create_engine(normalize_db_url(url))
    end = time.monotonic() + limit
    try:
        while True:
            with engine.connect() as conn:
                left = conn.execute(text("SELECT count(*) FROM attempt WHERE status = 'in_progress'")).scalar()
            if not left or time.monotonic() > end:
                return left
            time.sleep(0.5)
    finally:
        engine.dispose()


HAPROXY = """global
    maxconn 8000
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout check 5s
    retries 3
    option redispatch
frontend hall
    bind 127.0.0.1:{port}
    default_backend app
backend app
    balance roundrobin
    option httpchk GET /healthz
    option allbackups
{servers}
"""


def start_haproxy(port: int, app_ports: list[int], workdir: Path) -> subprocess.Popen:
    """haproxy (Debian package) on `port` in front of the instances, health-checked every second.

    A check may take up to 5 s and an instance is taken out after 3 failed checks: under the start
    storm /healthz waits in the same queue as the members' requests, and a check that gave up after
    500 ms and took an instance out at the first miss (the first setting) took both out at times,
    so haproxy answered 503 to a third of the tries (bench/README.md). A killed instance refuses
    connections: `retries 3` with `option redispatch` sends those tries to a live one at once.
    Every instance is also listed as an unchecked backup (`option allbackups`): when slow checks
    under a storm have taken *every* instance out, haproxy sends the tries to all of them anyway
    instead of answering 503 itself, and a dead one among them still refuses and is redispatched."""
    import shutil

    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        raise SystemExit("haproxy not found: apt-get install -y haproxy")
    cfg = workdir / "haproxy.cfg"
    servers = [f"    server app{i} 127.0.0.1:{p} check inter 1s fall 3 rise 2" for i, p in enumerate(app_ports)]
    servers += [f"    server spare{i} 127.0.0.1:{p} backup" for i, p in enumerate(app_ports)]
    cfg.write_text(HAPROXY.format(port=port, servers="\n".join(servers)))
    proc = remember(subprocess.Popen([binary, "-f", str(cfg), "-db"], stdout=open(workdir / "haproxy.log", "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True), workdir)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("haproxy did not answer within 20 s")


def kill_instance(server: subprocess.Popen, sweep: subprocess.Popen | None) -> list[int]:
    """SIGKILL a whole instance: the gunicorn arbiter with its workers, and its sweep (a host lost)."""
    pids = [server.pid, *child_pids(server.pid)]
    for proc in (server, sweep):
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return pids


async def _scenario(members, plan: loadgen.Plan, ledger: Path, kill, kill_at: list[float]) -> tuple:
    kills = []

    async def killer():
        for when in kill_at:
            await asyncio.sleep(max(0.0, when - time.monotonic()))
            kills.append({"at": round(when - plan.start_at, 1), "pids": kill()})

    task = asyncio.ensure_future(killer())
    stats = await loadgen.drive(members, plan, ledger)
    task.cancel()
    return stats, kills


def run(args, workdir: Path, out=print) -> dict:
    """One full run; returns rows, kills, verification and facts."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    secret = "load-" + secrets.token_hex(16)
    url, drop = seeding.fresh_database(args.db, workdir)
    servers, sweeps, proxy = [], [], None
    try:
        t0 = time.monotonic()
        quiz_id, members = seeding.seed(url, args.members, secret, grace_seconds=args.grace)
        out(f"seeded {len(members)} members in {time.monotonic() - t0:.1f} s on {url.split(':')[0]}")
        env = server_env(url, secret, workdir, args)
        port = args.port or free_port()
        if args.instances == 1:
            servers.append(start_server(env, port, workdir / "gunicorn.log"))
            sweeps.append(start_sweep(env, args.sweep_seconds, workdir / "sweep.log"))
        else:  # N app instances (one gunicorn arbiter and one sweep each) behind haproxy on `port`
            app_ports = [free_port() for _ in range(args.instances)]
            for i, p in enumerate(app_ports):
                servers.append(start_server(env, p, workdir / f"gunicorn{i}.log"))
                sweeps.append(start_sweep(env, args.sweep_seconds, workdir / f"sweep{i}.log"))
            proxy = start_haproxy(port, app_ports, workdir)
        now = time.monotonic()
        plan = loadgen.Plan(port=port, quiz_id=quiz_id, hello_at=now + 2, start_at=now + 2 + args.reaction + 3,
                            deadline_at=now + 5 + args.reaction + args.duration, reaction=args.reaction,
                            submit_window=args.submit_window)
        from quizapp.clock import utcnow

        seeding.set_window(url, quiz_id, utcnow() + timedelta(seconds=plan.deadline_at - time.monotonic()))
        kill_at = [plan.start_at + f * args.duration for f in args.kill_at]
        ledger = workdir / "ledger.jsonl"
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        if args.instances == 1:
            def kill():
                return kill_workers(servers[0].pid)
        else:
            def kill():  # the first instance, whole (each further kill takes the next one, never the last)
                victim = min(len(kills_done), len(servers) - 2)
                kills_done.append(victim)
                return kill_instance(servers[victim], sweeps[victim])
        kills_done: list[int] = []
        stats, kills = asyncio.run(_scenario(members, plan, ledger, kill, kill_at))
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        generator_cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
        left = wait_closed(url, args.grace + 3 * args.sweep_seconds + 30)
        workers_after = [pid for s in servers if s.poll() is None for pid in child_pids(s.pid)]
    finally:
        for proc in [proxy, *sweeps, *servers]:
            stop(proc)
    try:
        result = verifying.verify(url, ledger)
    finally:
        drop()
    rows = [stats.row(step) for step in ("hello", "start", "save", "submit")]
    result.update(rows=rows, kills=kills, in_progress_left=left, workers_after=len(workers_after),
                  generator_cpu_seconds=round(generator_cpu, 1),
                  error_samples=stats.error_samples, failures=stats.breakdown())
    return result


def print_report(result: dict, args, out=print) -> None:
    """The table and the verdict."""
    hello = result["rows"][0]["rps"] or 1
    out(f"\n{args.members} members, "
        f"{f'{args.instances} instances behind haproxy, each ' if args.instances > 1 else ''}"
        f"{args.workers} x {args.worker_class} workers"
        f"{f' x {args.threads} threads' if args.threads > 1 else ''}, db {args.db.split(':')[0]}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    out("| step | requests | req/s | vs hello | p50 ms | p99 ms | max ms | HTTP errors | retried (kill) |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in result["rows"]:
        out(f"| {r['step']} | {r['requests']} | {r['rps']:.0f} | {r['rps'] / hello:.0%} | {r['p50']:.0f} | "
            f"{r['p99']:.0f} | {r['max']:.0f} | {r['http_errors']} | {r['transport_errors']} |")
    for k in result["kills"]:
        what = "a whole instance (arbiter, workers, sweep)" if args.instances > 1 else "workers"
        out(f"kill -9 at +{k['at']} s of {what} {k['pids']}; workers at the end: {result['workers_after']}")
    out(f"facts: {result['facts']}; the load generator itself used {result['generator_cpu_seconds']} s of CPU")
    if result["failures"]:
        out("\nFailed tries by reason (retried: a transport failure or a proxy 503, tried again; HTTP: the "
            "final answer), with the seconds into the run and the count per 10 s:")
        out("| kind | step | reason | tries | first s | last s | per 10 s (start: count) |")
        out("|---|---|---|---:|---:|---:|---|")
        for f in result["failures"][:15]:
            windows = ", ".join(f"{w}: {n}" for w, n in sorted(f["windows"].items()))
            kind = "HTTP" if f["kind"] == "http" else "retried"
            out(f"| {kind} | {f['step']} | {f['reason']} | {f['count']} | {f['first']:.1f} | {f['last']:.1f} | "
                f"{windows} |")
    for sample in result["error_samples"][:3]:
        out(f"  sample error: {sample}")
    if result["problems"]:
        out("LEDGER CHECK FAILED:")
        for p in result["problems"]:
            out(f"  - {p}")
    else:
        out("ledger check: every acknowledged answer and submit is in the database, no attempt finished "
            "twice, every finish time inside its acknowledged submit, every attempt closed, and "
            f"{result['facts'].get('regraded', 0)} attempts regraded from their stored answers as stored.")


def parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="sqlite", help="'sqlite' (a temporary file) or a postgresql:// server URL")
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--duration", type=float, default=60, help="seconds from the barrier to the deadline")
    p.add_argument("--reaction", type=float, default=2.0, help="members press start within this many seconds")
    p.add_argument("--submit-window", type=float, default=5.0)
    p.add_argument("--grace", type=int, default=5, help="the quiz's grace seconds")
    p.add_argument("--sweep-seconds", type=int, default=2)
    p.add_argument("--kill-at", type=float, nargs="*", default=[0.5], help="fractions of the duration")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--worker-class", default="gthread")
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (4 as gunicorn.conf.py)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--instances", type=int, default=1,
                   help="app instances (gunicorn arbiter + sweep each) behind haproxy; the kill takes one whole instance")
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, ledger)")
    p.add_argument("--workdir", type=Path, default=None, help="work folder (default: a new temporary one)")
    p.add_argument("--json", type=Path, default=None, help="also write the result as JSON here")
    return p


def main() -> None:
    """Run once, print the table, exit 1 on a broken invariant."""
    args = parser().parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizload-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result = run(args, workdir)
    print_report(result, args)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    if args.keep or args.workdir:
        print(f"work folder: {workdir}")
    else:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if result["problems"] else 0)


if __name__ == "__main__":
    main()
