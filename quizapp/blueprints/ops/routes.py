"""Probes and metrics for the load balancer and Prometheus (docs/deploy.md): no login, no session.

/healthz  the process answers (no database): restart it if this fails.
/readyz   the database answers `SELECT 1` and its schema is at the migrations' head: send traffic
          only while this is 200; 503 with a JSON reason otherwise.
/metrics  Prometheus text; only with `Authorization: Bearer <METRICS_TOKEN>`, a 404 when unset.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, make_response, request
from flask_babel import gettext as _

from quizapp.errors import error_response
from quizapp.extensions import db, migrate

bp = Blueprint("ops", __name__)


def _migration_script() -> tuple[list[str], set[str]]:
    """The code's migration head(s) and every revision it knows (read once per process)."""
    cached = current_app.extensions.get("quizapp_migration_script")
    if cached is None:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(migrate.get_config())
        cached = (list(script.get_heads()), {rev.revision for rev in script.walk_revisions()})
        current_app.extensions["quizapp_migration_script"] = cached
    return cached


@bp.route("/healthz")
def healthz():
    """Liveness: the process is up (no database work)."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Readiness: database reachable and migrated to head; 503 with the reason otherwise."""
    from quizapp.services.health import readiness

    heads, known = _migration_script()
    state = readiness(db.engine, heads, known)
    response = jsonify(state.as_dict())
    response.status_code = 200 if state.ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/metrics")
def metrics():
    """Prometheus exposition text for a scraper that presents the bearer token."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return error_response(404, _("Không tìm thấy trang hoặc dữ liệu được yêu cầu."))
    scheme, _sep, presented = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), token.encode()):
        response = make_response(error_response(401, _("Cần mã truy cập hợp lệ để xem số liệu vận hành.")))
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    from quizapp.ops import metrics as prom

    body, content_type = prom.render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
