"""Dated changes on the person page and in roster import: effective dates, history, closed rounds, rank."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import AuditLog, Membership
from quizapp.services import history, participation
from quizapp.services.exceptions import InvalidInput
from tests.factories import make_report_attempt, make_report_round
from tests.people.conftest import HEADERS, TODAY, csv_bytes

DATED_HEADERS = HEADERS + ["Ngày hiệu lực"]


@pytest.fixture
def closed(world):
    """A closed round (session 05/02/2026) over the committee with member_a's attempt."""
    rnd = make_report_round([world.committee], world.committee, title="Học tập Nghị quyết 04 đợt I")
    make_report_attempt(rnd, world.member_a, 8.0)
    db.session.commit()
    return rnd


def _form(person, **changes) -> dict:
    data = {"full_name": person.full_name, "party_status": person.party_status, "state": person.state,
            "exempt_reason": "", "email": "", "phone": ""}
    data.update(changes)
    return data


def test_edit_page_asks_effective_date_and_shows_history(client, world, login_as, closed):
    """Does the edit page default the effective date to today and the detail page list the dated history?"""
    login_as(world.secretary_a)
    page = client.get(f"/manage/people/{world.member_a.id}/edit").get_data(as_text=True)
    assert 'name="effective_date"' in page and today_local().isoformat() in page
    assert 'name="override_reason"' not in page  # a secretary cannot override a closed round
    resp = client.form(f"/manage/people/{world.member_a.id}/edit",
                       _form(world.member_a, exempt="y", exempt_reason="Ốm dài ngày",
                             effective_date=today_local().isoformat()))
    assert resp.status_code == 302
    detail = client.get(f"/manage/people/{world.member_a.id}").get_data(as_text=True)
    assert "Lịch sử tình trạng và miễn sinh hoạt" in detail
    assert "Miễn công tác và sinh hoạt đảng: <span lang=\"vi\">Ốm dài ngày</span>" in detail  # the reason is typed text
    assert today_local().strftime("%d/%m/%Y") in detail
    assert participation.figures(closed, world.cell_a).exempt == 0


def test_edit_page_refuses_backdating_into_closed_round(client, world, login_as, closed):
    """Does a back-dated exemption from the page answer 422 naming the round, and save nothing?"""
    login_as(world.secretary_a)
    resp = client.form(f"/manage/people/{world.member_a.id}/edit",
                       _form(world.member_a, exempt="y", exempt_reason="Ốm", effective_date="2026-01-20"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Học tập Nghị quyết 04 đợt I" in html and "05/02/2026" in html
    db.session.expire_all()
    assert world.member_a.exempt is False


def test_staff_overrides_from_the_page_with_reason(client, world, login_as, closed):
    """Does staff see the reason field, and does a reason let the back-dated change through (audited)?"""
    login_as(world.staff)
    page = client.get(f"/manage/people/{world.member_a.id}/edit").get_data(as_text=True)
    assert 'name="override_reason"' in page
    resp = client.form(f"/manage/people/{world.member_a.id}/edit",
                       _form(world.member_a, exempt="y", exempt_reason="Ốm", effective_date="2026-01-20",
                             override_reason="Quyết định miễn ký ngày 15/01/2026"))
    assert resp.status_code == 302
    assert participation.figures(closed, world.cell_a).exempt == 1
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "person.update")).all()[-1]
    assert log.details["override_reason"] == "Quyết định miễn ký ngày 15/01/2026"


def test_future_effective_date_refused(world):
    """Is an effective date in the future refused with a clear message?"""
    from datetime import timedelta

    from quizapp.services import people

    with pytest.raises(InvalidInput, match="tương lai"):
        people.update_person(world.member_a, world.secretary_a, {
            "full_name": world.member_a.full_name, "party_status": "du_bi", "state": "active",
            "effective_date": today_local() + timedelta(days=3)})


def test_import_changes_take_effect_on_import_date(world, do_import, closed):
    """Does an exemption ticked by import start on the import date and leave the closed round alone?"""
    row = [world.member_a.full_name, "MEMA", "", "", "", "Chính thức", "Có", "Tuổi cao", "CB-A"]
    result = do_import(csv_bytes([row]), actor=world.secretary_a)
    assert result.updated == 1
    periods = history.exemption_periods(world.member_a)
    assert [(p.start_date, p.reason) for p in periods] == [(TODAY, "Tuổi cao")]
    assert participation.figures(closed, world.cell_a).exempt == 0


