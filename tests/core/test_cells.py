"""A cell is a chi bộ. A tổ đảng is a group inside its chi bộ, managed with it, never a cell of its own."""
from __future__ import annotations

import pytest

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import ReportKind
from quizapp.services import orgs, people
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services.paper_tests import paper_cell, paper_cells
from quizapp.services.reporting import documents
from tests.factories import make_round_with_quiz


@pytest.fixture
def group(world):
    """A tổ đảng inside cell A."""
    org = orgs.create_org("TD-A1", "Tổ đảng số 1", "to_dang", world.cell_a)
    db.session.commit()
    return org


def test_a_party_group_is_not_a_cell_but_is_managed_with_its_cell(world, group):
    """Is the tổ đảng managed by its chi bộ's secretary and the staff above, yet listed as a cell by neither?"""
    assert world.cell_a.is_cell and not group.is_cell
    assert permissions.can_manage_org(group, world.secretary_a)
    assert not permissions.can_manage_org(group, world.secretary_b)
    assert group in permissions.managed_orgs(world.secretary_a)
    assert permissions.managed_cells(world.secretary_a) == [world.cell_a]
    assert permissions.managed_cells(world.staff) == [world.cell_a, world.cell_b]
    # managed_cells and Org.is_cell say the same thing for everyone
    for person in (world.admin, world.staff, world.secretary_a, world.deputy_a, world.secretary_b):
        assert permissions.managed_cells(person) == [o for o in permissions.managed_orgs(person) if o.is_cell]


def test_nobody_is_moved_into_a_party_group(world, group):
    """Is a transfer into a tổ đảng refused with a clear message, leaving the membership as it was?"""
    with pytest.raises(NotFound, match="chi bộ"):
        people.transfer_person(world.member_a, world.secretary_a, group)
    db.session.expire_all()
    assert world.member_a.current_membership().org_id == world.cell_a.id


def test_paper_tests_and_result_sheets_are_for_cells_only(world, group):
    """Are paper tests offered for the chi bộ only, and is a cell sheet refused for a tổ đảng?"""
    rnd = make_round_with_quiz(world.committee, [world.committee])
    assert paper_cells(rnd, world.secretary_a) == [world.cell_a]
    assert paper_cell(rnd, world.cell_a.id, world.secretary_a) == world.cell_a
    with pytest.raises(NotFound):
        paper_cell(rnd, group.id, world.secretary_a)
    with pytest.raises(InvalidInput, match="không phải chi bộ"):
        documents.check_kind(group, ReportKind.CELL_SHEET)
    documents.check_kind(world.cell_a, ReportKind.CELL_SHEET)
