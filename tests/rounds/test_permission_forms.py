"""permissions.py keeps each rule in a Python form (one object) and an SQL form (a list); they must agree."""
from __future__ import annotations

from datetime import date

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import Bank, Org, StudyRound
from quizapp.services.banks import visible_banks
from quizapp.services.round_checks import usable_banks
from quizapp.services.rounds import rounds_in_scope
from tests.factories import make_round_with_quiz


def _bank(slug, org):
    bank = Bank(slug=slug, title=f"Ngân hàng {slug}", document="Nghị quyết 04-NQ/TW", org_id=org.id if org else None)
    db.session.add(bank)
    return bank


def test_overlaps():
    """Does a node overlap a subtree it lies in, or stands above, and nothing beside it?"""
    assert permissions.overlaps("/1/2/3/", ["/1/2/"])        # inside
    assert permissions.overlaps("/1/", ["/1/2/"])            # above
    assert permissions.overlaps("/1/2/", ["/1/2/"])          # the same node
    assert not permissions.overlaps("/1/4/", ["/1/2/"])      # a sibling
    assert not permissions.overlaps("/1/22/", ["/1/2/"])     # a sibling whose id starts alike
    assert not permissions.overlaps("/1/", [])


def test_within():
    """Does a node lie within a subtree it is in (itself included), and not beside or above it?"""
    assert permissions.within("/1/2/3/", ["/1/2/"])
    assert permissions.within("/1/2/", ["/1/2/"])
    assert not permissions.within("/1/", ["/1/2/"])         # above: overlaps, but not within
    assert not permissions.within("/1/22/", ["/1/2/"])      # a sibling whose id starts alike
    assert not permissions.within("/1/2/", [])


def test_subtree_sql_and_python_agree(world):
    """For every pair of orgs, do within_clause / overlap_clause (SQL) pick exactly the orgs that
    within / overlaps (Python) accept?"""
    orgs = list(db.session.query(Org))
    for root in orgs:
        inside = {o.id for o in db.session.query(Org).filter(permissions.within_clause([root.path]))}
        assert inside == {o.id for o in orgs if permissions.within(o.path, [root.path])}, root.code
        touching = {o.id for o in db.session.query(Org).filter(permissions.overlap_clause([root.path]))}
        assert touching == {o.id for o in orgs if permissions.overlaps(o.path, [root.path])}, root.code
    assert db.session.query(Org).filter(permissions.within_clause([])).count() == 0
    assert db.session.query(Org).filter(permissions.within_clause([world.cell_a.path])).count() == 1


def test_round_scope_sql_and_python_agree(world):
    """For every person, are the rounds listed (SQL) exactly the rounds they may open (Python)?"""
    rounds = [
        make_round_with_quiz(world.committee, [world.committee], code="R1"),
        make_round_with_quiz(world.cell_a, [world.cell_a], code="R2", session_date=date(2026, 3, 3)),
        make_round_with_quiz(world.cell_b, [world.cell_b], code="R3", session_date=date(2026, 3, 4)),
        make_round_with_quiz(world.province, [world.province], code="R4", session_date=date(2026, 3, 5)),
    ]
    everyone = [world.admin, world.staff, world.secretary_a, world.deputy_a, world.secretary_b, world.member_a]
    for person in everyone:
        listed = {r.id for r in rounds_in_scope(person)}
        allowed = {r.id for r in db.session.query(StudyRound) if permissions.can_view_round(r, person)}
        assert listed == allowed, person.full_name
    assert {r.id for r in rounds_in_scope(world.secretary_a)} == {rounds[0].id, rounds[1].id, rounds[3].id}
    assert rounds_in_scope(world.member_a) == []


def test_bank_scope_sql_and_python_agree(world):
    """For every person, are the banks listed and offered for a draw (SQL) exactly those they may
    open (Python): site banks, banks above, at and below their subtree, never a sibling's?"""
    banks = [_bank("site", None), _bank("province", world.province), _bank("committee", world.committee),
             _bank("cell-a", world.cell_a), _bank("cell-b", world.cell_b)]
    db.session.commit()
    everyone = [world.admin, world.staff, world.secretary_a, world.deputy_a, world.secretary_b, world.member_a]
    for person in everyone:
        allowed = {b.id for b in banks if permissions.can_view_bank(b, person)}
        assert {b.id for b in visible_banks(person)} == allowed, person.full_name
        if permissions.is_manager(person):
            assert {b.id for b in usable_banks(person)} == allowed, person.full_name
    assert {b.slug for b in visible_banks(world.secretary_a)} == {"site", "province", "committee", "cell-a"}
