"""Report pages and downloads: scoping (two cells), forms, verify page, CLI."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from quizapp.extensions import db
from quizapp.models import Absence, IssuedReport
from tests.factories import (
    add_member,
    make_questions,
    make_report_attempt,
    make_report_round,
)


@pytest.fixture
def rnd(world):
    """A round over the committee with one attempt in each cell."""
    r = make_report_round([world.committee], world.committee)
    qs = make_questions(2)
    make_report_attempt(r, world.secretary_a, 9.0, versions=qs, picks=["a", "a"])
    make_report_attempt(r, world.member_b, 4.0, versions=qs, picks=["b", "a"])
    add_member(world.cell_b, "Bí Mật Bê")
    db.session.commit()
    return r


def _urls(r, org):
    base = f"/reports/rounds/{r.id}/orgs/{org.id}"
    return [base + "/sheet", base + "/export.xlsx", base + "/export.csv", base + "/items", base + "/absences",
            base + "/rollup"]


def test_secretary_b_gets_404_for_cell_a(world, rnd, login_as, client):
    """Does secretary_b get 404 for CB-A's sheet, exports, items and absences (GET and POST)?"""
    login_as(world.secretary_b)
    for url in _urls(rnd, world.cell_a):
        assert client.get(url).status_code == 404, url
    assert client.form(_urls(rnd, world.cell_a)[0], {"number": 1, "issued_on": "2026-02-06"}).status_code == 404
    resp = client.form(_urls(rnd, world.cell_a)[4], {"person_id": world.member_a.id, "reason_code": "om",
                                                     "excused": "1"})
    assert resp.status_code == 404
    assert db.session.query(Absence).count() == 0
    assert db.session.query(IssuedReport).count() == 0


def test_secretary_cannot_record_absence_for_other_cell_person_via_own_cell(world, rnd, login_as, client):
    """Posting a CB-B person id to CB-A's absence page: is it refused as not found?"""
    login_as(world.secretary_a)
    resp = client.form(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/absences",
                       {"person_id": world.member_b.id, "reason_code": "om", "excused": "1"})
    assert resp.status_code == 404
    assert db.session.query(Absence).count() == 0


def test_member_cannot_open_reports(world, rnd, login_as, client):
    """Is a plain member refused (403) on the results page?"""
    login_as(world.member_a)
    assert client.get(f"/reports/rounds/{rnd.id}").status_code == 403


def test_results_page_scoped(world, rnd, login_as, client):
    """Does secretary_a see CB-A's figures and links but nothing of CB-B?"""
    login_as(world.secretary_a)
    html = client.get(f"/reports/rounds/{rnd.id}").get_data(as_text=True)
    assert "Chi bộ Sở Thông tin và Truyền thông" in html
    assert "Chi bộ Sở Nội vụ" not in html and "Bí Mật Bê" not in html
    assert f"/orgs/{world.cell_a.id}/sheet" in html
    assert f"/orgs/{world.cell_b.id}/" not in html


def test_staff_sees_every_cell(world, rnd, login_as, client):
    """Does staff of the committee see both cells and the roll-up link?"""
    login_as(world.staff)
    html = client.get(f"/reports/rounds/{rnd.id}").get_data(as_text=True)
    assert "Chi bộ Sở Nội vụ" in html and "Chi bộ Sở Thông tin và Truyền thông" in html
    assert f"/orgs/{world.committee.id}/rollup" in html
    assert client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_b.id}/items").status_code == 200


