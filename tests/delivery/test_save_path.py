"""The save's fast path: the per-process cache of an attempt's items is checked by the statement
itself, and on SQLite a save or submit request is one write transaction, its body read first."""
from __future__ import annotations

import io
import json
import os
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptItem, QuestionVersion
from quizapp.services import delivery
from tests.delivery.helpers import T0, at, start
from tests.factories import make_quiz

sqlite_only = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite transactions")


def _window():
    return {"opens_at": T0 - timedelta(minutes=5), "closes_at": T0 + timedelta(hours=2)}


@pytest.mark.parametrize("change", ["seed", "started_at"])
def test_a_reused_attempt_id_is_not_saved_through_the_cached_paper(app, world, change):
    """When the attempt behind an id is another one (a restore, reused ids) with the same person,
    deadline and question but another choice order, is a display id mapped through the new order,
    not through the items this process cached at an earlier save? The two attempts differ only in
    `change` (the seed that made the order, or the start to the microsecond)."""
    quiz = make_quiz(world.committee, [world.committee], **_window())
    attempt = delivery.start_attempt(quiz.id, world.member_a, now=T0)
    aid, pid = attempt.id, world.member_a.id
    version = db.session.scalar(select(QuestionVersion).join(AttemptItem).where(
        AttemptItem.attempt_id == aid, AttemptItem.position == 1))
    real = [c["id"] for c in version.spec["choices"]]
    items = update(AttemptItem).where(AttemptItem.attempt_id == aid, AttemptItem.position == 1)
    db.session.execute(items.values(choice_order=real))
    db.session.commit()
    saved = delivery.save_answer(aid, pid, 1, "c1", 1, now=T0 + timedelta(minutes=1))  # fills the cache
    assert saved["applied"] and db.session.scalar(select(Answer.value)) == {"choice": real[0]}

    other = {"seed": attempt.seed + 1} if change == "seed" else {"started_at": T0 + timedelta(microseconds=1)}
    db.session.execute(update(Attempt).where(Attempt.id == aid).values(**other))
    db.session.execute(items.values(choice_order=real[::-1]))
    db.session.commit()
    saved = delivery.save_answer(aid, pid, 1, "c1", 2, now=T0 + timedelta(minutes=2))
    assert saved["applied"] and saved["value"] == {"choice": "c1"}
    db.session.expire_all()
    assert db.session.scalar(select(Answer.value)) == {"choice": real[-1]}


def test_a_question_version_changed_under_its_id_is_read_again_and_one_unchanged_is_shared(app, world):
    """The process keeps one parsed spec per question version and compares the stored text at every
    cache fill: after a restore puts another spec under the same version id, does the next cache
    fill hold the new spec? And while the text is unchanged, do two attempts share one parsed spec
    (no parse per attempt)?"""
    quiz = make_quiz(world.committee, [world.committee], **_window())
    first = delivery.start_attempt(quiz.id, world.member_a, now=T0)
    second = delivery.start_attempt(quiz.id, world.member_b, now=T0)
    db.session.commit()
    pairs = ((first.id, world.member_a.id), (second.id, world.member_b.id))
    for pair in pairs:  # an earlier test's attempt under the same ids may be cached in this process
        delivery._forget(*pair)
    for aid, pid in pairs:
        assert delivery.save_answer(aid, pid, 1, "c1", 1, now=T0)["applied"]
    items = [delivery._ITEMS[pair] for pair in pairs]
    shared = [(pos, a) for pos, a in items[0].items() if items[1].get(pos) and
              items[1][pos].question_version_id == a.question_version_id]
    assert shared  # the quiz's questions are drawn from one small bank
    assert all(a.spec is items[1][pos].spec for pos, a in shared)
    position, item = next((pos, a) for pos, a in shared if a.type == "single")  # "c1" is an answer to it
    changed = json.loads(json.dumps(item.spec))
    changed["choices"][0]["text"] = "Nội dung sau khi khôi phục"
    db.session.execute(update(QuestionVersion).where(QuestionVersion.id == item.question_version_id)
                       .values(spec=changed))
    db.session.commit()
    delivery._forget(*pairs[1])
    assert delivery.save_answer(second.id, world.member_b.id, position, "c1", 2, now=T0)["applied"]
    assert delivery._ITEMS[pairs[1]][position].spec == changed
    assert item.spec != changed  # what the first attempt cached is untouched


def test_the_fast_save_keeps_deadline_and_grace(app, world):
    """Once the items are cached, is a save at deadline + grace stored and one a second later
    refused (410) with the attempt closed at its deadline, as the full path decides?"""
    quiz = make_quiz(world.committee, [world.committee], time_limit_minutes=20, grace_seconds=30, **_window())
    attempt = delivery.start_attempt(quiz.id, world.member_a, now=T0)
    aid, pid, deadline = attempt.id, world.member_a.id, attempt.deadline
    db.session.commit()
    assert delivery.save_answer(aid, pid, 1, "c1", 1, now=T0)["applied"]  # fills the cache
    last = deadline + timedelta(seconds=30)
    assert delivery.save_answer(aid, pid, 1, "c2", 2, now=last)["applied"]
    from quizapp.services.exceptions import Gone

    with pytest.raises(Gone):
        delivery.save_answer(aid, pid, 1, "c3", 3, now=last + timedelta(microseconds=1))
    db.session.expire_all()
    row = db.session.get(Attempt, aid)
    assert row.status == "finished" and row.finished_at == deadline
    assert db.session.scalar(select(Answer.seq)) == 2


