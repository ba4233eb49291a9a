"""In-process cost of the member flow (no network, no server): ms and SQL statements per request.

Seeds a SQLite file (or a new PostgreSQL database with --db) with N members logged in and the
load quiz (bench/seed.py), then drives the app through Flask's test client: hello (bench-only,
session + user lookup), start, save, submit, each --rounds times over distinct members. This is the
figure to work by on a shared machine. Each step request is timed next to a request to a bare Flask
hello-world (`bench.app:bare`), and the ratio is taken against those, so a CPU that speeds up or
slows down during the run (it does, on a shared virtual machine) moves both. Every tenth request is
not timed but counted: **Python calls per request** (function calls seen by `sys.setprofile`) and
SQL statements per request do not depend on the machine's speed at all.
With --cprofile STEP it prints the top of cProfile for that step.

    .venv/bin/python bench/cost.py --members 300
    .venv/bin/python bench/cost.py --cprofile start
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import seed as seeding  # noqa: E402


def _value(item: dict):
    """A valid answer for an item as the API shows it (first display choice, or text)."""
    choices = (item.get("view") or {}).get("choices") or []
    if item["type"] == "multiple":
        return [choices[0]["id"]]
    if choices:
        return choices[0]["id"]
    return "a"


def _package(filename: str) -> str:
    """The distribution a profiled function belongs to: site-packages/<name>, the product, or stdlib."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if f"{ROOT}/" in filename:
        return "/".join(filename[len(str(ROOT)) + 1:].split("/")[:2])
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    return "stdlib"


def _print_by_package(stats: pstats.Stats, requests: int) -> None:
    """Own time (tottime) per request summed by package: where a step's CPU goes, not who called it."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = _package(filename)
        totals[key] = totals.get(key, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    print("| package | own ms / request (profiled) | share |")
    print("|---|---:|---:|")
    for key, value in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {key} | {value * 1000 / requests:.3f} | {value / whole:.0%} |")


def _count_calls(fn, *args) -> int:
    """Python and C function calls made by fn(*args): a figure of CPU work that does not depend on
    the machine's speed or on what else runs (the milliseconds do)."""
    n = 0

    def _tick(_frame, event, _arg):
        nonlocal n
        if event in ("call", "c_call"):
            n += 1

    sys.setprofile(_tick)
    try:
        fn(*args)
    finally:
        sys.setprofile(None)
    return n


