"""Party documents (Hướng dẫn 36-HD/VPTW) read back from the PDF: text, positions and sizes."""
from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from quizapp.extensions import db
from quizapp.models import IssuedReport
from quizapp.services.exceptions import InvalidInput
from quizapp.services.pdf_fonts import register_serif
from quizapp.services.reporting import identity
from quizapp.services.reporting.pdf import common
from quizapp.services.reporting.pdf.cell_sheet import (
    MemberLine,
    SheetData,
    build_cell_sheet,
)
from quizapp.services.reporting.pdf.names import break_lines
from quizapp.services.reporting.pdf.rollup import build_rollup
from quizapp.services.reporting.rollup import RollupData, issue_rollup
from quizapp.services.reporting.sheets import issue_cell_sheet
from tests.factories import make_report_attempt, make_report_round
from tests.reports.pdfcheck import (
    find_line,
    horizontal_rules,
    open_pages,
    page_text,
    text_lines,
    words_crossing_grid,
)

MARGINS = (20, 20, 30, 15)
FIGURES = dict(total=12, exempt=1, required=11, took_part=10, rate=100 * 10 / 11, threshold=98.0, met=False,
               took_part_on_time=9, made_up=1, rate_before_makeup=100 * 9 / 11, tested=10, mean_score=7.9,
               distribution={"gioi": 5, "kha": 3, "trung_binh": 1, "chua_dat": 1}, essays_submitted=2,
               essays_graded=2, pending=0)


def sheet(n_absent: int = 0, **over) -> SheetData:
    """A cell sheet's data built directly (no database)."""
    lh = common.Letterhead(superior="Đảng ủy xã Tân Phú", issuer="Chi bộ ấp Bàu Sen", number_label="05-BC/CB",
                           place="Đồng Xoài", issued_on=date(2026, 2, 6))
    data = SheetData(
        letterhead=lh, cell_name="Chi bộ ấp Bàu Sen", superior_name="Đảng ủy xã Tân Phú", round_title="Đợt 1/2026",
        documents=["Nghị quyết 04-NQ/TW"], session_date=date(2026, 2, 5), form="truc_tiep", place="Nhà văn hóa ấp",
        figures=dict(FIGURES),
        excused=[(f"Nguyễn Văn Vắng {i}", "ốm, điều trị dài ngày tại bệnh viện tỉnh") for i in range(n_absent)],
        members=[MemberLine(f"Trần Văn Thành {i}", "Chính thức", "Đã tham gia", 8.0, "Giỏi") for i in range(12)],
        secretary_name="Trần Văn Bình", recipient="Đảng ủy xã Tân Phú", verify_url="https://x.vn/verify/K7Q2",
        verify_code="K7Q2-M9XD-4TPA")
    return replace(data, **over)


def rollup_data(rows: list[dict] | None = None, **over) -> RollupData:
    """Roll-up data built directly (no database)."""
    dist = {"gioi": 1200, "kha": 3400, "trung_binh": 560, "chua_dat": 12345}
    rows = rows or [
        {"code": "CB-1", "name": "Chi bộ Sở Khoa học và Công nghệ tỉnh Đồng Nai (cơ sở 2, Biên Hòa)", "total": 40000,
         "exempt": 100, "required": 35900, "took_part": 35180, "rate": 97.995, "met": False, "mean": 7.25,
         "distribution": dist},
        {"code": "CB-2", "name": "Chi bộ ấp 3", "total": 20, "exempt": 0, "required": 20, "took_part": 20,
         "rate": 100.0, "met": True, "mean": 10.0, "distribution": dist},
    ]
    totals = {"total": 40020, "exempt": 100, "required": 35920, "took_part": 35200, "rate": 97.9955, "met": False,
              "rate_before_makeup": 96.5, "made_up": 520, "mean_score": 7.26, "tested": 35200,
              "distribution": {k: 2 * v for k, v in dist.items()}, "essays_submitted": 3, "essays_graded": 3}
    data = RollupData(org_name="Đảng ủy xã Tân Phú", org_kind="dang_uy_co_so", superior_name="Đảng bộ tỉnh Đồng Nai",
                      round_title="Đợt 1/2026", documents=["Nghị quyết 04-NQ/TW"], session_date=date(2026, 2, 5),
                      threshold=98.0, rows=rows, totals=totals, below=[r for r in rows if not r["met"]],
                      secretary_name="Lê Văn Ký", place="Đồng Nai", recipient="Ban Thường vụ Tỉnh ủy Đồng Nai")
    return replace(data, **over)


def _frame():
    left = MARGINS[2] * mm
    return left, A4[0] - MARGINS[3] * mm


