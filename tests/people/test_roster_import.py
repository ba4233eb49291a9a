"""Roster import: do good files go in whole, and do bad files say exactly what is wrong and write nothing?"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import AuditLog, Membership, Person
from quizapp.services.exceptions import InvalidInput
from tests.people.conftest import TODAY, csv_bytes, xlsx_bytes

GOOD = [
    ["Nguyễn Văn Anh", "93000001", "05/02/1975", "0912345678", "anh@example.vn", "Chính thức", "Không", "", "CB-A"],
    ["Lê Thị Ánh", "93000002", "", "", "", "du bi", "co", "Tuổi cao", "CB-A"],
    ["Trần Ân", "93000003", "1/12/1990", "", "", "KHÔNG PHẢI ĐẢNG VIÊN", "", "", "CB-B"],
]


def _count_people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


@pytest.mark.parametrize("bom", [True, False])
def test_good_csv_with_or_without_bom_creates_people(world, do_import, bom):
    """Does a UTF-8 CSV (with or without BOM) create every person in their cell with a forced password change?"""
    before = _count_people()
    result = do_import(csv_bytes(GOOD, bom=bom))
    assert (result.created, result.updated, result.moved, result.unchanged) == (3, 0, 0, 0)
    assert _count_people() == before + 3
    anh = db.session.scalar(select(Person).where(Person.member_code == "93000001"))
    assert anh.full_name == "Nguyễn Văn Anh" and anh.date_of_birth == date(1975, 2, 5)
    assert anh.must_change_password and anh.email == "anh@example.vn"
    assert anh.current_membership(TODAY).org_id == world.cell_a.id
    assert anh.current_membership(TODAY).start_date == TODAY
    anh2 = db.session.scalar(select(Person).where(Person.member_code == "93000002"))
    assert anh2.party_status == "du_bi" and anh2.exempt and anh2.exempt_reason == "Tuổi cao"
    an = db.session.scalar(select(Person).where(Person.member_code == "93000003"))
    assert an.party_status == "ngoai_dang" and an.current_membership(TODAY).org_id == world.cell_b.id
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "roster.import"))
    assert audit.details["created"] == 3 and audit.actor_id == world.admin.id


def test_good_xlsx_with_excel_dates_and_numbers(world, do_import):
    """Does an .xlsx with real Excel dates and numeric codes/phones import with the right values?"""
    rows = [["Phạm Văn Dũng", 93000011, datetime(1980, 7, 1), 912345678, None, "Chính thức", "Không", None, "CB-A"]]
    result = do_import(xlsx_bytes(rows), "ds.xlsx")
    assert result.created == 1
    person = db.session.scalar(select(Person).where(Person.member_code == "93000011"))
    assert person.date_of_birth == date(1980, 7, 1)
    assert person.phone == "0912345678"


def test_headers_are_matched_without_case_spaces_or_diacritics(world, do_import):
    """Are headers like '  ho va ten ' and 'SO THE DANG VIEN' accepted as the template's columns?"""
    headers = ["  ho va ten ", "SO THE DANG VIEN", "ma chi bo", "Tình  trạng"]
    result = do_import(csv_bytes([["Đỗ Thị Hoa", "93000021", "CB-A", "chinh thuc"]], headers))
    assert result.created == 1


def _assert_nothing_written(before: int):
    assert _count_people() == before
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "roster.import")) == 0


@pytest.mark.parametrize("encoding", ["latin-1", "cp1258"])
def test_non_utf8_csv_is_refused_with_encoding_message(world, do_import, encoding):
    """Is a CSV saved as Latin-1 or Windows-1258 (Vietnamese) refused with a message that names UTF-8?"""
    if encoding == "latin-1":
        data = csv_bytes([["José Müller", "93000031", "CB-A"]], ["Ho va ten", "So the dang vien", "Ma chi bo"],
                         encoding="latin-1")
    else:  # Windows-1258, the old Vietnamese Windows code page
        data = csv_bytes([["Lê Văn Tâm", "93000031", "CB-A"]], ["Ho va ten", "So the dang vien", "Ma chi bo"],
                         encoding="cp1258")
    before = _count_people()
    with pytest.raises(InvalidInput) as exc:
        do_import(data)
    assert exc.value.message.startswith("Tệp không phải UTF-8")
    _assert_nothing_written(before)


