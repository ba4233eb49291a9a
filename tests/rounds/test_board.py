"""The live participation board: counts by state, rate against the threshold, scoped by cell."""
from __future__ import annotations

import pytest

from tests.factories import (
    SINGLE,
    WINDOW_OPENS,
    add_question,
    make_attempt_with_items,
    make_round_with_quiz,
    make_topic_bank,
)


@pytest.fixture
def rnd(world):
    bank = make_topic_bank()
    _, version = add_question(bank, "x-1", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=bank)
    make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a, items=[(version, {"choice": "a"})], score=10.0)
    make_attempt_with_items(rnd.quiz, world.deputy_a, world.cell_a, status="in_progress", items=[(version, None)])
    return rnd


def test_secretary_sees_own_cell_members_by_state(client, world, login_as, rnd):
    """Does CB-A's secretary see each CB-A member's state, 1/3 and the 'not met' badge, and no CB-B name?"""
    login_as(world.secretary_a)
    resp = client.get(f"/manage/rounds/{rnd.id}/board")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "1/3 đảng viên, đạt 33,33%" in html
    assert "Chưa đạt yêu cầu" in html
    assert html.count("Đã nộp bài") == 1 and html.count("Đang làm bài") == 1 and html.count("Chưa làm bài") == 1
    assert world.member_a.full_name in html
    assert world.member_b.full_name not in html and world.secretary_b.full_name not in html
    assert 'data-refresh-url="/manage/rounds/' in html


def test_staff_sees_one_row_per_cell_and_drills_down(client, world, login_as, rnd):
    """Does staff see a row per cell with counts and rates, and a cell's members on drill-down?"""
    login_as(world.staff)
    html = client.get(f"/manage/rounds/{rnd.id}/board").get_data(as_text=True)
    assert "1/5 đảng viên, đạt 20,00%" in html
    assert world.cell_a.name in html and world.cell_b.name in html
    assert "1/3" in html and "0/2" in html
    assert world.member_a.full_name not in html  # cells only at committee level
    cell = client.get(f"/manage/rounds/{rnd.id}/board?org={world.cell_b.id}").get_data(as_text=True)
    assert world.member_b.full_name in cell and world.member_a.full_name not in cell


def test_fragment_returns_table_only(client, world, login_as, rnd):
    """Does the refresh endpoint return the table without the page around it?"""
    login_as(world.secretary_a)
    resp = client.get(f"/manage/rounds/{rnd.id}/board/fragment?org={world.cell_a.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and "1/3" in html


def test_other_cell_cannot_drill_into_cell_a(client, world, login_as, rnd):
    """Is CB-B's secretary refused CB-A's board, while their own board lists only CB-B?"""
    login_as(world.secretary_b)
    assert client.get(f"/manage/rounds/{rnd.id}/board?org={world.cell_a.id}").status_code == 404
    assert client.get(f"/manage/rounds/{rnd.id}/board/fragment?org={world.cell_a.id}").status_code == 404
    assert client.get(f"/manage/rounds/{rnd.id}/board?org={world.committee.id}").status_code == 404
    html = client.get(f"/manage/rounds/{rnd.id}/board").get_data(as_text=True)
    assert "0/2 đảng viên" in html and world.member_a.full_name not in html


def test_threshold_met_badge(client, world, login_as):
    """Is the 'met' badge shown once every required member of the cell has submitted?"""
    bank = make_topic_bank()
    _, version = add_question(bank, "x-1", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.cell_b], bank=bank)
    for person in (world.secretary_b, world.member_b):
        make_attempt_with_items(rnd.quiz, person, world.cell_b, items=[(version, {"choice": "a"})], started=WINDOW_OPENS, score=10.0)
    login_as(world.secretary_b)
    html = client.get(f"/manage/rounds/{rnd.id}/board").get_data(as_text=True)
    assert "2/2 đảng viên, đạt 100,00%" in html and "Đạt yêu cầu" in html
