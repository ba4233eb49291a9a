"""Checklist item 7: a stale save (an older tab, a retried request, a reordered network) must never
overwrite a newer answer — through the API, the plain page form, and many saves racing in threads."""
from __future__ import annotations

import random
import threading

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer
from tests.delivery.helpers import save, start
from tests.factories import make_quiz


def _stored(aid: int, pos: int):
    db.session.expire_all()
    return db.session.execute(select(Answer.value, Answer.seq).where(Answer.attempt_id == aid,
                                                                     Answer.position == pos)).first()


def _single(body) -> int:
    return next(it["position"] for it in body["items"] if it["type"] == "single")


def test_older_seq_through_the_api_is_a_no_op(client, world, login_as):
    """After seq 5 saved 'c', does a replayed seq 3 (or the same seq 5) leave 'c' in place?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid, pos = body["id"], _single(body)
    assert save(client, aid, pos, "c", 5).get_json()["applied"] is True
    for seq, value in ((3, "a"), (5, "d"), (1, "b")):
        r = save(client, aid, pos, value, seq).get_json()
        assert r == {**r, "applied": False, "seq": 5}
    assert tuple(_stored(aid, pos)) == ({"choice": "c"}, 5)


def test_stale_page_from_another_tab_does_not_overwrite(client, world, login_as):
    """If an old page (its hidden seq is older) is posted after a newer API save, is the newer answer kept?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid, pos = body["id"], _single(body)
    old_page = client.get(f"/take/attempt/{aid}?q={pos}").get_data(as_text=True)
    assert f'name="s{pos}" value="1"' in old_page
    assert save(client, aid, pos, "d", 4).get_json()["applied"] is True
    client.form(f"/take/attempt/{aid}", {"p": str(pos), f"s{pos}": "1", f"a{pos}": "a", "q": str(pos)})
    assert tuple(_stored(aid, pos)) == ({"choice": "d"}, 4)


def test_reordered_saves_in_threads_keep_the_highest_seq(app, world, login_as):
    """When 20 saves arrive in random order from 4 connections, does the answer of seq 20 win?"""
    quiz = make_quiz(world.committee, [world.committee])
    clients = [login_as(world.member_a, c=app.test_client()) for _ in range(4)]
    body = start(clients[0], quiz.id)
    aid, pos = body["id"], _single(body)
    tokens = [c.csrf() for c in clients]
    choices = ["a", "b", "c", "d"]
    seqs = list(range(1, 21))
    random.Random(7).shuffle(seqs)
    barrier = threading.Barrier(len(seqs))
    errors = []

    def send(i, seq):
        try:
            barrier.wait()
            r = clients[i % 4].put(f"/api/v1/attempts/{aid}/answers/{pos}", json={"value": choices[seq % 4], "seq": seq},
                                   headers={"X-CSRFToken": tokens[i % 4]})
            assert r.status_code == 200, r.status_code
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=send, args=(i, s)) for i, s in enumerate(seqs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert tuple(_stored(aid, pos)) == ({"choice": choices[20 % 4]}, 20)


def _shown_id(body, pos: int, text: str) -> str:
    item = next(it for it in body["items"] if it["position"] == pos)
    return next(ch["id"] for ch in item["view"]["choices"] if ch["text"] == text)


def test_stale_api_save_returns_the_kept_answer(client, world, login_as):
    """When another device saved a newer answer, does the losing save get told which answer was kept
    (in the ids this attempt shows), rather than look like a plain success?"""
    quiz = make_quiz(world.committee, [world.committee], shuffle_choices=True)
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid, pos = body["id"], _single(body)
    newer, older = _shown_id(body, pos, "Năm 2016"), _shown_id(body, pos, "Năm 2014")
    assert save(client, aid, pos, newer, 6).get_json()["value"] == {"choice": newer}
    r = save(client, aid, pos, older, 2).get_json()
    assert r["applied"] is False and r["seq"] == 6 and r["value"] == {"choice": newer}
    assert r["message"] == "Đã giữ câu trả lời mới hơn từ thiết bị khác."


def test_stale_page_post_says_the_newer_answer_was_kept_and_shows_it(client, world, login_as):
    """A no-JS page posted after a newer save from another device: does the member read "Đã lưu câu
    trả lời" (false), or that the newer answer was kept, with that answer shown on the page?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid, pos = body["id"], _single(body)
    kept = _shown_id(body, pos, "Năm 2018")
    assert save(client, aid, pos, kept, 4).get_json()["applied"] is True
    resp = client.post(f"/take/attempt/{aid}", data={"csrf_token": client.csrf(), "p": str(pos), f"s{pos}": "1",
                                                     f"a{pos}": _shown_id(body, pos, "Năm 2014"), "q": str(pos)},
                       follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Đã giữ câu trả lời mới hơn từ thiết bị khác" in html and "Đã lưu câu trả lời" not in html
    assert f'value="{kept}" checked' in html and f'name="s{pos}" value="5"' in html
    assert tuple(_stored(aid, pos))[1] == 4
