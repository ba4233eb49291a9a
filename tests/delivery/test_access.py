"""Who may start and touch an attempt: another person's ids, inactive members, used-up attempts."""
from __future__ import annotations

from quizapp.extensions import db
from quizapp.models import Attempt
from tests.delivery.helpers import save, start
from tests.factories import make_bank, make_quiz


def test_another_members_attempt_is_404_everywhere(app, client, world, login_as):
    """Does every page and endpoint answer 404 when a member uses someone else's attempt id?"""
    quiz = make_quiz(world.committee, [world.committee])
    owner = app.test_client()
    login_as(world.member_a, c=owner)
    aid = start(owner, quiz.id)["id"]
    login_as(world.member_b)
    token = client.csrf()
    hdr = {"X-CSRFToken": token}
    checks = {
        "page attempt": client.get(f"/take/attempt/{aid}"),
        "page attempt post": client.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": "1", "s1": "5", "a1": "a"}),
        "page review": client.get(f"/take/attempt/{aid}/review"),
        "page submit": client.post(f"/take/attempt/{aid}/submit", data={"csrf_token": token}),
        "page result": client.get(f"/take/attempt/{aid}/result"),
        "api attempt": client.get(f"/api/v1/attempts/{aid}"),
        "api save put": client.put(f"/api/v1/attempts/{aid}/answers/1", json={"value": "a", "seq": 9}, headers=hdr),
        "api save post": client.post(f"/api/v1/attempts/{aid}/answers/1", json={"value": "a", "seq": 9}, headers=hdr),
        "api submit": client.post(f"/api/v1/attempts/{aid}/submit", json={}, headers=hdr),
        "api result": client.get(f"/api/v1/attempts/{aid}/result"),
    }
    for label, resp in checks.items():
        assert resp.status_code == 404, (label, resp.status_code)
    db.session.expire_all()
    attempt = db.session.get(Attempt, aid)
    assert attempt.status == "in_progress"
    assert start(owner, quiz.id)["items"][0]["answer"] is None


def test_member_outside_the_round_cannot_start(client, world, login_as):
    """Is a quiz for cell A invisible (404) to a member of cell B?"""
    quiz = make_quiz(world.committee, [world.cell_a])
    login_as(world.member_b)
    assert client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 404
    assert client.get(f"/take/quiz/{quiz.id}").status_code == 404
    assert client.get("/api/v1/quizzes").get_json()["quizzes"] == []


def test_suspended_member_cannot_start(client, world, login_as):
    """Once suspended mid-session, is the member refused (session no longer loads) by API and service?"""
    from quizapp.services import delivery
    from quizapp.services.exceptions import Forbidden

    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    world.member_a.state = "suspended"
    db.session.commit()
    assert client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 401
    try:
        delivery.start_attempt(quiz.id, world.member_a)
    except Forbidden as exc:
        assert "tạm dừng" in exc.message
    else:
        raise AssertionError("a suspended member started an attempt")


def test_attempts_allowed_exhausted_gives_clear_message(client, world, login_as):
    """After using the one allowed attempt, does starting again say so in Vietnamese?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=1)
    login_as(world.member_a)
    aid = start(client, quiz.id)["id"]
    client.json_post(f"/api/v1/attempts/{aid}/submit")
    resp = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert resp.status_code == 409
    assert "hết số lần làm bài" in resp.get_json()["error"]["message"]
    page = client.form(f"/take/quiz/{quiz.id}", follow_redirects=True)
    assert page.status_code == 200 and "hết số lần làm bài" in page.get_data(as_text=True)


def test_second_attempt_allowed_when_quiz_allows_two(client, world, login_as):
    """With two attempts allowed, does a second start create attempt number 2 with fresh answers?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=2)
    login_as(world.member_a)
    first = start(client, quiz.id)
    save(client, first["id"], 1, "b", 1)
    client.json_post(f"/api/v1/attempts/{first['id']}/submit")
    second = start(client, quiz.id)
    assert second["id"] != first["id"] and second["number"] == 2
    assert all(it["answer"] is None for it in second["items"])


def test_random_draw_short_of_questions_is_a_clear_error(client, world, login_as):
    """When the banks hold fewer matching questions than the rule asks, is the error clear, not a 500?"""
    bank = make_bank(world.committee)
    quiz = make_quiz(world.committee, [world.committee], bank=bank,
                     draw_rule={"mode": "random", "rules": [{"bank_id": bank.id, "count": 9}]})
    login_as(world.member_a)
    resp = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert resp.status_code == 409
    assert "chưa sẵn sàng" in resp.get_json()["error"]["message"]
    assert db.session.query(Attempt).count() == 0


def test_random_draw_per_rule_topic_and_difficulty(world):
    """Does a random draw take N per rule, honouring topic/difficulty, seeded and reproducible?"""
    import random

    from quizapp.services import delivery

    easy = make_bank(world.committee, copies=3, topic="Chỉ thị 05", difficulty="easy")
    hard = make_bank(world.committee, copies=2, topic="Quy định 37", difficulty="hard")
    quiz = make_quiz(world.committee, [world.committee], bank=easy, shuffle_questions=True, shuffle_choices=True,
                     draw_rule={"mode": "random", "rules": [
                         {"bank_id": easy.id, "difficulty": "easy", "count": 4},
                         {"bank_id": hard.id, "topic": "Quy định 37", "count": 3}]})
    one = delivery._draw(quiz, random.Random(42))
    two = delivery._draw(quiz, random.Random(42))
    assert one == two and len(one) == 7
    assert len({it["question_version_id"] for it in one}) == 7
