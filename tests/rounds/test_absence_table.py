"""Absence reasons in one table: one Save for every row, all or nothing, errors shown on their row."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Absence, AuditLog
from tests.factories import (
    SINGLE,
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


def _url(rnd, world):
    return f"/reports/rounds/{rnd.id}/orgs/{world.committee.id}/absences"


def test_one_table_lists_only_not_started(client, world, login_as, rnd):
    """Is every not-started member a row of one form, and the one in progress never listed as absent?"""
    login_as(world.staff)
    page = client.get(_url(rnd, world)).get_data(as_text=True)
    assert page.count("<form method=\"post\" class=\"absence") == 1 and page.count(">Lưu lý do</button>") == 1
    for p in (world.secretary_a, world.secretary_b, world.member_b):
        assert f'name="reason_code-{p.id}"' in page
    assert world.deputy_a.full_name not in page  # Đang làm bài
    assert world.member_a.full_name not in page  # submitted


def test_save_all_rows_in_one_go(client, world, login_as, rnd):
    """Does one Save record two reasons (one with text), leave an empty row alone and audit each?"""
    login_as(world.staff)
    resp = client.form(_url(rnd, world), {
        f"reason_code-{world.secretary_a.id}": "om", f"reason_text-{world.secretary_a.id}": "Sốt xuất huyết",
        f"excused-{world.secretary_a.id}": "1",
        f"reason_code-{world.member_b.id}": "khac", f"reason_text-{world.member_b.id}": "Không báo",
        f"excused-{world.member_b.id}": "0",
        f"reason_code-{world.secretary_b.id}": "", f"reason_text-{world.secretary_b.id}": "",
        f"excused-{world.secretary_b.id}": "1"})
    assert resp.status_code == 302
    got = {a.person_id: (a.reason_code, a.reason_text, a.excused) for a in db.session.scalars(select(Absence))}
    assert got == {world.secretary_a.id: ("om", "Sốt xuất huyết", True),
                   world.member_b.id: ("khac", "Không báo", False)}
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "absence.record")).all()) == 2
    page = client.get(_url(rnd, world)).get_data(as_text=True)
    assert "Đã lưu lý do vắng (2 thay đổi)." in page
    assert re.search(r'<option value="om" selected>', page)


def test_one_bad_row_saves_nothing_and_keeps_every_entry(client, world, login_as, rnd):
    """With one row wrong ('khác' without text), is nothing saved, the error on that row, and all input kept?"""
    login_as(world.staff)
    resp = client.form(_url(rnd, world), {
        f"reason_code-{world.secretary_a.id}": "om", f"reason_text-{world.secretary_a.id}": "Nằm viện",
        f"excused-{world.secretary_a.id}": "1",
        f"reason_code-{world.member_b.id}": "khac", f"reason_text-{world.member_b.id}": "",
        f"excused-{world.member_b.id}": "0"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert db.session.scalars(select(Absence)).all() == []
    assert f'<p class="error" id="err-{world.member_b.id}">Vui lòng ghi rõ lý do khác.</p>' in page
    assert f'id="err-{world.secretary_a.id}"' not in page
    assert 'value="Nằm viện"' in page
    row_b = page[page.index(f'id="excused-{world.member_b.id}"'):][:200]
    assert '<option value="0" selected>' in row_b


def test_emptying_a_row_clears_its_reason(client, world, login_as, rnd):
    """Does saving a row without a reason remove the reason recorded before (audited)?"""
    login_as(world.staff)
    url = _url(rnd, world)
    pid = world.secretary_b.id
    assert client.form(url, {f"reason_code-{pid}": "cong_tac", f"excused-{pid}": "1"}).status_code == 302
    assert client.form(url, {f"reason_code-{pid}": "", f"reason_text-{pid}": "", f"excused-{pid}": "1"}).status_code == 302
    assert db.session.scalars(select(Absence)).all() == []
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "absence.clear")).target_id == pid


def test_nothing_chosen_is_told(client, world, login_as, rnd):
    """Does Save with no reason on any row say so instead of silently doing nothing?"""
    login_as(world.secretary_a)
    pid = world.secretary_a.id
    resp = client.form(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/absences",
                       {f"reason_code-{pid}": "", f"reason_text-{pid}": "", f"excused-{pid}": "1"})
    assert resp.status_code == 422 and "Chưa chọn lý do vắng cho đồng chí nào." in resp.get_data(as_text=True)


def test_rows_for_people_not_listed_are_refused(client, world, login_as, rnd):
    """Is a row for the member in progress, or for another cell's member, refused with nothing saved?"""
    login_as(world.secretary_a)
    url = f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/absences"
    own = world.secretary_a.id
    for other in (world.deputy_a.id, world.member_b.id):
        resp = client.form(url, {f"reason_code-{own}": "om", f"reason_code-{other}": "om"})
        assert resp.status_code == 404
    assert db.session.scalars(select(Absence)).all() == []
