"""Excel and CSV per-member exports: headers, formats, diacritics, formula neutralizing."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from quizapp.extensions import db
from quizapp.services.reporting import excel
from quizapp.vn import nfc
from tests.factories import add_member, make_report_attempt, make_report_round

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.fixture
def data(world):
    """A round over the committee with a hostile name and a scored attempt."""
    rnd = make_report_round([world.committee], world.committee)
    bad = add_member(world.cell_a, HOSTILE)
    add_member(world.cell_a, "@SUM(1+1)")
    add_member(world.cell_a, "<b>Lê & Văn</b>")
    make_report_attempt(rnd, bad, 8.5)
    make_report_attempt(rnd, world.member_b, 6.0)
    db.session.commit()
    return rnd


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+84 912", "'+84 912"), ("-2", "'-2"), ("@x", "'@x"),
    ("\t=x", "'=x"), ("\r=x", "'=x"), ("Nguyễn Văn An", "Nguyễn Văn An"), (None, ""),
])
def test_safe_text(value, expected):
    """Does every cell that could run as a formula get a leading apostrophe?"""
    assert excel.safe_text(value) == expected


@pytest.mark.parametrize("value", [
    "B000123", "", " x", "x ", "a  b", "a\tb", "a\nb", "a\x1fb", "=1", "-x", "'x", "Lê  Văn", " Lê", "a\u200bb",
])
def test_safe_text_plain_ascii_shortcut(value):
    """Does the shortcut for plain ASCII give what nfc() and the formula check give for any text?"""
    text = nfc(value)
    expected = "'" + text if value[:1] in excel.DANGEROUS or text[:1] in excel.DANGEROUS else text
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
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2] == "Họ và tên"
    names = [r[2] for r in rows[1:]]
    assert "Nguyễn Thị Ngọc Ánh" in names
    assert "'" + HOSTILE in names
    hostile_row = next(r for r in rows if r[2] == "'" + HOSTILE)
    assert hostile_row[8] == "8,5" and hostile_row[6] == "Đã tham gia"


def test_cell_export_scoped_to_cell(world, data):
    """Does a CB-A export leave out CB-B's members?"""
    rows = list(csv.reader(io.StringIO(excel.members_csv(data, world.cell_a, ",").decode("utf-8-sig"))))
    names = {r[2] for r in rows[1:]}
    assert "Võ Văn Em" not in names and "Hoàng Văn Dũng" not in names
    assert "Trần Văn Bình" in names


# ---------------------------------------------------------------- Vietnamese Excel: ';' CSV, roll-up xlsx
def test_web_csv_defaults_to_semicolons_with_comma_as_option(world, data, client, login_as):
    """Does the web CSV use ';' (what Vietnamese Excel splits on) with a BOM, ',' on request, and 404 otherwise?"""
    login_as(world.secretary_a)
    base = f"/reports/rounds/{data.id}/orgs/{world.cell_a.id}/export.csv"
    semi = client.get(base)
    assert semi.status_code == 200 and semi.data.startswith(b"\xef\xbb\xbf")
    first = semi.data.decode("utf-8-sig").splitlines()[0]
    assert first.startswith("STT;Mã đảng viên;Họ và tên;") and "," not in first
    rows = list(csv.reader(io.StringIO(semi.data.decode("utf-8-sig")), delimiter=";"))
    hostile = next(r for r in rows if r[2] == "'" + HOSTILE)
    assert hostile[8] == "8,5"  # the decimal comma stays inside its cell
    comma = client.get(base + "?sep=comma")
    assert comma.data.decode("utf-8-sig").splitlines()[0].startswith("STT,Mã đảng viên,Họ và tên,")
    rows = list(csv.reader(io.StringIO(comma.data.decode("utf-8-sig"))))
    assert next(r for r in rows if r[2] == "'" + HOSTILE)[8] == "8,5"
    assert client.get(base + "?sep=tab").status_code == 404


