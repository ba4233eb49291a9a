"""Closed rounds stay closed: status and exemption are read as of the session date everywhere."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import AuditLog
from quizapp.services import history, participation, people, round_board
from quizapp.services.history import ClosedRoundChange
from quizapp.services.reporting import excel, rollup, sheets
from tests.factories import (
    REPORT_SESSION,
    add_member,
    make_report_attempt,
    make_report_round,
)


def _edit(person, **changes) -> dict:
    data = {"full_name": person.full_name, "date_of_birth": person.date_of_birth, "phone": person.phone,
            "email": person.email, "party_status": person.party_status, "exempt": person.exempt,
            "exempt_reason": person.exempt_reason, "state": person.state}
    data.update(changes)
    return data


@pytest.fixture
def closed(world):
    """A closed round (session 05/02/2026) over the committee: CB-A has 5 required, 4 took part; Giang absent."""
    rnd = make_report_round([world.committee], world.committee)
    absent = add_member(world.cell_a, "Đỗ Văn Giang")
    extra = add_member(world.cell_a, "Bùi Thị Hoa")
    for p, s in [(world.secretary_a, 9.0), (world.deputy_a, 7.0), (world.member_a, 8.0), (extra, 6.0)]:
        make_report_attempt(rnd, p, s)
    db.session.commit()
    return rnd, absent


def _xlsx_rows(rnd, org) -> list[tuple]:
    ws = load_workbook(io.BytesIO(excel.members_xlsx(rnd, org))).active
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_ticking_exemption_today_leaves_closed_round_figures(world, closed, login_as, client):
    """Does ticking "miễn sinh hoạt" today leave the closed round's board, sheet, roll-up and xlsx unchanged?"""
    rnd, absent = closed
    before = participation.figures(rnd, world.cell_a)
    assert (before.required, before.took_part, before.exempt) == (5, 4, 0)
    assert history.round_is_closed(rnd)

    people.update_person(absent, world.secretary_a, _edit(absent, exempt=True, exempt_reason="Tuổi cao"))
    assert absent.exempt is True  # today's value on the person page

    after = participation.figures(rnd, world.cell_a)
    assert (after.required, after.took_part, after.exempt, after.rate) == (5, 4, 0, before.rate)
    assert after.met is False
    board = round_board.build_board(rnd, world.committee)
    cell = next(c for c in board.cells if c.org_id == world.cell_a.id)
    assert (cell.required, cell.submitted) == (5, 4)
    assert board.figures.exempt == 0
    data = sheets.sheet_data(rnd, world.cell_a, "01-BC/CB", date(2026, 2, 10))
    assert data.figures["required"] == 5 and data.figures["exempt"] == 0
    assert "Đỗ Văn Giang" in [m.name for m in data.members]
    totals = rollup.rollup_data(rnd, world.committee).totals
    assert (totals["exempt"], totals["required"]) == (0, 7)
    row = next(r for r in _xlsx_rows(rnd, world.cell_a) if "Đỗ Văn Giang" in r)
    assert "Có" not in row

    login_as(world.secretary_a)
    html = client.get(f"/manage/rounds/{rnd.id}/board?org={world.cell_a.id}").get_data(as_text=True)
    assert "Đỗ Văn Giang" in html
    assert "Miễn sinh hoạt (không tính)" not in html


def test_exemption_counts_in_rounds_after_it_started(world, closed):
    """Is the same exemption applied to a round held after it took effect?"""
    _, absent = closed
    people.update_person(absent, world.secretary_a, _edit(absent, exempt=True, exempt_reason="Ốm dài ngày"))
    later = make_report_round([world.committee], world.committee, title="Đợt hôm nay", session_date=today_local())
    db.session.commit()
    f = participation.figures(later, world.cell_a)
    assert f.exempt == 1 and f.required == 4
    statuses = {s.person.full_name: s for s in participation.member_statuses(later, world.cell_a)}
    assert statuses["Đỗ Văn Giang"].exempt and not statuses["Đỗ Văn Giang"].required


def test_old_round_uses_status_of_its_session_date(world, closed):
    """Does a member who was not yet a party member on the session date stay out of that round, though one today?"""
    rnd, _ = closed
    newcomer = add_member(world.cell_a, "Lâm Thị Mới", party_status="ngoai_dang")
    db.session.commit()
    assert participation.figures(rnd, world.cell_a).non_party == 1
    history.set_party_status(newcomer, "du_bi", date(2026, 3, 1))  # admitted after the round
    db.session.commit()
    f = participation.figures(rnd, world.cell_a)
    assert (f.non_party, f.required) == (1, 5)
    status = next(s for s in participation.member_statuses(rnd, world.cell_a) if s.person.id == newcomer.id)
    assert status.party_status == "ngoai_dang" and not status.is_party_member
    assert newcomer.party_status == "du_bi"
    assert history.status_on(newcomer, REPORT_SESSION) == "ngoai_dang"
    assert history.status_on(newcomer, date(2026, 3, 1)) == "du_bi"


def test_backdated_exemption_refused_for_secretary(world, closed):
    """Is a secretary's exemption dated before the closed round refused, naming the round, and nothing changed?"""
    rnd, absent = closed
    with pytest.raises(ClosedRoundChange) as exc:
        people.update_person(absent, world.secretary_a,
                             _edit(absent, exempt=True, exempt_reason="Ốm", effective_date=date(2026, 1, 15)))
    assert rnd.title in exc.value.message and "05/02/2026" in exc.value.message
    assert exc.value.may_override is False
    db.session.expire_all()
    assert absent.exempt is False
    assert history.exemption_periods(absent) == []
    assert participation.figures(rnd, world.cell_a).required == 5


