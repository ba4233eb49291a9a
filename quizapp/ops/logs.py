"""Logging: a request id for every request, one line per request, JSON or text.

The request line carries the request id, method, endpoint, route and path (never the query
string), status, duration and user id. Nothing that may carry a secret is logged: no headers,
cookies, form or JSON bodies, query strings or session tokens.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id (from nginx's $request_id or a load balancer) is kept only if it is a plain token.
_SANE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
# Probes and scrapes hit every few seconds: their lines are DEBUG, not INFO.
QUIET_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz", "ops.metrics"})

request_logger = logging.getLogger("quizapp.request")
# One encoder for every line (json.dumps with options builds a new one per call).
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def request_id_from(header_value: str | None) -> str:
    """The incoming request id if it is sane, else a new random one (32 hex characters)."""
    if header_value and _SANE_ID.match(header_value):
        return header_value
    return os.urandom(16).hex()  # random like uuid4().hex, without building a UUID


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    if has_request_context():
        return g.get("request_id")
    return None


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id, the record's fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        data.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return _JSON.encode(data)


class TextFormatter(logging.Formatter):
    """For a terminal: time, level, logger, message, then key=value fields and the request id."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = dict(getattr(record, "fields", None) or {})
        if getattr(record, "request_id", None):
            fields["request_id"] = record.request_id
        if fields:
            extra = " ".join(f"{k}={v}" for k, v in fields.items())
            first, _, rest = line.partition("\n")
            line = f"{first} {extra}" + (f"\n{rest}" if rest else "")
        return line


def formatter_for(fmt: str) -> logging.Formatter:
    """JsonFormatter for "json", TextFormatter otherwise."""
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure(level: str, fmt: str) -> logging.Handler:
    """Give the `quizapp` logger one stderr handler in the chosen format (replacing earlier ones)."""
    from flask.logging import default_handler

    logger = logging.getLogger("quizapp")
    logger.setLevel(level)
    for name in ("quizapp", request_logger.name, "quizapp.events"):
        # An in-process `flask db upgrade` runs logging.config.fileConfig, which disables loggers.
        logging.getLogger(name).disabled = False
    for handler in list(logger.handlers):
        if handler is default_handler or getattr(handler, "quizapp_handler", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.quizapp_handler = True
    handler.setFormatter(formatter_for(fmt))
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    return handler


def _user_id() -> int | None:
    # Only a user the request already loaded: loading one here would cost a query on static files.
    user = g.get("_login_user")
    if user is not None and not getattr(user, "is_anonymous", True):
        # (is_authenticated would read the person's state.) The identity the session holds: reading user.id after a commit expired it would cost a
        # SELECT of the person at the end of every write request.
        state = sa_inspect(user, raiseerr=False)
        if state is not None and state.identity:
            return state.identity[0]
        return user.id
    return None


def install_request_hooks(app: Flask) -> None:
    """Request id in, X-Request-ID header out, one log line and the metrics per request."""
    from quizapp.ops import metrics

    def _start():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    # First of all before-request functions: a CSRF failure's error page still shows the id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _finish(response):
        req = request._get_current_object()  # one context lookup for the reads below
        rid = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = rid
        started = g.get("request_started")
        duration = (time.perf_counter() - started) if started is not None else 0.0
        endpoint = req.endpoint or "unmatched"
        if app.config["METRICS_TOKEN"]:
            metrics.observe_request(endpoint, req.method, response.status_code, duration)
        level = logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO
        if request_logger.isEnabledFor(level):
            fields = {
                "method": req.method,
                "endpoint": endpoint,
                "route": req.url_rule.rule if req.url_rule is not None else None,
                "path": req.path,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "user_id": _user_id(),
                "remote_addr": req.remote_addr,
            }
            # What request_logger.log does, less its walk up the stack for the caller's file and
            # line, which neither format prints.
            request_logger.handle(request_logger.makeRecord(
                request_logger.name, level, "(unknown file)", 0, "request", (), None,
                extra={"request_id": rid, "fields": fields}))
        return response
