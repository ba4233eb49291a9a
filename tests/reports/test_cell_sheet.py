"""The per-cell result sheet PDF: figures, Vietnamese text, order, escaping, numbering."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from quizapp.extensions import db
from quizapp.models import IssuedReport
from quizapp.services.exceptions import InvalidInput
from quizapp.services.reporting import numbering
from quizapp.services.reporting.sheets import issue_cell_sheet
from tests.factories import (
    add_member,
    make_questions,
    make_report_attempt,
    make_report_round,
)


def pdf_pages(data: bytes) -> list[str]:
    """Text of each page."""
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """Collapse line breaks so wrapped phrases can be matched."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def cell_round(world):
    """CB-A: 4 required members (3 took part), one hostile name, an essay and three topics."""
    rnd = make_report_round([world.committee], world.committee)
    qs = make_questions(3, essay=True)
    hostile = add_member(world.cell_a, "<b>Lê & Văn</b>")
    make_report_attempt(rnd, world.secretary_a, 9.0, versions=qs, picks=["a", "a", "b"], essay_awarded=1.0)
    make_report_attempt(rnd, world.deputy_a, 7.0, versions=qs, picks=["a", "b", "b"])
    make_report_attempt(rnd, hostile, 4.0, versions=qs, picks=["b", "c", "b"], makeup=True)
    db.session.commit()
    return rnd, hostile


def test_sheet_prints_party_format_and_figures(world, cell_round):
    """Does the sheet carry the HD 36 letterhead, the number, and '3/4 đảng viên, đạt 75,00%'?"""
    rnd, _ = cell_round
    report, pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a, issued_on=date(2026, 2, 6))
    pages = pdf_pages(pdf)
    first = flat(pages[0])
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in first
    assert "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH" in first
    assert "CHI BỘ SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in first
    assert "Số 01-BC/CB" in first
    assert "Đồng Xoài, ngày 06 tháng 02 năm 2026" in first
    assert "BÁO CÁO" in first
    assert "3/4 đảng viên, đạt 75,00%" in first
    assert "chưa đạt" in first
    assert "Trước học bù: 2/4 đảng viên, đạt 50,00%" in first
    whole = flat(" ".join(pages))
    assert "Giỏi 1/3 (33,33%)" in whole
    assert "Bài thu hoạch: đã nộp 3, đã chấm 1" in whole
    assert "Nơi nhận:" in whole and "Lưu Chi bộ." in whole
    assert "T/M CHI BỘ" in whole and "BÍ THƯ" in whole and "Trần Văn Bình" in whole
    assert report.verify_code in whole
    assert f"/verify/{report.verify_code}" in whole
    assert report.figures["figures"]["took_part"] == 3


def test_sheet_pages_numbered_from_page_two(world, cell_round):
    """Is page 1 unnumbered while every later page starts with its number?"""
    rnd, _ = cell_round
    _, pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a)
    pages = pdf_pages(pdf)
    assert len(pages) >= 2
    assert not pages[0].strip().startswith("1")
    for i, text in enumerate(pages[1:], start=2):
        assert text.strip().startswith(str(i))


def test_appendix_in_vietnamese_name_order_with_hostile_name(world, cell_round):
    """Is the appendix sorted by given name, and does '<b>Lê & Văn</b>' print literally?"""
    rnd, _ = cell_round
    _, pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a)
    appendix = flat(pdf_pages(pdf)[-1])
    assert "PHỤ LỤC" in appendix
    order = ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Phạm Thị Cúc", "<b>Lê & Văn</b>"]
    positions = [appendix.index(n) for n in order]
    assert positions == sorted(positions)
    assert "Học bù" in appendix and "Chưa ghi lý do" in appendix
    assert "9,0" in appendix


def test_weakest_topic_printed(world, cell_round):
    """Does the sheet list the weakest topic with its share of correct answers?"""
    rnd, _ = cell_round
    _, pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a)
    whole = flat(" ".join(pdf_pages(pdf)))
    assert "Tự diễn biến: tỷ lệ trả lời đúng 0,00%" in whole


def test_numbering_per_term(world, cell_round):
    """Does the number increase per document, restart in a new term, and refuse a number in use?"""
    rnd, _ = cell_round
    assert numbering.next_number(world.cell_a) == 1
    r1, _ = issue_cell_sheet(rnd, world.cell_a, world.secretary_a)
    other = make_report_round([world.cell_a], world.cell_a, title="Đợt 2")
    db.session.commit()
    r2, _ = issue_cell_sheet(other, world.cell_a, world.secretary_a)
    assert (r1.number, r2.number) == (1, 2)
    with pytest.raises(InvalidInput):
        issue_cell_sheet(other, world.cell_a, world.secretary_a, number=1)
    db.session.rollback()
    # The same round's sheet may not be issued again under its own number either: a number is never reused.
    with pytest.raises(InvalidInput, match="không dùng lại"):
        issue_cell_sheet(rnd, world.cell_a, world.secretary_a, number=1, reason="Sửa số liệu")
    db.session.rollback()
    world.cell_a.term = "2027-2030"
    db.session.commit()
    assert numbering.next_number(world.cell_a) == 1
    r3, _ = issue_cell_sheet(rnd, world.cell_a, world.secretary_a, reason="Cấp lại trong nhiệm kỳ mới")
    assert r3.number_label == "01-BC/CB" and r3.replaces_id == r1.id
    assert db.session.query(IssuedReport).count() == 3


def test_exempt_member_left_out_of_sheet(world, cell_round):
    """Is an exempt member left out of the appendix and of the denominator?"""
    rnd, _ = cell_round
    add_member(world.cell_a, "Lý Văn Miễn", exempt=True)
    db.session.commit()
    _, pdf = issue_cell_sheet(rnd, world.cell_a, world.secretary_a)
    whole = flat(" ".join(pdf_pages(pdf)))
    assert "Lý Văn Miễn" not in whole
    assert "miễn công tác và sinh hoạt đảng: 1" in whole
    assert "3/4 đảng viên" in whole
