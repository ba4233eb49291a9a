"""The save's fast path: the per-process cache of an attempt's items is checked by the statement itself."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptItem, QuestionVersion
from quizapp.services import delivery
from tests.delivery.helpers import T0
from tests.factories import make_quiz

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