def test_import_dated_column_into_closed_round_refused_with_row(world, do_import, closed):
    """Is a row dated into the closed round refused with its row number and the round, and nothing written?"""
    rows = [[world.member_a.full_name, "MEMA", "", "", "", "", "Có", "Ốm", "CB-A", "20/01/2026"],
            ["Người Mới", "93009999", "", "", "", "", "", "", "CB-A", ""]]
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(rows, DATED_HEADERS), actor=world.secretary_a)
    errors = exc.value.details
    assert [e["row"] for e in errors] == [2]
    assert "Học tập Nghị quyết 04 đợt I" in errors[0]["message"] and "MEMA" in errors[0]["message"]
    db.session.expire_all()
    assert world.member_a.exempt is False
    assert history.exemption_periods(world.member_a) == []


def test_import_dated_column_staff_with_reason(world, do_import, closed):
    """Can staff import a change dated into the closed round when they give a reason (audited on the import)?"""
    from quizapp import permissions
    from quizapp.services import roster
    from tests.people.conftest import csv_bytes as make_csv

    data = make_csv([[world.member_a.full_name, "MEMA", "", "", "", "", "Có", "Ốm", "CB-A", "20/01/2026"]],
                    DATED_HEADERS)
    with pytest.raises(InvalidInput):
        do_import(data, actor=world.staff)
    roster.import_roster("ds.csv", data, scope=permissions.managed_paths(world.staff), default_org=None,
                         actor=world.staff, dry_run=False, today=TODAY, override_reason="Quyết định miễn 01/2026")
    assert participation.figures(closed, world.cell_a).exempt == 1
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.import")).all()[-1]
    assert log.details["closed_rounds"] == [closed.id] and log.details["override_reason"] == "Quyết định miễn 01/2026"


def test_import_dated_move_and_new_member(world, do_import):
    """Do the dated column's cell change and a new member's membership start on that date?"""
    rows = [[world.member_a.full_name, "MEMA", "", "", "", "", "", "", "CB-B", "01/03/2026"],
            ["Người Mới", "93009999", "", "", "", "Dự bị", "", "", "CB-A", "02/03/2026"]]
    result = do_import(csv_bytes(rows, DATED_HEADERS), actor=world.staff)
    assert (result.moved, result.created) == (1, 1)
    assert world.member_a.current_membership(date(2026, 2, 28)).org_id == world.cell_a.id
    assert world.member_a.current_membership(date(2026, 3, 1)).org_id == world.cell_b.id
    new = db.session.scalar(select(Membership).where(Membership.org_id == world.cell_a.id,
                                                     Membership.start_date == date(2026, 3, 2)))
    assert new is not None
    from quizapp.models import Person

    person = db.session.get(Person, new.person_id)
    assert [(p.party_status, p.start_date) for p in history.status_periods(person)] == [("du_bi", date(2026, 3, 2))]


def test_deputy_import_may_list_secretary_unchanged(world, do_import):
    """Is a deputy's roster that lists the secretary exactly as stored accepted (nothing to change)?"""
    rows = [[world.secretary_a.full_name, "SECA", "", "", "", "", "", "", "CB-A"],
            ["Người Mới", "93009998", "", "", "", "", "", "", "CB-A"]]
    result = do_import(csv_bytes(rows), actor=world.deputy_a, default_org=world.cell_a)
    assert (result.unchanged, result.created) == (1, 1)


def test_deputy_import_cannot_rewrite_secretary(world, do_import):
    """Is a deputy's row that renames the secretary refused with its row number, and nothing written?"""
    rows = [["Người Mới", "93009997", "", "", "", "", "", "", "CB-A"],
            ["Tên Bị Đổi", "SECA", "", "", "", "Dự bị", "Có", "", "CB-A"]]
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(rows), actor=world.deputy_a, default_org=world.cell_a)
    assert [e["row"] for e in exc.value.details] == [3]
    assert "vai trò cao hơn" in exc.value.details[0]["message"]
    db.session.expire_all()
    assert world.secretary_a.full_name == "Trần Văn Bình" and world.secretary_a.party_status == "chinh_thuc"
    assert not world.secretary_a.exempt
