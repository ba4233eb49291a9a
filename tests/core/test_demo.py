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
