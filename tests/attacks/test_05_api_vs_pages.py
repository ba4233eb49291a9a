"""Checklist item 5: an API route skipping a rule the web page enforces. Each case is tried
through the member pages and through /api/v1; both must refuse and nothing may be written."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from tests.attacks.helpers import attempt_status
from tests.delivery.helpers import T0, at, save, start
from tests.factories import make_quiz


def _attempts(quiz_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.quiz_id == quiz_id))


def _both_refuse_start(client, quiz_id: int) -> tuple[int, int]:
    """(page status, api status) of trying to start; the page must not land on an attempt."""
    page = client.form(f"/take/quiz/{quiz_id}")
    assert "/take/attempt/" not in page.headers.get("Location", ""), page.headers.get("Location")
    api = client.json_post(f"/api/v1/quizzes/{quiz_id}/attempts")
    return page.status_code, api.status_code


def test_closed_and_not_yet_open_quiz(client, world, login_as):
    """Do both the start page and the API refuse a quiz that is closed or not open yet?"""
    closed = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(days=2),
                       closes_at=T0 - timedelta(days=1))
    later = make_quiz(world.committee, [world.committee], opens_at=T0 + timedelta(days=1),
                      closes_at=T0 + timedelta(days=2))
    with at(T0):
        login_as(world.member_a)
        for quiz in (closed, later):
            page, api = _both_refuse_start(client, quiz.id)
            assert page in (302, 404) and api in (404, 409), (page, api)
            assert _attempts(quiz.id) == 0


def test_attempts_used_up(client, world, login_as):
    """After the one allowed attempt, do the page and the API both refuse a second one?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=1)
    login_as(world.member_a)
    aid = start(client, quiz.id)["id"]
    assert client.json_post(f"/api/v1/attempts/{aid}/submit").status_code == 200
    page, api = _both_refuse_start(client, quiz.id)
    assert page == 302 and api == 409
    assert _attempts(quiz.id) == 1
    msg = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()["error"]["message"]
    assert "hết số lần" in msg


def test_quiz_of_another_cell(client, world, login_as):
    """Can member_b start cell A's own quiz by its id through either path?"""
    quiz = make_quiz(world.cell_a, [world.cell_a])
    login_as(world.member_b)
    assert client.get(f"/take/quiz/{quiz.id}").status_code == 404
    page, api = _both_refuse_start(client, quiz.id)
    assert page == 404 and api == 404
    assert _attempts(quiz.id) == 0


def test_save_after_deadline_and_grace(client, world, login_as):
    """After deadline + grace, do the page form and the API both refuse a save and keep the old answer?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=3), time_limit_minutes=10, grace_seconds=60)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        aid = body["id"]
        single = next(it["position"] for it in body["items"] if it["type"] == "single")
        assert save(client, aid, single, "a", 1).get_json()["applied"] is True
        token = client.csrf()
    with at(T0 + timedelta(minutes=10, seconds=61)):
        page = client.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": str(single),
                                                         f"s{single}": "2", f"a{single}": "c"})
        assert page.status_code == 302 and "/result" in page.headers["Location"]
        api = save(client, aid, single, "c", 3)
        assert api.status_code in (409, 410), api.status_code
    value = db.session.scalar(select(Answer.value).where(Answer.attempt_id == aid, Answer.position == single))
    assert value == {"choice": "a"}
    assert attempt_status(aid) == "finished"


def test_save_into_submitted_attempt(client, world, login_as):
    """Once submitted, do both the page form and the API refuse to change an answer?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid = body["id"]
    single = next(it["position"] for it in body["items"] if it["type"] == "single")
    save(client, aid, single, "a", 1)
    client.json_post(f"/api/v1/attempts/{aid}/submit")
    page = client.form(f"/take/attempt/{aid}", {"p": str(single), f"s{single}": "9", f"a{single}": "c"})
    assert page.status_code == 302 and "/result" in page.headers["Location"]
    assert save(client, aid, single, "c", 10).status_code == 409
    value = db.session.scalar(select(Answer.value).where(Answer.attempt_id == aid, Answer.position == single))
    assert value == {"choice": "a"}


def test_invalid_values_refused_by_both(client, world, login_as):
    """Is a choice id that does not exist refused by the API (422) and by the page (no write)?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid = body["id"]
    single = next(it["position"] for it in body["items"] if it["type"] == "single")
    api = save(client, aid, single, "zzz", 1)
    assert api.status_code == 422 and "Câu" in api.get_json()["error"]["message"]
    page = client.form(f"/take/attempt/{aid}", {"p": str(single), f"s{single}": "2", f"a{single}": "zzz"})
    assert page.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == aid)) == 0
    for bad in ({"value": "a"}, {"value": "a", "seq": "x"}, {"value": "a", "seq": -1}, [1, 2], "x"):
        r = client.put(f"/api/v1/attempts/{aid}/answers/{single}", json=bad, headers={"X-CSRFToken": client.csrf()})
        assert r.status_code in (400, 422) and r.get_json()["error"]["message"], bad
    assert save(client, aid, 999, "a", 1).status_code == 404


def test_suspended_member_refused_on_both_paths(app, world, login_as):
    """When a logged-in member is suspended, do pages and API both stop working for them?"""
    quiz = make_quiz(world.committee, [world.committee])
    c = login_as(world.member_a, c=app.test_client())
    token = c.csrf()
    world.member_a.state = "suspended"
    db.session.commit()
    page = c.post(f"/take/quiz/{quiz.id}", data={"csrf_token": token})
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    api = c.post(f"/api/v1/quizzes/{quiz.id}/attempts", json={}, headers={"X-CSRFToken": token})
    assert api.status_code == 401
    assert _attempts(quiz.id) == 0
