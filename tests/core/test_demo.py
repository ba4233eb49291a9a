"""Demo data: does `flask demo load` build a usable organization once, and print its logins?"""
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Attempt, Bank, Org, Person, RoleGrant, StudyRound


def test_demo_load_builds_everything_once(runner):
    """Does the demo have a đảng ủy with ≥4 cells, ~80 people, every role, the banks and two rounds?"""
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "QUANTRI" in result.output and "BP01001" in result.output
    cells = db.session.scalar(select(func.count(Org.id)).where(Org.kind == "chi_bo"))
    people = db.session.scalar(select(func.count(Person.id)))
    assert cells >= 4 and 78 <= people <= 90
    roles = set(db.session.scalars(select(RoleGrant.role)))
    assert roles == {"admin", "staff", "secretary", "deputy"}
    assert db.session.scalar(select(func.count(Person.id)).where(Person.exempt.is_(True))) >= 4
    assert db.session.scalar(select(func.count(Person.id)).where(Person.party_status == "du_bi")) >= 4
    assert db.session.scalar(select(func.count(Bank.id))) == 3
    assert db.session.scalar(select(func.count(StudyRound.id))) == 2
    finished = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.status == "finished"))
    assert finished > 60
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "bỏ qua" in again.output
    assert db.session.scalar(select(func.count(Person.id))) == people


def test_demo_history_is_dated(runner):
    """Does every demo person have a dated status, and do the exempt members count as exempt in the finished round?"""
    from datetime import date

    from quizapp.models import Exemption, PartyStatusPeriod
    from quizapp.services import participation

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    people = db.session.scalar(select(func.count(Person.id)))
    assert db.session.scalar(select(func.count(func.distinct(PartyStatusPeriod.person_id)))) == people
    exemptions = db.session.scalars(select(Exemption)).all()
    exempt_people = db.session.scalar(select(func.count(Person.id)).where(Person.exempt.is_(True)))
    assert len(exemptions) == exempt_people and all(e.start_date == date(2024, 3, 1) for e in exemptions)
    finished = min(db.session.scalars(select(StudyRound)), key=lambda r: r.session_date)
    assert all(e.start_date < finished.session_date for e in exemptions)
    committee = db.session.scalar(select(Org).where(Org.kind == "dang_uy_co_so"))
    assert participation.figures(finished, committee).exempt == exempt_people


def test_demo_rounds_give_everyone_papers_of_equal_structure(runner):
    """Does every demo attempt of a round have the same total points and count per question type,
    and do the demo draw rules pass the equal-papers check a manager's form runs?"""
    from collections import Counter

    from quizapp.models import AttemptItem, QuestionVersion, Quiz
    from quizapp.services import round_checks

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    for quiz in db.session.scalars(select(Quiz)):
        assert round_checks.check_equal_papers(quiz.draw_rule, {b.id: b for b in db.session.scalars(select(Bank))}) == []
        shapes = set()
        for attempt in db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)):
            rows = db.session.execute(
                select(QuestionVersion.type, AttemptItem.points)
                .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
                .where(AttemptItem.attempt_id == attempt.id)).all()
            shapes.add((sum(p for _, p in rows), tuple(sorted(Counter(t for t, _ in rows).items()))))
            if attempt.status == "finished":
                assert attempt.max_points == sum(p for _, p in rows)
        assert len(shapes) <= 1, shapes
    past = db.session.scalars(select(Attempt).where(Attempt.status == "finished")).all()
    assert past and {a.max_points for a in past} == {20.0} and not any(a.pending_essays for a in past)
