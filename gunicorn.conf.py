"""gunicorn settings for `make run` and the load bench (bench/load.py); environment overrides.

Tuned on the 2-core machine with bench/load.py (see bench/README.md):
- preload_app: the app is imported once in the arbiter, so a worker that dies (kill -9, OOM)
  is replaced by a fork in milliseconds instead of a second of imports under load.
- backlog 2048: a hall's start storm queues in the kernel instead of being refused.
"""
import multiprocessing
import os

workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
backlog = int(os.environ.get("GUNICORN_BACKLOG", 2048))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 10
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
