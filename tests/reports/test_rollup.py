"""Roll-up for a committee: one row per cell, totals, shortfalls first, commendations, letterheads."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from quizapp.extensions import db
from quizapp.services.reporting.rollup import issue_rollup, rollup_data
from tests.factories import add_member, make_report_attempt, make_report_round


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _setup(world):
    """CB-A: 3/3 took part, all ≥ 9; CB-B: 1/2. The committee's secretary is Lê Thị Hồng (make_world)."""
    rnd = make_report_round([world.committee], world.committee)
    for p, s in [(world.secretary_a, 9.5), (world.deputy_a, 9.0), (world.member_a, 10.0), (world.member_b, 5.0)]:
        make_report_attempt(rnd, p, s)
    db.session.commit()
    return rnd


def test_rollup_rows_totals_and_order(world):
    """Are cells below threshold listed first, totals summed, and outstanding units and people found?"""
    rnd = _setup(world)
    data = rollup_data(rnd, world.committee)
    assert [r["code"] for r in data.rows] == ["CB-B", "CB-A"]
    assert data.rows[0]["met"] is False and data.rows[1]["met"] is True
    assert (data.totals["required"], data.totals["took_part"]) == (5, 4)
    assert [u["code"] for u in data.outstanding_units] == ["CB-A"]
    assert {p["name"] for p in data.outstanding_people} == {"Trần Văn Bình", "Phạm Thị Cúc", "Nguyễn Thị Ngọc Ánh"}


def test_rollup_pdf_party_and_state_letterheads(world):
    """Does the party roll-up say ĐẢNG CỘNG SẢN VIỆT NAM and the state one the NĐ 30 motto and 'Số:'?"""
    rnd = _setup(world)
    report, pdf = issue_rollup(rnd, world.committee, world.staff)
    text = _text(pdf)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "Số 01-BC/ĐU" in text
    assert "4/5 đảng viên, đạt 80,00%" in text
    assert "Chi bộ Sở Nội vụ" in text and "Tổng cộng" in text
    assert "T/M ĐẢNG ỦY" in text
    assert report.verify_code in text
    assert "Lê Thị Hồng" in text and "Ban Thường vụ Tỉnh ủy Bình Phước (báo cáo)" in text
    c = world.committee
    c.state_unit_name, c.state_superior, c.state_abbr = "Sở Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh Đồng Nai", "skhcn"
    c.state_place, c.state_signer_title, c.state_signer_name = "Đồng Nai", "TM. Ban Giám đốc / Giám đốc", "Ngô Văn Hải"
    db.session.commit()
    report2, pdf2 = issue_rollup(rnd, world.committee, world.staff, state=True)
    text2 = _text(pdf2)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text2 and "Độc lập - Tự do - Hạnh phúc" in text2
    assert "Số: 01/BC-SKHCN" in text2 and "TM. BAN GIÁM ĐỐC" in text2 and "Ngô Văn Hải" in text2
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text2 and "Đồng Nai, ngày" in text2


def test_rollup_xlsx(world):
    """Does the roll-up .xlsx list each cell with its rate and a totals row?"""
    rnd = _setup(world)
    add_member(world.cell_b, "=HYPERLINK(\"x\")")
    db.session.commit()
    report, data = issue_rollup(rnd, world.committee, world.staff, fmt="xlsx")
    assert report is None
    ws = load_workbook(io.BytesIO(data))["Tổng hợp"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=8)]
    assert rows[0][1] == "CB-B" and rows[0][10] == "Chưa đạt"
    assert rows[1][1] == "CB-A" and rows[1][9] == 100
    assert rows[-1][2] == "Tổng cộng" and rows[-1][5] == 6
