"""No answer key leaves the server before the review policy allows, for any question type."""
from __future__ import annotations

import json
from datetime import timedelta

from tests.delivery.helpers import T0, at, save, start
from tests.factories import SECRET_STRINGS, make_quiz


def _scan(label: str, resp) -> None:
    """Look for key material in a response; JSON is decoded first so escaped text cannot hide it."""
    data = resp.get_json(silent=True)
    text = json.dumps(data, ensure_ascii=False) if data is not None else resp.get_data(as_text=True)
    low = text.lower()
    leaks = [s for s in SECRET_STRINGS if s.lower() in low]
    assert not leaks, f"{label} leaks {leaks}"


def _walk_in_progress(client, quiz_id: int) -> dict:
    """Every page and endpoint a taker can reach while the attempt is open; returns the attempt."""
    seen = {}
    seen["api start"] = client.json_post(f"/api/v1/quizzes/{quiz_id}/attempts")
    body = seen["api start"].get_json()
    aid = body["id"]
    answers = {"single": "a", "multiple": ["c"], "true_false": "false", "short_text": "sai", "essay": "Bài"}
    for it in body["items"]:
        seen[f"api save {it['type']}"] = save(client, aid, it["position"], answers[it["type"]], 1)
    seen["index"] = client.get("/take/")
    seen["start page"] = client.get(f"/take/quiz/{quiz_id}")
    seen["api quizzes"] = client.get("/api/v1/quizzes")
    seen["api attempt"] = client.get(f"/api/v1/attempts/{aid}")
    seen["all page"] = client.get(f"/take/attempt/{aid}?mode=all")
    for it in body["items"]:
        seen[f"one page {it['position']}"] = client.get(f"/take/attempt/{aid}?mode=one&q={it['position']}")
    seen["review"] = client.get(f"/take/attempt/{aid}/review")
    for label, resp in seen.items():
        assert resp.status_code in (200, 201), (label, resp.status_code)
        _scan(label, resp)
    return body


def test_no_key_while_taking_or_after_submit_with_answers_policy(client, world, login_as):
    """With 'own answers' review, is no key in any page or JSON before or after submitting?"""
    quiz = make_quiz(world.committee, [world.committee], review_policy="answers", shuffle_choices=True)
    login_as(world.member_a)
    body = _walk_in_progress(client, quiz.id)
    after = {
        "api submit": client.json_post(f"/api/v1/attempts/{body['id']}/submit"),
        "api result": client.get(f"/api/v1/attempts/{body['id']}/result"),
        "result page": client.get(f"/take/attempt/{body['id']}/result"),
        "index after": client.get("/take/"),
        "api attempt after": client.get(f"/api/v1/attempts/{body['id']}"),
    }
    for label, resp in after.items():
        assert resp.status_code == 200, label
        _scan(label, resp)
    assert "Bài làm của bạn" in after["result page"].get_data(as_text=True)


def test_correct_answers_only_after_close_when_policy_says_so(client, world, login_as):
    """With 'correct answers after close', is nothing shown before the close and the key shown after?"""
    quiz = make_quiz(world.committee, [world.committee], review_policy="correct", review_when="after_close",
                     opens_at=T0 - timedelta(minutes=5), closes_at=T0 + timedelta(hours=1))
    with at(T0):
        login_as(world.member_a)
        body = _walk_in_progress(client, quiz.id)
        sub = client.json_post(f"/api/v1/attempts/{body['id']}/submit")
        page = client.get(f"/take/attempt/{body['id']}/result")
        for label, resp in {"submit": sub, "result page": page,
                            "api result": client.get(f"/api/v1/attempts/{body['id']}/result")}.items():
            _scan(label, resp)
            assert "score" not in (resp.get_json() or {}), label
        assert "sau khi đợt kiểm tra kết thúc" in page.get_data(as_text=True)
    with at(T0 + timedelta(hours=2)):
        released = client.get(f"/api/v1/attempts/{body['id']}/result").get_json()
        page = client.get(f"/take/attempt/{body['id']}/result").get_data(as_text=True)
    assert released["released"] is True
    keys = {it["type"]: it["key"] for it in released["items"]}
    single = next(it for it in released["items"] if it["type"] == "single")
    right = [c["id"] for c in single["view"]["choices"] if c["text"] == "Năm 2016"]  # display id of "b"
    assert keys["single"] == {"correct": right} and "tự chuyển hóa" in keys["short_text"]["answers"]
    assert "tự chuyển hóa" in page and "Đáp án" in page


def test_score_only_policy_shows_no_answers(client, world, login_as):
    """With 'score only', does the result show the score but neither answers nor keys?"""
    quiz = make_quiz(world.committee, [world.committee], review_policy="score")
    login_as(world.member_a)
    body = start(client, quiz.id)
    result = client.json_post(f"/api/v1/attempts/{body['id']}/submit").get_json()
    assert result["released"] is True and result["score"] == 0.0 and "items" not in result
    page = client.get(f"/take/attempt/{body['id']}/result").get_data(as_text=True)
    _scan("score-only page", client.get(f"/take/attempt/{body['id']}/result"))
    assert "Bài làm của bạn" not in page
