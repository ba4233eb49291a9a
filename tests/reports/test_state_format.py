"""State documents (Nghị định 30/2020) for units that report through state channels: issuer, number,
signer, place, sizes — read back from the PDF — and the per-year register."""
from __future__ import annotations

from datetime import date

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from quizapp.extensions import db
from quizapp.services.exceptions import InvalidInput
from quizapp.services.reporting import numbering
from quizapp.services.reporting.rollup import issue_rollup
from tests.factories import make_report_attempt, make_report_round
from tests.reports.pdfcheck import find_line, open_pages, page_text, text_lines

MID = A4[0] / 2
LEFT_END = (30 + 0.4 * (210 - 30 - 15)) * mm  # the state letterhead's left column: 40 % of the frame


@pytest.fixture
def unit(world):
    """The committee, set up as a state unit (Sở Khoa học và Công nghệ) with a round to report."""
    c = world.committee
    c.state_unit_name, c.state_superior, c.state_abbr = ("Sở Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh Đồng Nai",
                                                         "SKHCN")
    c.state_place, c.state_signer_title, c.state_signer_name = "Đồng Nai", "KT. Giám đốc / Phó Giám đốc", "Ngô Văn Hải"
    rnd = make_report_round([c], c)
    make_report_attempt(rnd, world.secretary_a, 9.0)
    db.session.commit()
    return rnd


def _words_after(page, text: str) -> list[dict]:
    lines = text_lines(page, x_max=MID - 15)
    idx = next(i for i, ln in enumerate(lines) if ln.text == text)
    return [w for ln in lines[idx + 1:] for w in ln.words]


def test_state_letterhead_issuer_number_place_and_signer(world, unit):
    """Is the unit under its superior body, 'Số: 01/BC-SKHCN', the province as place, and KT./PHÓ GIÁM ĐỐC signing?"""
    report, pdf = issue_rollup(unit, world.committee, world.staff, state=True, issued_on=date(2026, 3, 2))
    assert report.number_label == "01/BC-SKHCN"
    pages = open_pages(pdf)
    first = pages[0]
    left = [ln.text for ln in text_lines(first, x_max=LEFT_END) if ln.top < 150]
    assert left[:4] == ["ỦY BAN NHÂN DÂN", "TỈNH ĐỒNG NAI", "SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"]
    assert "Số: 01/BC-SKHCN" in left
    assert not any("ĐẢNG ỦY" in ln for ln in left)  # the issuer is the unit, not the party committee
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page_text(first) and "Độc lập - Tự do - Hạnh phúc" in page_text(first)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in page_text(first)
    assert find_line(first, "Đồng Nai, ngày 02 tháng 3 năm 2026", x_min=LEFT_END)
    title = [ln.text for ln in text_lines(first)]
    assert title[title.index("BÁO CÁO") + 1].startswith("Tổng hợp kết quả")
    whole = " ".join(page_text(p) for p in pages)
    assert "KT. GIÁM ĐỐC" in whole and "PHÓ GIÁM ĐỐC" in whole and "Ngô Văn Hải" in whole
    assert "T/M" not in whole and "BÍ THƯ" not in whole


def test_state_recipients_block_sizes(world, unit):
    """Is 'Nơi nhận:' bold italic 12 pt and each recipient 11 pt, addressed to the superior body?"""
    _, pdf = issue_rollup(unit, world.committee, world.staff, state=True, issued_on=date(2026, 3, 2))
    for page in open_pages(pdf):
        lines = text_lines(page, x_max=MID - 15)
        head = next((ln for ln in lines if ln.text == "Nơi nhận:"), None)
        if head:
            break
    assert head is not None
    assert all(abs(w["size"] - 12) < 0.1 and "BoldItalic" in w["fontname"] for w in head.words)
    after = _words_after(page, "Nơi nhận:")
    # The verification lines (Mã xác thực / Đối chiếu tại) may follow the recipients in the same column.
    verify_top = min((w["top"] for w in after if w["text"] in ("Mã", "Đối")), default=None)
    if verify_top is not None:
        after = [w for w in after if w["top"] < verify_top - 1]
    assert after and all(abs(w["size"] - 11) < 0.1 for w in after)
    recipients = " ".join(w["text"] for w in after)
    assert "- Ủy ban nhân dân tỉnh Đồng Nai (báo cáo)," in recipients and "- Lưu: VT." in recipients


def test_state_numbers_restart_each_calendar_year(world, unit):
    """Do state numbers count 01, 02 in 2026 and restart at 01 in 2027, apart from the party register?"""
    r1, _ = issue_rollup(unit, world.committee, world.staff, state=True, issued_on=date(2026, 3, 2))
    other = make_report_round([world.committee], world.committee, title="Đợt 2")
    db.session.commit()
    r2, _ = issue_rollup(other, world.committee, world.staff, state=True, issued_on=date(2026, 11, 30))
    party, _ = issue_rollup(unit, world.committee, world.staff, issued_on=date(2026, 12, 1))
    assert (r1.number_label, r2.number_label, party.number_label) == ("01/BC-SKHCN", "02/BC-SKHCN", "01-BC/ĐU")
    assert numbering.next_number(world.committee, state=True, on=date(2027, 1, 5)) == 1
    r3, pdf = issue_rollup(other, world.committee, world.staff, state=True, issued_on=date(2027, 1, 5),
                           reason="Số liệu bổ sung")
    assert r3.number_label == "01/BC-SKHCN" and "Số: 01/BC-SKHCN" in page_text(open_pages(pdf)[0])
    assert numbering.next_number(world.committee, state=True, on=date(2026, 6, 1)) == 3
    assert numbering.next_number(world.committee) == 2


def test_state_format_refused_until_the_unit_is_set_up(world, unit):
    """Without the unit's abbreviation and signer, is the state roll-up refused, naming what is missing?"""
    c = world.committee
    c.state_abbr, c.state_signer_name = None, ""
    db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        issue_rollup(unit, c, world.staff, state=True)
    assert "chữ viết tắt tên cơ quan" in exc.value.message and "họ tên người ký" in exc.value.message
    assert "chức vụ người ký" not in exc.value.message


def test_org_page_saves_document_settings(world, client, login_as):
    """Can staff set the receiving body and the NĐ 30 identity on the org page (abbreviation in capitals)?"""
    login_as(world.staff)
    url = f"/manage/orgs/{world.committee.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Ban Thường vụ Tỉnh ủy Bình Phước" in page  # the default, shown as a hint
    data = {"edit-name": world.committee.name, "edit-place": "Đồng Xoài", "edit-term": "2025-2030",
            "edit-secretary_id": "0", "edit-submit": "1",
            "edit-report_to": "Ban Thường vụ Tỉnh ủy\u200b Đồng Nai", "edit-state_unit_name": "Sở Khoa học và Công nghệ",
            "edit-state_superior": "Ủy ban nhân dân tỉnh Đồng Nai", "edit-state_abbr": "skhcn",
            "edit-state_place": "Đồng Nai", "edit-state_signer_title": "GIÁM ĐỐC", "edit-state_signer_name": "Ngô Văn Hải"}
    resp = client.form(url, data)
    assert resp.status_code == 302
    db.session.refresh(world.committee)
    c = world.committee
    assert (c.report_to, c.state_abbr, c.state_signer_name) == ("Ban Thường vụ Tỉnh ủy Đồng Nai", "SKHCN", "Ngô Văn Hải")
    bad = client.form(url, {**data, "edit-state_abbr": "SK HCN"})
    assert bad.status_code == 200 and "Chữ viết tắt chỉ gồm chữ cái và số" in bad.get_data(as_text=True)