def test_summary_line_starts_in_lower_case(world):
    """Does the trích yếu under BÁO CÁO start in lower case on the cell sheet and the party roll-up?"""
    for pdf, start in [(build_cell_sheet(sheet(), MARGINS), "kết quả kiểm tra"),
                       (build_rollup(rollup_data(), "02-BC/ĐU", date(2026, 2, 7), margins_mm=MARGINS), "tổng hợp kết quả")]:
        page = open_pages(pdf)[0]
        lines = [ln.text for ln in text_lines(page)]
        title = lines.index("BÁO CÁO")
        assert lines[title + 1].startswith(start)


def test_rule_under_party_name_is_as_wide_as_the_text(world):
    """Is ĐẢNG CỘNG SẢN VIỆT NAM bold 15 pt, with a rule beneath exactly as wide as the text?"""
    page = open_pages(build_cell_sheet(sheet(), MARGINS))[0]
    line = find_line(page, "ĐẢNG CỘNG SẢN VIỆT NAM", x_min=A4[0] / 2 - 20)
    assert all(abs(w["size"] - 15) < 0.1 and "Bold" in w["fontname"] for w in line.words)
    below = [e for e in horizontal_rules(page) if 0 < e["top"] - line.words[0]["bottom"] < 8]
    assert below, "no rule under the party name"
    rule = below[0]
    assert abs(rule["x0"] - line.x0) < 1.0 and abs(rule["x1"] - line.x1) < 1.0


def test_page_numbers_from_page_two_top_centre_13_to_14_pt(world):
    """Is page 1 unnumbered, and every later page numbered at the top centre in 13–14 pt?"""
    pages = open_pages(build_cell_sheet(sheet(n_absent=30), MARGINS))
    assert len(pages) >= 3
    left, right = _frame()
    top_words = [w for w in text_lines(pages[0])[0].words]
    assert top_words[0]["text"] != "1"
    for i, page in enumerate(pages[1:], start=2):
        first = text_lines(page)[0]
        assert first.text == str(i)
        word = first.words[0]
        assert 13 <= word["size"] <= 14
        assert word["top"] < MARGINS[0] * mm
        assert abs((word["x0"] + word["x1"]) / 2 - (left + right) / 2) < 1.5


def test_signature_block_stays_with_the_last_paragraph(world):
    """Whatever the body's length, is the signature on the page of the closing paragraph, never alone?"""
    moved = 0
    for n in range(0, 34, 2):
        pages = [re.sub(r"\s+", " ", p.extract_text())
                 for p in PdfReader(io.BytesIO(build_cell_sheet(sheet(n_absent=n), MARGINS))).pages]
        closing = [i for i, text in enumerate(pages) if "Trên đây là báo cáo" in text]
        signer = [i for i, text in enumerate(pages) if "Trần Văn Bình" in text and "T/M CHI BỘ" in text]
        assert closing and signer and closing[0] == signer[0], n
        if closing[0] and re.match(r"\d+ Trên đây là báo cáo", pages[closing[0]]):
            moved += 1  # the closing paragraph was carried over to the next page with the signature
    assert moved, "no body length tried put the closing paragraph at a page break"


def test_letterhead_breaks_names_by_phrase(world):
    """Are names broken before a unit word, never after one, and never leaving 'TỈNH' alone?"""
    font = register_serif() + "-Bold"
    full = "ĐẢNG BỘ TỈNH ĐỒNG NAI ĐẢNG ỦY XÃ TÂN PHÚ"
    width = stringWidth("ĐẢNG BỘ TỈNH ĐỒNG NAI", font, 14) + 5
    assert break_lines(full, font, 14, width) == ["ĐẢNG BỘ TỈNH ĐỒNG NAI", "ĐẢNG ỦY XÃ TÂN PHÚ"]
    committee = "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"
    assert break_lines(committee, font, 14, stringWidth(committee, font, 14) - 1) == [
        "ĐẢNG ỦY KHỐI", "CÁC CƠ QUAN TỈNH"]
    assert break_lines(committee, font, 14, stringWidth(committee, font, 14) + 1) == [committee]
    for name in ["CHI BỘ SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH ĐỒNG NAI", "ĐẢNG ỦY PHƯỜNG TÂN PHONG THÀNH PHỐ BIÊN HÒA",
                 "CHI BỘ ẤP BÀU SEN XÃ TÂN PHÚ TỈNH ĐỒNG NAI"]:
        for mm_width in (58, 66, 74, 84):
            lines = break_lines(name, font, 14, mm_width * mm)
            assert " ".join(lines) == name
            for line in lines:
                assert stringWidth(line, font, 14) <= mm_width * mm
                assert line.split()[-1] not in {"TỈNH", "XÃ", "PHƯỜNG", "SỞ", "ẤP", "CHI", "ĐẢNG", "THÀNH"}, lines
                assert line not in {"TỈNH", "XÃ", "PHƯỜNG", "THÀNH PHỐ"}, lines


