"""Prometheus metrics: request latency and counts per endpoint, domain event counters, and
gauges read from the database at scrape time (open attempts, sweep lag).

Counters live in each process. Under gunicorn, set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py
does when METRICS_TOKEN is set) and every worker writes its values there; a scrape adds them up.
Gauges that per-process counters would get wrong come from the database instead.
"""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

disable_created_metrics()  # *_created series: noise for a scraper that sees restarts anyway
_REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("quizapp_http_requests", "HTTP requests by endpoint, method and status.",
                   ["endpoint", "method", "status"], registry=_REGISTRY)
LATENCY = Histogram("quizapp_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                    ["endpoint"], registry=_REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
EVENTS = Counter("quizapp_events", "Domain events: attempt.started, answer.saved, attempt.finished, "
                 "document.issued.", ["event"], registry=_REGISTRY)


# (endpoint, method, status) -> its request counter and latency histogram. `labels()` returns the
# same child for the same values for as long as the process lives (we never remove one), so
# keeping them here only skips its checks and lock; under PROMETHEUS_MULTIPROC_DIR a child writes
# to this process's own file, found again after a fork.
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple] = {}


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one request and record its duration."""
    children = _REQUEST_CHILDREN.get((endpoint, method, status))
    if children is None:
        children = (REQUESTS.labels(endpoint, method, str(status)), LATENCY.labels(endpoint))
        _REQUEST_CHILDREN[(endpoint, method, status)] = children
    count, latency = children
    count.inc()
    latency.observe(seconds)


class DatabaseCollector:
    """Gauges computed from the database at each scrape, so every worker reports the same."""

    def collect(self):
        from quizapp.services import health

        figures = health.attempt_figures()
        yield GaugeMetricFamily("quizapp_open_attempts", "Attempts in progress.", value=figures.open_attempts)
        yield GaugeMetricFamily(
            "quizapp_sweep_lag_seconds",
            "Age of the oldest attempt past deadline + grace that is still open (0: the sweep keeps up).",
            value=figures.sweep_lag_seconds,
        )


def _process_registry() -> CollectorRegistry:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return _REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def render() -> tuple[bytes, str]:
    """The exposition text (counters of every worker, then the database gauges) and its type."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(_process_registry()) + generate_latest(database), CONTENT_TYPE_LATEST
