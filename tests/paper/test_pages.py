"""The paper test pages: draw, print, the entry grid with and without script, and the board/xlsx form column."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AuditLog, PaperTest
from quizapp.services import paper_tests
from quizapp.services.reporting import excel
from tests.attacks.helpers import take
from tests.factories import make_quiz
from tests.paper.helpers import key_letters, paper_scene


def test_draw_then_print_from_the_pages(app, world, login_as):
    """Can a secretary draw the paper test from the page, then download a PDF with their cell's sheets?"""
    quiz = make_quiz(world.committee, [world.committee])
    c = login_as(world.secretary_a)
    page = c.get(f"/manage/rounds/{quiz.round_id}/paper")
    assert page.status_code == 200 and "Rút đề giấy" in page.get_data(as_text=True)
    early = c.get(f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}.pdf")
    assert early.status_code == 302 and early.headers["Location"].endswith(f"/rounds/{quiz.round_id}/paper")
    assert "Chưa rút đề giấy" in c.get(early.headers["Location"]).get_data(as_text=True)
    bad = c.form(f"/manage/rounds/{quiz.round_id}/paper", {"variants": "abc"})
    assert bad.status_code == 302 and db.session.query(PaperTest).count() == 0
    resp = c.form(f"/manage/rounds/{quiz.round_id}/paper", {"variants": "3"})
    assert resp.status_code == 302
    paper = db.session.scalar(select(PaperTest))
    assert [v["code"] for v in paper.variants] == ["101", "102", "103"]
    pdf = c.get(f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Nguyễn Thị Ngọc Ánh" in text and "MEMA" in text and "Võ Văn Em" not in text
    assert db.session.query(AuditLog).filter_by(action="paper.print").count() == 1


def test_entry_grid_saves_rows_and_keeps_bad_ones(app, world, login_as):
    """Does posting the grid (no script needed) save a good row, and keep a bad row's input with its message?"""
    quiz, paper = paper_scene(world)
    take(quiz.id, world.secretary_a)  # she sits the quiz too: entry opens once she has submitted
    variants = paper_tests.load_variants(paper)
    v = variants["101"]
    typed = " ".join(f"{it.number}{key_letters(it)}" for it in v.items if it.kind == "letters")
    c = login_as(world.secretary_a)
    url = f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/entry"
    page = c.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'name="a-{world.member_a.id}"' in html and "Võ Văn Em" not in html
    assert '"correct"' not in html and "Năm 2016" not in html  # structure only, never keys or texts
    resp = c.form(url, {f"v-{world.member_a.id}": "101", f"a-{world.member_a.id}": typed,
                        f"s-{world.member_a.id}-0": "tự chuyển hóa",
                        f"v-{world.deputy_a.id}": "101", f"a-{world.deputy_a.id}": "99A"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Câu 99: mã đề 101 chỉ có 5 câu." in html and 'value="99A"' in html
    attempt = db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id))
    assert attempt.mode == "paper" and attempt.points == 4 and attempt.entered_by_id == world.secretary_a.id
    first = next(it for it in variants["102"].items if it.kind == "letters")
    lines = c.form(url, {"lines": f"DEPA 102 {first.number}{key_letters(first)}"})
    assert lines.status_code == 302
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.deputy_a.id)).paper_variant == "102"


def test_board_and_xlsx_show_the_form(app, world, login_as):
    """Do the cell board and the member xlsx say "Giấy" for a paper attempt and "Trực tuyến" for an online one?"""
    from quizapp.services import paper_entry

    quiz, paper = paper_scene(world, extra_members=("Đỗ Văn Giang",))
    take(quiz.id, world.deputy_a)
    take(quiz.id, world.secretary_a)  # she sits the quiz too: paper entry and paper scores once submitted
    res = paper_entry.save_rows(quiz.round, world.cell_a, paper,
                                [paper_entry.EntryRow(world.member_a.id, "101", "AAA")], world.secretary_a)
    assert res[0].saved
    c = login_as(world.secretary_a)
    html = c.get(f"/manage/rounds/{quiz.round_id}/board").get_data(as_text=True)
    assert "Hình thức" in html and "Giấy" in html and "Trực tuyến" in html
    ws = load_workbook(io.BytesIO(excel.members_xlsx(quiz.round, world.cell_a))).active
    rows = list(ws.iter_rows(values_only=True))
    col = rows[0].index("Hình thức")
    by_name = {r[2]: r[col] for r in rows[1:]}
    assert by_name["Nguyễn Thị Ngọc Ánh"] == "Giấy" and by_name["Phạm Thị Cúc"] == "Trực tuyến"
    assert by_name["Đỗ Văn Giang"] in ("", None)