def test_missing_required_columns_give_one_error(world, do_import):
    """Does a file without the member-code column get one clear error naming that column?"""
    before = _count_people()
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes([["Nguyễn Văn Anh", "CB-A"]], ["Họ và tên", "Mã chi bộ"]))
    assert "Số thẻ đảng viên" in exc.value.message and "thiếu cột" in exc.value.message
    assert not exc.value.details
    _assert_nothing_written(before)


def test_every_bad_row_is_reported_with_its_number(world, do_import):
    """Are duplicate codes, bad dates, bad status, empty names, long codes, bad emails and unknown cells all reported by row?"""
    rows = [
        ["Nguyễn Văn Anh", "93000041", "31/02/1980", "", "", "", "", "", "CB-A"],      # row 2: bad date
        ["Lê Thị Ánh", "93000042", "", "", "not-an-email", "", "", "", "CB-A"],         # row 3: bad email
        ["", "93000043", "", "", "", "", "", "", "CB-A"],                               # row 4: empty name
        ["Trần Ân", "93000041", "", "", "", "", "", "", "CB-A"],                        # row 5: duplicate of row 2
        ["Võ Văn Ba", "9" * 41, "", "", "", "", "", "", "CB-A"],                        # row 6: code too long
        ["Võ Văn Bốn", "93000046", "", "", "", "Đảng viên ưu tú", "", "", "CB-A"],       # row 7: bad status
        ["Võ Văn Năm", "93000047", "", "", "", "", "", "", "CB-ZZ"],                    # row 8: unknown cell
        ["Võ Văn Sáu", "93000048", "", "", "", "", "", "", "DUCQ"],                     # row 9: not a cell
        ["Đúng Hết", "93000049", "", "", "", "", "", "", "CB-A"],                       # row 10: fine
    ]
    before = _count_people()
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(rows))
    by_row = {d["row"]: d["message"] for d in exc.value.details}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "ngày sinh" in by_row[2].lower()
    assert "email" in by_row[3].lower()
    assert "họ và tên" in by_row[4].lower()
    assert "trùng với dòng 2" in by_row[5]
    assert "40 ký tự" in by_row[6]
    assert "tình trạng" in by_row[7].lower()
    assert "CB-ZZ" in by_row[8]
    assert "không phải chi bộ" in by_row[9]
    assert "8 dòng lỗi" in exc.value.message
    _assert_nothing_written(before)


def test_secretary_cannot_import_into_another_cell(world, do_import):
    """Is a CB-B row in a CB-A secretary's file a row error, with nothing written?"""
    before = _count_people()
    rows = [["Nguyễn Văn Anh", "93000051", "", "", "", "", "", "", "CB-A"],
            ["Lê Thị Ánh", "93000052", "", "", "", "", "", "", "CB-B"]]
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(rows), actor=world.secretary_a, default_org=world.cell_a)
    assert [d["row"] for d in exc.value.details] == [3]
    assert "phạm vi quản lý" in exc.value.details[0]["message"]
    _assert_nothing_written(before)


def test_secretary_cannot_take_over_another_cells_member(world, do_import):
    """Can a CB-A secretary pull a CB-B member into CB-A by listing their code? (must be a row error)"""
    rows = [["Võ Văn Em", "MEMB", "", "", "", "", "", "", ""]]
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(rows), actor=world.secretary_a, default_org=world.cell_a)
    assert exc.value.details[0]["row"] == 2
    assert world.member_b.current_membership(TODAY).org_id == world.cell_b.id


def test_secretary_upload_defaults_to_their_cell(world, do_import):
    """Does a secretary's file without a cell column put everyone in their cell?"""
    result = do_import(csv_bytes([["Mai Văn Tư", "93000061"]], ["Họ và tên", "Số thẻ đảng viên"]),
                       actor=world.secretary_a, default_org=world.cell_a)
    assert result.created == 1
    person = db.session.scalar(select(Person).where(Person.member_code == "93000061"))
    assert person.current_membership(TODAY).org_id == world.cell_a.id


