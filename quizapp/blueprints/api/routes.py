"""Versioned JSON API for the member flow: the same services and rules as the pages.

Auth is the session cookie; POST/PUT carry the CSRF token (GET /csrf-token) in X-CSRFToken.
Errors are {"error": {"status", "message"}} (errors.py does this for every /api/ path).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from quizapp import permissions
from quizapp.clock import utcnow
from quizapp.database import statement_connection
from quizapp.models import AttemptStatus
from quizapp.services import attempt_view, delivery
from quizapp.services.exceptions import Conflict, DomainError, InvalidInput

bp = Blueprint("api", __name__)


class Unauthorized(DomainError):
    """Not logged in (JSON clients get 401, not a redirect to the login page)."""

    status = 401


# Requests of the exam hall, on SQLite: the connection runs each statement as its own transaction
# (statement_connection), so the login lookup and the reads before the writes (the start's rule
# checks and draw, the submit's quiz read) take no lock and leave no transaction to commit. The
# writes then hold the write lock only while they run: a save's one guarded upsert is its own
# transaction (delivery.save_answer); a start's inserts and a submit's finish and grading are one
# write transaction (begin_write), opened after those reads. The body is read first, so a slow
# upload never holds the lock.
_STATEMENTS = frozenset({"api.save_answer", "api.start_attempt", "api.submit"})


@bp.before_request
def _require_login():
    if request.endpoint in ("api.openapi",):
        return None
    if request.endpoint in _STATEMENTS:
        if (request.content_length or 0) <= MAX_JSON_BYTES:
            request.get_data()  # kept for the view's get_json
        statement_connection()
    if not current_user.is_authenticated:
        raise Unauthorized("Vui lòng đăng nhập để tiếp tục.")
    return None


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from quizapp.blueprints.api.openapi import document

    return jsonify(document())


@bp.route("/quizzes")
def list_quizzes():
    """My quizzes: open, upcoming and done, with my attempts."""
    out = []
    for c in attempt_view.member_quizzes(current_user):
        q = c["quiz"]
        out.append({
            "id": q.id, "title": q.title, "state": c["state"], "time_limit_minutes": q.time_limit_minutes,
            "question_count": attempt_view.question_count(q), "opens_at": attempt_view.iso(q.opens_at),
            "closes_at": attempt_view.iso(c["window"][1] if c["window"] else q.closes_at),
            "is_makeup": bool(c["window"] and c["window"][2]), "attempts_left": c["attempts_left"],
            "open_attempt_id": c["open_attempt"].id if c["open_attempt"] else None,
            "finished_attempt_ids": [a.id for a in c["finished"]],
        })
    return jsonify({"quizzes": out, "server_time": attempt_view.iso(utcnow())})


@bp.route("/quizzes/<int:quiz_id>/attempts", methods=["POST"])
def start_attempt(quiz_id: int):
    """Start an attempt, or resume the one in progress (200 resumed, 201 new)."""
    now = utcnow()
    # The person itself, not the proxy: open_attempt reads its fields several times.
    attempt = delivery.open_attempt(quiz_id, current_user._get_current_object(), now=now)
    status = 201 if isinstance(attempt, delivery.NewAttempt) else 200
    return jsonify(attempt_view.attempt_payload(attempt, now)), status


@bp.route("/attempts/<int:attempt_id>")
def get_attempt(attempt_id: int):
    """The attempt with its questions (public view only), saved answers and time left."""
    now = utcnow()
    attempt = delivery.close_if_overdue(permissions.get_own_attempt_or_404(attempt_id, current_user), now)
    return jsonify(attempt_view.attempt_payload(attempt, now, with_items=attempt.status == AttemptStatus.IN_PROGRESS))


# One answer as JSON: an essay of 20,000 characters written as \uXXXX escapes is about 120 KB.
MAX_JSON_BYTES = 256 * 1024


def _json_body():
    """The JSON body, bounded before parsing; None if absent or not JSON. Too big or too deep: 422."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise InvalidInput(f"Dữ liệu gửi lên quá lớn (tối đa {MAX_JSON_BYTES // 1024} KB cho một lần lưu).")
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput("Dữ liệu JSON lồng nhau quá sâu.") from None


@bp.route("/attempts/<int:attempt_id>/answers/<int:position>", methods=["PUT", "POST"])
def save_answer(attempt_id: int, position: int):
    """Save one answer if its seq is newer; 200 {"applied": false} for a stale seq."""
    body = _json_body()
    if not isinstance(body, dict) or "seq" not in body:
        raise InvalidInput("Cần gửi JSON dạng {\"value\": ..., \"seq\": số nguyên}.")
    result = delivery.save_answer(attempt_id, current_user.id, position, body.get("value"), body["seq"])
    return jsonify(result)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
def submit(attempt_id: int):
    """Submit the attempt; a repeat returns the same result. The answer is the summary (score as the
    review policy allows); the per-question review is at GET /attempts/<id>/result."""
    done, _ = delivery.finish(attempt_id, person_id=current_user.id, reason=_reason())
    return jsonify(attempt_view.result_summary(done))


def _reason() -> str:
    body = _json_body() or {}
    return "timer" if isinstance(body, dict) and body.get("reason") == "timer" else "member"


@bp.route("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    """The result, as far as the review policy allows now."""
    attempt = delivery.close_if_overdue(permissions.get_own_attempt_or_404(attempt_id, current_user))
    if attempt.status != AttemptStatus.FINISHED:
        raise Conflict("Bài làm chưa nộp.")
    return jsonify(attempt_view.result_payload(attempt))