def _trace_all(traced: list, off: bool) -> None:
    """Turn SQLite's trace off or back on for every traced connection still open."""
    import sqlite3

    for dbapi_conn, callback in traced:
        try:
            dbapi_conn.set_trace_callback(None if off else callback)
        except sqlite3.ProgrammingError:  # closed by the pool
            pass


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=300)
    p.add_argument("--db", default="sqlite")
    p.add_argument("--cprofile", default=None, choices=["hello", "start", "save", "submit", "bare"])
    args = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="quizprof-"))
    secret = "prof-" + secrets.token_hex(8)
    url, drop = seeding.fresh_database(args.db, workdir)
    try:
        quiz_id, members = seeding.seed(url, args.members, secret, grace_seconds=60)
        os.environ.update(DATABASE_URL=url, SECRET_KEY=secret, QUIZAPP_INSTANCE=str(workdir), LOG_FORMAT="json")
        from sqlalchemy import event

        from bench.app import make_bare, with_hello
        from quizapp import create_app
        from quizapp.config import DevelopmentConfig
        from quizapp.extensions import db

        app = with_hello(create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secret))
        bare = make_bare()
        counter = {"n": 0, "tx": 0}
        traced: list = []  # SQLite: (driver connection, its trace callback), off while calls are counted
        with app.app_context():
            def _count(conn, cursor, statement, *rest):
                counter["n"] += 1
                if os.environ.get("SQL_TRACE"):
                    print("SQL", " ".join(statement.split())[:150], file=sys.stderr)

            def _end(conn, *rest):  # COMMIT / ROLLBACK: a round trip the statement count misses
                counter["tx"] += 1
                if os.environ.get("SQL_TRACE"):
                    print("SQL (end of transaction)", file=sys.stderr)
            if db.engine.dialect.name == "sqlite":
                # What the driver runs, as SQLite sees it: the app also runs statements on the
                # driver directly (database.execute_write, write_transaction), which SQLAlchemy's
                # events do not see. A write statement outside BEGIN ... COMMIT is its own
                # transaction, so it counts as a commit too.
                def _trace(dbapi_conn, _record):
                    state = {"open": False}

                    def _seen(sql):
                        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
                        if verb == "PRAGMA":
                            return
                        if verb == "BEGIN":
                            state["open"] = True
                        elif verb in ("COMMIT", "ROLLBACK", "END"):
                            state["open"] = False
                            _end(None)
                        else:
                            _count(None, None, sql)
                            if not state["open"] and verb in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
                                _end(None)
                    dbapi_conn.set_trace_callback(_seen)
                    traced.append((dbapi_conn, _seen))

                db.engine.dispose()  # every connection from here on is a new one, traced
                event.listen(db.engine, "connect", _trace)
            else:
                event.listen(db.engine, "before_cursor_execute", _count)
                event.listen(db.engine, "commit", _end)
                event.listen(db.engine, "rollback", _end)
        client = app.test_client()
        bare_client = bare.test_client()
        attempts: dict[int, int] = {}
        kinds: dict[int, list] = {}

        def _value_of(m, pos):
            r = req(m, "GET", f"/api/v1/attempts/{attempts[m.person_id]}")
            kinds[m.person_id] = [_value(it) for it in r.get_json()["items"]]
            return kinds[m.person_id][pos - 1]
        seq = {"n": 0}

        def req(m, method, path, body=None):
            client.set_cookie("session", m.cookie, domain="localhost")
            r = client.open(path, method=method, json=body, headers={"X-CSRFToken": m.csrf})
            if r.status_code >= 300 and r.status_code != 410:
                raise SystemExit(f"{method} {path}: {r.status_code} {r.get_data(as_text=True)[:300]}")
            return r

        def bare_hello(_m):
            bare_client.get("/hello")

        def hello(m):
            r = req(m, "GET", "/hello")
            assert r.get_data() == b"ok", r.get_data()

        def start(m):
            r = req(m, "POST", f"/api/v1/quizzes/{quiz_id}/attempts", {})
            attempts[m.person_id] = r.get_json()["id"]
            if r.get_json().get("items"):
                kinds[m.person_id] = [_value(it) for it in r.get_json()["items"]]

        def save(m):
            seq["n"] += 1
            pos = seq["n"] % 20 + 1
            value = kinds[m.person_id][pos - 1] if m.person_id in kinds else _value_of(m, pos)
            req(m, "PUT", f"/api/v1/attempts/{attempts[m.person_id]}/answers/{pos}", {"value": value, "seq": seq["n"]})

        def submit(m):
            req(m, "POST", f"/api/v1/attempts/{attempts[m.person_id]}/submit", {})

        steps = [("bare", bare_hello), ("hello", hello), ("start", start), ("save", save), ("submit", submit)]
        n = len(members)
        warm = members[:5]
        for _name, fn in steps:  # warm-up on a few members (imports, statement caches)
            for m in warm:
                fn(m)
        rows = []
        for name, fn in steps:
            runs = members[5:] if name != "save" else (members[5:] * 3)
            prof = cProfile.Profile() if args.cprofile == name else None
            counter["n"] = counter["tx"] = 0
            times, bare_times, calls = [], [], []
            for i, m in enumerate(runs):
                if i % 10 == 9 and prof is None:
                    # Counted, not timed (the counter slows it); SQLite's trace is off meanwhile, so
                    # the bench's own callback is not counted as the app's calls, nor its SQL here.
                    _trace_all(traced, off=True)
                    calls.append(_count_calls(fn, m))
                    _trace_all(traced, off=False)
                    continue
                t0 = time.perf_counter()
                bare_hello(m)  # a bare request beside every step request: the ratio sees the same CPU
                t1 = time.perf_counter()
                if prof:
                    prof.enable()
                fn(m)
                if prof:
                    prof.disable()
                times.append((time.perf_counter() - t1) * 1000)
                bare_times.append((t1 - t0) * 1000)
            sql_seen = len(runs) - (len(calls) if traced else 0)  # requests whose SQL was counted
            rows.append((name, len(runs), statistics.median(times), statistics.mean(times),
                         statistics.mean(bare_times), statistics.mean(calls) if calls else 0,
                         counter["n"] / sql_seen, counter["tx"] / sql_seen))
            if prof:
                stats = pstats.Stats(prof)
                stats.sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)
                _print_by_package(stats, len(runs))
                if os.environ.get("CALLERS"):  # e.g. CALLERS='local.py:310' : who calls it, how often
                    stats.sort_stats("ncalls").print_callers(os.environ["CALLERS"])
        print(f"\nin-process, {n} members, db {url.split(':')[0]}, load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs (`bench/cost.py --members {args.members}`)")
        print("| step | requests | median ms | mean ms | vs bare Flask beside it (mean) | Python calls / request "
              "| SQL statements / request | commits + rollbacks / request |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, count, med, mean, bare_mean, ncalls, q, tx in rows:
            print(f"| {name} | {count} | {med:.2f} | {mean:.2f} | {bare_mean / mean:.1%} | {ncalls:,.0f} "
                  f"| {q:.1f} | {tx:.1f} |")
    finally:
        import shutil

        drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
