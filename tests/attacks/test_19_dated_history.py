"""Checklist item 19: a record changed after it was issued — status, exemption or membership
changes dated into closed rounds must not move the round's figures (web, API-free services, CLI)."""
from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, Person
from quizapp.services import orgs, participation
from tests.factories import make_report_attempt, make_report_round
from tests.people.conftest import HEADERS, csv_bytes


def test_backdated_changes_into_closed_round(app, world, login_as):
    """Can a secretary move a closed round's figures by back-dating an exemption, a status, a transfer or an import row?"""
    rnd = make_report_round([world.committee], world.committee, title="Đợt đã kết thúc tháng 2")
    for p, s in [(world.secretary_a, 9.0), (world.deputy_a, 7.0)]:
        make_report_attempt(rnd, p, s)
    orgs.grant_role(world.secretary_a, "secretary", world.cell_b)  # both cells in her scope
    db.session.commit()
    before = participation.figures(rnd, world.committee).to_dict()
    member = world.member_a
    c = login_as(world.secretary_a, c=app.test_client())
    base = {"full_name": member.full_name, "party_status": "chinh_thuc", "state": "active", "email": "", "phone": ""}
    attempts = [
        (f"/manage/people/{member.id}/edit", {**base, "exempt": "y", "exempt_reason": "Ốm", "effective_date": "2026-02-01"}),
        (f"/manage/people/{member.id}/edit", {**base, "party_status": "ngoai_dang", "effective_date": "2026-01-01"}),
        (f"/manage/people/{member.id}/edit", {**base, "exempt": "y", "effective_date": "2026-02-05",
                                              "override_reason": "Tự cho phép mình"}),
    ]
    for url, data in attempts:
        resp = c.form(url, data)
        assert resp.status_code == 422, data
        assert "Đợt đã kết thúc tháng 2" in resp.get_data(as_text=True)
    resp = c.form(f"/manage/people/{member.id}/transfer", {"t-org_id": world.cell_b.id, "t-on": "2026-02-05"})
    assert resp.status_code == 302  # back to the edit page with the message
    follow = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đợt đã kết thúc tháng 2" in follow
    row = [member.full_name, "MEMA", "", "", "", "", "Có", "Ốm", "CB-A", "01/02/2026"]
    payload = {"file": (io.BytesIO(csv_bytes([row], HEADERS + ["Ngày hiệu lực"])), "ds.csv"),
               "default_org_id": world.cell_a.id, "override_reason": "Tự cho phép mình"}
    assert c.form("/manage/people/import", payload, content_type="multipart/form-data").status_code == 422
    db.session.expire_all()
    assert participation.figures(rnd, world.committee).to_dict() == before
    person = db.session.get(Person, member.id)
    assert (person.exempt, person.party_status) == (False, "chinh_thuc")
    assert person.current_membership(date(2026, 2, 5)).org_id == world.cell_a.id
    assert db.session.scalars(select(AuditLog).where(AuditLog.target_id == member.id,
                                                     AuditLog.action.like("person.%"))).all() == []
    # Control: staff with a reason can, and the figures then move.
    s = login_as(world.staff, c=app.test_client())
    resp = s.form(f"/manage/people/{member.id}/edit", {**attempts[0][1], "override_reason": "Quyết định miễn số 3"})
    assert resp.status_code == 302
    assert participation.figures(rnd, world.committee).exempt == before["exempt"] + 1
