"""Checklist item 1: open, save into, submit or download another person's attempt by changing an id."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer
from tests.attacks.helpers import attempt_status
from tests.delivery.helpers import save, start
from tests.factories import make_quiz

INTRUDERS = ["member_b", "secretary_a", "deputy_a", "secretary_b", "staff", "admin"]


def _answers(attempt_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt_id))


@pytest.mark.parametrize("role", INTRUDERS)
def test_open_attempt_of_member_a_is_404_for_everyone_else(app, world, login_as, role):
    """Can anyone but member_a read, save into or submit member_a's open attempt (pages and API)?"""
    quiz = make_quiz(world.committee, [world.committee])
    owner = login_as(world.member_a, c=app.test_client())
    body = start(owner, quiz.id)
    aid, pos = body["id"], body["items"][0]["position"]
    before = _answers(aid)
    c = login_as(getattr(world, role), c=app.test_client())
    token = c.csrf()
    tries = {
        "page": c.get(f"/take/attempt/{aid}"),
        "page all": c.get(f"/take/attempt/{aid}?mode=all"),
        "review": c.get(f"/take/attempt/{aid}/review"),
        "result": c.get(f"/take/attempt/{aid}/result"),
        "page save": c.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": str(pos), f"s{pos}": "5",
                                                          f"a{pos}": "a"}),
        "page submit": c.post(f"/take/attempt/{aid}/submit", data={"csrf_token": token}),
        "api get": c.get(f"/api/v1/attempts/{aid}"),
        "api result": c.get(f"/api/v1/attempts/{aid}/result"),
        "api put": save(c, aid, pos, "a", 7),
        "api post save": c.post(f"/api/v1/attempts/{aid}/answers/{pos}", json={"value": "a", "seq": 8},
                                headers={"X-CSRFToken": token}),
        "api submit": c.post(f"/api/v1/attempts/{aid}/submit", json={}, headers={"X-CSRFToken": token}),
    }
    wrong = {k: r.status_code for k, r in tries.items() if r.status_code != 404}
    assert not wrong, wrong
    for label in ("api get", "api result", "api put"):
        assert "items" not in tries[label].get_json() and "error" in tries[label].get_json(), label
    assert _answers(aid) == before
    assert attempt_status(aid) == "in_progress"


def test_finished_attempt_result_is_404_for_another_member(app, world, login_as):
    """After member_a submits, can member_b read the result or review by guessing the id?"""
    quiz = make_quiz(world.committee, [world.committee], review_policy="correct")
    owner = login_as(world.member_a, c=app.test_client())
    aid = start(owner, quiz.id)["id"]
    assert owner.json_post(f"/api/v1/attempts/{aid}/submit").status_code == 200
    other = login_as(world.member_b, c=app.test_client())
    for url in (f"/api/v1/attempts/{aid}/result", f"/take/attempt/{aid}/result", f"/api/v1/attempts/{aid}"):
        resp = other.get(url)
        assert resp.status_code == 404, url
        assert "Nguyễn Thị Ngọc Ánh" not in resp.get_data(as_text=True)


def test_neighbouring_ids_do_not_reveal_whether_an_attempt_exists(app, world, login_as):
    """Is a real attempt id of someone else answered exactly like an id that does not exist?"""
    quiz = make_quiz(world.committee, [world.committee])
    aid = start(login_as(world.member_a, c=app.test_client()), quiz.id)["id"]
    c = login_as(world.member_b, c=app.test_client())
    real, fake = c.get(f"/api/v1/attempts/{aid}"), c.get(f"/api/v1/attempts/{aid + 999}")
    assert real.status_code == fake.status_code == 404
    assert real.get_json() == fake.get_json()


def test_anonymous_cannot_touch_any_attempt(app, world, login_as):
    """Does an anonymous client get 401 from the API and a login redirect from the pages?"""
    quiz = make_quiz(world.committee, [world.committee])
    aid = start(login_as(world.member_a, c=app.test_client()), quiz.id)["id"]
    anon = app.test_client()
    assert anon.get(f"/api/v1/attempts/{aid}").status_code == 401
    assert anon.put(f"/api/v1/attempts/{aid}/answers/1", json={"value": "a", "seq": 1},
                    headers={"X-CSRFToken": anon.csrf()}).status_code == 401
    page = anon.get(f"/take/attempt/{aid}")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    assert _answers(aid) == 0