def test_sheet_download_and_verify(world, rnd, login_as, client):
    """Does the sheet form suggest number 1, ask for confirmation, issue, download, and /verify show figures?"""
    login_as(world.secretary_a)
    url = f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet"
    form = client.get(url).get_data(as_text=True)
    assert 'value="1"' in form
    confirm = client.form(url, {"number": "5", "issued_on": "2026-02-06"})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Xác nhận cấp số 05-BC/CB" in page and 'name="confirm" value="1"' in page
    assert db.session.query(IssuedReport).count() == 0
    done = client.form(url, {"number": "5", "issued_on": "2026-02-06", "confirm": "1"})
    assert done.status_code == 303
    report = db.session.query(IssuedReport).one()
    resp = client.get(f"/reports/documents/{report.id}/file")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert "Số 05-BC/CB" in text
    anon = client.application.test_client()
    page = anon.get(f"/verify/{report.verify_code.lower().replace('-', '')}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "05-BC/CB" in html and "1/3" in html and "33,33%" in html
    missing = anon.get("/verify/AAAA-BBBB-CCCC")
    assert missing.status_code == 404
    assert "Không tìm thấy văn bản nào có mã xác thực này." in missing.get_data(as_text=True)


def test_sheet_form_errors_keep_input(world, rnd, login_as, client):
    """Is a number already used by another document refused with a clear message (422)?"""
    login_as(world.secretary_a)
    other = make_report_round([world.cell_a], world.cell_a, title="Đợt khác")
    db.session.commit()
    assert client.form(f"/reports/rounds/{other.id}/orgs/{world.cell_a.id}/sheet",
                       {"number": "3", "issued_on": "2026-02-06", "confirm": "1"}).status_code == 303
    resp = client.form(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet",
                       {"number": "3", "issued_on": "2026-02-06"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "không dùng lại" in html and 'value="3"' in html
    early = client.form(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet",
                        {"number": "4", "issued_on": "2026-02-04", "confirm": "1"})
    assert early.status_code == 422 and "trước ngày học tập 05/02/2026" in early.get_data(as_text=True)
    bad = client.form(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet", {"number": "x", "issued_on": ""})
    assert bad.status_code == 422


def test_absence_page_records_reason(world, rnd, login_as, client):
    """Can secretary_a record 'ốm, có lý do' for member_a, and is 'khác' without text refused?"""
    login_as(world.secretary_a)
    url = f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/absences"
    page = client.get(url).get_data(as_text=True)
    assert f'id="p-{world.member_a.id}"' in page and f'id="p-{world.secretary_a.id}"' not in page
    bad = client.form(url, {"person_id": world.member_a.id, "reason_code": "khac", "reason_text": "", "excused": "0"})
    assert bad.status_code == 422 and "Vui lòng ghi rõ lý do khác." in bad.get_data(as_text=True)
    ok = client.form(url, {"person_id": world.member_a.id, "reason_code": "om", "excused": "1"})
    assert ok.status_code == 302
    absence = db.session.query(Absence).one()
    assert absence.reason_code == "om" and absence.excused is True


def test_export_downloads(world, rnd, login_as, client):
    """Do the xlsx and csv downloads come with the right types, and an unknown format 404?"""
    login_as(world.secretary_a)
    base = f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/export"
    x = client.get(base + ".xlsx")
    assert x.status_code == 200 and x.mimetype.endswith("spreadsheetml.sheet")
    c = client.get(base + ".csv")
    assert c.data.startswith(b"\xef\xbb\xbf") and "Trần Văn Bình" in c.data.decode("utf-8-sig")
    assert client.get(base + ".pdf").status_code == 404


def test_rollup_download(world, rnd, login_as, client):
    """Can staff download the committee roll-up as PDF and as xlsx?"""
    login_as(world.staff)
    url = f"/reports/rounds/{rnd.id}/orgs/{world.committee.id}/rollup"
    assert client.get(url).status_code == 200
    assert client.form(url, {"number": "1", "issued_on": "2026-02-07", "fmt": "pdf", "confirm": "1"}).status_code == 303
    report = db.session.query(IssuedReport).one()
    assert report.kind == "rollup" and report.number_label == "01-BC/ĐU"
    pdf = client.get(f"/reports/documents/{report.id}/file")
    assert pdf.mimetype == "application/pdf" and pdf.data == report.pdf
    xlsx = client.form(url, {"number": "2", "issued_on": "2026-02-07", "fmt": "xlsx", "state_letterhead": "y"})
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")


def test_items_page_renders_chart(world, rnd, login_as, client):
    """Does the item analysis page show each question with a CSS bar and no inline style?"""
    login_as(world.secretary_a)
    html = client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/items").get_data(as_text=True)
    assert "Câu hỏi số 1" in html and "bar-fill" in html
    assert "style=" not in html


def test_cli_commands(world, rnd, runner, tmp_path):
    """Do the reports CLI commands write a sheet, a roll-up and an export?"""
    out = tmp_path / "s.pdf"
    res = runner.invoke(args=["reports", "cell-sheet", "--round", str(rnd.id), "--org", "CB-A", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF") and "DỰ THẢO" in res.output
    assert db.session.query(IssuedReport).count() == 0
    res = runner.invoke(args=["reports", "cell-sheet", "--round", str(rnd.id), "--org", "CB-A", "--issue",
                              "--date", "2026-02-06", "-o", str(out)])
    assert res.exit_code == 0, res.output
    report = db.session.query(IssuedReport).one()
    assert out.read_bytes() == report.pdf and report.verify_code in res.output
    res = runner.invoke(args=["reports", "rollup", "--round", str(rnd.id), "--org", "DUCQ", "--format", "xlsx",
                              "-o", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 0 and (tmp_path / "r.xlsx").stat().st_size > 0
    res = runner.invoke(args=["reports", "export", "--round", str(rnd.id), "--org", "DUCQ", "--format", "csv",
                              "-o", str(tmp_path / "e.csv")])
    assert res.exit_code == 0 and "Võ Văn Em" in (tmp_path / "e.csv").read_text("utf-8-sig")
    res = runner.invoke(args=["reports", "export", "--round", "999", "--org", "X", "-o", str(tmp_path / "x")])
    assert res.exit_code != 0 and "Không tìm thấy" in res.output