def test_cli_csv_separator(world, data, runner, tmp_path):
    """Does `flask reports export --format csv` write ';' by default and ',' with --sep comma?"""
    out = tmp_path / "ds.csv"
    args = ["reports", "export", "--round", str(data.id), "--org", "CB-A", "--format", "csv", "-o", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    assert out.read_bytes().decode("utf-8-sig").startswith("STT;")
    assert runner.invoke(args=[*args, "--sep", "comma"]).exit_code == 0
    assert out.read_bytes().decode("utf-8-sig").startswith("STT,")


def test_rollup_xlsx_title_rows_and_make_up_columns(world):
    """Does the roll-up .xlsx carry org, round, date and number above the table, and make-up columns?"""
    from datetime import date

    from quizapp.services.reporting.rollup import issue_rollup

    rnd = make_report_round([world.committee], world.committee, title="Học tập Nghị quyết 04 (đợt 1)")
    make_report_attempt(rnd, world.secretary_a, 9.0)
    make_report_attempt(rnd, world.deputy_a, 8.0, makeup=True)
    make_report_attempt(rnd, world.member_b, 6.0)
    db.session.commit()
    _, data = issue_rollup(rnd, world.committee, world.staff, fmt="xlsx", issued_on=date(2026, 2, 9))
    ws = load_workbook(io.BytesIO(data))["Tổng hợp"]
    titles = [ws.cell(row=i, column=1).value for i in range(1, 6)]
    assert titles[0] == "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"
    assert "Học tập Nghị quyết 04 (đợt 1)" in titles[2] and "05/02/2026" in titles[2]
    assert titles[3] == "Ngày lập: 09/02/2026" and "chưa ban hành" in titles[4]
    head = [c.value for c in ws[7]]
    assert head[7:10] == ["Học bù", "Tỷ lệ trước học bù (%)", "Tỷ lệ sau học bù (%)"]
    rows = {r[1]: r for r in ([c.value for c in row] for row in ws.iter_rows(min_row=8)) if r[1]}
    a = rows["CB-A"]  # 3 required: 1 on time, 1 made up
    assert (a[6], a[7], a[8], a[9]) == (2, 1, 33.33, 66.66)  # truncated, never rounded up
    issue_rollup(rnd, world.committee, world.staff, issued_on=date(2026, 2, 9), number=4)
    _, data = issue_rollup(rnd, world.committee, world.staff, fmt="xlsx", issued_on=date(2026, 2, 9))
    assert load_workbook(io.BytesIO(data))["Tổng hợp"].cell(row=5, column=1).value == "Số văn bản: 04-BC/ĐU"


def test_results_page_truncates_rates(world, client, login_as):
    """Does the results page show 2 of 3 as 66,66% (truncated, like the documents), not 66,67%?"""
    rnd = make_report_round([world.committee], world.committee)
    make_report_attempt(rnd, world.secretary_a, 9.0)
    make_report_attempt(rnd, world.deputy_a, 8.0)
    db.session.commit()
    login_as(world.staff)
    html = client.get(f"/reports/rounds/{rnd.id}").get_data(as_text=True)
    assert "66,66%" in html and "66,67%" not in html


# ---------------------------------------------------------------- the per-member rows against the members' statuses
def test_member_rows_agree_with_member_statuses(world):
    """Do the export's rows and the roll-up's cell rows (SQL over the committee: set-wise on
    PostgreSQL) say, member by member, what the board's statuses (per person, rules.pick_counted)
    say — for two attempts, an open one, an exempt member, one who moved cells after the session
    date, a recorded absence, a status changed before the session date, a first status dated after
    it and a person with no dated status at all?"""
    from datetime import date, datetime

    from quizapp.models import Absence, Exemption, PartyStatusPeriod
    from quizapp.services import participation
    from quizapp.services.reporting import queries
    from tests.factories import move

    rnd = make_report_round([world.committee], world.committee)
    two = add_member(world.cell_a, "Đặng Văn Hai")
    make_report_attempt(rnd, two, 6.0, number=1)
    make_report_attempt(rnd, two, 9.0, number=2, makeup=True)  # best: the second counts
    make_report_attempt(rnd, add_member(world.cell_a, "Bùi Thị Mở"), None, status="in_progress")
    exempt = add_member(world.cell_b, "Hồ Văn Miễn")
    db.session.add(Exemption(person_id=exempt.id, reason="Tuổi cao", start_date=date(2025, 1, 1)))
    moved = add_member(world.cell_a, "Lý Văn Chuyển")
    make_report_attempt(rnd, moved, 7.5)
    move(moved, world.cell_b, date(2026, 3, 1))  # after the session date: still counted in CB-A
    db.session.add(Absence(round_id=rnd.id, person_id=world.member_b.id, reason_code="om", excused=True,
                           recorded_at=datetime(2026, 2, 6)))
    changed = add_member(world.cell_b, "Tạ Văn Chính")  # chính thức since 2020, dự bị from 2026-01-01
    db.session.add(PartyStatusPeriod(person_id=changed.id, party_status="du_bi", start_date=date(2026, 1, 1)))
    late = add_member(world.cell_b, "Tạ Văn Muộn")  # only periods after the session date: the first one applies
    PartyStatusPeriod.query.filter_by(person_id=late.id).delete()
    db.session.add_all([PartyStatusPeriod(person_id=late.id, party_status="du_bi", start_date=date(2026, 6, 1)),
                        PartyStatusPeriod(person_id=late.id, party_status="chinh_thuc", start_date=date(2027, 6, 1))])
    bare = add_member(world.cell_b, "Tạ Văn Trống", party_status="quan_chung")  # no periods: today's value
    PartyStatusPeriod.query.filter_by(person_id=bare.id).delete()
    db.session.commit()

    rows = {r[0]: r for r in queries.member_result_rows(rnd, world.committee)}
    statuses = participation.member_statuses(rnd, world.committee)
    assert len(rows) == len(statuses) > 6
    for s in statuses:
        (_, name, cell, status, exempt_, took, open_, makeup, score, cls, _pending, finished_at,
         reason_code, _text, excused, _mode) = rows[s.person.member_code]
        counted = s.attempt if s.state == "submitted" else None
        assert (name, cell, status, bool(exempt_)) == (s.person.full_name, s.cell.name, s.party_status, s.exempt)
        assert bool(took) == (counted is not None) and bool(open_) == (s.state == "in_progress")
        assert (score, cls, finished_at) == ((s.shown_score, counted.classification, counted.finished_at)
                                             if counted else (None, None, None))
        assert bool(makeup) == bool(counted and counted.is_makeup)
        assert (reason_code, excused) == ((s.absence.reason_code, s.absence.excused) if s.absence else (None, None))
    assert rows[two.member_code][8] == 9.0 and rows[two.member_code][7]
    assert rows[moved.member_code][2] == world.cell_a.name
    assert rows[exempt.member_code][4] and rows[world.member_b.member_code][12] == "om"
    assert [rows[p.member_code][3] for p in (changed, late, bare)] == ["du_bi", "du_bi", "quan_chung"]

    by_cell = {r.org_id: r for r in queries.cell_rows(rnd, world.committee)}
    assert set(by_cell) == {s.cell.id for s in statuses}
    for cell_id, row in by_cell.items():
        mine = [s for s in statuses if s.cell.id == cell_id]
        took = [s for s in mine if s.required and s.state == "submitted"]
        assert (row.total, row.exempt, row.required, row.took_part, row.non_party) == (
            sum(s.is_party_member for s in mine), sum(s.is_party_member and s.exempt for s in mine),
            sum(s.required for s in mine), len(took), sum(not s.is_party_member for s in mine))
        assert row.score_sum == sum(s.shown_score for s in took if s.shown_score is not None)