def test_letterhead_in_the_pdf_keeps_units_with_their_names(world):
    """In the printed letterhead, is 'ĐẢNG BỘ TỈNH ĐỒNG NAI' one line and no line just 'TỈNH'?"""
    data = sheet(letterhead=common.Letterhead(
        superior="Đảng bộ tỉnh Đồng Nai", issuer="Chi bộ Sở Khoa học và Công nghệ tỉnh Đồng Nai",
        number_label="05-BC/CB", place="Đồng Nai", issued_on=date(2026, 2, 6)))
    page = open_pages(build_cell_sheet(data, MARGINS))[0]
    left = [ln.text for ln in text_lines(page, x_max=A4[0] / 2 - 10) if ln.top < 150]
    assert left[0] == "ĐẢNG BỘ TỈNH ĐỒNG NAI"
    assert "TỈNH" not in left and all(not ln.endswith(" TỈNH") or ln == left[-1] for ln in left)
    assert " ".join(left[1:3]) == "CHI BỘ SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH ĐỒNG NAI"


def test_rollup_table_text_stays_inside_its_columns(world):
    """With 5-digit counts, a long name and 'Chưa đạt', does every word stay between its grid lines?"""
    pdf = build_rollup(rollup_data(), "02-BC/ĐU", date(2026, 2, 7), margins_mm=MARGINS)
    bad, checked = words_crossing_grid(pdf)
    assert not bad and checked > 30
    text = " ".join(page_text(p) for p in open_pages(pdf))
    assert "Chưa đạt" in text and "35.900" in text and "12.345" in text


def test_rates_are_truncated_never_rounded_up_to_the_threshold(world):
    """Does a 97,995 % rate print as 97,99 % (not 98,00 %) in the roll-up text and table?"""
    pdf = build_rollup(rollup_data(), "02-BC/ĐU", date(2026, 2, 7), margins_mm=MARGINS)
    text = " ".join(page_text(p) for p in open_pages(pdf))
    assert "đạt 97,99%" in text and "97,99%" in text
    assert "98,00%" not in text and "100,00%" in text


def test_appendix_heading_carries_number_and_issue_date(world):
    """Does the appendix say 'Kèm theo Báo cáo số 05-BC/CB ngày 06/02/2026'?"""
    pages = open_pages(build_cell_sheet(sheet(), MARGINS))
    assert "Kèm theo Báo cáo số 05-BC/CB ngày 06/02/2026 của Chi bộ ấp Bàu Sen" in page_text(pages[-1])


def _round(world):
    rnd = make_report_round([world.committee], world.committee)
    make_report_attempt(rnd, world.secretary_a, 9.0)
    db.session.commit()
    return rnd


