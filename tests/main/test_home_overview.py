"""The home page per open round: the gap to 98 %, who is missing, and the reminder to paste into Zalo."""
from __future__ import annotations

import html as htmllib
import re
from datetime import datetime

import pytest

from quizapp.services import round_overview
from tests.factories import (
    SINGLE,
    add_question,
    make_attempt_with_items,
    make_round_with_quiz,
    make_topic_bank,
)

CLOSES_2030 = datetime(2030, 3, 2, 3, 0)  # 10:00 Vietnam time


@pytest.fixture
def rnd(world):
    bank = make_topic_bank()
    _, version = add_question(bank, "x-1", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=bank, closes=CLOSES_2030,
                     title="Học tập Nghị quyết 04 <đợt 2>")
    make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a, items=[(version, {"choice": "a"})], score=10.0)
    make_attempt_with_items(rnd.quiz, world.deputy_a, world.cell_a, status="in_progress", items=[(version, None)])
    return rnd


def _textarea(page: str, rid: int) -> str:
    m = re.search(rf'<textarea id="reminder-{rid}"[^>]*>(.*?)</textarea>', page, re.S)
    assert m, "no reminder textarea"
    return htmllib.unescape(m.group(1))


def test_secretary_home_shows_figures_missing_and_reminder(client, world, login_as, rnd):
    """Does CB-A's secretary see 1/3 · 33,33%, the deadline, the two missing names and the exact reminder?"""
    login_as(world.secretary_a)
    page = client.get("/home").get_data(as_text=True)
    assert "1/3 · 33,33%" in page and "Chưa đạt yêu cầu" in page
    assert "10 giờ 00 ngày 02/03/2030" in page
    assert "Chưa làm bài (2)" in page
    assert world.deputy_a.full_name in page and world.secretary_a.full_name in page
    assert world.member_b.full_name not in page  # CB-B is not CB-A's business
    assert _textarea(page, rnd.id) == (
        "Nhắc làm bài kiểm tra: Học tập Nghị quyết 04 <đợt 2>\n"
        "Hạn làm bài: 10 giờ 00 ngày 02/03/2030.\n"
        "Đường dẫn làm bài: http://localhost/q/ABCD234\n"
        f"Các đồng chí chưa làm bài (2): {world.secretary_a.full_name}, {world.deputy_a.full_name}.\n"
        "Đề nghị các đồng chí hoàn thành bài kiểm tra đúng hạn."
    )
    assert 'data-copy-target="reminder-' in page and 'data-copy-target="link-' in page
    assert "/static/js/copy.js" in page and "<script>" not in page


def test_absences_without_reason_leave_out_the_one_in_progress(world, rnd, app):
    """Is a member with an open attempt missing (not submitted) yet not an unexplained absence?"""
    ov = round_overview.overview(rnd, world.secretary_a, "https://hoc.example.vn")
    assert [s.person.id for s in ov.missing] == [world.secretary_a.id, world.deputy_a.id]  # Vietnamese name order
    assert ov.absent_without_reason == 1
    assert ov.link == "https://hoc.example.vn/q/ABCD234"


def test_staff_reminder_names_carry_the_cell(world, rnd, app):
    """Above cells, does each missing name carry its cell, and the figures cover the committee?"""
    ov = round_overview.overview(rnd, world.staff, "https://hoc.example.vn")
    assert ov.node.id == world.committee.id
    assert (ov.figures.took_part, ov.figures.required) == (1, 5)
    assert f"{world.member_b.full_name} ({world.cell_b.name})" in ov.reminder


def test_everyone_done_reminder_thanks(world, app):
    """With nobody missing, does the reminder say so instead of listing names?"""
    bank = make_topic_bank()
    _, version = add_question(bank, "x-1", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.cell_b], bank=bank, closes=CLOSES_2030)
    for p in (world.secretary_b, world.member_b):
        make_attempt_with_items(rnd.quiz, p, world.cell_b, items=[(version, {"choice": "a"})], score=10.0)
    ov = round_overview.overview(rnd, world.secretary_b, "https://x.vn")
    assert ov.missing == [] and ov.reminder.endswith("Tất cả đảng viên đã làm bài. Cảm ơn các đồng chí.")


def test_closed_round_not_on_home_but_in_list_with_figures(client, world, login_as):
    """Is a closed round left off the home page, while the round list shows its x/y and %?"""
    bank = make_topic_bank()
    add_question(bank, "x-1", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=bank, title="Đợt đã đóng")  # closed in March 2026
    login_as(world.secretary_a)
    assert "Đợt đã đóng" not in client.get("/home").get_data(as_text=True)
    listing = client.get("/manage/rounds").get_data(as_text=True)
    assert "Đợt đã đóng" in listing and "0/3 · 0,00%" in listing
    assert rnd.id


def test_member_home_has_no_overview(client, world, login_as, rnd):
    """Does a plain member never see the manager's figures or names?"""
    login_as(world.member_a)
    page = client.get("/home", follow_redirects=True).get_data(as_text=True)
    assert "Chưa làm bài (" not in page and world.deputy_a.full_name not in page


def test_large_node_gives_counts_not_names(world, rnd, app, monkeypatch):
    """Above NAMES_LIMIT people, are names left out, the reminder giving the number, and absences still counted?"""
    monkeypatch.setattr(round_overview, "NAMES_LIMIT", 2)
    ov = round_overview.overview(rnd, world.staff, "https://x.vn")
    assert ov.names_omitted and ov.missing == [] and ov.missing_count == 4
    assert "Còn 4 đồng chí chưa làm bài." in ov.reminder and world.member_b.full_name not in ov.reminder
    assert ov.absent_without_reason == 3  # secretary_a, secretary_b, member_b; deputy_a is mid-quiz
    cell = round_overview.overview(rnd, world.secretary_a, "https://x.vn")
    assert not cell.names_omitted and len(cell.missing) == 2  # a cell is always listed by name


def test_recorded_reason_no_longer_unexplained(world, rnd, app):
    """Once a reason is recorded for the one not-started member of CB-A, is the count 0?"""
    from quizapp.services import participation

    participation.record_absence(rnd, world.secretary_a, "om", None, True, world.secretary_a)
    assert round_overview.overview(rnd, world.secretary_a, "https://x.vn").absent_without_reason == 0
