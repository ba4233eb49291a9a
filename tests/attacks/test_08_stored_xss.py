"""Checklist item 8: stored XSS through question text (bank import and editor), names (roster
import), essay answers shown to graders, grader feedback shown to members, round titles and org
names; markup injection into PDFs (ReportLab paragraphs parse <b>, <font>, &); formula injection
into spreadsheets (cells starting with =, +, -, @, tab, CR)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from quizapp.extensions import db
from quizapp.models import Person
from quizapp.services import grading, participation
from quizapp.web import CSP
from tests.attacks.helpers import FORMULAS, XSS, XSS_TEXT, assert_escaped, build_scene, take
from tests.factories import make_person, make_quiz

PDF_MARKUP = "Lê <b>Bé</b> &amp; <font color=red>Cô</font>"


def _bank_yaml(slug: str = "xss-bank") -> bytes:
    q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'  # noqa: E731
    return f"""format: 1
bank:
  slug: {slug}
  title: {q("Ngân hàng " + XSS_TEXT)}
  document: {q("Văn bản " + XSS[1])}
questions:
  - id: x-001
    type: single
    topic: {q("Chủ đề " + XSS[2])}
    text: {q("Câu hỏi " + XSS_TEXT)}
    choices:
      - text: {q("Đúng " + XSS[0])}
        correct: true
      - text: {q("Sai " + XSS[1])}
    explanation: {q("Giải thích " + XSS[2])}
    source: {{document: {q("Nguồn " + XSS[0])}, section: "Mục 1"}}
  - id: x-002
    type: essay
    text: {q("Viết bài " + XSS[1])}
    rubric:
      - {{criterion: {q("Tiêu chí " + XSS[0])}, points: 1}}
    source: {{document: "Nghị quyết 04-NQ/TW", section: "Toàn văn"}}
