"""Make-up (học bù) offers only people who can still take it, and the confirmation says who and until when."""
from __future__ import annotations

import re
from datetime import date

import pytest

from quizapp.extensions import db
from quizapp.models import MakeupWindow
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
    make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a, items=[(version, {"choice": "a"})], score=10.0)
    exempt = make_person(world.cell_a, "Đỗ Văn Miễn", "EXEMPT1")
    history.set_exemption(exempt, True, "Tuổi cao", date(2025, 1, 1))
    outsider = make_person(world.cell_a, "Lý Thị Quần Chúng", "NONPARTY1")
    history.set_party_status(outsider, "ngoai_dang", date(2025, 1, 1))
    db.session.commit()
    return rnd


def _choices(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="target".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def test_candidates_are_only_those_who_can_still_take_it(client, world, login_as, rnd):
    """Are the submitted, the exempt, the non-member and the already granted left out of the list?"""
    db.session.add(MakeupWindow(quiz_id=rnd.quiz.id, person_id=world.deputy_a.id, opens_at=rnd.quiz.opens_at,
                                closes_at=rnd.quiz.closes_at, reason="Đã cho"))
    db.session.commit()
    login_as(world.secretary_a)
    choices = _choices(client.get(f"/manage/rounds/{rnd.id}/makeup").get_data(as_text=True))
    assert choices == [f"org:{world.cell_a.id}", f"person:{world.secretary_a.id}"]


def test_cell_granted_as_a_whole_offers_nobody_of_it(client, world, login_as, rnd):
    """Once the whole cell has a make-up, is neither the cell nor any of its members offered again?"""
    db.session.add(MakeupWindow(quiz_id=rnd.quiz.id, org_id=world.cell_a.id, opens_at=rnd.quiz.opens_at,
                                closes_at=rnd.quiz.closes_at, reason="Cả chi bộ"))
    db.session.commit()
    login_as(world.staff)
    choices = _choices(client.get(f"/manage/rounds/{rnd.id}/makeup").get_data(as_text=True))
    assert choices == [f"org:{world.cell_b.id}", f"person:{world.secretary_b.id}", f"person:{world.member_b.id}"]


def test_posting_someone_not_offered_is_refused(client, world, login_as, rnd):
    """Is a make-up for a member who already submitted refused with a Vietnamese reason, nothing saved?"""
    login_as(world.secretary_a)
    resp = client.form(f"/manage/rounds/{rnd.id}/makeup", {
        "target": f"person:{world.member_a.id}", "opens_at": "2026-03-05T08:00", "closes_at": "2026-03-05T10:00",
        "reason": "Thử"})
    assert resp.status_code == 422 and "không còn được học bù" in resp.get_data(as_text=True)
    assert db.session.query(MakeupWindow).count() == 0


def test_confirmation_says_who_and_until_when(app, client, world, login_as, rnd):
    """Does the confirmation name the member (or the cell) and the closing time in Vietnamese?"""
    login_as(world.secretary_a)
    url = f"/manage/rounds/{rnd.id}/makeup"
    resp = client.form(url, {"target": f"person:{world.secretary_a.id}", "opens_at": "2026-03-05T08:00",
                             "closes_at": "2026-03-05T10:30", "reason": "Đi công tác"}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert f"Đã cho đồng chí {world.secretary_a.full_name} học bù, được làm bài đến 10 giờ 30 ngày 05/03/2026." in page
    staff = login_as(world.staff, c=app.test_client())
    page = staff.form(url, {"target": f"org:{world.cell_b.id}", "opens_at": "2026-03-06T08:00",
                             "closes_at": "2026-03-06T17:00", "reason": "Họp bù"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"Đã cho cả {world.cell_b.name} học bù, được làm bài đến 17 giờ 00 ngày 06/03/2026." in page
