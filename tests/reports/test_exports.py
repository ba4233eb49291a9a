"""Excel and CSV per-member exports: headers, formats, diacritics, formula neutralizing."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from quizapp.extensions import db
from quizapp.services.reporting import excel
from tests.reports.helpers import add_member, make_attempt, make_round

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.fixture
def data(world):
    """A round over the committee with a hostile name and a scored attempt."""
    rnd = make_round([world.committee], world.committee)
    bad = add_member(world.cell_a, HOSTILE)
    add_member(world.cell_a, "@SUM(1+1)")
    add_member(world.cell_a, "<b>Lê & Văn</b>")
    make_attempt(rnd, bad, 8.5)
    make_attempt(rnd, world.member_b, 6.0)
    db.session.commit()
    return rnd


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+84 912", "'+84 912"), ("-2", "'-2"), ("@x", "'@x"),
    ("\t=x", "'=x"), ("\r=x", "'=x"), ("Nguyễn Văn An", "Nguyễn Văn An"), (None, ""),
])
def test_safe_text(value, expected):
    """Does every cell that could run as a formula get a leading apostrophe?"""
    assert excel.safe_text(value) == expected


def test_xlsx_headers_formats_and_neutralized(world, data):
    """Does the .xlsx have Vietnamese headers, a frozen header, a filter, a 0.0 score and no formulas?"""
    wb = load_workbook(io.BytesIO(excel.members_xlsx(data, world.committee)))
    ws = wb["Kết quả"]
    assert [c.value for c in ws[1]][:4] == ["STT", "Mã đảng viên", "Họ và tên", "Chi bộ"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:N")  # the last column is "Hình thức"
    names = [r[2].value for r in ws.iter_rows(min_row=2)]
    assert "'" + HOSTILE in names and "'@SUM(1+1)" in names and "<b>Lê & Văn</b>" in names
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    row = next(r for r in ws.iter_rows(min_row=2) if r[2].value == "'" + HOSTILE)
    assert row[8].value == 8.5 and row[8].number_format == "0.0"
    assert row[10].number_format == "dd/mm/yyyy hh:mm"


def test_csv_bom_and_diacritics(world, data):
    """Does the CSV start with a UTF-8 BOM, keep diacritics and neutralize formulas?"""
    raw = excel.members_csv(data, world.committee)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][2] == "Họ và tên"
    names = [r[2] for r in rows[1:]]
    assert "Nguyễn Thị Ngọc Ánh" in names
    assert "'" + HOSTILE in names
    hostile_row = next(r for r in rows if r[2] == "'" + HOSTILE)
    assert hostile_row[8] == "8,5" and hostile_row[6] == "Đã tham gia"


def test_cell_export_scoped_to_cell(world, data):
    """Does a CB-A export leave out CB-B's members?"""
    rows = list(csv.reader(io.StringIO(excel.members_csv(data, world.cell_a).decode("utf-8-sig"))))
    names = {r[2] for r in rows[1:]}
    assert "Võ Văn Em" not in names and "Hoàng Văn Dũng" not in names
    assert "Trần Văn Bình" in names
