"""The OpenAPI 3.1 document for /api/v1, written by hand next to the routes it describes."""
from __future__ import annotations

from quizapp.services.question_types import REGISTRY

_ERR = {"$ref": "#/components/responses/Error"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer_value() -> dict:
    """The `value` of a save: each registered type declares its own shape (QuestionType.answer_schema)."""
    shapes = {name: t.answer_schema() for name, t in REGISTRY.items()}
    described = "; ".join(f"{name}: {s.get('description') or s.get('type')}" for name, s in shapes.items())
    return {"description": f"By question type — {described}; null or \"\" clears",
            "anyOf": [{"title": name, **schema} for name, schema in shapes.items()] + [{"const": ""}]}


_ATTEMPT_ID = {"name": "attempt_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CSRF = {"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"},
         "description": "Token from GET /csrf-token (same session)."}


def document() -> dict:
    """The whole document as a dict (served as JSON)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Quiz API (member flow)", "version": "1.0.0",
            "description": (
                "Taking a timed quiz. Authentication: the session cookie from logging in at /auth/login. "
                "Every POST/PUT needs the CSRF token from GET /csrf-token in the X-CSRFToken header. "
                "Times are UTC ISO 8601; `remaining_seconds` is computed by the server: clients count down "
                "from it and never from their own clock. Saves are accepted until deadline + grace_seconds; "
                "after that they get 410. An attempt left open is finished at its deadline by the server. "
                "Another person's attempt answers 404. Messages are Vietnamese."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/quizzes": {"get": {
                "summary": "My quizzes (open, upcoming, done)", "operationId": "listQuizzes",
                "responses": {"200": _json({"type": "object", "properties": {
                    "quizzes": {"type": "array", "items": _ref("QuizCard")},
                    "server_time": {"type": "string", "format": "date-time"}}}, "My quizzes"),
                    "401": _ERR},
            }},
            "/quizzes/{quiz_id}/attempts": {"post": {
                "summary": "Start an attempt, or resume the one in progress", "operationId": "startAttempt",
                "parameters": [{"name": "quiz_id", "in": "path", "required": True, "schema": {"type": "integer"}}, _CSRF],
                "responses": {"201": _json(_ref("Attempt"), "Started"), "200": _json(_ref("Attempt"), "Resumed"),
                              "404": _ERR, "409": {"description": "Not open, attempts used up, or quiz not ready",
                                                   "$ref": "#/components/responses/Error"}, "403": _ERR, "401": _ERR},
            }},
            "/attempts/{attempt_id}": {"get": {
                "summary": "The attempt: questions (public view only), saved answers with their seq, time left",
                "operationId": "getAttempt", "parameters": [_ATTEMPT_ID],
                "responses": {"200": _json(_ref("Attempt"), "The attempt (no items once finished)"),
                              "404": _ERR, "401": _ERR},
            }},
            "/attempts/{attempt_id}/answers/{position}": {
                method: {
                    "summary": "Save one answer (acknowledged only after commit)",
                    "operationId": f"saveAnswer{method.upper()}",
                    "description": (
                        "The client increments `seq` per question on every change. The server applies a save "
                        "only if its seq is greater than the stored one. A stale seq is not an error: the reply "
                        "is 200 with applied=false, the stored seq and the stored `value` (a newer answer from "
                        "another device was kept: show it to the member)."),
                    "parameters": [_ATTEMPT_ID, {"name": "position", "in": "path", "required": True,
                                                 "schema": {"type": "integer", "minimum": 1}}, _CSRF],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SaveRequest")}}},
                    "responses": {
                        "200": _json(_ref("SaveResult"), "Saved (applied=true) or stale (applied=false)"),
                        "404": _ERR, "409": {"description": "Attempt already submitted", "$ref": "#/components/responses/Error"},
                        "410": {"description": "Deadline + grace passed: Đã hết giờ làm bài…",
                                "$ref": "#/components/responses/Error"},
                        "422": {"description": "Value of the wrong shape for the question", "$ref": "#/components/responses/Error"},
                        "401": _ERR, "400": _ERR},
                } for method in ("put", "post")
            },
            "/attempts/{attempt_id}/submit": {"post": {
                "summary": "Submit (one conditional update; a repeat returns the same result)",
                "operationId": "submitAttempt", "parameters": [_ATTEMPT_ID, _CSRF],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"reason": {"enum": ["member", "timer"]}}}}}},
                "responses": {"200": _json(_ref("Result"), "Finished: the Result without `items` (GET .../result has "
                                                             "the per-question review)"),
                              "404": _ERR, "401": _ERR},
            }},
            "/attempts/{attempt_id}/result": {"get": {
                "summary": "Result as far as the review policy allows now", "operationId": "getResult",
                "parameters": [_ATTEMPT_ID],
                "responses": {"200": _json(_ref("Result"), "Result"), "409": _ERR, "404": _ERR, "401": _ERR},
            }},
        },
        "components": {
            "responses": {"Error": _json({"type": "object", "required": ["error"], "properties": {
                "error": {"type": "object", "required": ["status", "message"], "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"}, "details": {}}}}}, "Error")},
            "schemas": {
                "QuizCard": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"},
                    "state": {"enum": ["open", "upcoming", "done"]}, "time_limit_minutes": {"type": "integer"},
                    "question_count": {"type": "integer"}, "opens_at": {"type": "string", "format": "date-time"},
                    "closes_at": {"type": "string", "format": "date-time"}, "is_makeup": {"type": "boolean"},
                    "attempts_left": {"type": "integer"}, "open_attempt_id": {"type": ["integer", "null"]},
                    "finished_attempt_ids": {"type": "array", "items": {"type": "integer"}}}},
                "Item": {"type": "object", "properties": {
                    "position": {"type": "integer"},
                    "type": {"enum": list(REGISTRY)},
                    "type_label": {"type": "string"}, "text": {"type": "string"}, "points": {"type": "number"},
                    "view": {"type": "object", "description": "Public view: choices [{id, text}] or max_chars; never the key. "
                                                          "Choice ids are this attempt's display ids (c1, c2, … in "
                                                          "the order shown), never the bank's own ids"},
                    "answer": {"type": ["object", "null"], "description": "{choice} | {choices} | {value} | {text}"},
                    "seq": {"type": "integer", "description": "Stored seq; the next save must send a greater one"}}},
                "Attempt": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "quiz_id": {"type": "integer"}, "quiz_title": {"type": "string"},
                    "number": {"type": "integer"}, "is_makeup": {"type": "boolean"},
                    "status": {"enum": ["in_progress", "finished"]},
                    "started_at": {"type": "string", "format": "date-time"},
                    "deadline": {"type": "string", "format": "date-time"},
                    "server_time": {"type": "string", "format": "date-time"},
                    "remaining_seconds": {"type": "integer"}, "grace_seconds": {"type": "integer"},
                    "items": {"type": "array", "items": _ref("Item")}}},
                "SaveRequest": {"type": "object", "required": ["seq"], "properties": {
                    "value": _answer_value(),
                    "seq": {"type": "integer", "minimum": 1}}},
                "SaveResult": {"type": "object", "properties": {
                    "applied": {"type": "boolean"}, "position": {"type": "integer"}, "seq": {"type": "integer"},
                    "value": {"type": ["object", "null"], "description": "The answer stored now (as Item.answer)"},
                    "message": {"type": "string", "description": "Only when applied=false: Đã giữ câu trả lời mới hơn…"},
                    "remaining_seconds": {"type": "integer"}}},
                "Result": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string"}, "released": {"type": "boolean"},
                    "release_at": {"type": ["string", "null"], "format": "date-time"},
                    "review_policy": {"enum": ["score", "answers", "correct"]},
                    "score": {"type": ["number", "null"]}, "points": {"type": ["number", "null"]},
                    "max_points": {"type": ["number", "null"]}, "pending_essays": {"type": "integer"},
                    "classification": {"type": ["string", "null"]}, "classification_label": {"type": "string"},
                    "items": {"type": "array", "description": "With review_policy answers/correct; `key`, `awarded`, `fraction`, "
                              "`verdict` (right | partial | wrong | blank | null while an essay waits) and "
                              "`explanation` only for correct"}}},
            },
        },
    }
