"""The board helps close the gap: a "chưa làm" filter, "Không tính" rows, submit time and score."""
from __future__ import annotations

import re
from datetime import date

import pytest

from quizapp.extensions import db
from quizapp.services import history
from tests.factories import (
    SINGLE,
    add_question,
    make_attempt_with_items,
    make_person,
    make_round_with_quiz,
    make_topic_bank,
)


@pytest.fixture
def rnd(world):
    bank = make_topic_bank()
    _, version = add_question(bank, "x-1", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=bank)
    make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a, items=[(version, {"choice": "a"})], score=7.5)
    make_attempt_with_items(rnd.quiz, world.deputy_a, world.cell_a, status="in_progress", items=[(version, None)])
    exempt = make_person(world.cell_a, "Đỗ Văn Miễn", "EXEMPT1")
    history.set_exemption(exempt, True, "Tuổi cao", date(2025, 1, 1))
    outsider = make_person(world.cell_a, "Lý Thị Quần Chúng", "NONPARTY1")
    history.set_party_status(outsider, "ngoai_dang", date(2025, 1, 1))
    db.session.commit()
    return rnd


def _row(page: str, name: str) -> str:
    m = re.search(r"<tr[^>]*>\s*<td>(?:<span lang=\"vi\">)?" + re.escape(name) + r"(?:</span>)?</td>.*?</tr>", page, re.S)
    assert m, name
    return m.group(0)


def test_missing_filter_lists_only_counted_people_not_submitted(client, world, login_as, rnd):
    """Does "Chưa làm" list the not-started and in-progress members who count, and nobody else?"""
    login_as(world.secretary_a)
    page = client.get(f"/manage/rounds/{rnd.id}/board?show=missing").get_data(as_text=True)
    assert world.secretary_a.full_name in page and world.deputy_a.full_name in page
    for absent in (world.member_a.full_name, "Đỗ Văn Miễn", "Lý Thị Quần Chúng"):
        assert absent not in page
    assert 'aria-current="true">Chưa làm</a>' in page
    assert "show=missing" in re.search(r'data-refresh-url="([^"]*)"', page).group(1)
    fragment = client.get(f"/manage/rounds/{rnd.id}/board/fragment?org={world.cell_a.id}&show=missing")
    assert world.member_a.full_name not in fragment.get_data(as_text=True)
    everyone = client.get(f"/manage/rounds/{rnd.id}/board?show=bogus").get_data(as_text=True)
    assert world.member_a.full_name in everyone and "Đỗ Văn Miễn" in everyone


def test_exempt_and_non_members_are_grey_not_red(client, world, login_as, rnd):
    """Are the exempt member and the non-member shown "Không tính" (grey), never "Chưa làm bài" (red)?"""
    login_as(world.secretary_a)
    page = client.get(f"/manage/rounds/{rnd.id}/board").get_data(as_text=True)
    for name in ("Đỗ Văn Miễn", "Lý Thị Quần Chúng"):
        row = _row(page, name)
        assert 'class="not-counted"' in row and "Không tính" in row
        assert "state-not_started" not in row and "Chưa làm bài" not in row
    assert "state-not_started" in _row(page, world.secretary_a.full_name)
    assert "1/3 đảng viên" in page  # the two are outside the denominator


def test_submit_time_and_score_columns(client, world, login_as, rnd):
    """Does a submitted row show when it was submitted (Vietnam time) and its score; an open one neither?"""
    login_as(world.secretary_a)
    page = client.get(f"/manage/rounds/{rnd.id}/board").get_data(as_text=True)
    assert "<th>Nộp lúc</th>" in page and ">Điểm</th>" in page
    done = _row(page, world.member_a.full_name)
    assert "10:00 02/03/2026" in done and ">7,5</td>" in done
    open_row = _row(page, world.deputy_a.full_name)
    assert "Đang làm bài" in open_row and "02/03/2026" not in open_row and "7,5" not in open_row
