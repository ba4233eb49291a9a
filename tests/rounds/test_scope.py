"""Which rounds a manager sees and may change, across two cells."""
from __future__ import annotations

import pytest

from quizapp.services import rounds
from tests.factories import make_round_with_quiz, make_topic_bank


@pytest.fixture
def two_rounds(world):
    bank = make_topic_bank()
    cell_round = make_round_with_quiz(world.cell_a, [world.cell_a], bank=bank, title="Đợt riêng của chi bộ A", code="CELLA23")
    committee_round = make_round_with_quiz(world.committee, [world.committee], bank=bank, title="Đợt toàn Đảng ủy", code="DUCQ234")
    return cell_round, committee_round


def test_rounds_in_scope_by_role(world, two_rounds):
    """Does each manager see the rounds they own or take part in, and no other cell's own round?"""
    cell_round, committee_round = two_rounds
    assert {r.id for r in rounds.rounds_in_scope(world.secretary_a)} == {cell_round.id, committee_round.id}
    assert {r.id for r in rounds.rounds_in_scope(world.staff)} == {cell_round.id, committee_round.id}
    assert {r.id for r in rounds.rounds_in_scope(world.admin)} == {cell_round.id, committee_round.id}
    assert [r.id for r in rounds.rounds_in_scope(world.secretary_b)] == [committee_round.id]
    assert rounds.rounds_in_scope(world.member_a) == []


def test_other_cell_list_does_not_show_round(client, world, login_as, two_rounds):
    """Does the round list of CB-B's secretary leave out CB-A's own round?"""
    login_as(world.secretary_b)
    html = client.get("/manage/rounds").get_data(as_text=True)
    assert "Đợt toàn Đảng ủy" in html and "Đợt riêng của chi bộ A" not in html


@pytest.mark.parametrize("path", [
    "/manage/rounds/{id}", "/manage/rounds/{id}/edit", "/manage/rounds/{id}/copy", "/manage/rounds/{id}/qr",
    "/manage/rounds/{id}/qr.pdf", "/manage/rounds/{id}/makeup", "/manage/rounds/{id}/board",
    "/manage/rounds/{id}/board/fragment", "/manage/rounds/{id}/key-fix", "/manage/grading?round_id={id}",
])
def test_other_cell_secretary_gets_404_on_every_round_page(client, world, login_as, two_rounds, path):
    """Does CB-B's secretary get 'not found' on every page of CB-A's round?"""
    cell_round, _ = two_rounds
    login_as(world.secretary_b)
    assert client.get(path.format(id=cell_round.id)).status_code == 404


def test_cell_secretary_cannot_edit_committee_round(client, world, login_as, two_rounds):
    """May a cell secretary look at a committee round but not edit, copy or fix its keys?"""
    _, committee_round = two_rounds
    login_as(world.secretary_a)
    assert client.get(f"/manage/rounds/{committee_round.id}").status_code == 200
    for suffix in ("edit", "copy", "key-fix"):
        assert client.get(f"/manage/rounds/{committee_round.id}/{suffix}").status_code == 403
    assert client.form(f"/manage/rounds/{committee_round.id}/edit", {"title": "x"}).status_code == 403


def test_member_cannot_open_manager_pages(client, world, login_as, two_rounds):
    """Is a plain member refused the round pages?"""
    login_as(world.member_a)
    assert client.get("/manage/rounds").status_code == 403
    assert client.get(f"/manage/rounds/{two_rounds[0].id}").status_code == 403