""".encode()


def test_bank_import_then_every_page_escapes_question_text(app, world, login_as):
    """After uploading a bank full of markup, do the bank, question and take pages all escape it?"""
    from quizapp.models import Bank

    staff = login_as(world.staff, c=app.test_client())
    up = staff.form("/manage/banks/upload", {"file": (io.BytesIO(_bank_yaml()), "xss.yaml"),
                                             "owner": str(world.committee.id)},
                    content_type="multipart/form-data")
    assert up.status_code in (200, 302), up.get_data(as_text=True)[:400]
    bank = db.session.query(Bank).filter_by(slug="xss-bank").one()
    pages = [f"/manage/banks/{bank.id}", "/manage/banks", f"/manage/banks/{bank.id}?topic={XSS[2]}"]
    for question in bank.questions:
        pages += [f"/manage/banks/{bank.id}/questions/{question.id}", f"/manage/banks/{bank.id}/questions/{question.id}/edit"]
    for url in pages:
        resp = staff.get(url)
        assert resp.status_code == 200, url
        assert_escaped(resp.get_data(as_text=True), url)
    assert "&lt;script&gt;" in staff.get(f"/manage/banks/{bank.id}").get_data(as_text=True)
    quiz = make_quiz(world.committee, [world.committee], bank=bank, review_policy="correct")
    member = login_as(world.member_a, c=app.test_client())
    aid = member.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()["id"]
    for url in (f"/take/attempt/{aid}?mode=all", f"/take/attempt/{aid}/review", "/take/"):
        assert_escaped(member.get(url).get_data(as_text=True), url)
    api = member.get(f"/api/v1/attempts/{aid}")
    assert api.mimetype == "application/json"
    member.json_post(f"/api/v1/attempts/{aid}/submit")
    result = member.get(f"/take/attempt/{aid}/result").get_data(as_text=True)
    assert "Giải thích" in result or "Câu hỏi" in result
    assert_escaped(result, "result")


def test_question_editor_escapes_what_it_stores(app, world, login_as):
    """Does a question typed into the editor with markup come back escaped on its pages?"""
    from quizapp.models import Bank

    staff = login_as(world.staff, c=app.test_client())
    staff.form("/manage/banks/upload", {"file": (io.BytesIO(_bank_yaml("ed-bank")), "b.yaml"),
                                        "owner": str(world.committee.id)}, content_type="multipart/form-data")
    bank = db.session.query(Bank).filter_by(slug="ed-bank").one()
    resp = staff.form(f"/manage/banks/{bank.id}/questions/new", {
        "key": "x-009", "type": "single", "topic": XSS[0], "difficulty": "easy", "points": "1",
        "text": "Mệnh đề " + XSS_TEXT, "choices-0-text": "Một " + XSS[1], "choices-0-correct": "y",
        "choices-1-text": "Hai " + XSS[2], "explanation": XSS[1], "source_document": XSS[2], "source_section": "Mục 2"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    question = next(q for q in bank.questions if q.key == "x-009")
    for url in (f"/manage/banks/{bank.id}", f"/manage/banks/{bank.id}/questions/{question.id}",
                f"/manage/banks/{bank.id}/questions/{question.id}/edit"):
        body = staff.get(url).get_data(as_text=True)
        assert "Mệnh đề" in body, url
        assert_escaped(body, url)


def test_roster_import_names_are_escaped_everywhere(app, world, login_as):
    """Does a name imported from a roster CSV come out escaped on people, board and report pages?"""
    rows = "Họ và tên,Số thẻ đảng viên\r\n" + "".join(
        f'"Người {x.replace(chr(34), chr(34) * 2)}",XSS{i}\r\n' for i, x in enumerate(XSS))
    sec = login_as(world.secretary_a, c=app.test_client())
    resp = sec.form("/manage/people/import", {"file": (io.BytesIO(rows.encode()), "ds.csv"),
                                              "default_org_id": str(world.cell_a.id)},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:600]
    assert_escaped(resp.get_data(as_text=True), "import result")
    imported = db.session.query(Person).filter(Person.member_code.like("XSS%")).all()
    assert len(imported) == 3 and "<script>" in imported[0].full_name
    scene = build_scene(world)
    for url in ("/manage/people", f"/manage/people/{imported[0].id}", f"/manage/people/{imported[0].id}/edit",
                f"/manage/rounds/{scene.round_id}/board", f"/manage/rounds/{scene.round_id}/board/fragment",
                f"/reports/rounds/{scene.round_id}/orgs/{world.cell_a.id}/absences",
                f"/manage/rounds/{scene.round_id}/makeup", f"/manage/people/slips?org={world.cell_a.id}"):
        resp = sec.get(url)
        assert resp.status_code == 200, url
        assert_escaped(resp.get_data(as_text=True), url)


def test_essay_to_grader_and_comment_to_member_are_escaped(app, world, login_as):
    """Is a hostile essay escaped on the grader's pages, and a hostile comment on the member's result?"""
    scene = build_scene(world, essay_a="Bài " + XSS_TEXT)
    take(scene.quiz_id, world.secretary_a, "Bài của bí thư")  # she sits the quiz too: grading opens once finished
    sec = login_as(world.secretary_a, c=app.test_client())
    for url in ("/manage/grading", f"/manage/grading/answers/{scene.essay_answer_a}"):
        body = sec.get(url).get_data(as_text=True)
        assert_escaped(body, url)
    assert "&lt;img src=x onerror" in sec.get(f"/manage/grading/answers/{scene.essay_answer_a}").get_data(as_text=True)
    resp = sec.form(f"/manage/grading/answers/{scene.essay_answer_a}", {"awarded": "1", "rubric-0": "",
                                                                          "comment": "Nhận xét " + XSS_TEXT})
    assert resp.status_code in (302, 422)
    if resp.status_code == 422:  # rubric form shape differs: grade through the service instead
        grading.grade_essay(scene.essay_answer_a, world.secretary_a, 1.0, "Nhận xét " + XSS_TEXT)
    member = login_as(world.member_a, c=app.test_client())
    body = member.get(f"/take/attempt/{scene.attempt_a}/result").get_data(as_text=True)
    assert "Nhận xét" in body
    assert_escaped(body, "member result")


def test_round_titles_and_org_names_are_escaped(app, world, login_as):
    """Are a hostile round title, quiz title and org name escaped on manager and member pages?"""
    quiz = make_quiz(world.committee, [world.committee], title="Bài " + XSS[0], commit=False)
    quiz.round.title = "Đợt " + XSS_TEXT
    world.cell_a.name = "Chi bộ " + XSS[1]
    world.committee.name = "Đảng ủy " + XSS[2]
    db.session.commit()
    take(quiz.id, world.member_b, submit=False)
    staff = login_as(world.staff, c=app.test_client())
    for url in ("/manage/rounds", f"/manage/rounds/{quiz.round_id}", f"/manage/rounds/{quiz.round_id}/board",
                f"/manage/rounds/{quiz.round_id}/qr", "/reports/", f"/reports/rounds/{quiz.round_id}",
                f"/reports/rounds/{quiz.round_id}/orgs/{world.cell_a.id}/sheet", "/manage/orgs",
                f"/manage/orgs/{world.cell_a.id}", "/manage/people", f"/manage/rounds/{quiz.round_id}/edit",
                "/manage/grading", "/home"):
        resp = staff.get(url, follow_redirects=True)
        assert resp.status_code == 200, url
        assert_escaped(resp.get_data(as_text=True), url)
    member = login_as(world.member_a, c=app.test_client())
    for url in ("/take/", f"/take/quiz/{quiz.id}", "/home"):
        assert_escaped(member.get(url, follow_redirects=True).get_data(as_text=True), url)


def test_csp_forbids_inline_script_on_every_page(app, world, login_as):
    """Does every HTML page carry a CSP whose script-src allows neither inline code nor eval?"""
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    c = login_as(world.staff, c=app.test_client())
    for url in ("/auth/login", "/manage/people", "/reports/", "/manage/banks"):
        resp = (app.test_client() if url == "/auth/login" else c).get(url)
        policy = resp.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", resp.get_data(as_text=True)), url


# ------------------------------------------------------------------ PDF markup injection


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def markup_world(world):
    """Cell A, its committee, a round and an absent member whose names carry ReportLab markup."""
    world.cell_a.name = "Chi bộ " + PDF_MARKUP
    world.committee.name = "Đảng ủy " + PDF_MARKUP
    make_person(world.cell_a, "Vắng " + PDF_MARKUP, "PDFX1")
    quiz = make_quiz(world.committee, [world.committee], commit=False)
    quiz.round.title = "Đợt " + PDF_MARKUP
    db.session.commit()
    take(quiz.id, world.member_a)
    return world, quiz


def _literal_in(text: str) -> bool:
    return re.sub(r"\s+", "", PDF_MARKUP) in text


def test_cell_sheet_and_rollup_pdfs_print_markup_literally(app, markup_world, login_as):
    """Do the cell sheet and roll-up PDFs show '<b>', '<font>' and '&amp;' as typed, not as markup?"""
    world, quiz = markup_world
    staff = login_as(world.staff, c=app.test_client())
    sheet = staff.get(f"/reports/rounds/{quiz.round_id}/orgs/{world.cell_a.id}/sheet/preview")
    assert sheet.mimetype == "application/pdf", sheet.get_data(as_text=True)[:300]
    assert _literal_in(_pdf_text(sheet.data))
    roll = staff.get(f"/reports/rounds/{quiz.round_id}/orgs/{world.committee.id}/rollup/preview")
    assert roll.mimetype == "application/pdf", roll.get_data(as_text=True)[:300]
    assert _literal_in(_pdf_text(roll.data))


def test_slips_and_qr_pdfs_print_markup_literally(app, markup_world, login_as):
    """Do the login-slip PDF and the round's QR PDF show markup in names and titles literally?"""
    world, quiz = markup_world
    sec = login_as(world.secretary_a, c=app.test_client())
    slips = sec.form("/manage/people/slips", {"org_id": str(world.cell_a.id), "mode": "all"})
    assert slips.mimetype == "application/pdf", slips.get_data(as_text=True)[:300]
    assert _literal_in(_pdf_text(slips.data))
    qr = sec.get(f"/manage/rounds/{quiz.round_id}/qr.pdf")
    assert qr.mimetype == "application/pdf"
    assert _literal_in(_pdf_text(qr.data))