def test_rollup_refused_without_a_secretary(world, client, login_as, runner):
    """Without a committee secretary, is the roll-up PDF refused (service, web page, CLI) and no number used?"""
    rnd = _round(world)
    world.committee.secretary_id = None
    db.session.commit()
    with pytest.raises(InvalidInput, match="chưa có bí thư"):
        issue_rollup(rnd, world.committee, world.staff)
    db.session.rollback()
    assert db.session.query(IssuedReport).count() == 0
    login_as(world.staff)
    url = f"/reports/rounds/{rnd.id}/orgs/{world.committee.id}/rollup"
    assert "chưa có bí thư" in client.get(url).get_data(as_text=True)  # said before anyone fills the form
    resp = client.form(url, {"number": "1", "issued_on": "2026-02-07", "fmt": "pdf"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "chưa có bí thư" in html and f"/manage/orgs/{world.committee.id}" in html
    result = runner.invoke(args=["reports", "rollup", "--round", str(rnd.id), "--org", "DUCQ", "--issue", "-o", "/dev/null"])
    assert result.exit_code == 1 and "chưa có bí thư" in result.output and "Traceback" not in result.output
    assert db.session.query(IssuedReport).count() == 0
    world.committee.secretary_id = world.staff.id
    db.session.commit()
    assert "chưa có bí thư" not in client.get(url).get_data(as_text=True)
    world.committee.secretary_id = None
    db.session.commit()
    # The working .xlsx needs no signer.
    report, data = issue_rollup(rnd, world.committee, world.staff, fmt="xlsx")
    assert report is None and data[:2] == b"PK"


def _recipients(pdf: bytes) -> str:
    """The left column from 'Nơi nhận:' on, lines joined."""
    for page in open_pages(pdf):
        lines = [ln.text for ln in text_lines(page, x_max=A4[0] / 2 - 15)]
        if "Nơi nhận:" in lines:
            return " ".join(lines[lines.index("Nơi nhận:"):])
    raise AssertionError("no 'Nơi nhận:' block")


def test_recipient_is_the_receiving_body(world):
    """Is the roll-up sent to 'Ban Thường vụ Tỉnh ủy …' by default, the org's setting when set, and refused at the root?"""
    rnd = _round(world)
    _, pdf = issue_rollup(rnd, world.committee, world.staff, issued_on=date(2026, 2, 7))
    text = _recipients(pdf)
    assert "- Ban Thường vụ Tỉnh ủy Bình Phước (báo cáo)," in text and "Cấp trên" not in text
    assert "Ban Thường vụ Tỉnh ủy Bình Phước" == identity.receiving_body(world.committee, standing=True)
    world.committee.report_to = "Ban Thường vụ Đảng ủy các cơ quan Đảng tỉnh"
    db.session.commit()
    _, pdf = issue_rollup(rnd, world.committee, world.staff, issued_on=date(2026, 2, 8), reason="Đổi nơi nhận")
    assert "- Ban Thường vụ Đảng ủy các cơ quan Đảng tỉnh (báo cáo)," in _recipients(pdf)
    # A cell's sheet goes to its committee, by name of the body.
    _, pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a)
    assert "- Đảng ủy Khối các cơ quan tỉnh (báo cáo)," in _recipients(pdf)
    world.province.secretary_id = world.staff.id
    db.session.commit()
    with pytest.raises(InvalidInput, match="chưa có nơi nhận"):
        issue_rollup(rnd, world.province, world.staff)


def test_committee_names():
    """Is the organization's name turned into its body's name ('Đảng bộ tỉnh X' -> 'Tỉnh ủy X')?"""
    assert identity.committee_name("Đảng bộ tỉnh Đồng Nai") == "Tỉnh ủy Đồng Nai"
    assert identity.committee_name("Đảng bộ thành phố Hồ Chí Minh") == "Thành ủy Hồ Chí Minh"
    assert identity.committee_name("Đảng bộ xã Tân Phú") == "Đảng ủy xã Tân Phú"
    assert identity.committee_name("Đảng ủy Khối các cơ quan tỉnh") == "Đảng ủy Khối các cơ quan tỉnh"


def test_rollup_last_heading_and_signature_never_left_behind(world):
    """For any number of cells, are section 4's heading, its last line and the signature on one page?"""
    row = rollup_data().rows[1]
    moved = 0
    for n in range(1, 26):
        rows = [dict(row, code=f"CB-{i}", name=f"Chi bộ ấp {i}") for i in range(n)]
        pdf = build_rollup(rollup_data(rows=rows), "02-BC/ĐU", date(2026, 2, 7), margins_mm=MARGINS)
        pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
        heading = [i for i, t in enumerate(pages) if "4. Nội dung đảng viên nắm chưa vững" in t]
        signer = [i for i, t in enumerate(pages) if "Lê Văn Ký" in t]
        assert heading and signer and heading[0] == signer[0], n
        moved += bool(heading[0]) and bool(re.match(r"\d+ 4\. Nội dung", pages[heading[0]]))
    assert moved, "no table length tried pushed section 4 to a new page"


def test_cell_sheet_refused_without_secretary(world):
    """Is a cell sheet without a secretary refused before a number is used?"""
    rnd = _round(world)
    world.cell_a.secretary_id = None
    db.session.commit()
    with pytest.raises(InvalidInput, match="chưa có bí thư"):
        issue_cell_sheet(rnd, world.cell_a, world.deputy_a)
    db.session.rollback()
    assert db.session.query(IssuedReport).count() == 0


def test_appendix_table_text_stays_inside_its_columns(world):
    """Do the appendix's status, participation, score and classification cells stay inside their columns?"""
    members = [MemberLine("Nguyễn Thị Ngọc Ánh Hoàng Phương", "Chính thức", "Vắng; Đi công tác (có lý do)", 10.0,
                          "Trung bình"),
               MemberLine("Lê Văn Tám", "Dự bị", "Học bù", None, "Chưa đạt")]
    bad, checked = words_crossing_grid(build_cell_sheet(sheet(members=members), MARGINS))
    assert not bad and checked > 15
