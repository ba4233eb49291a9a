"""Roster import through the web and the CLI: preview, confirm, errors table, template."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Person
from tests.people.conftest import csv_bytes, xlsx_bytes


def _upload(client, data: bytes, filename: str, **fields):
    payload = {"file": (io.BytesIO(data), filename), **fields}
    return client.form("/manage/people/import", payload, content_type="multipart/form-data")


def test_preview_then_confirm_imports(app, client, world, login_as, tmp_path, monkeypatch):
    """Does a dry run show counts without writing, and does 'Xác nhận nhập' then write the same file?"""
    monkeypatch.setitem(app.config, "ROSTER_STAGING_DIR", str(tmp_path))
    login_as(world.secretary_a)
    data = csv_bytes([["Nguyễn Văn Anh", "93000001"], ["<b>Lê</b> & Co", "93000002"]], ["Họ và tên", "Số thẻ đảng viên"])
    resp = _upload(client, data, "ds.csv", default_org_id=world.cell_a.id, dry_run="y")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Xác nhận nhập" in html
    assert "&lt;b&gt;Lê&lt;/b&gt; &amp; Co" in html
    assert db.session.scalar(select(func.count()).where(Person.member_code == "93000001")) == 0
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    other = app.test_client()
    # Another person cannot confirm someone else's upload.
    from tests.factories import PASSWORD
    other.form("/auth/login", {"member_code": "SECB", "password": PASSWORD})
    assert other.form("/manage/people/import/confirm", {"token": token}).status_code == 422
    done = client.form("/manage/people/import/confirm", {"token": token})
    assert done.status_code == 200
    person = db.session.scalar(select(Person).where(Person.member_code == "93000001"))
    assert person.current_membership().org_id == world.cell_a.id
    assert list(tmp_path.iterdir()) == []


def test_errors_are_shown_in_a_row_numbered_table(client, world, login_as):
    """Does a CB-A secretary uploading a CB-B row see a table with that row number, and nothing written?"""
    login_as(world.secretary_a)
    data = xlsx_bytes([["Nguyễn Văn Anh", "93000001", "CB-A"], ["Lê Thị Ánh", "93000002", "CB-B"]],
                      ["Họ và tên", "Số thẻ đảng viên", "Mã chi bộ"])
    resp = _upload(client, data, "ds.xlsx", default_org_id=world.cell_a.id)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert '<td class="num">3</td>' in html and "CB-B" in html and "phạm vi quản lý" in html
    assert db.session.scalar(select(func.count()).where(Person.member_code.in_(["93000001", "93000002"]))) == 0


def test_upload_without_file_or_csrf(client, world, login_as):
    """Is a post without a file answered with a message, and one without CSRF refused?"""
    login_as(world.secretary_a)
    resp = client.form("/manage/people/import", {"dry_run": "y"})
    assert resp.status_code == 422 and "Vui lòng chọn tệp" in resp.get_data(as_text=True)
    assert client.post("/manage/people/import", data={}).status_code == 400


def test_template_has_headers_sample_and_instructions(client, world, login_as):
    """Does the template workbook carry the exact headers, a sample row and an instructions sheet?"""
    login_as(world.secretary_a)
    resp = client.get("/manage/people/import/template.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    first = wb.worksheets[0]
    headers = [c.value for c in next(first.iter_rows(max_row=1))]
    assert headers[:2] == ["Họ và tên", "Số thẻ đảng viên"] and "Mã chi bộ" in headers and "Tình trạng" in headers
    assert first.cell(row=2, column=1).value
    assert wb.worksheets[1].title == "Hướng dẫn"


def test_template_imports_as_is(client, world, login_as, do_import):
    """Does the template's own sample row pass validation (so the template and parser agree)?"""
    from quizapp.services.roster_files import template_workbook

    result = do_import(template_workbook(), "mau.xlsx", dry_run=True)
    assert result.created == 1


def test_cli_import_dry_run_and_real(runner, world, tmp_path):
    """Does `flask roster import FILE --org CB-A` check with --dry-run, import without it, and exit 1 on bad rows?"""
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([["Nguyễn Văn Anh", "93000001"]], ["Họ và tên", "Số thẻ đảng viên"]))
    dry = runner.invoke(args=["roster", "import", str(path), "--org", "CB-A", "--dry-run"])
    assert dry.exit_code == 0 and "1 thêm mới" in dry.output
    assert db.session.scalar(select(func.count()).where(Person.member_code == "93000001")) == 0
    real = runner.invoke(args=["roster", "import", str(path), "--org", "cb-a"])
    assert real.exit_code == 0 and "Đã nhập" in real.output
    assert db.session.scalar(select(func.count()).where(Person.member_code == "93000001")) == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["Lê Thị Ánh", "93000002", "CB-B"]], ["Họ và tên", "Số thẻ đảng viên", "Mã chi bộ"]))
    refused = runner.invoke(args=["roster", "import", str(bad), "--org", "CB-A"])
    assert refused.exit_code == 1 and "Dòng 2" in refused.output


def test_oversized_upload_is_refused_with_a_message(app, client, world, login_as, monkeypatch):
    """Is an upload above MAX_CONTENT_LENGTH refused (413) with a Vietnamese message, nothing written?"""
    login_as(world.secretary_a)
    token = client.csrf()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    data = csv_bytes([[f"Người Số {i}", f"9{i:07d}"] for i in range(200)], ["Họ và tên", "Số thẻ đảng viên"])
    resp = client.post("/manage/people/import", data={"csrf_token": token, "file": (io.BytesIO(data), "ds.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 413 and "quá lớn" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Person.member_code == "90000001")) == 0


def test_pages_render_for_the_cell_secretary(client, world, login_as):
    """Do the import, edit and list pages render (labels, CSRF) for the CB-A secretary?"""
    login_as(world.secretary_a)
    page = client.get("/manage/people/import").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'for="file"' in page and "Tải tệp mẫu" in page
    edit = client.get(f"/manage/people/{world.member_a.id}/edit").get_data(as_text=True)
    assert 'for="full_name"' in edit and "Chuyển sinh hoạt" in edit
    assert "Nguyễn Thị Ngọc Ánh" in client.get("/manage/people").get_data(as_text=True)


def test_secretary_rows_without_cell_go_to_their_cell(client, world, login_as):
    """Does a secretary's direct import (dry run off, no default chosen, no cell column) land in their cell?"""
    login_as(world.secretary_a)
    data = csv_bytes([["Nguyễn Văn Anh", "93000001"]], ["Họ và tên", "Số thẻ đảng viên"])
    resp = _upload(client, data, "ds.csv", default_org_id=0)
    assert resp.status_code == 200 and "Đã nhập" in resp.get_data(as_text=True)
    person = db.session.scalar(select(Person).where(Person.member_code == "93000001"))
    assert person.current_membership().org_id == world.cell_a.id
