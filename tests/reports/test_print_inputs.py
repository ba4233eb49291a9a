"""Inputs that print badly: invisible format characters are stripped, emoji are refused in names
and never printed as boxes, long names stay inside a login slip."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Person
from quizapp.services import people, roster, slips
from quizapp.services.exceptions import InvalidInput
from quizapp.services.pdf_fonts import covered, register_sans, register_serif
from quizapp.services.reporting.pdf.cell_sheet import MemberLine, build_cell_sheet
from quizapp.vn import nfc, strip_invisible, symbols_in_name
from tests.people.conftest import csv_bytes
from tests.reports.pdfcheck import open_pages
from tests.reports.test_party_format import MARGINS, sheet

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u202e", "\u2066", "\u2069", "\u061c"]
SMILE = "\U0001F600"


@pytest.mark.parametrize("ch", INVISIBLE)
def test_invisible_format_characters_are_stripped(ch):
    """Does nfc() drop each invisible format character (zero-width, BOM, soft hyphen, bidi controls)?"""
    assert nfc(f"Nguy{ch}ễn Văn{ch} A{ch}") == "Nguyễn Văn A"
    assert strip_invisible(f"a{ch}b") == "ab"


def test_person_names_are_stored_without_invisible_characters(world):
    """Does a name pasted with zero-width characters sort and print like the clean one?"""
    people.update_person(world.member_a, world.admin, {"full_name": "Nguyễn\u200b Thị\u2060 Ngọc\ufeff Ánh",
                                                        "party_status": "chinh_thuc", "state": "active"})
    db.session.refresh(world.member_a)
    assert world.member_a.full_name == "Nguyễn Thị Ngọc Ánh"
    p = Person(member_code="X1")
    p.set_name("Trần\u200d Văn\u202e Bình")
    assert p.full_name == "Trần Văn Bình"


def test_emoji_in_a_name_is_refused_on_input(world):
    """Is a name with an emoji refused with a clear message, by the person form and by roster import?"""
    assert symbols_in_name(f"Lê Văn Tám {SMILE}") == [SMILE]
    assert symbols_in_name("Nguyễn Thị Ngọc Ánh") == []
    with pytest.raises(InvalidInput) as exc:
        people.update_person(world.member_a, world.admin, {"full_name": f"Nguyễn Thị Ánh {SMILE}",
                                                            "party_status": "chinh_thuc", "state": "active"})
    text = exc.value.message + str(exc.value.details or "")
    assert "không in được" in text
    db.session.rollback()
    with pytest.raises(InvalidInput) as exc:
        roster.import_roster("ds.csv", csv_bytes([[f"Lê Văn Tám {SMILE}", "93000009", "", "", "", "Chính thức", "", "",
                                                   "CB-A"]]), scope=None, default_org=None, actor=world.admin,
                             dry_run=False, today=date(2026, 2, 1))
    assert "không in được" in str(exc.value.details) + exc.value.message
    db.session.rollback()
    assert db.session.scalar(select(Person).where(Person.member_code == "93000009")) is None


def test_emoji_never_printed_as_a_box_on_the_sheet(world):
    """An emoji stored before the check: is it left out of the sheet (no glyph-less character reaches the PDF)?"""
    family = register_serif()
    assert ord(SMILE) not in covered(family)
    data = sheet(cell_name=f"Chi bộ ấp Bàu Sen {SMILE}", members=[
        MemberLine(f"Lê Văn Tám {SMILE}", "Chính thức", "Đã tham gia", 9.0, "Giỏi")])
    pdf = build_cell_sheet(data, MARGINS)
    have = covered(family)
    for page in open_pages(pdf):
        for ch in page.chars:
            assert all(ord(c) in have for c in ch["text"]), ch
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Lê Văn Tám" in text and SMILE not in text


def test_emoji_never_printed_on_a_slip(world):
    """Is a slip's name printed without the emoji the slip font lacks?"""
    family = register_sans()
    assert ord(SMILE) not in covered(family + "-Bold")
    pdf = slips.build_slips_pdf([slips.Slip("Chi bộ A", f"Lê Văn Tám {SMILE}", "93000001", "abcd2345")],
                                "https://hoctap.example.vn")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Lê Văn Tám" in text and SMILE not in text


LONG_NAME = ("Lê Thị Ngọc Ánh Hoàng Phương Thảo Trần Lê Minh Khôi Phạm Vũ Bảo Ngọc Đặng Huỳnh Gia Hân "
             "Võ Đỗ Quốc Trung Bùi Thanh Tâm Ý")


def test_long_name_stays_inside_its_slip(world):
    """With a 120-character name and a long cell name, does every word of every slip stay inside its cut lines?"""
    assert len(LONG_NAME) == 120
    data = [slips.Slip("Chi bộ Sở Khoa học và Công nghệ tỉnh Đồng Nai (cơ sở 2, thành phố Biên Hòa)",
                       LONG_NAME, f"9300000{i}", "abcd2345") for i in range(10)]
    pdf = slips.build_slips_pdf(data, "https://hoctap.dongnai.gov.vn/dang-nhap")
    page = open_pages(pdf)[0]
    cuts = page.lines  # the dashed cut lines (the QR code is drawn as rectangles)
    xs = sorted({round(e["x0"], 1) for e in cuts if abs(e["x0"] - e["x1"]) < 0.1})
    ys = sorted({round(e["top"], 1) for e in cuts if abs(e["top"] - e["bottom"]) < 0.1})
    assert len(xs) == 3 and len(ys) == 6
    words = page.extract_words(x_tolerance=1.5)
    for w in words:
        col = next(i for i in range(2) if xs[i] <= w["x0"] < xs[i + 1])
        row = next(i for i in range(5) if ys[i] <= w["top"] < ys[i + 1])
        assert w["x1"] <= xs[col + 1] - 2 and w["bottom"] <= ys[row + 1] - 2, (w["text"], col, row)
    slip_words = [w["text"] for w in words if w["x0"] < xs[1] and w["top"] < ys[1]]
    assert " ".join(slip_words).count("Tâm Ý") == 1  # the whole name is there, not cut off


def test_short_name_keeps_its_full_size(world):
    """Is an ordinary name still printed large (12,5 pt)?"""
    pdf = slips.build_slips_pdf([slips.Slip("Chi bộ A", "Trần Văn Bình", "93000001", "abcd2345")], "https://x.vn")
    sizes = {round(c["size"], 1) for c in open_pages(pdf)[0].chars if c["text"] == "B"}
    assert 12.5 in sizes
