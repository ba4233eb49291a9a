"""Time: the server owns the deadline; grace, stale saves, reloads and the sweep."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from quizapp.services import delivery
from tests.delivery.helpers import T0, at, save, start
from tests.factories import make_quiz


def _quiz(world, **kw):
    return make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=2), time_limit_minutes=20, **kw)


def test_stale_save_does_not_overwrite_newer(client, world, login_as):
    """Does a save with an older seq, arriving late, leave the newer answer in place?"""
    quiz = _quiz(world)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        assert save(client, body["id"], 1, "c", 2).get_json()["applied"] is True
        stale = save(client, body["id"], 1, "a", 1)
    assert stale.status_code == 200
    # The kept answer comes back in the attempt's display ids ("c" is shown third: "c3").
    assert stale.get_json() == {"applied": False, "position": 1, "seq": 2, "value": {"choice": "c3"},
                                "message": "Đã giữ câu trả lời mới hơn từ thiết bị khác.", "remaining_seconds": 1200}
    ans = db.session.scalar(select(Answer).where(Answer.attempt_id == body["id"], Answer.position == 1))
    assert ans.value == {"choice": "c"} and ans.seq == 2


def test_save_within_grace_is_accepted_and_after_grace_refused(client, world, login_as):
    """Is a save 30 s after the deadline kept, and one after deadline + grace refused with 410?"""
    quiz = _quiz(world, grace_seconds=60)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
    deadline = T0 + timedelta(minutes=20)
    with at(deadline + timedelta(seconds=30)):
        ok = save(client, body["id"], 1, "b", 1)
    assert ok.status_code == 200 and ok.get_json()["applied"] is True
    assert ok.get_json()["remaining_seconds"] == 0
    with at(deadline + timedelta(seconds=61)):
        late = save(client, body["id"], 2, ["a"], 1)
    assert late.status_code == 410
    assert "Đã hết giờ làm bài" in late.get_json()["error"]["message"]
    attempt = db.session.get(Attempt, body["id"])
    # The late save closed the attempt at its deadline; the in-grace answer counted.
    assert attempt.status == "finished" and attempt.finished_at == deadline
    assert attempt.points == 1.0
    assert db.session.scalar(select(Answer).where(Answer.attempt_id == body["id"], Answer.position == 2)) is None


def test_reload_returns_same_items_answers_and_true_remaining_time(client, world, login_as, app):
    """After a reload (or from a second phone) are the items, answers and remaining time the same?"""
    quiz = _quiz(world, shuffle_questions=True, shuffle_choices=True)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        tf = next(i["position"] for i in body["items"] if i["type"] == "true_false")
        assert save(client, body["id"], tf, "false", 1).status_code == 200
    phone2 = app.test_client()
    with at(T0 + timedelta(minutes=7, seconds=30)):
        login_as(world.member_a, c=phone2)
        again = phone2.get(f"/api/v1/attempts/{body['id']}").get_json()
        resumed = start(phone2, quiz.id)
        page = phone2.get(f"/take/attempt/{body['id']}?mode=all").get_data(as_text=True)
    assert [(i["position"], i["view"]) for i in again["items"]] == [(i["position"], i["view"]) for i in body["items"]]
    assert again["items"][tf - 1]["answer"] == {"value": False} and again["items"][tf - 1]["seq"] == 1
    assert again["remaining_seconds"] == 20 * 60 - 450
    assert resumed["id"] == body["id"]
    assert 'data-remaining="750"' in page
    assert "12:30" in page


def test_deadline_capped_by_quiz_close(client, world, login_as):
    """Does an attempt started 10 minutes before the close get 10 minutes, not the full limit?"""
    quiz = _quiz(world)
    with at(quiz.closes_at - timedelta(minutes=10)):
        login_as(world.member_a)
        body = start(client, quiz.id)
    assert body["remaining_seconds"] == 600
    assert db.session.get(Attempt, body["id"]).deadline == quiz.closes_at


def test_sweep_finishes_at_deadline_with_saved_answers_graded(client, world, login_as):
    """Does the sweep close a vanished member's attempt at its deadline time and grade what was saved?"""
    quiz = _quiz(world)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        save(client, body["id"], 1, "b", 1)
        save(client, body["id"], 3, "true", 1)
    deadline = T0 + timedelta(minutes=20)
    assert delivery.close_overdue(now=deadline + timedelta(seconds=30)) == 0  # still within grace
    assert delivery.close_overdue(now=deadline + timedelta(minutes=5)) == 1
    assert delivery.close_overdue(now=deadline + timedelta(minutes=6)) == 0
    attempt = db.session.get(Attempt, body["id"])
    assert attempt.status == "finished" and attempt.finish_reason == "sweep"
    assert attempt.finished_at == deadline
    assert attempt.points == 2.0 and attempt.max_points == 5.0 and attempt.score == 4.0
    assert attempt.classification == "chua_dat"


def test_close_on_read_when_member_returns_late(client, world, login_as):
    """When the member opens the page after deadline + grace, is the attempt closed at the deadline?"""
    quiz = _quiz(world)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
    with at(T0 + timedelta(hours=1)):
        resp = client.get(f"/take/attempt/{body['id']}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/take/attempt/{body['id']}/result")
    attempt = db.session.get(Attempt, body["id"])
    assert attempt.finish_reason == "read" and attempt.finished_at == T0 + timedelta(minutes=20)


def test_member_submit_after_deadline_in_grace_finishes_at_deadline(client, world, login_as):
    """Does the page timer's submit, arriving in the grace, record the deadline as finish time?"""
    quiz = _quiz(world)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
    with at(T0 + timedelta(minutes=20, seconds=5)):
        resp = client.json_post(f"/api/v1/attempts/{body['id']}/submit", {"reason": "timer"})
    assert resp.status_code == 200
    attempt = db.session.get(Attempt, body["id"])
    assert attempt.finish_reason == "timer" and attempt.finished_at == T0 + timedelta(minutes=20)


def test_quiz_not_yet_open_and_closed_messages(client, world, login_as):
    """Before opening and after closing, does starting say so clearly instead of failing?"""
    quiz = _quiz(world)
    with at(T0 - timedelta(hours=1)):
        login_as(world.member_a)
        early = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    with at(T0 + timedelta(hours=3)):
        late = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert early.status_code == 409 and "chưa mở" in early.get_json()["error"]["message"]
    assert late.status_code == 409 and "đã đóng" in late.get_json()["error"]["message"]


def test_save_at_the_exact_end_of_grace_is_kept_and_a_second_later_refused(client, world, login_as):
    """With the attempt's items already read by an earlier save (PostgreSQL's one-statement save),
    is a save at deadline + grace exactly kept, and one a second later refused?"""
    quiz = _quiz(world, grace_seconds=60)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        assert save(client, body["id"], 1, "a", 1).get_json()["applied"] is True
    end = T0 + timedelta(minutes=20, seconds=60)
    with at(end):
        ok = save(client, body["id"], 1, "b", 2)
        again = save(client, body["id"], 1, "c", 3)
    assert ok.status_code == 200 and ok.get_json()["applied"] is True
    assert again.status_code == 200 and again.get_json()["seq"] == 3
    with at(end + timedelta(seconds=1)):
        late = save(client, body["id"], 1, "a", 4)
    assert late.status_code == 410
    ans = db.session.scalar(select(Answer).where(Answer.attempt_id == body["id"], Answer.position == 1))
    assert ans.value == {"choice": "c"} and ans.seq == 3
