"""Who may take a round's quiz: does the quiz list agree with what start_attempt allows?"""
from datetime import date, timedelta

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import Membership
from quizapp.services import attempt_view, delivery, rounds
from tests.factories import make_quiz


def _move(person, new_cell, on):
    """Close the person's current membership the day before `on` and open one in new_cell."""
    current = db.session.query(Membership).filter_by(person_id=person.id, end_date=None).one()
    current.end_date = on - timedelta(days=1)
    db.session.add(Membership(person_id=person.id, org_id=new_cell.id, start_date=on))
    db.session.commit()


def test_member_who_moved_after_the_session_still_sees_and_starts_the_quiz(world):
    """A member of CB-A on the session date who moved to CB-B since: listed, and allowed to start?"""
    session_day = today_local() - timedelta(days=3)
    quiz = make_quiz(world.cell_a, [world.cell_a], session_date=session_day)
    _move(world.member_a, world.cell_b, today_local())
    assert quiz.id in rounds.eligible_quiz_ids(world.member_a)
    cards = {c["quiz"].id: c["state"] for c in attempt_view.member_quizzes(world.member_a)}
    assert cards.get(quiz.id) == "open"
    assert delivery.start_attempt(quiz.id, world.member_a).status == "in_progress"


def test_other_cell_neither_listed_nor_allowed(world):
    """Is a CB-B member who never belonged to CB-A kept out of both the list and start?"""
    quiz = make_quiz(world.cell_a, [world.cell_a])
    assert quiz.id not in rounds.eligible_quiz_ids(world.member_b)
    assert all(c["quiz"].id != quiz.id for c in attempt_view.member_quizzes(world.member_b))


def test_suspended_member_has_no_quizzes(world):
    """Does a suspended member see no open quiz?"""
    quiz = make_quiz(world.cell_a, [world.cell_a])
    world.member_a.state = "suspended"
    db.session.commit()
    assert rounds.eligible_quiz_ids(world.member_a) == set()
    assert quiz.id not in {c["quiz"].id for c in attempt_view.member_quizzes(world.member_a) if c["state"] == "open"}


def test_committee_round_includes_every_cell_below(world):
    """Does a round for the committee reach members of both cells?"""
    quiz = make_quiz(world.committee, [world.committee], session_date=date.today())
    assert quiz.id in rounds.eligible_quiz_ids(world.member_a)
    assert quiz.id in rounds.eligible_quiz_ids(world.member_b)
