"""The member flow end to end: start, save, submit, result — pages and API alike."""
from __future__ import annotations

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptItem
from tests.factories import make_quiz


def _start(client, quiz):
    resp = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    return resp.get_json()


def test_api_start_save_submit_scores_every_type(client, world, login_as):
    """Does a member start by API, save one answer per type, submit, and get the right score?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = _start(client, quiz)
    assert [it["type"] for it in body["items"]] == ["single", "multiple", "true_false", "short_text", "essay"]
    answers = {1: "b", 2: ["a"], 3: True, 4: "  Tu Chuyen  Hoa ", 5: "Bài viết của tôi."}
    for pos, value in answers.items():
        resp = client.json_post(f"/api/v1/attempts/{body['id']}/answers/{pos}", {"value": value, "seq": 1})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.get_json()["applied"] is True
    resp = client.json_post(f"/api/v1/attempts/{body['id']}/submit")
    assert resp.status_code == 200
    result = resp.get_json()
    # single 1 + multiple 1/2 + true_false 1 + short 1 = 3.5 of 5 points, essay pending.
    assert result["points"] == 3.5 and result["max_points"] == 5
    assert result["score"] == 7.0
    assert result["pending_essays"] == 1 and result["classification"] is None
    attempt = db.session.get(Attempt, body["id"])
    assert attempt.status == "finished" and attempt.finish_reason == "member"
    assert attempt.org_id == world.cell_a.id


def test_start_twice_resumes_same_attempt(client, world, login_as):
    """Does a second start (another tab or device) return the same attempt and items?"""
    quiz = make_quiz(world.committee, [world.committee], shuffle_questions=True, shuffle_choices=True)
    login_as(world.member_a)
    first = _start(client, quiz)
    second = _start(client, quiz)
    assert first["id"] == second["id"]
    assert [it["view"] for it in first["items"]] == [it["view"] for it in second["items"]]
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(AttemptItem)) == 5


def test_new_attempt_paper_is_the_stored_paper(client, world, login_as):
    """Is the paper a start answers with (built from the draw, not read back) exactly the paper the
    database holds, as a resume or a reload shows it (texts, views in display ids, points, timing)?"""
    quiz = make_quiz(world.committee, [world.committee], shuffle_questions=True, shuffle_choices=True)
    login_as(world.member_a)
    resp = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert resp.status_code == 201
    fresh = resp.get_json()
    again = client.get(f"/api/v1/attempts/{fresh['id']}").get_json()
    for key in ("id", "quiz_id", "quiz_title", "number", "is_makeup", "status", "started_at", "deadline",
                "grace_seconds", "items"):
        assert fresh[key] == again[key], key
    assert client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 200


def test_submit_summary_is_the_result_without_its_review(client, world, login_as):
    """Is what a submit answers (the summary) exactly the result GET .../result gives, less the
    per-question review, for every review policy and release rule, and the same on a repeat?"""
    login_as(world.member_a)
    for policy in ("score", "answers", "correct"):
        for when in ("after_submit", "after_close"):
            quiz = make_quiz(world.committee, [world.committee], review_policy=policy, review_when=when)
            body = _start(client, quiz)
            client.json_post(f"/api/v1/attempts/{body['id']}/answers/1", {"value": "b", "seq": 1})
            first = client.json_post(f"/api/v1/attempts/{body['id']}/submit")
            again = client.json_post(f"/api/v1/attempts/{body['id']}/submit")
            full = client.get(f"/api/v1/attempts/{body['id']}/result").get_json()
            assert first.status_code == again.status_code == 200
            full.pop("items", None)
            assert first.get_json() == full == again.get_json(), (policy, when)
            assert ("score" in full) == (when == "after_submit"), (policy, when)
