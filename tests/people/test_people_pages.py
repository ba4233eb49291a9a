"""People pages: is the list scoped and sorted the Vietnamese way, and are edits, transfers and resets confined to one's scope?"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import AuditLog, Membership
from tests.factories import PASSWORD, make_person


def test_list_is_sorted_by_given_name_the_vietnamese_way(client, world, login_as):
    """Is 'Nguyễn Văn Anh' listed before 'Lê Thị Ánh' before 'Trần Ân' (given name, then tones, then letters)?"""
    for name in ("Trần Ân", "Lê Thị Ánh", "Nguyễn Văn Anh"):
        make_person(world.cell_a, name)
    db.session.commit()
    login_as(world.secretary_a)
    html = client.get(f"/manage/people?org={world.cell_a.id}").get_data(as_text=True)
    positions = [html.index(n) for n in ("Nguyễn Văn Anh", "Lê Thị Ánh", "Trần Ân")]
    assert positions == sorted(positions)


def test_secretary_lists_only_their_cell(client, world, login_as):
    """Does the CB-A secretary's list show CB-A people and none of CB-B's, even when asking for CB-B?"""
    login_as(world.secretary_a)
    html = client.get("/manage/people").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Ánh" in html and "Võ Văn Em" not in html and "Hoàng Văn Dũng" not in html
    assert client.get(f"/manage/people?org={world.cell_b.id}").status_code == 404
    search = client.get("/manage/people?q=MEMB").get_data(as_text=True)
    assert "Võ Văn Em" not in search


def test_search_ignores_accents_and_escapes_the_query(client, world, login_as):
    """Does 'ngoc anh' find 'Nguyễn Thị Ngọc Ánh', and is a hostile query shown as text, not markup?"""
    login_as(world.staff)
    html = client.get("/manage/people?q=ngoc+anh").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Ánh" in html and "Võ Văn Em" not in html
    hostile = client.get("/manage/people?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile


def test_staff_sees_both_cells_with_status_badges(client, world, login_as):
    """Does committee staff see both cells, with badges for dự bị, miễn sinh hoạt and chuyển sinh hoạt?"""
    make_person(world.cell_b, "Đinh Văn Dự", party_status="du_bi")
    make_person(world.cell_b, "Đinh Văn Miễn", exempt=True)
    make_person(world.cell_a, "Đinh Văn Chuyển", state="transferred")
    db.session.commit()
    login_as(world.staff)
    html = client.get("/manage/people").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Ánh" in html and "Võ Văn Em" in html
    for badge in ("Dự bị", "Miễn sinh hoạt", "Chuyển sinh hoạt"):
        assert f">{badge}</span>" in html


@pytest.mark.parametrize("method,path", [
    ("get", "/manage/people/{id}"),
    ("get", "/manage/people/{id}/edit"),
    ("post", "/manage/people/{id}/edit"),
    ("post", "/manage/people/{id}/transfer"),
    ("post", "/manage/people/{id}/reset-password"),
])
def test_other_cells_secretary_gets_404(client, world, login_as, method, path):
    """Does the CB-B secretary get 404 for every page or action on a CB-A member (and change nothing)?"""
    login_as(world.secretary_b)
    url = path.format(id=world.member_a.id)
    old_hash = world.member_a.password_hash
    if method == "get":
        resp = client.get(url)
    else:
        resp = client.form(url, {"full_name": "Bị Sửa", "party_status": "chinh_thuc", "state": "active",
                                 "t-org_id": world.cell_b.id, "t-on": "2026-01-01"})
    assert resp.status_code == 404
    db.session.refresh(world.member_a)
    assert world.member_a.full_name == "Nguyễn Thị Ngọc Ánh"
    assert world.member_a.password_hash == old_hash
    assert world.member_a.current_membership().org_id == world.cell_a.id


def test_member_gets_403_on_people_pages(client, world, login_as):
    """Is a plain member refused the management list?"""
    login_as(world.member_a)
    assert client.get("/manage/people").status_code == 403


def test_detail_shows_membership_history(client, world, login_as):
    """Does the detail page list every membership with its dates?"""
    db.session.add(Membership(person_id=world.member_a.id, org_id=world.cell_b.id,
                              start_date=date(2018, 1, 1), end_date=date(2019, 12, 31)))
    db.session.commit()
    login_as(world.staff)
    html = client.get(f"/manage/people/{world.member_a.id}").get_data(as_text=True)
    assert "31/12/2019" in html and "01/01/2018" in html and "Chi bộ Sở Nội vụ" in html


def test_edit_person_saves_and_audits(client, world, login_as):
    """Does an edit save name, status and exemption, and leave an audit entry?"""
    login_as(world.secretary_a)
    resp = client.form(f"/manage/people/{world.member_a.id}/edit", {
        "full_name": "  Nguyễn  Thị Ngọc Ánh Mới ", "date_of_birth": "1980-05-04", "phone": "0912 345 678",
        "email": "", "party_status": "du_bi", "exempt": "y", "exempt_reason": "Tuổi cao", "state": "active",
    })
    assert resp.status_code == 302
    db.session.refresh(world.member_a)
    assert world.member_a.full_name == "Nguyễn Thị Ngọc Ánh Mới"
    assert world.member_a.party_status == "du_bi" and world.member_a.exempt
    assert world.member_a.date_of_birth == date(1980, 5, 4)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "person.update"))
    assert "full_name" in audit.details["fields"] and audit.actor_id == world.secretary_a.id


def test_edit_with_bad_email_keeps_input_and_explains(client, world, login_as):
    """Is a bad email answered with a Vietnamese message, the typed values kept, and nothing saved?"""
    login_as(world.secretary_a)
    resp = client.form(f"/manage/people/{world.member_a.id}/edit", {
        "full_name": "Tên Đã Gõ", "email": "khong-hop-le", "party_status": "chinh_thuc", "state": "active"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Email không hợp lệ." in html and "Tên Đã Gõ" in html
    db.session.refresh(world.member_a)
    assert world.member_a.full_name == "Nguyễn Thị Ngọc Ánh"


def test_staff_transfers_member_between_cells_with_dates(client, world, login_as):
    """Does a transfer close the old membership the day before and open the new one on the date?"""
    login_as(world.staff)
    on = today_local()
    resp = client.form(f"/manage/people/{world.member_a.id}/transfer",
                       {"t-org_id": world.cell_b.id, "t-on": on.isoformat()})
    assert resp.status_code == 302
    rows = db.session.scalars(select(Membership).where(Membership.person_id == world.member_a.id)
                              .order_by(Membership.start_date)).all()
    assert rows[0].org_id == world.cell_a.id and rows[0].end_date is not None and rows[0].end_date < on
    assert rows[1].org_id == world.cell_b.id and rows[1].start_date == on and rows[1].end_date is None


def test_secretary_cannot_transfer_into_a_cell_outside_scope(client, world, login_as):
    """Can the CB-A secretary move their member into CB-B? (no: 404, nothing changes)"""
    login_as(world.secretary_a)
    resp = client.form(f"/manage/people/{world.member_a.id}/transfer",
                       {"t-org_id": world.cell_b.id, "t-on": today_local().isoformat()})
    assert resp.status_code in (302, 404)
    db.session.refresh(world.member_a)
    assert world.member_a.current_membership().org_id == world.cell_a.id


def test_secretary_resets_a_member_password_once(app, client, world, login_as):
    """Does a reset show a new password once, which then works while the old one does not, with an audit entry?"""
    login_as(world.secretary_a)
    resp = client.form(f"/manage/people/{world.member_a.id}/reset-password")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    password = re.search(r'people-password">([a-z0-9]+)<', html).group(1)
    other = app.test_client()
    assert other.form("/auth/login", {"member_code": "MEMA", "password": PASSWORD}).status_code == 200
    assert other.form("/auth/login", {"member_code": "MEMA", "password": password}).status_code == 302
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "password.reset",
                                                    AuditLog.target_id == world.member_a.id))


def test_secretary_may_reset_deputy_but_not_staff(client, world, login_as):
    """May a secretary reset their deputy, but not a staff member who also sits in their cell?"""
    db.session.add(Membership(person_id=world.staff.id, org_id=world.cell_a.id, start_date=date(2020, 1, 1)))
    db.session.commit()
    staff_hash = world.staff.password_hash
    login_as(world.secretary_a)
    assert client.form(f"/manage/people/{world.deputy_a.id}/reset-password").status_code == 200
    assert client.form(f"/manage/people/{world.staff.id}/reset-password").status_code == 403
    db.session.refresh(world.staff)
    assert world.staff.password_hash == staff_hash


def test_deputy_cannot_reset_the_secretary(client, world, login_as):
    """Is a deputy refused when resetting their own secretary's password?"""
    login_as(world.deputy_a)
    assert client.form(f"/manage/people/{world.secretary_a.id}/reset-password").status_code == 403


def test_reset_requires_csrf(client, world, login_as):
    """Is a password reset without a CSRF token refused?"""
    login_as(world.secretary_a)
    assert client.post(f"/manage/people/{world.member_a.id}/reset-password").status_code == 400


@pytest.mark.parametrize("query", ["org=abc", "org=999999", "page=-5", "page=x", "q=" + "a" * 500, "org=&q=%00"])
def test_odd_list_parameters_never_crash(client, world, login_as, query):
    """Do malformed filter parameters give a page or a 404, never a 500?"""
    login_as(world.secretary_a)
    assert client.get(f"/manage/people?{query}").status_code in (200, 404)
