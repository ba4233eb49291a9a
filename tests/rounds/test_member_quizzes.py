"""Which quizzes a member's list offers to take now."""
from __future__ import annotations

from datetime import date, datetime

from quizapp.extensions import db
from quizapp.models import Membership
from tests.factories import make_round_with_quiz, make_topic_bank, open_quiz_ids

DURING = datetime(2026, 3, 2, 2, 0)


def test_open_quiz_for_participating_cell_only(world):
    """Is the quiz open to CB-A members during its window, and not to CB-B, nor before or after?"""
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())
    assert open_quiz_ids(world.member_a, DURING) == [rnd.quiz.id]
    assert open_quiz_ids(world.member_b, DURING) == []
    assert open_quiz_ids(world.member_a, datetime(2026, 3, 2, 0, 59)) == []
    assert open_quiz_ids(world.member_a, datetime(2026, 3, 2, 3, 0)) == []


def test_committee_round_includes_subtree(world):
    """Does a round for the committee include members of every cell under it?"""
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=make_topic_bank())
    assert open_quiz_ids(world.member_b, DURING) == [rnd.quiz.id]


def test_suspended_member_excluded(world):
    """Is a suspended member offered no quiz?"""
    make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())
    world.member_a.state = "suspended"
    db.session.commit()
    assert open_quiz_ids(world.member_a, DURING) == []


def test_membership_on_session_date_decides(world):
    """Does a member who joined CB-A after the session date not get CB-A's round?"""
    make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())
    from tests.factories import make_person

    newcomer = make_person(world.cell_a, "Đặng Văn Mới", "NEW1", start=date(2026, 3, 3))
    db.session.commit()
    assert open_quiz_ids(newcomer, DURING) == []
    assert db.session.get(Membership, newcomer.memberships[0].id).start_date == date(2026, 3, 3)
