"""Creating, editing and copying study rounds through the manager pages."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, Quiz, StudyRound
from tests.factories import make_round_with_quiz, make_topic_bank


def _form(world, bank, **over):
    data = {
        "owner_org_id": world.committee.id, "title": "Học tập Nghị quyết 04-NQ/TW",
        "documents": "Nghị quyết 04-NQ/TW\nKết luận 21-KL/TW", "session_date": "2026-03-02",
        "place": "Hội trường tỉnh ủy", "form": "truc_tiep", "org_ids": [world.cell_a.id, world.cell_b.id],
        "threshold_percent": "98", "quiz_title": "Kiểm tra nhận thức", "mode": "random",
        "rules-0-bank_id": bank.id, "rules-0-topic": "Chủ đề A", "rules-0-difficulty": "", "rules-0-count": "4",
        "rules-1-bank_id": bank.id, "rules-1-topic": "", "rules-1-difficulty": "", "rules-1-count": "2",
        "shuffle_questions": "y", "shuffle_choices": "y", "time_limit_minutes": "30",
        "opens_at": "2026-03-02T08:00", "closes_at": "2026-03-02T10:00", "attempts_allowed": "1",
        "attempt_policy": "best", "cutoff_gioi": "8", "cutoff_kha": "6,5", "cutoff_trung_binh": "5",
        "review_policy": "answers", "review_when": "after_submit", "partial_credit": "y", "grace_seconds": "60",
    }
    data.update(over)
    return data


def test_staff_creates_round_through_page(client, world, login_as):
    """Does staff create a round with its quiz, times stored in UTC, "6,5" read as 6.5 and a short code?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    page = client.get("/manage/rounds/new")
    assert page.status_code == 200
    assert 'value="98"' in page.get_data(as_text=True)  # default threshold from config
    resp = client.form("/manage/rounds/new", _form(world, bank))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    rnd = db.session.scalar(select(StudyRound))
    quiz = rnd.quiz
    assert rnd.title == "Học tập Nghị quyết 04-NQ/TW"
    assert {ro.org_id for ro in rnd.orgs} == {world.cell_a.id, world.cell_b.id}
    assert quiz.opens_at == datetime(2026, 3, 2, 1, 0)  # 08:00 in Vietnam is 01:00 UTC
    assert quiz.cutoffs == {"gioi": 8.0, "kha": 6.5, "trung_binh": 5.0}
    assert 6 <= len(quiz.short_code) <= 8 and not set(quiz.short_code) & set("01OIL")
    assert [r["count"] for r in quiz.draw_rule["rules"]] == [4, 2]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "round.create")) is not None
    detail = client.get(f"/manage/rounds/{rnd.id}").get_data(as_text=True)
    assert quiz.short_code in detail and "08:00 02/03/2026" in detail


def test_close_before_open_and_bad_cutoffs_are_explained(client, world, login_as):
    """Are a close before the open time and non-descending cut-offs refused with Vietnamese messages, keeping the input?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    resp = client.form("/manage/rounds/new", _form(world, bank, closes_at="2026-03-02T07:00", cutoff_kha="8,5"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Thời điểm đóng phải sau thời điểm mở." in html
    assert "Điểm phân loại phải giảm dần" in html
    assert "Hội trường tỉnh ủy" in html and 'value="8,5"' in html  # nothing typed is lost
    assert db.session.scalar(select(StudyRound)) is None


def test_cutoff_out_of_range_and_not_a_number(client, world, login_as):
    """Is a cut-off above 10 or one that is not a number refused with a clear message?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    html = client.form("/manage/rounds/new", _form(world, bank, cutoff_gioi="11")).get_data(as_text=True)
    assert "trong khoảng 0 đến 10" in html
    html = client.form("/manage/rounds/new", _form(world, bank, cutoff_gioi="tám")).get_data(as_text=True)
    assert "Vui lòng nhập một số, ví dụ 6,5." in html
    assert db.session.scalar(select(StudyRound)) is None


def test_not_enough_questions_names_the_rule(client, world, login_as):
    """Does a rule asking for more questions than the bank has say which rule and how many there are?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    resp = client.form("/manage/rounds/new", _form(world, bank, **{"rules-0-topic": "Chủ đề B", "rules-0-count": "9"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "chủ đề “Chủ đề B”" in html and "cần 9 câu nhưng chỉ có 4 câu" in html


def test_no_participating_org_is_refused(client, world, login_as):
    """Is a round without any participating organization refused?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    data = _form(world, bank)
    data.pop("org_ids")
    html = client.form("/manage/rounds/new", data).get_data(as_text=True)
    assert "Vui lòng chọn ít nhất một tổ chức đảng tham gia." in html