# ------------------------------------------------------------------ spreadsheet formula injection


def test_exports_neutralize_formulas_in_names_and_reasons(app, world, login_as):
    """Does no cell of the xlsx/csv exports start with =, +, -, @, tab or CR (names and absence reasons)?"""
    quiz = make_quiz(world.committee, [world.committee], commit=False)
    hostile = []
    for i, f in enumerate(FORMULAS):
        p = make_person(world.cell_a, "Tên", f"FX{i}")
        p.full_name = f + " Tên"  # straight to the column: no normalizing on the way in
        hostile.append(p)
    world.cell_a.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    participation.record_absence(quiz.round, hostile[0], "khac", "=cmd|' /C calc'!A0", False, world.secretary_a)
    staff = login_as(world.staff, c=app.test_client())
    base = f"/reports/rounds/{quiz.round_id}/orgs/{world.cell_a.id}"
    wb = load_workbook(io.BytesIO(staff.get(base + "/export.xlsx").data))
    values = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.value for c in values if c.data_type == "f"]
    texts = [str(c.value) for c in values if isinstance(c.value, str)]
    assert any("Tên" in t for t in texts) and any("cmd" in t for t in texts)
    assert not [t for t in texts if t[:1] and t[:1] in "=+-@\t\r"], texts
    rows = list(csv.reader(io.StringIO(staff.get(base + "/export.csv").data.decode("utf-8-sig"))))
    cells = [v for r in rows for v in r]
    assert any("cmd" in v for v in cells)
    assert not [v for v in cells if v[:1] and v[:1] in "=+-@\t\r"], cells
    roll = staff.form(f"/reports/rounds/{quiz.round_id}/orgs/{world.committee.id}/rollup",
                      {"number": "5", "issued_on": "2026-02-06", "fmt": "xlsx"})
    wb = load_workbook(io.BytesIO(roll.data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("HYPERLINK" in c.value for c in cells)
    assert not [c.value for c in cells if (c.value[:1] and c.value[:1] in "=+-@\t\r") or c.data_type == "f"]
