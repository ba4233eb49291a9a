"""Operations wiring: request ids, one log line per request, metrics. See docs/deploy.md."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Configure logging from LOG_LEVEL/LOG_FORMAT and install the per-request hooks."""
    from quizapp.ops import logs

    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    logs.install_request_hooks(app)