def test_secretary_creates_only_for_own_cell(client, world, login_as):
    """May a secretary create a round for their cell, but not one taking in the other cell?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.secretary_a)
    ok = client.form("/manage/rounds/new", _form(world, bank, owner_org_id=world.cell_a.id, org_ids=[world.cell_a.id]))
    assert ok.status_code == 302
    bad = client.form("/manage/rounds/new", _form(world, bank, owner_org_id=world.cell_a.id,
                                                  org_ids=[world.cell_a.id, world.cell_b.id], title="Khác"))
    assert bad.status_code == 422
    assert "không thuộc phạm vi bạn quản lý" in bad.get_data(as_text=True)
    committee = client.form("/manage/rounds/new", _form(world, bank, owner_org_id=world.committee.id,
                                                        org_ids=[world.cell_a.id], title="Khác 2"))
    assert committee.status_code == 422
    assert [r.title for r in db.session.scalars(select(StudyRound))] == ["Học tập Nghị quyết 04-NQ/TW"]


def test_fixed_question_list(client, world, login_as):
    """Can a round use a fixed list of questions picked from the bank?"""
    bank = make_topic_bank()
    db.session.commit()
    ids = [q.id for q in bank.questions[:3]]
    login_as(world.staff)
    resp = client.form("/manage/rounds/new", _form(world, bank, mode="fixed", question_ids=ids))
    assert resp.status_code == 302
    assert db.session.scalar(select(Quiz)).draw_rule == {"mode": "fixed", "question_ids": ids}


def test_edit_round(client, world, login_as):
    """Does editing change the settings, shown back in Vietnam time, and keep the short code?"""
    bank = make_topic_bank()
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=bank)
    login_as(world.staff)
    page = client.get(f"/manage/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert 'value="2026-03-02T08:00"' in page
    resp = client.form(f"/manage/rounds/{rnd.id}/edit", _form(world, bank, title="Tên mới", cutoff_kha="7,0",
                                                               org_ids=[world.cell_b.id]))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.refresh(rnd)
    assert rnd.title == "Tên mới" and rnd.quiz.cutoffs["kha"] == 7.0 and rnd.quiz.short_code == "ABCD234"
    assert [ro.org_id for ro in rnd.orgs] == [world.cell_b.id]


def test_copy_round_with_new_dates(client, world, login_as):
    """Does copying keep every setting and the quiz, take new dates, and record where it came from?"""
    bank = make_topic_bank()
    rnd = make_round_with_quiz(world.committee, [world.cell_a, world.cell_b], bank=bank)
    login_as(world.staff)
    resp = client.form(f"/manage/rounds/{rnd.id}/copy", {
        "title": "Học tập Nghị quyết 04 (đợt 2)", "session_date": "2026-06-01",
        "opens_at": "2026-06-01T14:00", "closes_at": "2026-06-01T16:00"})
    assert resp.status_code == 302
    new = db.session.scalar(select(StudyRound).where(StudyRound.id != rnd.id))
    assert new.copied_from_id == rnd.id and new.session_date == date(2026, 6, 1)
    assert new.quiz.draw_rule == rnd.quiz.draw_rule and new.quiz.cutoffs == rnd.quiz.cutoffs
    assert new.quiz.opens_at == datetime(2026, 6, 1, 7, 0) and new.quiz.short_code != rnd.quiz.short_code
    assert {ro.org_id for ro in new.orgs} == {world.cell_a.id, world.cell_b.id}


def test_copy_with_close_before_open_is_refused(client, world, login_as):
    """Is a copy whose new closing time is before its opening time refused with a message?"""
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())
    login_as(world.staff)
    resp = client.form(f"/manage/rounds/{rnd.id}/copy", {
        "title": "Đợt 2", "session_date": "2026-06-01", "opens_at": "2026-06-01T14:00", "closes_at": "2026-06-01T13:00"})
    assert resp.status_code == 422
    assert "Thời điểm đóng phải sau thời điểm mở." in resp.get_data(as_text=True)


def test_round_form_without_csrf_is_refused(client, world, login_as):
    """Is a round post without a CSRF token refused?"""
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    resp = client.post("/manage/rounds/new", data=_form(world, bank))
    assert resp.status_code == 400
    assert db.session.scalar(select(StudyRound)) is None


def test_changing_cutoffs_reclassifies_finished_attempts(client, world, login_as):
    """When the cut-offs change after members have finished, is their classification recomputed?"""
    from quizapp.models import Attempt
    from quizapp.services import grading
    from tests.factories import SINGLE, add_question, make_attempt_with_items

    bank = make_topic_bank()
    _, v1 = add_question(bank, "k-1", "single", dict(SINGLE))
    _, v2 = add_question(bank, "k-2", "single", dict(SINGLE))
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=bank)
    attempt = make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a,
                           items=[(v1, {"choice": "a"}), (v2, {"choice": "b"})])
    grading.grade_attempt(attempt)
    db.session.commit()
    assert attempt.score == 5.0 and attempt.classification == "trung_binh"
    login_as(world.staff)
    resp = client.form(f"/manage/rounds/{rnd.id}/edit", _form(world, bank, org_ids=[world.cell_a.id],
                                                               cutoff_trung_binh="5,5", **{"rules-1-count": ""}))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).classification == "chua_dat"
