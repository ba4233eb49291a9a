"""Submitting races: button, timer, second tab and the sweep — exactly one wins."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.services import delivery
from tests.delivery.helpers import T0
from tests.factories import make_quiz


def test_eight_submits_race_the_sweep_and_exactly_one_wins(app, world):
    """Do 8 threads submitting and a sweep racing them produce one winner and one finish time?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=2), time_limit_minutes=20)
    attempt = delivery.start_attempt(quiz.id, world.member_a, now=T0)
    attempt_id, person_id = attempt.id, world.member_a.id
    db.session.commit()
    late = T0 + timedelta(minutes=30)  # past deadline + grace: the sweep is entitled to close it too
    barrier = threading.Barrier(9)
    wins, errors = [], []

    def submitter(i: int):
        with app.app_context():
            try:
                barrier.wait()
                _, won = delivery.finish_attempt(attempt_id, person_id=person_id,
                                                 reason="member" if i % 2 else "timer", now=late)
                wins.append(("submit", won))
            except Exception as exc:  # noqa: BLE001 - the assertion below reports it
                errors.append(repr(exc))
            finally:
                db.session.remove()

    def sweeper():
        with app.app_context():
            try:
                barrier.wait()
                wins.append(("sweep", delivery.close_overdue(now=late) == 1))
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submitter, args=(i,)) for i in range(8)] + [threading.Thread(target=sweeper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(wins) == 9
    assert sum(won for _, won in wins) == 1
    db.session.expire_all()
    row = db.session.get(Attempt, attempt_id)
    assert row.status == "finished" and row.finished_at == row.deadline
    assert row.score is not None
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1


def test_double_submit_returns_same_result(client, world, login_as):
    """Does a second submit (double click, second tab) return the same result without regrading?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()
    client.put(f"/api/v1/attempts/{body['id']}/answers/1", json={"value": "b", "seq": 1},
               headers={"X-CSRFToken": client.csrf()})
    first = client.json_post(f"/api/v1/attempts/{body['id']}/submit").get_json()
    finished_at = db.session.get(Attempt, body["id"]).finished_at
    second = client.json_post(f"/api/v1/attempts/{body['id']}/submit").get_json()
    page = client.form(f"/take/attempt/{body['id']}/submit")
    assert first == second
    assert page.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attempt, body["id"]).finished_at == finished_at
    saved_late = client.put(f"/api/v1/attempts/{body['id']}/answers/2", json={"value": ["a"], "seq": 1},
                            headers={"X-CSRFToken": client.csrf()})
    assert saved_late.status_code == 409