def test_backdated_exemption_staff_needs_reason_and_is_audited(world, closed):
    """Must staff give a reason to date an exemption into a closed round, and is it audited with before/after?"""
    rnd, absent = closed
    change = _edit(absent, exempt=True, exempt_reason="Ốm", effective_date=date(2026, 1, 15))
    with pytest.raises(ClosedRoundChange) as exc:
        people.update_person(absent, world.staff, change)
    assert exc.value.may_override is True and "lý do" in exc.value.message
    people.update_person(absent, world.staff, {**change, "override_reason": "Quyết định miễn số 12 ký ngày 10/01/2026"})
    assert participation.figures(rnd, world.cell_a).exempt == 1
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "person.update")).all()[-1]
    assert log.actor_id == world.staff.id
    assert log.details["closed_rounds"] == [rnd.id]
    assert log.details["override_reason"].startswith("Quyết định miễn số 12")
    assert log.details["before"]["exempt"] is False and log.details["after"]["exempt"] is True
    assert log.details["effective"] == "2026-01-15"


def test_backdated_transfer_refused_for_secretary_allowed_for_staff_with_reason(world, closed):
    """Is a transfer dated into the closed round refused for a secretary and allowed for staff with a reason?"""
    from quizapp.services import orgs

    rnd, absent = closed
    orgs.grant_role(world.secretary_a, "secretary", world.cell_b)  # both cells in her scope
    db.session.commit()
    with pytest.raises(ClosedRoundChange):
        people.transfer_person(absent, world.secretary_a, world.cell_b, date(2026, 2, 1))
    db.session.expire_all()
    assert absent.current_membership(REPORT_SESSION).org_id == world.cell_a.id
    with pytest.raises(ClosedRoundChange):
        people.transfer_person(absent, world.staff, world.cell_b, date(2026, 2, 1))
    people.transfer_person(absent, world.staff, world.cell_b, date(2026, 2, 1), "Quyết định chuyển ký ngày 30/01")
    assert absent.current_membership(REPORT_SESSION).org_id == world.cell_b.id
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "person.transfer")).all()[-1]
    assert log.details["closed_rounds"] == [rnd.id] and log.details["override_reason"]
    assert log.details["before"] == {"org": world.cell_a.id} and log.details["after"] == {"org": world.cell_b.id}


def test_transfer_after_closed_round_needs_no_reason(world, closed):
    """Is a transfer dated after the closed round's session allowed for a secretary without a reason?"""
    from quizapp.services import orgs

    rnd, absent = closed
    orgs.grant_role(world.secretary_a, "secretary", world.cell_b)
    db.session.commit()
    people.transfer_person(absent, world.secretary_a, world.cell_b, date(2026, 3, 1))
    assert participation.figures(rnd, world.cell_a).required == 5


def test_open_round_with_issued_sheet_counts_as_closed(world):
    """Does an issued sheet close a round whose quiz is still open, while an open round alone stays editable?"""
    from datetime import timedelta

    from quizapp.clock import utcnow
    from quizapp.services.reporting import numbering

    rnd = make_report_round([world.committee], world.committee, title="Đợt đang mở", session_date=date(2026, 2, 5))
    rnd.quiz.closes_at = utcnow() + timedelta(days=2)
    db.session.commit()
    assert not history.round_is_closed(rnd)
    assert history.check_closed_rounds(world.member_a, world.secretary_a, date(2026, 1, 1)) == ([], None)
    numbering.reserve(rnd, world.cell_a, "cell_sheet", 1, date(2026, 2, 6), world.secretary_a)
    db.session.commit()
    assert history.round_is_closed(rnd)
    with pytest.raises(ClosedRoundChange, match="Đợt đang mở"):
        history.check_closed_rounds(world.member_a, world.secretary_a, date(2026, 1, 1))


def test_open_makeup_window_keeps_round_open(world, closed):
    """Is a round whose quiz closed but whose make-up window is still open not yet closed?"""
    from datetime import timedelta

    from quizapp.clock import utcnow
    from quizapp.models import MakeupWindow

    rnd, absent = closed
    db.session.add(MakeupWindow(quiz_id=rnd.quiz.id, org_id=world.cell_a.id, opens_at=utcnow() - timedelta(hours=1),
                                closes_at=utcnow() + timedelta(days=1), reason="Học bù"))
    db.session.commit()
    assert not history.round_is_closed(rnd)
    people.update_person(absent, world.secretary_a,
                         _edit(absent, exempt=True, exempt_reason="Ốm", effective_date=date(2026, 1, 15)))
    assert participation.figures(rnd, world.cell_a).exempt == 1


def test_person_without_history_keeps_old_status_in_the_past(world, closed):
    """For someone stored without dated periods, does a status change today leave the past on the old status?"""
    from quizapp.models import Membership, PartyStatusPeriod, Person

    rnd, _ = closed
    bare = Person(member_code="BARE1", party_status="ngoai_dang")
    bare.set_name("Hà Văn Trống")
    db.session.add(bare)
    db.session.flush()
    db.session.add(Membership(person_id=bare.id, org_id=world.cell_a.id, start_date=date(2021, 1, 1)))
    db.session.commit()
    assert db.session.scalar(select(PartyStatusPeriod).where(PartyStatusPeriod.person_id == bare.id)) is None
    people.update_person(bare, world.secretary_a, _edit(bare, party_status="du_bi"))
    assert history.status_on(bare, REPORT_SESSION) == "ngoai_dang"
    assert participation.figures(rnd, world.cell_a).non_party == 1
