"""Checklist item 6: saving after deadline + grace, double submit, and submit racing the sweep —
through HTTP from several sessions at once (threads), not only through the services."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from quizapp.services import delivery
from tests.delivery.helpers import T0, at, save, start
from tests.factories import make_quiz


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)


def test_double_submit_returns_the_same_result(client, world, login_as):
    """Does a second submit (API, then the page button) change nothing and return the same result?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid = body["id"]
    save(client, aid, body["items"][0]["position"], "b", 1)
    first = client.json_post(f"/api/v1/attempts/{aid}/submit").get_json()
    db.session.expire_all()
    finished_at = db.session.get(Attempt, aid).finished_at
    second = client.json_post(f"/api/v1/attempts/{aid}/submit").get_json()
    page = client.form(f"/take/attempt/{aid}/submit")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/take/attempt/{aid}/result")
    assert first == second and first["score"] is not None
    db.session.expire_all()
    row = db.session.get(Attempt, aid)
    assert row.finished_at == finished_at and row.finish_reason == "member"


def test_submits_from_two_sessions_race_the_sweep_over_http(app, world, login_as):
    """Do 6 HTTP submits from two logged-in devices, racing the sweep past the deadline, finish once?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=2), time_limit_minutes=20, grace_seconds=60)
    with at(T0):
        phone = login_as(world.member_a, c=app.test_client())
        laptop = login_as(world.member_a, c=app.test_client())
        aid = start(phone, quiz.id)["id"]
        tokens = {id(phone): phone.csrf(), id(laptop): laptop.csrf()}
    late = T0 + timedelta(minutes=20, seconds=30)  # after the deadline, inside the grace: submits still win
    barrier = threading.Barrier(7)
    statuses, sweeps, errors = [], [], []

    def submitter(c):
        try:
            barrier.wait()
            r = c.post(f"/api/v1/attempts/{aid}/submit", json={"reason": "timer"},
                       headers={"X-CSRFToken": tokens[id(c)]})
            statuses.append((r.status_code, (r.get_json() or {}).get("score")))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    def sweeper():
        with app.app_context():
            try:
                barrier.wait()
                sweeps.append(delivery.close_overdue(now=T0 + timedelta(minutes=25)))
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            finally:
                db.session.remove()

    with at(late):
        _run([threading.Thread(target=submitter, args=(c,)) for c in (phone, laptop) * 3]
             + [threading.Thread(target=sweeper)])
    assert errors == []
    assert [s for s, _ in statuses] == [200] * 6
    assert len({score for _, score in statuses}) == 1
    db.session.expire_all()
    row = db.session.get(Attempt, aid)
    assert row.status == "finished" and row.finished_at <= row.deadline + timedelta(seconds=30)
    assert sum(sweeps) in (0, 1)


def test_saves_racing_the_submit_are_either_counted_or_refused(app, world, login_as):
    """While saves race a submit, is every save acknowledged with 200 present in the finished attempt?"""
    quiz = make_quiz(world.committee, [world.committee])
    owner = login_as(world.member_a, c=app.test_client())
    body = start(owner, quiz.id)
    aid = body["id"]
    answers = {"single": "b", "multiple": ["a"], "true_false": "true", "short_text": "x", "essay": "y"}
    clients = [login_as(world.member_a, c=app.test_client()) for _ in range(3)]
    tokens = [c.csrf() for c in clients]
    barrier = threading.Barrier(len(body["items"]) + 1)
    acked, refused, errors = [], [], []

    def saver(i, it):
        c = clients[i % 3]
        try:
            barrier.wait()
            r = c.put(f"/api/v1/attempts/{aid}/answers/{it['position']}", json={"value": answers[it["type"]], "seq": 1},
                      headers={"X-CSRFToken": tokens[i % 3]})
            (acked if r.status_code == 200 else refused).append((it["position"], r.status_code))
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    def submitter():
        try:
            barrier.wait()
            r = clients[0].post(f"/api/v1/attempts/{aid}/submit", json={}, headers={"X-CSRFToken": tokens[0]})
            assert r.status_code == 200
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    _run([threading.Thread(target=saver, args=(i, it)) for i, it in enumerate(body["items"])]
         + [threading.Thread(target=submitter)])
    assert errors == []
    assert all(code == 409 for _, code in refused), refused
    stored = set(db.session.scalars(select(Answer.position).where(Answer.attempt_id == aid)))
    assert {pos for pos, _ in acked} <= stored
    db.session.expire_all()
    assert db.session.get(Attempt, aid).status == "finished"


def test_grace_boundary(client, world, login_as):
    """Is a save one second inside the grace accepted and one second after it refused with 410?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=2), time_limit_minutes=10, grace_seconds=60)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
    pos = body["items"][0]["position"]
    with at(T0 + timedelta(minutes=10, seconds=59)):
        assert save(client, body["id"], pos, "a", 1).status_code == 200
    with at(T0 + timedelta(minutes=11, seconds=1)):
        late = save(client, body["id"], pos, "c", 2)
        assert late.status_code == 410 and "hết giờ" in late.get_json()["error"]["message"]
    value = db.session.scalar(select(Answer.value).where(Answer.attempt_id == body["id"], Answer.position == pos))
    assert value == {"choice": "a"}
