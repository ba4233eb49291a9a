"""The fast data rows of an .xlsx write the same sheet XML as openpyxl's own write-only cells."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import IllegalCharacterError

from quizapp.services.reporting import xlsx_rows

ROWS = [
    [1, "Nguyễn Thị Ánh", "", " khoảng trắng ", "dòng 1\r\ndòng 2\ttab", "<&> \"x\" 'y'", "#N/A", "=1+1",
     "'=SUM(A1)", 7.5, Decimal("8.3"), True, None, "𝔘 ngoài BMP"],
    [2, None, "Chi bộ 1", 0, -1.25, 10**12, 0.1 + 0.2],
]
STYLED = [(None, "0.0", None), (8.5, "0.0", None), (datetime(2026, 2, 5, 10, 3, 7, 120), "dd/mm/yyyy hh:mm", None),
          (None, "dd/mm/yyyy hh:mm", None), (date(2026, 2, 9), "dd/mm/yyyy", None), ("Chưa đạt", "@", "FDE7E8")]


def _sheet_xml(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


def _header(wb):
    ws = wb.create_sheet("Kết quả")
    ws.freeze_panes = "A2"
    head = WriteOnlyCell(ws, value="Họ và tên")
    head.font, head.fill = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    ws.append([head, "Điểm"])
    return ws


def _openpyxl_build() -> bytes:
    wb = Workbook(write_only=True)
    ws = _header(wb)
    for row in ROWS:
        ws.append(row)
    styled = []
    for value, fmt, fill in STYLED:
        c = WriteOnlyCell(ws, value=value)
        c.number_format = fmt
        if fill:
            c.fill = PatternFill("solid", fgColor=fill)
        styled.append(c)
    ws.append(styled)
    ws.auto_filter.ref = "A1:N4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fast_build() -> bytes:
    wb = Workbook(write_only=True)
    ws = _header(wb)
    rows = xlsx_rows.FastRows(ws, first_row=2)
    for row in ROWS:
        rows.append(row)
    styled = []
    for value, fmt, fill in STYLED:
        if isinstance(value, datetime | date):
            WriteOnlyCell(ws, value=value)  # openpyxl registers a default date format on binding
        sid = rows.style(fmt, fill=PatternFill("solid", fgColor=fill) if fill else None)
        styled.append(xlsx_rows.Styled(value, sid))
    rows.append(styled)
    ws.auto_filter.ref = "A1:N4"
    return xlsx_rows.save(wb, [rows])


def test_fast_rows_write_the_same_xml_as_openpyxl():
    """Are the sheet, styles and every other part identical to openpyxl's for tricky values?"""
    ours, theirs = _sheet_xml(_fast_build()), _sheet_xml(_openpyxl_build())
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_fast_rows_read_back():
    """Does openpyxl read the spliced sheet back: header, values, formats, filter?"""
    ws = load_workbook(io.BytesIO(_fast_build()))["Kết quả"]
    assert ws["A1"].value == "Họ và tên" and ws["A1"].font.b
    assert ws["B2"].value == "Nguyễn Thị Ánh" and ws["D2"].value == " khoảng trắng "
    assert ws["E2"].value == "dòng 1\r\ndòng 2\ttab" and ws["N2"].value == "𝔘 ngoài BMP"
    assert ws["C4"].value == datetime(2026, 2, 5, 10, 3, 7, 120) or ws["C4"].value.replace(microsecond=0) == \
        datetime(2026, 2, 5, 10, 3, 7)
    assert ws["C4"].number_format == "dd/mm/yyyy hh:mm" and ws["B4"].number_format == "0.0"
    assert ws.auto_filter.ref == "A1:N4" and ws.freeze_panes == "A2"


def test_fast_rows_refuse_control_characters():
    """Is a control character refused as openpyxl refuses it (never a corrupt file)?"""
    wb = Workbook(write_only=True)
    rows = xlsx_rows.FastRows(_header(wb), first_row=2)
    with pytest.raises(IllegalCharacterError):
        rows.append(["a\x01b"])
    rows.close()
    wb.save(io.BytesIO())  # close openpyxl's own sheet stream
