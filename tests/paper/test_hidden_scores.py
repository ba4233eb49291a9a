"""Paper scores of a quiz a manager still sits are hidden from her ("Ẩn", with the reason) on the
result pages, in the member exports and in draft documents; staff see them, and so does she once
she has submitted."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import Quiz
from quizapp.services import paper_entry, paper_tests
from quizapp.vn import format_number
from tests.attacks.helpers import take
from tests.factories import SAMPLE_QUESTIONS, make_bank, make_quiz
from tests.paper.helpers import key_letters

NOTE = str(permissions.PAPER_SCORES_HIDDEN_NOTE)


@pytest.fixture
def scene(world):
    """A committee round (no essay, so a paper score is final) with member A's paper entered by staff
    and member B's online attempt; (quiz, paper score of A)."""
    bank = make_bank(world.committee, questions=SAMPLE_QUESTIONS[:4])
    quiz = make_quiz(world.committee, [world.committee], bank=bank)
    paper = paper_tests.ensure_paper_test(quiz, world.staff, 4)
    v = paper_tests.load_variants(paper)["101"]
    typed = " ".join(f"{it.number}{key_letters(it)}" for it in v.items if it.kind == "letters")
    shorts = {it.number: "tu chuyen hoa" for it in v.items if it.kind == "text"}
    row = paper_entry.EntryRow(world.member_a.id, "101", typed, texts=shorts)
    res = paper_entry.save_rows(quiz.round, world.cell_a, paper, [row], world.staff)
    assert res[0].saved and res[0].score, res[0].message
    db.session.commit()
    return db.session.get(Quiz, quiz.id), res[0].score


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _member_row(rows, name):
    return next(r for r in rows if len(r) > 2 and r[2] == name)


def _urls(quiz, world):
    base = f"/reports/rounds/{quiz.round.id}"
    org = f"{base}/orgs/{world.cell_a.id}"
    return base, org


def test_locked_manager_sees_ann_in_pages_and_exports(world, scene, client, login_as):
    """While the secretary still sits the quiz: is member A's paper score "Ẩn" (with the reason) on the
    result page (the cell mean too) and in the .csv and .xlsx, while member B's online score shows?"""
    quiz, score = scene
    take(quiz.id, world.member_b)
    db.session.commit()
    assert permissions.paper_scores_hidden(quiz, world.secretary_a)
    login_as(world.secretary_a)
    base, org = _urls(quiz, world)
    page = client.get(base).get_data(as_text=True)
    assert 'id="paper-scores-hidden"' in page and "Ẩn" in page and NOTE in page
    assert format_number(score, 2) not in page  # the cell mean would tell her A's paper score

    rows = _csv_rows(client.get(f"{org}/export.csv").data)
    a = _member_row(rows, world.member_a.full_name)
    assert a[8] == "Ẩn" and a[9] == "Ẩn" and a[13] == "Giấy"
    assert rows[-1][0] == f"Ẩn: {NOTE}"

    wb = load_workbook(io.BytesIO(client.get(f"{org}/export.xlsx").data))
    found = [r for r in wb["Kết quả"].iter_rows(values_only=True) if r[2] == world.member_a.full_name]
    assert found[0][8] == "Ẩn" and found[0][9] == "Ẩn"
    assert wb["Ghi chú"]["A1"].value == f"Ẩn: {NOTE}"



def test_online_scores_still_shown_to_locked_manager(world, scene, client, login_as):
    """Is an online score in her cell still printed (only paper scores are hidden)?"""
    quiz, _ = scene
    from quizapp.models import Attempt

    take(quiz.id, world.deputy_a)
    db.session.commit()
    deputy_score = db.session.query(Attempt).filter_by(person_id=world.deputy_a.id).one().score
    login_as(world.secretary_a)
    _, org = _urls(quiz, world)
    rows = _csv_rows(client.get(f"{org}/export.csv").data)
    assert _member_row(rows, world.deputy_a.full_name)[8] == format_number(deputy_score, 1)


def test_locked_manager_gets_no_draft_pdf_or_rollup_file_with_paper_scores(world, scene, client, login_as):
    """Are the draft cell sheet (it lists every member's score) and the roll-up previews refused to her
    with the reason, while staff get them?"""
    quiz, _ = scene
    login_as(world.secretary_a)
    _, org = _urls(quiz, world)
    resp = client.get(f"{org}/sheet/preview")
    assert resp.status_code == 403
    assert "chưa được nhập bài giấy hay xem điểm bài giấy" in resp.get_data(as_text=True)
    assert client.get(f"{org}/rollup/preview").status_code == 403
    assert client.get(f"{org}/rollup.xlsx").status_code == 403
    staff = login_as(world.staff, c=client.application.test_client())
    assert staff.get(f"{org}/sheet/preview").status_code == 200


def test_shown_after_she_submits_and_to_other_managers(world, scene, client, login_as):
    """Once she has submitted her own attempt, and for staff at any time, is the paper score printed
    (no "Ẩn", no note) on the page, in the exports and in the draft PDF?"""
    quiz, score = scene
    staff = login_as(world.staff, c=client.application.test_client())
    base, org = _urls(quiz, world)
    page = staff.get(base).get_data(as_text=True)
    assert 'id="paper-scores-hidden"' not in page and format_number(score, 2) in page
    a = _member_row(_csv_rows(staff.get(f"{org}/export.csv").data), world.member_a.full_name)
    assert a[8] == format_number(score, 1)
    take(quiz.id, world.secretary_a)
    db.session.commit()
    assert not permissions.paper_scores_hidden(quiz, world.secretary_a)
    login_as(world.secretary_a)
    page = client.get(base).get_data(as_text=True)
    assert 'id="paper-scores-hidden"' not in page and NOTE not in page
    rows = _csv_rows(client.get(f"{org}/export.csv").data)
    assert _member_row(rows, world.member_a.full_name)[8] == format_number(score, 1)
    assert not any(r and r[0].startswith("Ẩn:") for r in rows)
    wb = load_workbook(io.BytesIO(client.get(f"{org}/export.xlsx").data))
    assert "Ghi chú" not in wb.sheetnames
    assert client.get(f"{org}/sheet/preview").status_code == 200


def test_documents_are_not_issued_while_the_quiz_is_open(world, scene):
    """Issued documents (which print paper scores) wait for the quiz to close: does readiness block?"""
    from quizapp.services.reporting import documents

    quiz, _ = scene
    ready = documents.readiness(quiz.round, world.cell_a)
    assert not ready.issuable and "còn mở" in ready.blocking[0]
