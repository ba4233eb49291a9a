"""Checklist item 4: answer keys or unreleased scores visible in HTML, JSON, JavaScript or data
attributes, for any question type, before the review policy allows."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.delivery.helpers import T0, at, save
from tests.factories import SECRET_STRINGS, make_quiz

POLICIES = ["score", "answers", "correct"]
WHENS = ["after_submit", "after_close"]
ANSWERS = {"single": "b", "multiple": ["a", "b"], "true_false": "true", "short_text": "tự chuyển hóa",
           "essay": "Bài viết của tôi"}
# Keys and explanations never appear while the attempt is open; the member's own answers may.
WHILE_OPEN = [s for s in SECRET_STRINGS if s not in ("chuyển hóa", "chuyen hoa")]


def _text(resp) -> str:
    data = resp.get_json(silent=True)
    return json.dumps(data, ensure_ascii=False) if data is not None else resp.get_data(as_text=True)


def _leaks(resp, secrets) -> list[str]:
    low = _text(resp).lower()
    return [s for s in secrets if s.lower() in low]


def _choice_rows(html: str) -> list[str]:
    """Each rendered choice row with its value and visible text blanked, to compare their shape."""
    rows = re.findall(r'<label class="choice">.*?</label>', html, flags=re.S)
    out = []
    for r in rows:
        r = re.sub(r'value="[^"]*"', 'value=""', re.sub(r'name="a\d+"', 'name=""', r)).replace(" checked", "")
        out.append(re.sub(r'<span(?: lang="vi")?>.*?</span>', "<span/>", r, flags=re.S))
    return out


@pytest.mark.parametrize("when", WHENS)
@pytest.mark.parametrize("policy", POLICIES)
def test_nothing_released_early_for_any_type(client, world, login_as, policy, when):
    """Under each review policy and time, do take pages and API responses hide keys (and unreleased scores)?"""
    quiz = make_quiz(world.committee, [world.committee], review_policy=policy, review_when=when,
                     shuffle_choices=True, opens_at=T0 - timedelta(minutes=5), closes_at=T0 + timedelta(hours=1))
    with at(T0):
        login_as(world.member_a)
        started = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
        body = started.get_json()
        aid = body["id"]
        seen = {"start": started}
        for it in body["items"]:
            assert set(it["view"]) <= {"choices", "max_chars", "multiline"}, it["view"]
            for ch in it["view"].get("choices", []):
                assert set(ch) == {"id", "text"}, ch
            seen[f"save {it['type']}"] = save(client, aid, it["position"], ANSWERS[it["type"]], 1)
        seen["api attempt"] = client.get(f"/api/v1/attempts/{aid}")
        seen["api quizzes"] = client.get("/api/v1/quizzes")
        seen["index"] = client.get("/take/")
        seen["home"] = client.get("/home", follow_redirects=True)
        seen["all"] = client.get(f"/take/attempt/{aid}?mode=all")
        seen["review"] = client.get(f"/take/attempt/{aid}/review")
        seen["take.js"] = client.get("/static/js/take.js")
        for label, resp in seen.items():
            assert resp.status_code in (200, 201), label
            assert not _leaks(resp, WHILE_OPEN), (label, _leaks(resp, WHILE_OPEN))
        rows = _choice_rows(seen["all"].get_data(as_text=True))
        assert len(rows) >= 10 and len(set(rows)) <= 2, set(rows)  # radio rows and checkbox rows, no marks
        sub = client.json_post(f"/api/v1/attempts/{aid}/submit")
        after = {"submit": sub, "result api": client.get(f"/api/v1/attempts/{aid}/result"),
                 "result page": client.get(f"/take/attempt/{aid}/result"), "index after": client.get("/take/"),
                 "api quizzes after": client.get("/api/v1/quizzes"), "api attempt after": client.get(f"/api/v1/attempts/{aid}")}
        for label, resp in after.items():
            assert resp.status_code == 200, label
            body_after = resp.get_json(silent=True) or {}
            if policy != "correct" or when == "after_close":
                assert not _leaks(resp, [s for s in SECRET_STRINGS if "hóa" not in s and "hoa" not in s]), label
            if when == "after_close":
                assert "score" not in body_after and "items" not in body_after, label
                assert "/10" not in resp.get_data(as_text=True), label
        result = after["submit"].get_json()
        review = after["result api"].get_json()
        assert "items" not in result  # the submit answers with the summary; the review is fetched apart
        if when == "after_submit":
            assert result["released"] is True and result["score"] is not None
            assert review["score"] == result["score"]
            assert ("items" in review) == (policy != "score")
            assert ("key" in (review.get("items") or [{}])[0]) == (policy == "correct")
        else:
            assert result["released"] is False
    if when == "after_close":
        with at(T0 + timedelta(hours=2)):
            late = client.get(f"/api/v1/attempts/{aid}/result").get_json()
        assert late["released"] is True and late["score"] is not None  # control: released after close
