"""Domain events: one log line each (logger quizapp.events), counted in /metrics.

Services call `log_event("attempt.started", attempt_id=..., ...)` where the thing happened,
after its commit. Fields are ids, reasons and kinds: never answers, passwords or tokens.
`count_event` only counts (for the hot path: one line per saved answer would drown the log).
"""
from __future__ import annotations

import logging

from flask import current_app, has_app_context

logger = logging.getLogger("quizapp.events")


def count_event(name: str) -> None:
    """Add one to quizapp_events_total{event=name} when metrics are on (METRICS_TOKEN set)."""
    if has_app_context() and current_app.config.get("METRICS_TOKEN"):
        from quizapp.ops import metrics

        metrics.EVENTS.labels(name).inc()


def log_event(name: str, **fields) -> None:
    """Log one domain event as a single line and count it."""
    logger.info(name, extra={"fields": {"event": name, **fields}})
    count_event(name)