def _transactions(engine):
    seen = []
    listeners = [(name, lambda *_, name=name: seen.append(name)) for name in ("begin", "commit", "rollback")]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    return seen, listeners


@sqlite_only
@pytest.mark.parametrize("route", ["save", "submit", "start"])
def test_the_hall_requests_hold_the_write_lock_only_for_their_writes(client, world, login_as, route):
    """What SQLite runs for a save, a submit and a start: the login lookup and the reads before the
    writes run outside any transaction (no BEGIN, no COMMIT for them); a save's upsert is its own
    transaction (no BEGIN at all); a submit's and a start's writes are one BEGIN IMMEDIATE ... COMMIT,
    after the reads."""
    quiz = make_quiz(world.committee, [world.committee], **_window())
    with at(T0):
        login_as(world.member_a)
        if route != "start":
            body = start(client, quiz.id)
        token = client.csrf()
        if route == "start":
            path, method, payload = f"/api/v1/quizzes/{quiz.id}/attempts", "POST", {}
        elif route == "save":
            path, method, payload = f"/api/v1/attempts/{body['id']}/answers/1", "PUT", {"value": "c1", "seq": 1}
        else:
            path, method, payload = f"/api/v1/attempts/{body['id']}/submit", "POST", {}
        db.session.close()
        db.engine.dispose()  # every connection of the request is a new one, traced from its start
        seen = []

        def trace(dbapi_conn, _record):
            dbapi_conn.set_trace_callback(seen.append)

        event.listen(db.engine, "connect", trace)
        try:
            resp = client.open(path, method=method, json=payload, headers={"X-CSRFToken": token})
        finally:
            event.remove(db.engine, "connect", trace)
            db.session.close()
            db.engine.dispose()
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    sql = [s.strip() for s in seen if not s.lstrip().upper().startswith("PRAGMA")]
    verbs = [s.split()[0].upper() for s in sql]
    login = next(i for i, s in enumerate(sql) if "auth_session" in s)
    writes = [i for i, verb in enumerate(verbs) if verb in ("INSERT", "UPDATE", "DELETE")]
    if route == "save":
        assert "BEGIN" not in verbs and "COMMIT" not in verbs, sql
        assert [verbs[i] for i in writes] == ["INSERT"], sql
        return
    begins = [i for i, verb in enumerate(verbs) if verb == "BEGIN"]
    assert [sql[i].upper() for i in begins] == ["BEGIN IMMEDIATE"], sql
    assert verbs.count("COMMIT") == 1 and verbs[-1] == "COMMIT", sql
    assert login < begins[0] < writes[0], sql


@sqlite_only
def test_the_body_is_read_before_the_write_lock_is_taken(client, world, login_as):
    """Is a save's body read while the write lock is still free (a slow upload never holds it)?"""
    quiz = make_quiz(world.committee, [world.committee], **_window())
    path = db.engine.url.database
    free = []

    def lock_is_free() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    class Probe(io.BytesIO):  # the request's body, as the server's socket gives it
        def read(self, *args):
            free.append(lock_is_free())
            return super().read(*args)

        def readinto(self, buffer):
            free.append(lock_is_free())
            return super().readinto(buffer)

    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        data = json.dumps({"value": "c1", "seq": 1}).encode()
        resp = client.put(f"/api/v1/attempts/{body['id']}/answers/1", input_stream=Probe(data),
                          content_length=len(data), content_type="application/json",
                          headers={"X-CSRFToken": client.csrf()})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert free and all(free)


@sqlite_only
@pytest.mark.parametrize("case", ["not logged in", "bad body", "someone else's attempt"])
def test_a_refused_save_leaves_the_write_lock_and_the_gate_free(client, world, login_as, case):
    """The save request takes the write lock before the login lookup: when it is refused (401, 422,
    404), are SQLite's write lock and the writer gate's flock free again after the request?"""
    import fcntl

    quiz = make_quiz(world.committee, [world.committee], **_window())
    with at(T0):
        starter = client.application.test_client() if case == "someone else's attempt" else client
        login_as(world.member_b if starter is not client else world.member_a, c=starter)
        body = start(starter, quiz.id)
        if starter is not client:
            login_as(world.member_a)
        token = client.csrf()
        if case == "not logged in":
            client.post("/auth/logout", headers={"X-CSRFToken": token})
        resp = client.put(f"/api/v1/attempts/{body['id']}/answers/1",
                          json={"value": "c1"} if case == "bad body" else {"value": "c1", "seq": 1},
                          headers={"X-CSRFToken": token})
    assert resp.status_code == {"not logged in": 401, "bad body": 422, "someone else's attempt": 404}[case]
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
    fd = os.open(f"{db.engine.url.database}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError while the gate is held
    finally:
        os.close(fd)
