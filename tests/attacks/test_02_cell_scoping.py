"""Checklist item 2: cell scoping — a secretary must never see another cell in any list, count,
search, export, PDF or API. Each test runs both ways (B's secretary against cell A, A's against B)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from quizapp.extensions import db
from tests.attacks.helpers import build_scene, take
from tests.factories import make_bank, make_quiz


@dataclass
class Side:
    """The attacker, the victim cell, its member and markers that must not leak."""

    attacker: object
    own_cell: object
    victim_cell: object
    victim: object
    markers: list


def _sides(world, which: str) -> Side:
    if which == "b_vs_a":
        return Side(world.secretary_b, world.cell_b, world.cell_a, world.member_a,
                    ["Nguyễn Thị Ngọc Ánh", "MEMA", "Bài của A", "Trần Văn Bình", "Phạm Thị Cúc"])
    return Side(world.secretary_a, world.cell_a, world.cell_b, world.member_b,
                ["Võ Văn Em", "MEMB", "Bài của B", "Hoàng Văn Dũng"])


def _no_markers(resp, side: Side, label: str, echoed: str = "") -> None:
    text = resp.get_data(as_text=True)
    if echoed:  # the search box and "n people match “q”" echo the query itself
        text = text.replace(echoed, "")
    found = [m for m in side.markers if m in text]
    assert not found, f"{label} shows {found}"


@pytest.fixture(params=["b_vs_a", "a_vs_b"])
def setup(request, app, world, login_as):
    """The scene, the side under test and a client logged in as its attacker."""
    scene = build_scene(world)
    side = _sides(world, request.param)
    take(scene.quiz_id, side.attacker, "Bài của bí thư")  # secretaries sit the quiz too; finished, keys open
    c = login_as(side.attacker, c=app.test_client())
    return scene, side, c


def test_people_list_and_search_never_show_the_other_cell(setup):
    """Does searching the people list for the other cell's member's name or code find nothing?"""
    scene, side, c = setup
    for q in (side.victim.full_name, side.victim.member_code, side.victim.full_name.split()[-1], ""):
        resp = c.get("/manage/people", query_string={"q": q})
        assert resp.status_code == 200
        _no_markers(resp, side, f"people?q={q}", echoed=q)
        assert f"/manage/people/{side.victim.id}" not in resp.get_data(as_text=True)
    assert c.get("/manage/people", query_string={"org": side.victim_cell.id}).status_code == 404
    assert c.get(f"/manage/people/{side.victim.id}").status_code == 404
    assert c.get(f"/manage/people/{side.victim.id}/edit").status_code == 404


def test_board_results_and_items_scoped(setup):
    """Do the board, its fragment, the results page and item analysis hide the other cell?"""
    scene, side, c = setup
    rid, vid = scene.round_id, side.victim_cell.id
    for url in (f"/manage/rounds/{rid}/board", f"/manage/rounds/{rid}/board/fragment", f"/reports/rounds/{rid}",
                f"/manage/rounds/{rid}", f"/reports/rounds/{rid}/orgs/{side.own_cell.id}/items",
                f"/reports/rounds/{rid}/orgs/{side.own_cell.id}/absences"):
        resp = c.get(url)
        assert resp.status_code == 200, url
        _no_markers(resp, side, url)
        assert side.victim_cell.name not in resp.get_data(as_text=True), url
    for url in (f"/manage/rounds/{rid}/board?org={vid}", f"/manage/rounds/{rid}/board/fragment?org={vid}",
                f"/reports/rounds/{rid}/orgs/{vid}/items", f"/reports/rounds/{rid}/orgs/{vid}/absences",
                f"/reports/rounds/{rid}/orgs/{vid}/sheet", f"/reports/rounds/{rid}/orgs/{vid}/rollup",
                f"/reports/rounds/{rid}/orgs/{vid}/sheet/preview", f"/reports/rounds/{rid}/orgs/{vid}/rollup/preview",
                f"/reports/rounds/{rid}/orgs/{side.victim_cell.parent_id}/rollup/preview",
                f"/reports/rounds/{rid}/orgs/{vid}/export.xlsx", f"/reports/rounds/{rid}/orgs/{vid}/export.csv",
                f"/reports/rounds/{rid}/orgs/{side.victim_cell.parent_id}/rollup",
                f"/reports/rounds/{rid}/orgs/{side.victim_cell.parent_id}/export.csv"):
        assert c.get(url).status_code == 404, url


def test_exports_and_pdfs_of_own_cell_hold_only_own_people(setup):
    """Do the own cell's xlsx, csv and PDF sheet list nobody of the other cell?"""
    scene, side, c = setup
    rid, oid = scene.round_id, side.own_cell.id
    xlsx = c.get(f"/reports/rounds/{rid}/orgs/{oid}/export.xlsx")
    assert xlsx.status_code == 200
    cells = " ".join(str(v) for ws in load_workbook(io.BytesIO(xlsx.data)).worksheets
                     for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    assert not [m for m in side.markers if m in cells]
    text = xlsx.data.decode("latin-1")
    assert side.victim.member_code not in text
    rows = list(csv.reader(io.StringIO(c.get(f"/reports/rounds/{rid}/orgs/{oid}/export.csv").data.decode("utf-8-sig"))))
    flat = " ".join(" ".join(r) for r in rows)
    assert not [m for m in side.markers if m in flat] and side.victim.member_code not in flat
    own = "Võ Văn Em" if side.victim.member_code == "MEMA" else "Nguyễn Thị Ngọc Ánh"
    assert own in flat  # control: the export does list the own cell's member
    pdf = c.get(f"/reports/rounds/{rid}/orgs/{oid}/sheet/preview")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    extracted = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert not [m for m in side.markers if m in extracted]


def test_posting_into_the_other_cell_is_refused_and_changes_nothing(setup):
    """Can the attacker record an absence, issue a sheet or grade an essay for the other cell?"""
    from quizapp.models import Absence, Answer, IssuedReport

    scene, side, c = setup
    rid, vid = scene.round_id, side.victim_cell.id
    assert c.form(f"/reports/rounds/{rid}/orgs/{vid}/absences",
                  {"person_id": side.victim.id, "reason_code": "om", "excused": "1"}).status_code == 404
    assert c.form(f"/reports/rounds/{rid}/orgs/{side.own_cell.id}/absences",
                  {"person_id": side.victim.id, "reason_code": "om", "excused": "1"}).status_code == 404
    assert c.form(f"/reports/rounds/{rid}/orgs/{vid}/sheet", {"number": "7", "issued_on": "2026-02-06"}).status_code == 404
    essay = scene.essay_answer_a if side.victim.member_code == "MEMA" else scene.essay_answer_b
    assert c.get(f"/manage/grading/answers/{essay}").status_code == 404
    assert c.form(f"/manage/grading/answers/{essay}", {"awarded": "2", "comment": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.query(Absence).count() == 0
    assert db.session.query(IssuedReport).count() == 0
    assert db.session.get(Answer, essay).awarded is None and db.session.get(Answer, essay).grader_id is None


def test_grading_list_shows_only_own_cell_essays(setup):
    """Does the essay grading list show the own cell's essay and never the other's?"""
    scene, side, c = setup
    resp = c.get("/manage/grading")
    assert resp.status_code == 200
    _no_markers(resp, side, "grading")
    own = "Võ Văn Em" if side.victim.member_code == "MEMA" else "Nguyễn Thị Ngọc Ánh"
    assert own in resp.get_data(as_text=True)  # control: the own cell's essay is listed
    resp = c.get(f"/manage/grading?round_id={scene.round_id}")
    _no_markers(resp, side, "grading by round")


def test_cell_owned_bank_round_and_org_invisible_to_the_other_cell(app, world, login_as):
    """Are cell A's own bank, round, org page, slips and quiz invisible to cell B's secretary and member?"""
    bank = make_bank(world.cell_a)
    bank.title = "Ngân hàng riêng chi bộ A"
    quiz = make_quiz(world.cell_a, [world.cell_a], bank=bank)
    quiz.round.title = "Đợt riêng của chi bộ A"
    db.session.commit()
    take(quiz.id, world.member_a, "Bài riêng A")
    c = login_as(world.secretary_b, c=app.test_client())
    for url in ("/manage/banks", "/manage/rounds", "/reports/", "/manage/orgs", "/manage/grading"):
        body = c.get(url).get_data(as_text=True)
        assert "Ngân hàng riêng chi bộ A" not in body and "Đợt riêng của chi bộ A" not in body, url
        assert "Bài riêng A" not in body
    for url in (f"/manage/banks/{bank.id}", f"/manage/banks/{bank.id}/export", f"/manage/rounds/{quiz.round_id}",
                f"/manage/rounds/{quiz.round_id}/board", f"/reports/rounds/{quiz.round_id}",
                f"/manage/rounds/{quiz.round_id}/qr", f"/manage/rounds/{quiz.round_id}/qr.pdf",
                f"/manage/orgs/{world.cell_a.id}", f"/manage/people/slips?org={world.cell_a.id}"):
        assert c.get(url).status_code == 404, url
    assert c.form("/manage/people/slips", {"org_id": world.cell_a.id, "mode": "all"}).status_code == 404
    member = login_as(world.member_b, c=app.test_client())
    listed = member.get("/api/v1/quizzes").get_json()["quizzes"]
    assert quiz.id not in [q["id"] for q in listed]
    assert member.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 404
    assert member.get(f"/take/quiz/{quiz.id}").status_code == 404


def test_staff_of_the_committee_sees_both_cells(app, world, login_as):
    """Control: does committee staff see both cells' people (so the scoping tests can fail)?"""
    scene = build_scene(world)
    c = login_as(world.staff, c=app.test_client())
    body = c.get("/manage/people").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Ánh" in body and "Võ Văn Em" in body
    board = c.get(f"/reports/rounds/{scene.round_id}").get_data(as_text=True)
    assert world.cell_a.name in board and world.cell_b.name in board


def test_roster_import_by_deputy_cannot_rewrite_secretary(app, world, login_as):
    """Can a deputy use a roster import to rename the secretary, change their status or exemption, or move them?

    The person page forbids editing someone holding a higher role; the import must refuse the same
    rows (with their row numbers) and write nothing at all, not even the good rows.
    """
    from quizapp.models import Person
    from tests.people.conftest import HEADERS, csv_bytes

    rows = [["Người Mới Vào", "93007777", "", "", "", "", "", "", "CB-A"],
            ["Tên Giả Mạo", "SECA", "", "", "", "Dự bị", "Có", "Tự ý", "CB-A"]]
    c = login_as(world.deputy_a, c=app.test_client())
    payload = {"file": (io.BytesIO(csv_bytes(rows, HEADERS)), "ds.csv"), "default_org_id": world.cell_a.id}
    resp = c.form("/manage/people/import", payload, content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "vai trò cao hơn" in html and "SECA" in html
    db.session.expire_all()
    secretary = db.session.get(Person, world.secretary_a.id)
    assert (secretary.full_name, secretary.party_status, secretary.exempt) == ("Trần Văn Bình", "chinh_thuc", False)
    assert db.session.query(Person).filter_by(member_code="93007777").count() == 0
    # The same file from the secretary (same rank as the row's person) goes through.
    c2 = login_as(world.secretary_a, c=app.test_client())
    payload = {"file": (io.BytesIO(csv_bytes(rows[:1], HEADERS)), "ds.csv"), "default_org_id": world.cell_a.id}
    assert c2.form("/manage/people/import", payload, content_type="multipart/form-data").status_code == 200


def test_paper_test_of_the_other_cell_is_out_of_reach(setup):
    """Can a secretary print the other cell's answer sheets, open its entry grid, or enter (or replace)
    a paper for its member — by changing the cell id or by naming the member in their own grid?"""
    from quizapp.models import Attempt, StudyRound
    from quizapp.services import paper_tests
    from quizapp.services.exceptions import NotFound

    scene, side, c = setup
    rnd_id = scene.round_id
    assert c.form(f"/manage/rounds/{rnd_id}/paper", {"variants": "2"}).status_code == 302
    home = c.get(f"/manage/rounds/{rnd_id}/paper")
    assert side.victim_cell.name not in home.get_data(as_text=True)
    base = f"/manage/rounds/{rnd_id}/paper/{side.victim_cell.id}"
    for resp in (c.get(base + ".pdf"), c.get(base + "/entry"),
                 c.form(base + "/entry", {f"v-{side.victim.id}": "101", f"a-{side.victim.id}": "AAA"})):
        assert resp.status_code in (403, 404)
        _no_markers(resp, side, "paper")
    own = f"/manage/rounds/{rnd_id}/paper/{side.own_cell.id}/entry"
    resp = c.form(own, {f"v-{side.victim.id}": "101", f"a-{side.victim.id}": "AAA",
                        "lines": f"{side.victim.member_code} 101 AAA"})
    assert resp.status_code == 422
    assert db.session.query(Attempt).filter_by(mode="paper").count() == 0
    with pytest.raises(NotFound):
        paper_tests.paper_cell(db.session.get(StudyRound, rnd_id), side.victim_cell.id, side.attacker)


@pytest.mark.parametrize("which", ["b_vs_a", "a_vs_b"])
def test_bank_editor_refuses_the_other_cell(app, world, login_as, which):
    """Can a cell secretary create a bank for the other cell, copy a bank into it, or add, move, retire
    or preview questions of the other cell's bank? Every attempt is refused and nothing is written."""
    from sqlalchemy import func, select

    from quizapp.models import AuditLog, Bank, Question

    side = _sides(world, which)
    victim_bank = make_bank(side.victim_cell, slug=f"rieng-{side.victim_cell.code.lower()}")
    site_bank = make_bank(None, slug="dung-chung")
    db.session.commit()
    before = (db.session.scalar(select(func.count()).select_from(Bank)),
              db.session.scalar(select(func.count()).select_from(Question)),
              [(q.id, q.position, q.active) for q in victim_bank.questions])
    c = login_as(side.attacker, c=app.test_client())
    first, last = victim_bank.questions[0], victim_bank.questions[-1]
    attempts = [
        ("/manage/banks/new", {"title": "Ngân hàng lấn sân", "document": "NQ", "owner": str(side.victim_cell.id)}),
        (f"/manage/banks/{site_bank.id}/copy", {"owner": str(side.victim_cell.id)}),
        (f"/manage/banks/{victim_bank.id}/copy", {"owner": str(side.own_cell.id)}),
        (f"/manage/banks/{victim_bank.id}/questions/new",
         {"type": "true_false", "text": "Câu chen vào?", "tf_answer": "true",
          "source_document": "NQ", "source_section": "I"}),
        (f"/manage/banks/{victim_bank.id}/questions/{last.id}/move", {"direction": "up"}),
        (f"/manage/banks/{victim_bank.id}/questions/{first.id}/active", {"active": "0"}),
    ]
    for url, data in attempts:
        resp = c.form(url, data)
        assert resp.status_code in (403, 404, 422), f"{url} answered {resp.status_code}"
    for url in (f"/manage/banks/{victim_bank.id}/questions/{first.id}/preview",
                f"/manage/banks/{victim_bank.id}/quality", f"/manage/banks/{victim_bank.id}/copy"):
        assert c.get(url).status_code in (403, 404), url
    db.session.expire_all()
    after = (db.session.scalar(select(func.count()).select_from(Bank)),
             db.session.scalar(select(func.count()).select_from(Question)),
             [(q.id, q.position, q.active) for q in db.session.get(Bank, victim_bank.id).questions])
    assert after == before
    assert not db.session.scalar(select(AuditLog).where(AuditLog.action.in_(["bank.create", "bank.copy"])))
