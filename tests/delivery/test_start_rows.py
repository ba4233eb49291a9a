"""What a start writes: the attempt's items as stored rows, exactly as a plain Core insert of the
same values would store them (the start sends the whole paper in one statement), on SQLite and
PostgreSQL alike."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, text

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptItem
from quizapp.services import delivery
from tests.delivery.helpers import T0, at, start
from tests.factories import make_bank, make_quiz

_COLUMNS = ("position", "question_version_id", "choice_order", "points")


def _stored(attempt_id: int) -> list[tuple]:
    """The items' rows as the database holds them: the JSON column's stored text and whether it is
    SQL NULL, the storage class (SQLite) or type (PostgreSQL) of every value, in insertion order."""
    if db.session.get_bind().dialect.name == "postgresql":
        kinds = ("pg_typeof(position)::text, pg_typeof(question_version_id)::text, "
                 "pg_typeof(choice_order)::text, pg_typeof(points)::text")
        order_text = "choice_order::text"
    else:
        kinds = "typeof(position), typeof(question_version_id), typeof(choice_order), typeof(points)"
        order_text = "CAST(choice_order AS TEXT)"
    return [tuple(row) for row in db.session.execute(text(
        f"SELECT position, question_version_id, {order_text}, choice_order IS NULL, points, {kinds} "
        "FROM attempt_item WHERE attempt_id = :aid ORDER BY id"), {"aid": attempt_id})]


def _as_core_insert_stores(attempt_id: int) -> list[tuple]:
    """Write the attempt's items again through a plain Core insert of the values read back (the
    JSON column decoded, as the application sees them) and return what that stored."""
    items = db.session.execute(select(*(AttemptItem.__table__.c[name] for name in _COLUMNS))
                               .where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.id)).all()
    db.session.execute(delete(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
    db.session.execute(insert(AttemptItem.__table__),
                       [dict(zip(_COLUMNS, item), attempt_id=attempt_id) for item in items])
    return _stored(attempt_id)


@pytest.mark.parametrize("shuffle_choices", [True, False])
def test_a_start_stores_its_items_as_a_core_insert_would(client, world, login_as, shuffle_choices):
    """Are the items a start writes (with a choice order, or none: JSON null on SQLite, SQL NULL on
    PostgreSQL; points whole, fractional and inexact in binary) the very rows a plain insert of the
    same values stores, in the paper's order?"""
    bank = make_bank(world.committee, points=2.5)
    for version, points in zip((q.current_version for q in bank.questions), (0.1, 1.0, 3.0)):
        version.points = points
    quiz = make_quiz(world.committee, [world.committee], bank=bank, shuffle_questions=True,
                     shuffle_choices=shuffle_choices)
    login_as(world.member_a)
    body = start(client, quiz.id)
    stored = _stored(body["id"])
    assert [row[0] for row in stored] == list(range(1, len(body["items"]) + 1))
    assert [row[4] for row in stored] == [it["points"] for it in body["items"]]
    assert sorted(row[4] for row in stored) == sorted([0.1, 1.0, 3.0] + [2.5] * (len(stored) - 3))
    orders = [row[2] for row in stored]  # a choice question's order; None (no choices, or not shuffled)
    assert any(order and order.startswith("[") for order in orders) is shuffle_choices
    assert all(order is None or order == "null" or order.startswith("[") for order in orders)
    assert _as_core_insert_stores(body["id"]) == stored


def test_a_start_writes_one_attempt_with_its_paper(client, world, login_as):
    """Does a start write exactly one attempt and one item per question of the paper it answers with,
    each item's question version the one shown?"""
    quiz = make_quiz(world.committee, [world.committee], shuffle_questions=True, shuffle_choices=True)
    login_as(world.member_a)
    body = start(client, quiz.id)
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1
    attempt = db.session.get(Attempt, body["id"])
    assert (attempt.number, attempt.status, attempt.mode, attempt.pending_essays) == (1, "in_progress", "online", 0)
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == body["id"])
                               .order_by(AttemptItem.position)).all()
    assert [(it.position, it.question_version.text, it.points) for it in items] == [
        (it["position"], it["text"], it["points"]) for it in body["items"]]