def test_hostile_grid_posts_get_messages_not_errors(app, world, login_as):
    """Do huge ids, odd field names, markup and overlong text in the grid come back as row messages (no 500)?"""
    quiz, paper = paper_scene(world)
    take(quiz.id, world.secretary_a)
    c = login_as(world.secretary_a)
    url = f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/entry"
    resp = c.form(url, {"v-999999999": "101", "a-999999999": "AAA", "v-1-2-3": "x", "s-5-99": "y",
                        f"v-{world.member_a.id}": "<b>101</b>", f"a-{world.member_a.id}": "<script>x</script>" * 300,
                        "lines": "=1+2 101 AAA\n" + "MEMA 101 " + "A" * 5000})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "<script>x</script>" not in html and "<b>101</b>" not in html
    assert db.session.query(Attempt).filter_by(mode="paper").count() == 0


def test_round_page_links_to_paper_tests(app, world, login_as):
    """Does the round's page offer "Bài làm trên giấy" to its secretary?"""
    quiz = make_quiz(world.committee, [world.committee])
    html = login_as(world.secretary_a).get(f"/manage/rounds/{quiz.round_id}").get_data(as_text=True)
    assert f"/manage/rounds/{quiz.round_id}/paper" in html and "Bài làm trên giấy" in html


def test_member_sees_their_paper_result_and_cannot_start_online(app, world, login_as):
    """Does the member whose paper was entered see it on their pages (no error), and is a new online start refused?"""
    from quizapp.services import paper_entry

    quiz, paper = paper_scene(world)
    res = paper_entry.save_rows(quiz.round, world.cell_a, paper,
                                [paper_entry.EntryRow(world.member_a.id, "101", "AAA")], world.staff)
    attempt_id = db.session.scalar(select(Attempt.id))
    assert res[0].saved
    c = login_as(world.member_a)
    for path in ("/take/", f"/take/quiz/{quiz.id}", f"/take/attempt/{attempt_id}/result",
                 f"/take/attempt/{attempt_id}/review", f"/take/attempt/{attempt_id}"):
        assert c.get(path).status_code < 500, path
    start = c.form(f"/take/quiz/{quiz.id}")
    assert start.status_code < 500
    assert db.session.query(Attempt).count() == 1  # one attempt allowed: the paper one


def test_secretary_who_still_sits_the_quiz_neither_enters_papers_nor_reads_their_scores(app, world, login_as):
    """While the open quiz is still open to the secretary herself, does the grid say why and what to do
    (form disabled), refuse a post with 403 keeping what was typed, and do the grid and the board hide
    paper scores from her (staff still sees them); and after she submits, does all of it open?"""
    from quizapp.services import paper_entry

    quiz, paper = paper_scene(world)
    v = paper_tests.load_variants(paper)["102"]
    right = " ".join(f"{it.number}{key_letters(it)}" for it in v.items if it.kind == "letters")
    assert paper_entry.save_rows(quiz.round, world.cell_a, paper,
                                 [paper_entry.EntryRow(world.deputy_a.id, "102", right)], world.staff)[0].saved
    from quizapp.models import Answer, AttemptItem, QuestionVersion
    from quizapp.services import grading

    entered = db.session.scalar(select(Attempt).where(Attempt.person_id == world.deputy_a.id))
    essays = db.session.scalars(select(Answer.id).join(AttemptItem, (AttemptItem.attempt_id == Answer.attempt_id)
                                                       & (AttemptItem.position == Answer.position))
                                .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
                                .where(Answer.attempt_id == entered.id, QuestionVersion.type == "essay")).all()
    for answer_id in essays:  # the essay graded on paper by staff: the score is final, the board shows it
        grading.grade_essay(answer_id, world.staff, 1, "")
    db.session.expire_all()
    shown = db.session.get(Attempt, entered.id).score
    score_text = f"{shown:.1f}".replace(".", ",")
    c = login_as(world.secretary_a)
    url = f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/entry"
    page = c.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="paper-locked"' in html and "chưa làm xong bài" in html
    assert '<fieldset class="plain" disabled>' in html
    assert "Đã nhập bài giấy (mã đề 102)." in html and f"{score_text} điểm" not in html
    posted = c.form(url, {f"v-{world.member_a.id}": "101", f"a-{world.member_a.id}": "1A 2B"})
    html = posted.get_data(as_text=True)
    assert posted.status_code == 403 and 'id="paper-locked"' in html and 'value="1A 2B"' in html
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id)) is None
    board = c.get(f"/manage/rounds/{quiz.round_id}/board").get_data(as_text=True)
    assert 'id="paper-scores-hidden"' in board and ">Ẩn<" in board and f">{score_text}<" not in board
    staff_board = login_as(world.staff, c=app.test_client()).get(f"/manage/rounds/{quiz.round_id}/board?org={world.cell_a.id}")
    assert f">{score_text}<" in staff_board.get_data(as_text=True)

    take(quiz.id, world.secretary_a)
    html = c.get(url).get_data(as_text=True)
    assert 'id="paper-locked"' not in html and "disabled" not in html and f"{score_text} điểm" in html
    board = c.get(f"/manage/rounds/{quiz.round_id}/board").get_data(as_text=True)
    assert 'id="paper-scores-hidden"' not in board and f">{score_text}<" in board
    saved = c.form(url, {f"v-{world.member_a.id}": "101", f"a-{world.member_a.id}": "AAA"})
    assert saved.status_code == 302
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id)).mode == "paper"
