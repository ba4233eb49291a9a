"""Login slips: does printing issue new first passwords to exactly the chosen people, on a PDF that reads back right?"""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import AuditLog
from quizapp.services import accounts, slips
from tests.factories import PASSWORD, make_person


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_shows_names_with_diacritics_codes_and_hostile_names_literally(world):
    """Does the PDF text carry Vietnamese names, member codes, the site, and a name with < & > printed as typed?"""
    data = [slips.Slip("Chi bộ Sở Thông tin và Truyền thông", "Nguyễn Thị Ngọc Ánh", "MEMA", "abcd2345"),
            slips.Slip("Chi bộ <i>X</i> & Y", '<b>Lê & "Văn" </b>', "93000001", "wxyz6789")]
    pdf = slips.build_slips_pdf(data, "https://hoctap.example.vn")
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Nguyễn Thị Ngọc Ánh" in text and "MEMA" in text and "abcd2345" in text
    assert '<b>Lê & "Văn" </b>' in text
    assert "Chi bộ <i>X</i> & Y" in text
    assert "hoctap.example.vn" in text


def test_eleven_slips_take_two_pages(world):
    """With 10 slips a page, do 11 slips make two A4 pages?"""
    data = [slips.Slip("Chi bộ A", f"Người Thứ {i}", f"C{i:03d}", "pass2345") for i in range(11)]
    reader = PdfReader(io.BytesIO(slips.build_slips_pdf(data, "http://x.vn")))
    assert len(reader.pages) == 2
    assert round(float(reader.pages[0].mediabox.width)) == 595


def test_printing_replaces_the_password(app, client, world, login_as):
    """After printing slips from the web page, does the old password fail and the printed one work?"""
    world.member_a.must_change_password = True
    world.deputy_a.last_login_at = utcnow()  # logged in and changed the first password: not "new"
    db.session.commit()
    login_as(world.secretary_a)
    resp = client.form("/manage/people/slips", {"org_id": world.cell_a.id, "mode": "new"})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _text(resp.data)
    assert "Nguyễn Thị Ngọc Ánh" in text and "MEMA" in text
    assert "Phạm Thị Cúc" not in text
    password = re.search(r"Mật khẩu lần đầu:\s*([a-z0-9]{8})", text).group(1)
    other = app.test_client()
    assert other.form("/auth/login", {"member_code": "MEMA", "password": PASSWORD}).status_code == 200
    assert other.form("/auth/login", {"member_code": "MEMA", "password": password}).status_code == 302
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "slips.print"))
    assert audit.details["person_ids"] == [world.member_a.id]


def test_service_returns_issued_passwords_and_skips_higher_roles(world):
    """Does 'all' for a secretary skip themself and anyone ranked above, and return working passwords?"""
    from quizapp.models import Membership
    db.session.add(Membership(person_id=world.staff.id, org_id=world.cell_a.id, start_date=world.member_a.memberships[0].start_date))
    newcomer = make_person(world.cell_a, "Lê Văn Mới", "NEW1")
    db.session.commit()
    chosen = slips.slip_candidates(world.secretary_a, world.cell_a, "all")
    codes = {p.member_code for p in chosen}
    assert codes == {"DEPA", "MEMA", "NEW1"}
    batch = slips.issue_slips(world.secretary_a, world.cell_a, chosen, "http://x.vn")
    assert set(batch.passwords) == codes
    db.session.refresh(newcomer)
    assert accounts.verify_password(newcomer.password_hash, batch.passwords["NEW1"])
    assert newcomer.must_change_password


def test_selected_mode_prints_only_ticked_people(client, world, login_as):
    """Does 'selected' print exactly the ticked people of the cell?"""
    login_as(world.secretary_a)
    resp = client.form("/manage/people/slips", {"org_id": world.cell_a.id, "mode": "selected",
                                                "person_ids": [world.deputy_a.id]})
    text = _text(resp.data)
    assert "Phạm Thị Cúc" in text and "Nguyễn Thị Ngọc Ánh" not in text


def test_other_cells_secretary_cannot_print_slips(client, world, login_as):
    """Does the CB-B secretary get 404 printing CB-A slips, with no password changed?"""
    old = world.member_a.password_hash
    login_as(world.secretary_b)
    assert client.get(f"/manage/people/slips?org={world.cell_a.id}").status_code == 404
    resp = client.form("/manage/people/slips", {"org_id": world.cell_a.id, "mode": "all"})
    assert resp.status_code == 404
    db.session.refresh(world.member_a)
    assert world.member_a.password_hash == old
    ticked = client.form("/manage/people/slips", {"org_id": world.cell_b.id, "mode": "selected",
                                                  "person_ids": [world.member_a.id]})
    assert ticked.status_code == 302  # nobody of CB-B was ticked: nothing printed
    db.session.refresh(world.member_a)
    assert world.member_a.password_hash == old


def test_slips_page_lists_the_cell(client, world, login_as):
    """Does the slips page list the cell's members with a CSRF-protected form?"""
    login_as(world.secretary_a)
    html = client.get("/manage/people/slips").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Ánh" in html and "Võ Văn Em" not in html and 'name="csrf_token"' in html
