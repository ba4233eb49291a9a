"""The sweep command that runs beside the server."""
from __future__ import annotations

from datetime import timedelta

from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.services import delivery
from tests.delivery.helpers import T0, at
from tests.factories import make_quiz


def test_flask_quiz_sweep_closes_overdue_attempts(runner, world):
    """Does `flask quiz sweep` close an attempt past deadline + grace and say how many it closed?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=2), time_limit_minutes=10)
    attempt = delivery.start_attempt(quiz.id, world.member_a, now=T0)
    aid = attempt.id
    db.session.commit()
    with at(T0 + timedelta(minutes=30)):
        result = runner.invoke(args=["quiz", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Đã đóng 1 bài làm quá hạn." in result.output
    db.session.expire_all()
    row = db.session.get(Attempt, aid)
    assert row.finish_reason == "sweep" and row.finished_at == T0 + timedelta(minutes=10)