def test_a_start_over_an_overdue_attempt_closes_it_and_draws_a_new_paper(client, world, login_as):
    """When the member starts again after the open attempt's deadline + grace, is that attempt
    closed at its deadline (on the way, in the same request) and a second one started with a paper
    drawn afresh (here from a pool this process reads again), stored as shown?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=2), time_limit_minutes=20, attempts_allowed=2,
                     shuffle_questions=True, shuffle_choices=True)
    with at(T0):
        login_as(world.member_a)
        first = start(client, quiz.id)
    delivery._POOLS.clear()  # as in another worker: the pool is read again, after the close
    delivery._SOURCES.clear()
    with at(T0 + timedelta(hours=1)):
        resp = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts")
        assert resp.status_code == 201, resp.get_data(as_text=True)
        again = client.get(f"/api/v1/attempts/{resp.get_json()['id']}").get_json()
    second = resp.get_json()
    assert second["id"] != first["id"] and second["number"] == 2
    closed = db.session.get(Attempt, first["id"])
    assert (closed.status, closed.finish_reason, closed.finished_at) == ("finished", "read", T0 + timedelta(minutes=20))
    assert again["items"] == second["items"]


def test_choice_ids_of_any_spelling_are_stored_as_a_core_insert_would(client, world, login_as):
    """Choice ids a bank may spell with diacritics, quotes, backslashes, a line separator or an emoji:
    is each attempt item's stored choice order still the very text a plain insert stores?"""
    odd = ["á", 'b"c', "d\\e", "\u2028", "😀", "/f"]
    questions = [("single", "Câu có mã phương án lạ?",
                  {"choices": [{"id": cid, "text": f"Phương án {n}", "correct": n == 0} for n, cid in enumerate(odd)]}),
                 ("multiple", "Câu nhiều lựa chọn có mã lạ?",
                  {"choices": [{"id": cid + "2", "text": f"Ý {n}", "correct": n < 2} for n, cid in enumerate(odd)]})]
    quiz = make_quiz(world.committee, [world.committee], bank=make_bank(world.committee, questions=questions),
                     shuffle_choices=True)
    login_as(world.member_a)
    body = start(client, quiz.id)
    stored = _stored(body["id"])
    assert all(row[2].startswith("[") for row in stored)
    assert _as_core_insert_stores(body["id"]) == stored


def test_a_start_that_loses_the_race_resumes_the_winner_and_writes_nothing(client, world, login_as, monkeypatch):
    """Two tabs start at once: when the other tab's attempt is committed between this start's checks
    and its write, does this start write nothing of its own (no attempt, no items) and resume the
    other tab's attempt?"""
    quiz = make_quiz(world.committee, [world.committee], shuffle_questions=True, shuffle_choices=True)
    login_as(world.member_a)
    quiz_id, person_id, cell_id = quiz.id, world.member_a.id, world.cell_a.id
    other: dict = {}
    real = delivery.write_transaction

    def other_tab_first(*args):
        if not other:
            attempts = Attempt.__table__
            now = utcnow()
            with db.engine.connect() as conn:
                other["id"] = conn.execute(insert(attempts).values(
                    quiz_id=quiz_id, person_id=person_id, org_id=cell_id, number=1, status="in_progress", seed=7,
                    started_at=now, deadline=now + timedelta(minutes=30)).returning(attempts.c.id)).scalar_one()
                conn.commit()
        return real(*args)

    monkeypatch.setattr(delivery, "write_transaction", other_tab_first)
    resp = client.json_post(f"/api/v1/quizzes/{quiz_id}/attempts")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["id"] == other["id"]
    assert db.session.scalars(select(Attempt.id)).all() == [other["id"]]
    assert db.session.scalar(select(db.func.count()).select_from(AttemptItem)) == 0