def test_too_many_rows_is_refused(app, world, do_import, monkeypatch):
    """Is a file over IMPORT_MAX_ROWS refused as a whole before any row is written?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 5)
    rows = [[f"Người Số {i}", f"9400{i:04d}", "", "", "", "", "", "", "CB-A"] for i in range(6)]
    before = _count_people()
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(rows))
    assert "hơn 5 dòng" in exc.value.message
    _assert_nothing_written(before)


def test_xlsx_that_is_not_a_zip_is_refused(world, do_import):
    """Is a CSV renamed to .xlsx refused with a clear message instead of a crash?"""
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(GOOD), "ds.xlsx")
    assert "không hợp lệ" in exc.value.message and ".xlsx" in exc.value.message


def test_zip_bomb_xlsx_is_refused_before_parsing(app, world, do_import, monkeypatch):
    """Is an .xlsx whose contents unpack beyond XLSX_MAX_UNCOMPRESSED refused before openpyxl reads it?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 2_000_000 + b"</a>")
    data = buffer.getvalue()
    assert len(data) < 20_000  # small on disk, large unpacked
    monkeypatch.setitem(app.config, "XLSX_MAX_UNCOMPRESSED", 1_000_000)
    with pytest.raises(InvalidInput) as exc:
        do_import(data, "bomb.xlsx")
    assert "giải nén" in exc.value.message


def test_reimport_updates_by_code_without_duplicates(world, do_import):
    """Does importing the same codes again update fields instead of adding people?"""
    do_import(csv_bytes(GOOD))
    before = _count_people()
    changed = [row[:] for row in GOOD]
    changed[0][3] = "0987654321"
    result = do_import(csv_bytes(changed))
    assert _count_people() == before
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert db.session.scalar(select(Person.phone).where(Person.member_code == "93000001")) == "0987654321"
    assert result.rows[0].changes == ["điện thoại"]


def test_moving_a_member_keeps_the_old_membership_dated(world, do_import):
    """Does a changed cell close the old membership the day before the import and open a new one?"""
    rows = [["Nguyễn Thị Ngọc Ánh", "MEMA", "", "", "", "", "", "", "CB-B"]]
    result = do_import(csv_bytes(rows))
    assert result.moved == 1
    history = db.session.scalars(select(Membership).where(Membership.person_id == world.member_a.id)
                                 .order_by(Membership.start_date)).all()
    assert [(m.org_id, m.start_date, m.end_date) for m in history] == [
        (world.cell_a.id, date(2020, 1, 1), date(2026, 3, 9)),
        (world.cell_b.id, TODAY, None),
    ]
    assert world.member_a.current_membership(date(2025, 6, 1)).org_id == world.cell_a.id


def test_dry_run_writes_nothing_but_counts(world, do_import):
    """Does a dry run report what would happen and leave the database untouched?"""
    before = _count_people()
    result = do_import(csv_bytes(GOOD), dry_run=True)
    assert result.dry_run and result.created == 3
    _assert_nothing_written(before)


def _xlsx_with_sheet(xml: bytes) -> bytes:
    """A real .xlsx whose first worksheet XML is replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Nguyễn Văn Anh", "93000001"]], ["Họ và tên", "Số thẻ đảng viên"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)
    return out.getvalue()


def test_xml_entity_attack_in_xlsx_is_refused(world, do_import):
    """Is an .xlsx whose sheet declares XML entities (billion laughs) refused cleanly, with nothing written?"""
    xml = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    before = _count_people()
    with pytest.raises(InvalidInput) as exc:
        do_import(_xlsx_with_sheet(xml), "ds.xlsx")
    assert "Excel" in exc.value.message
    _assert_nothing_written(before)


def test_zip_that_is_not_a_workbook_is_refused(world, do_import):
    """Is a zip archive renamed to .xlsx (no workbook inside) refused with a message?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(InvalidInput) as exc:
        do_import(buffer.getvalue(), "ds.xlsx")
    assert "Excel" in exc.value.message


def test_only_header_or_wrong_extension(world, do_import):
    """Are a header-only file and a .txt file refused with their own messages?"""
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes([]))
    assert "chưa có đảng viên" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        do_import(csv_bytes(GOOD), "ds.txt")
    assert ".xlsx hoặc .csv" in exc.value.message
