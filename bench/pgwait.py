"""Sample PostgreSQL's pg_stat_activity during a load run: what the app's connections wait on.

Every --every seconds it reads the backends whose application_name is --app (give the app the
same name in its URL: `--db postgresql://…/postgres?application_name=quizbench`) and counts them by
state and wait event; at the end (Ctrl-C or --seconds) it prints the share of samples per
(state, wait_event_type:wait_event), the row locks waited on (pg_locks, not granted), and the most
frequent queries seen waiting.

    .venv/bin/python bench/pgwait.py --app quizbench --seconds 150 &
    .venv/bin/python bench/load.py --members 2000 --db 'postgresql://postgres@127.0.0.1:5432/postgres?application_name=quizbench'
"""
from __future__ import annotations

import argparse
import collections
import time

import psycopg

SAMPLE = """
SELECT pid, state, coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, '-'), left(query, 60)
FROM pg_stat_activity WHERE application_name = %s AND pid <> pg_backend_pid()
"""
LOCKS = """
SELECT l.locktype, l.mode, count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE NOT l.granted AND a.application_name = %s GROUP BY 1, 2
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--app", default="quizbench")
    p.add_argument("--seconds", type=float, default=150)
    p.add_argument("--every", type=float, default=0.2)
    args = p.parse_args()
    states: collections.Counter = collections.Counter()
    waiting: collections.Counter = collections.Counter()
    locks: collections.Counter = collections.Counter()
    samples = busy = 0
    pids: set = set()
    end = time.monotonic() + args.seconds
    with psycopg.connect(args.server, autocommit=True) as conn:
        try:
            while time.monotonic() < end:
                rows = conn.execute(SAMPLE, (args.app,)).fetchall()
                if rows:
                    samples += 1
                for pid, state, wait, query in rows:
                    pids.add(pid)
                    states[(state, wait)] += 1
                    if state == "active":
                        busy += 1
                        if not wait.startswith("-"):
                            waiting[(wait, query)] += 1
                for locktype, mode, n in conn.execute(LOCKS, (args.app,)).fetchall():
                    locks[(locktype, mode)] += n
                time.sleep(args.every)
        except KeyboardInterrupt:
            pass
    print(f"{samples} samples with app connections; mean active backends {busy / max(samples, 1):.2f}; "
          f"{len(pids)} distinct server processes seen (connections opened)")
    print("| state | wait event | backends per sample |")
    print("|---|---|---:|")
    for (state, wait), n in states.most_common(12):
        print(f"| {state} | {wait} | {n / max(samples, 1):.2f} |")
    print("\nlocks not granted (summed over samples):", dict(locks) or "none")
    print("most frequent waits of active backends:")
    for (wait, query), n in waiting.most_common(8):
        print(f"  {n:6d}  {wait:28s} {query}")


if __name__ == "__main__":
    main()
