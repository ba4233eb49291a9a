"""The pages without JavaScript: plain form posts save, navigate, review and submit."""
from __future__ import annotations

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from tests.conftest import extract_csrf
from tests.factories import make_quiz


def test_member_takes_quiz_with_plain_forms(client, world, login_as):
    """Can a member start, answer one question per page, review and submit using only form posts?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    index = client.get("/take/").get_data(as_text=True)
    assert quiz.title in index and "Vào làm bài" in index
    start_page = client.get(f"/take/quiz/{quiz.id}").get_data(as_text=True)
    assert "30 phút" in start_page and "Số câu hỏi" in start_page
    resp = client.form(f"/take/quiz/{quiz.id}")
    assert resp.status_code == 302
    url = resp.headers["Location"]
    aid = int(url.rstrip("/").split("/")[-1])
    page = client.get(url + "?mode=one").get_data(as_text=True)
    assert 'name="s1" value="1"' in page and "Câu sau" in page
    token = extract_csrf(page)
    resp = client.post(f"/take/attempt/{aid}?q=1", data={"csrf_token": token, "q": "1", "p": "1", "s1": "1",
                                                         "a1": "b", "go": "2"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/take/attempt/{aid}?q=2")
    # Multiple choice (position 2): two boxes ticked.
    client.post(f"/take/attempt/{aid}?q=2", data={"csrf_token": token, "q": "2", "p": "2", "s2": "1",
                                                  "a2": ["a", "b"], "go": "3"})
    # A stale page re-posting question 1 with its old seq changes nothing.
    client.post(f"/take/attempt/{aid}?q=1", data={"csrf_token": token, "q": "1", "p": "1", "s1": "1", "a1": "d", "go": "2"})
    # All on one page: the short answer and the essay, then review.
    page = client.get(f"/take/attempt/{aid}?mode=all").get_data(as_text=True)
    assert 'name="s1" value="2"' in page and 'name="p" value="5"' in page
    resp = client.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": ["4", "5"], "s4": "1", "s5": "1",
                                                     "a4": "Tự chuyển hóa", "a5": "", "go": "review"})
    assert resp.headers["Location"].endswith(f"/take/attempt/{aid}/review")
    review = client.get(f"/take/attempt/{aid}/review").get_data(as_text=True)
    assert "Đã trả lời 3/5 câu." in review and "Câu chưa trả lời" in review
    resp = client.post(f"/take/attempt/{aid}/submit", data={"csrf_token": token})
    assert resp.headers["Location"].endswith(f"/take/attempt/{aid}/result")
    result = client.get(f"/take/attempt/{aid}/result").get_data(as_text=True)
    attempt = db.session.get(Attempt, aid)
    assert attempt.status == "finished" and attempt.score == 6.0 and attempt.classification == "trung_binh"
    assert "6,0/10" in result and "Trung bình" in result
    first = db.session.scalar(select(Answer).where(Answer.attempt_id == aid, Answer.position == 1))
    assert first.value == {"choice": "b"} and first.seq == 1


def test_bad_value_in_form_keeps_other_answers_and_says_why(client, world, login_as):
    """Does a tampered choice id get a Vietnamese message while saved answers stay?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    aid = int(client.form(f"/take/quiz/{quiz.id}").headers["Location"].rstrip("/").split("/")[-1])
    token = client.csrf()
    client.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": "1", "s1": "1", "a1": "b", "go": ""})
    resp = client.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": "1", "s1": "2", "a1": "zz", "go": ""},
                       follow_redirects=True)
    assert resp.status_code == 200 and "phương án không tồn tại" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Answer.value).where(Answer.attempt_id == aid, Answer.position == 1)) == {"choice": "b"}


def test_api_rejects_bad_bodies_without_500(client, world, login_as):
    """Do malformed saves (no JSON, bad seq, wrong shape, unknown position) get 4xx messages?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    aid = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()["id"]
    hdr = {"X-CSRFToken": client.csrf()}
    cases = [
        (client.put(f"/api/v1/attempts/{aid}/answers/1", data="x", headers=hdr), 422),
        (client.put(f"/api/v1/attempts/{aid}/answers/1", json={"value": "a", "seq": "abc"}, headers=hdr), 422),
        (client.put(f"/api/v1/attempts/{aid}/answers/1", json={"value": "a", "seq": 0}, headers=hdr), 422),
        (client.put(f"/api/v1/attempts/{aid}/answers/2", json={"value": 42, "seq": 1}, headers=hdr), 422),
        (client.put(f"/api/v1/attempts/{aid}/answers/99", json={"value": "a", "seq": 1}, headers=hdr), 404),
        (client.put(f"/api/v1/attempts/{aid}/answers/1", json={"value": "a", "seq": 1}), 400),
    ]
    for resp, status in cases:
        assert resp.status_code == status, resp.get_data(as_text=True)
        assert resp.get_json()["error"]["message"]


def test_openapi_document_lists_every_route(client):
    """Is the OpenAPI document served and does it describe every member-flow route?"""
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/quizzes", "/quizzes/{quiz_id}/attempts", "/attempts/{attempt_id}",
                                 "/attempts/{attempt_id}/answers/{position}", "/attempts/{attempt_id}/submit",
                                 "/attempts/{attempt_id}/result"}
    assert "410" in doc["paths"]["/attempts/{attempt_id}/answers/{position}"]["put"]["responses"]
