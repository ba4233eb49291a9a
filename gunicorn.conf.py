"""gunicorn settings for `make run` and the load bench (bench/load.py); environment overrides.

Tuned on the 2-core machine with bench/load.py (see bench/README.md):
- preload_app: the app is imported once in the arbiter, so a worker that dies (kill -9, OOM)
  is replaced by a fork in milliseconds instead of a second of imports under load.
- backlog 2048: a hall's start storm queues in the kernel instead of being refused.
- gthread, one process per core: at 400 members on SQLite it started 55/s and saved 78/s against
  31/s and 37/s with 4 sync workers (sync workers also close the connection after every request);
  threads wait on I/O and SQLite's write lock while others run.
- 4 threads per process, not 8: the hall's requests are CPU-bound in Python, and every thread
  more is one more contender for the GIL, which a thread holding SQLite's writer gate must win
  back after each driver call. With 4 instead of 8 (bench/README.md, sixth pass) a save on SQLite
  costs about a fifth less CPU and the gate is held shorter; on PostgreSQL 4 keep the 2,000-member
  hall's p99 as low as 8 did (a round trip to the database is the wait the threads hide).
"""
import multiprocessing
import os
import shutil
from pathlib import Path

workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
backlog = int(os.environ.get("GUNICORN_BACKLOG", 2048))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 10
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"

# Logs: the application writes one line per request (LOG_FORMAT json|text, with the request id),
# so gunicorn's own access log stays off unless GUNICORN_ACCESS_LOG names a file ("-": stdout).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"

# Metrics (METRICS_TOKEN set): every worker writes its counters into one directory that /metrics
# adds up. It must be in the environment before prometheus_client is imported (the app is loaded
# after this file), and emptied at start so counters of an earlier run do not linger.
if os.environ.get("METRICS_TOKEN"):
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                          str(Path(os.environ.get("QUIZAPP_INSTANCE", "instance")) / "prometheus"))


def on_starting(server):
    """Start with an empty metrics directory."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    """A dead worker's live gauges must not be added up any more."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """A forked worker must not reuse a database connection the arbiter may have opened."""
    from wsgi import app

    from quizapp.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
