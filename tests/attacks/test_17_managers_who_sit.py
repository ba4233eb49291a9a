"""Checklist item 17: managers who also sit the test, and which cell an attempt belongs to."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Membership
from quizapp.services import grading, round_grading
from quizapp.services.exceptions import Forbidden
from quizapp.services.reporting import queries
from tests.attacks.helpers import take
from tests.factories import make_quiz


def _cell_quiz(world, **fields):
    return make_quiz(world.cell_a, [world.cell_a], **fields)


# ---------------------------------------------------------------- nobody grades their own attempt

@pytest.mark.parametrize("role", ["secretary_a", "deputy_a"])
def test_secretary_does_not_grade_her_own_essay(app, world, login_as, role):
    """Does a cell manager who sat the quiz find her own essay in her queue, or grade it by POST?"""
    me = getattr(world, role)
    quiz = _cell_quiz(world)
    _aid, own_answer = take(quiz.id, me, "Bài của chính tôi")
    _bid, member_answer = take(quiz.id, world.member_a, "Bài của đảng viên")
    queue = {t.answer.id for t in round_grading.essays_to_grade(me)}
    assert member_answer in queue and own_answer not in queue
    assert own_answer not in {t.answer.id for t in round_grading.essays_to_grade(me, include_graded=True)}
    c = login_as(me)
    assert "Bài của chính tôi" not in c.get("/manage/grading").get_data(as_text=True)
    page = c.get(f"/manage/grading/answers/{own_answer}")
    assert page.status_code == 403 and "chính mình" in page.get_data(as_text=True)
    post = c.form(f"/manage/grading/answers/{own_answer}", {"awarded": "1", "comment": "Tốt"})
    assert post.status_code == 403
    with pytest.raises(Forbidden):
        grading.grade_essay(own_answer, me, 1.0, "Tự chấm")
    db.session.expire_all()
    assert db.session.get(Answer, own_answer).graded_at is None


@pytest.mark.parametrize("other", ["deputy_a", "staff"])
def test_secretary_essay_goes_to_another_manager_who_is_recorded_as_grader(app, world, login_as, other):
    """Can the deputy (or the committee staff above) grade the secretary's essay, and does the list
    show who graded it ("Người chấm")?"""
    quiz = _cell_quiz(world)
    _aid, answer_id = take(quiz.id, world.secretary_a, "Bài của bí thư")
    grader = getattr(world, other)
    if other == "deputy_a":  # she sits the quiz too: grading (rubric = key) waits until she has finished
        take(quiz.id, grader, "Bài của phó bí thư")
    assert answer_id in {t.answer.id for t in round_grading.essays_to_grade(grader)}
    c = login_as(grader)
    resp = c.form(f"/manage/grading/answers/{answer_id}", {"awarded": "0.5", "comment": "Đạt"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Answer, answer_id).grader_id == grader.id
    html = c.get(f"/manage/grading?round_id={quiz.round_id}&graded=1").get_data(as_text=True)
    assert "Người chấm" in html and grader.full_name in html and world.secretary_a.full_name in html


# ---------------------------------------------------------------- the cell on the session date

def _move(person, new_cell, on):
    current = db.session.scalar(select(Membership).where(Membership.person_id == person.id,
                                                         Membership.end_date.is_(None)))
    current.end_date = on - timedelta(days=1)
    db.session.add(Membership(person_id=person.id, org_id=new_cell.id, start_date=on))
    db.session.commit()


def test_moved_member_attempt_belongs_to_the_cell_of_the_session_date(app, world):
    """A member of CB-A on the session date who moved to CB-B since: is the essay graded by CB-A
    (not CB-B's secretary, who is not in the round) and counted in CB-A by the reports?"""
    quiz = _cell_quiz(world, session_date=today_local() - timedelta(days=5))
    _move(world.member_a, world.cell_b, today_local() - timedelta(days=1))
    aid, answer_id = take(quiz.id, world.member_a, "Bài của người đã chuyển")
    assert db.session.get(Attempt, aid).org_id == world.cell_a.id
    assert answer_id in {t.answer.id for t in round_grading.essays_to_grade(world.secretary_a)}
    assert answer_id not in {t.answer.id for t in round_grading.essays_to_grade(world.secretary_b)}
    rows = {r.org_id: r for r in queries.cell_rows(quiz.round, world.committee)}
    assert rows[world.cell_a.id].took_part == 1


def test_member_who_joined_after_the_session_date_is_not_in_the_round(app, world):
    """Does a CB-B member who joined CB-A only after the session get CB-A's quiz (counted nowhere)?"""
    from quizapp.services import delivery, rounds
    from quizapp.services.exceptions import NotFound

    quiz = _cell_quiz(world, session_date=today_local() - timedelta(days=5))
    _move(world.member_b, world.cell_a, today_local() - timedelta(days=1))
    assert quiz.id not in rounds.eligible_quiz_ids(world.member_b)
    with pytest.raises(NotFound):
        delivery.start_attempt(quiz.id, world.member_b)


# ---------------------------------------------------------------- replacing a cell's secretary

def test_replaced_secretary_keeps_no_secretary_rights(app, world, login_as):
    """After staff set a new secretary on the organization page, does the former one still manage
    the cell (members list, grading queue)?"""
    from quizapp import permissions
    from quizapp.models import RoleGrant

    quiz = _cell_quiz(world)
    take(quiz.id, world.member_a, "Bài của đảng viên")
    c = login_as(world.staff)
    resp = c.form(f"/manage/orgs/{world.cell_a.id}", {
        "edit-name": world.cell_a.name, "edit-place": "Đồng Xoài", "edit-term": "2025-2027",
        "edit-secretary_id": str(world.deputy_a.id), "edit-submit": "Lưu"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(world.cell_a), world.cell_a.id).secretary_id == world.deputy_a.id
    held = {(g.person_id, g.role) for g in db.session.scalars(
        select(RoleGrant).where(RoleGrant.org_id == world.cell_a.id))}
    assert (world.secretary_a.id, "secretary") not in held and (world.deputy_a.id, "secretary") in held
    former = db.session.get(type(world.secretary_a), world.secretary_a.id)
    assert not permissions.is_manager(former) and round_grading.essays_to_grade(former) == []
    old = login_as(world.secretary_a, c=app.test_client())
    assert old.get(f"/manage/orgs/{world.cell_a.id}").status_code in (403, 404)
    assert old.get("/manage/grading").status_code == 403


# ---------------------------------------------------------------- review policy and display ids

def _finish_single(app, world, login_as, **quiz_fields):
    """member_a answers the single-choice question right (by its text) and submits; returns (client, aid)."""
    from tests.delivery.helpers import save, start

    quiz = make_quiz(world.committee, [world.committee], **quiz_fields)
    c = login_as(world.member_a, c=app.test_client())
    body = start(c, quiz.id)
    single = next(it for it in body["items"] if it["type"] == "single")
    right = next(ch["id"] for ch in single["view"]["choices"] if ch["text"] == "Năm 2016")
    assert save(c, body["id"], single["position"], right, 1).status_code == 200
    assert c.json_post(f"/api/v1/attempts/{body['id']}/submit").status_code == 200
    return c, body["id"]


def test_answers_policy_shows_no_per_question_marks(app, world, login_as):
    """Under "score and own answers" (no key), does the result still tell per question what was
    right (awarded/fraction in JSON, "Điểm đạt" in HTML), so a second attempt keeps the right ones?"""
    c, aid = _finish_single(app, world, login_as, review_policy="answers", attempts_allowed=2)
    body = c.get(f"/api/v1/attempts/{aid}/result").get_json()
    assert body["released"] and body["items"]
    for it in body["items"]:
        assert not {"awarded", "fraction", "key"} & set(it), it
    html = c.get(f"/take/attempt/{aid}/result").get_data(as_text=True)
    assert "Bài làm của bạn" in html and "Điểm đạt" not in html and "Đáp án" not in html


def test_correct_policy_shows_marks_and_keys_in_display_ids(app, world, login_as):
    """With the policy that shows keys, are marks shown, and does the key point at the right choice
    in the ids the member saw?"""
    c, aid = _finish_single(app, world, login_as, review_policy="correct", shuffle_choices=True)
    items = c.get(f"/api/v1/attempts/{aid}/result").get_json()["items"]
    single = next(it for it in items if it["type"] == "single")
    right = next(ch["id"] for ch in single["view"]["choices"] if ch["text"] == "Năm 2016")
    assert single["key"] == {"correct": [right]} and single["answer"] == {"choice": right}
    assert single["fraction"] == 1.0
    assert "Điểm đạt" in c.get(f"/take/attempt/{aid}/result").get_data(as_text=True)


def test_choice_ids_shown_are_per_attempt_positions_not_authoring_ids(app, world, login_as):
    """With shuffled choices, do the ids a taker sees (API, page) reveal the authoring ids/order, and
    do saves in shown ids (API and no-JS form) still store the real ids graders use?"""
    from quizapp.models import AttemptItem, QuestionVersion
    from tests.delivery.helpers import save, start

    quiz = make_quiz(world.committee, [world.committee], shuffle_choices=True)
    c = login_as(world.member_a, c=app.test_client())
    body = start(c, quiz.id)
    for it in body["items"]:
        if it["type"] in ("single", "multiple"):
            ids = [ch["id"] for ch in it["view"]["choices"]]
            assert ids == [f"c{n}" for n in range(1, len(ids) + 1)], ids
    single = next(it for it in body["items"] if it["type"] == "single")
    multiple = next(it for it in body["items"] if it["type"] == "multiple")
    item = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == body["id"],
                                                       AttemptItem.position == single["position"]))
    spec = db.session.get(QuestionVersion, item.question_version_id).spec
    real_by_text = {ch["text"]: ch["id"] for ch in spec["choices"]}
    pick = single["view"]["choices"][0]
    assert save(c, body["id"], single["position"], pick["id"], 1).get_json()["applied"] is True
    stored = db.session.scalar(select(Answer.value).where(Answer.attempt_id == body["id"],
                                                          Answer.position == single["position"]))
    assert stored == {"choice": real_by_text[pick["text"]]}
    html = c.get(f"/take/attempt/{body['id']}?mode=all").get_data(as_text=True)
    for real in ("a", "b", "c", "d"):
        assert f'value="{real}"' not in html
    # The page shows the saved answer under its display id, and a no-JS post in display ids is stored real.
    assert f'value="{pick["id"]}" checked' in html
    mpos = multiple["position"]
    shown = [ch["id"] for ch in multiple["view"]["choices"][:2]]
    resp = c.post(f"/take/attempt/{body['id']}", data={"csrf_token": c.csrf(), "p": str(mpos),
                                                       f"s{mpos}": "1", f"a{mpos}": shown})
    assert resp.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(Answer.value).where(Answer.attempt_id == body["id"], Answer.position == mpos))
    mitem = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == body["id"],
                                                        AttemptItem.position == mpos))
    assert stored == {"choices": sorted(mitem.choice_order[:2])}


# ---------------------------------------------------------------- safe review defaults

def test_review_defaults_to_after_close_and_keys_right_after_submit_carry_a_warning(client, world, login_as):
    """Does a new round default to showing results after the round closes, and is showing keys
    "ngay sau khi nộp" (while others are still answering) saved only with a visible warning?"""
    import re

    from quizapp.models import Quiz
    from tests.factories import make_topic_bank
    from tests.rounds.test_round_pages import _form

    assert Quiz.__table__.c.review_when.default.arg == "after_close"
    bank = make_topic_bank()
    db.session.commit()
    login_as(world.staff)
    page = client.get("/manage/rounds/new").get_data(as_text=True)
    assert re.search(r'<option selected value="after_close">|<option value="after_close" selected', page), \
        "the form must preselect 'after the round closes'"
    assert 'id="review-warning"' not in page
    resp = client.form("/manage/rounds/new", _form(world, bank, review_policy="correct", review_when="after_submit"),
                       follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Cảnh báo: đáp án đúng sẽ hiện" in html
    quiz = db.session.scalar(select(Quiz))
    assert (quiz.review_policy, quiz.review_when) == ("correct", "after_submit")
    edit = client.get(f"/manage/rounds/{quiz.round_id}/edit").get_data(as_text=True)
    assert 'id="review-warning"' in edit
    safe = client.form("/manage/rounds/new", _form(world, bank, review_policy="correct", review_when="after_close"),
                       follow_redirects=True)
    assert "Cảnh báo: đáp án đúng sẽ hiện" not in safe.get_data(as_text=True)


# ---------------------------------------------------------------- no keys before finishing

def _key_pages(world, quiz):
    from quizapp.models import Question

    bank_id = db.session.scalar(select(Question.bank_id).where(Question.id == quiz.draw_rule["question_ids"][0]))
    qids = quiz.draw_rule["question_ids"]
    return {
        "export": f"/manage/banks/{bank_id}/export",
        "edit": f"/manage/banks/{bank_id}/questions/{qids[0]}/edit",
        "items": f"/reports/rounds/{quiz.round_id}/orgs/{world.cell_a.id}/items",
        "key-fix": f"/manage/rounds/{quiz.round_id}/key-fix",
        "quality": f"/manage/banks/{bank_id}/quality",  # the warnings quote the keys
        "copy": f"/manage/banks/{bank_id}/copy",  # the copy would show them
    }, [f"/manage/banks/{bank_id}/questions/{q}" for q in qids], f"/manage/banks/{bank_id}"


KEY_MARKS = ['badge-ok">Đúng<', "Đáp án:", "Đáp án được chấp nhận", "tự chuyển hóa", "Tiêu chí chấm", "cốt lõi", "Giải thích"]


@pytest.mark.parametrize("role", ["secretary_a", "deputy_a"])
def test_manager_who_sits_an_open_quiz_sees_no_key_until_finished(app, world, login_as, role):
    """While the cell's quiz is open and she has not finished it, can a secretary (deputy) read its keys
    on question pages, download the bank, open item analysis or the key-fix pages? And after she
    submits (no attempt left), can she?"""
    from quizapp.services import delivery

    me = getattr(world, role)
    quiz = _cell_quiz(world)
    take(quiz.id, world.member_a, "Bài của đảng viên")
    refused, questions, bank_page = _key_pages(world, quiz)
    c = login_as(me)
    for label, url in refused.items():
        resp = c.get(url)
        assert resp.status_code == 403, (label, resp.status_code)
        assert "chưa làm xong bài" in resp.get_data(as_text=True), label
    for url in questions:
        html = c.get(url).get_data(as_text=True)
        assert 'id="keys-hidden"' in html, url
        leaks = [m for m in KEY_MARKS if m in html]
        assert not leaks, (url, leaks)
    assert 'id="keys-hidden"' in c.get(bank_page).get_data(as_text=True)
    # Starting is not finishing.
    attempt = delivery.start_attempt(quiz.id, me)
    assert c.get(refused["export"]).status_code == 403
    delivery.submit_attempt(attempt.id, person_id=me.id)
    for label, url in refused.items():
        if label != "edit" or role == "secretary_a":
            assert c.get(url).status_code == 200, label
    single = c.get(questions[0]).get_data(as_text=True)
    assert 'id="keys-hidden"' not in single and 'badge-ok">Đúng<' in single


def test_keys_stay_visible_to_staff_who_do_not_sit_and_after_close(app, world, login_as):
    """Are managers who do not sit the quiz (committee staff) unaffected, and does the lock end when
    the quiz closes even for a secretary who never took it?"""
    from datetime import timedelta as td

    from quizapp.clock import utcnow

    quiz = _cell_quiz(world)
    refused, questions, _bank = _key_pages(world, quiz)
    staff = login_as(world.staff, c=app.test_client())
    for label in ("export", "items", "key-fix"):
        assert staff.get(refused[label]).status_code == 200, label
    assert 'badge-ok">Đúng<' in staff.get(questions[0]).get_data(as_text=True)
    quiz.closes_at = utcnow() - td(minutes=1)
    quiz.opens_at = utcnow() - td(hours=2)
    db.session.commit()
    sec = login_as(world.secretary_a, c=app.test_client())
    assert sec.get(refused["export"]).status_code == 200
    assert 'badge-ok">Đúng<' in sec.get(questions[0]).get_data(as_text=True)


def test_secretary_who_has_not_finished_cannot_grade_with_the_rubric(app, world, login_as):
    """Can a secretary still sitting the quiz open an essay to grade (it shows the rubric, the essay's key)?"""
    quiz = _cell_quiz(world)
    _aid, answer_id = take(quiz.id, world.member_a, "Bài của đảng viên")
    c = login_as(world.secretary_a)
    resp = c.get(f"/manage/grading/answers/{answer_id}")
    assert resp.status_code == 403 and "chưa làm xong bài" in resp.get_data(as_text=True)
    take(quiz.id, world.secretary_a, "Bài của bí thư")
    assert c.get(f"/manage/grading/answers/{answer_id}").status_code == 200


def test_staff_who_is_a_member_of_a_participating_cell_is_covered_too(app, world, login_as):
    """Committee staff who belong to cell A and sit its open quiz: are the bank export and item analysis
    refused to them as well, until they finish?"""
    from datetime import date

    db.session.add(Membership(person_id=world.staff.id, org_id=world.cell_a.id, start_date=date(2020, 1, 1)))
    db.session.commit()
    quiz = _cell_quiz(world)
    refused, _questions, _bank = _key_pages(world, quiz)
    c = login_as(world.staff)
    assert c.get(refused["export"]).status_code == 403 and c.get(refused["items"]).status_code == 403
    take(quiz.id, world.staff, "Bài của cán bộ văn phòng")
    assert c.get(refused["export"]).status_code == 200 and c.get(refused["items"]).status_code == 200


def test_essay_graders_data_names_who_graded_what(app, world):
    """Does the round's grader data (for the sheet appendix) name the grader of each essay, in scope?"""
    quiz = _cell_quiz(world)
    _a, answer_id = take(quiz.id, world.member_a, "Bài của đảng viên")
    take(quiz.id, world.secretary_a, "Bài của bí thư")
    grading.grade_essay(answer_id, world.secretary_a, 0.5, "Đạt")
    rows = {(r["member"], r["grader"]) for r in round_grading.essay_graders(quiz.round, world.staff)}
    assert rows == {(world.member_a.full_name, world.secretary_a.full_name), (world.secretary_a.full_name, None)}
    assert round_grading.essay_graders(quiz.round, world.secretary_b) == []


def test_data_migration_refiles_attempts_and_ends_replaced_secretary_grants(app, world, monkeypatch):
    """Does the data migration move an attempt filed under the member's new cell back to the cell of
    the session date, and end a former secretary's grant that stayed behind?"""
    import importlib.util
    import pathlib

    from sqlalchemy import text

    from quizapp.models import RoleGrant

    path = next(pathlib.Path("migrations/versions").glob("*_attempts_belong_to_session_date_cell.py"))
    spec = importlib.util.spec_from_file_location("refile_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    quiz = _cell_quiz(world, session_date=today_local() - timedelta(days=5))
    aid, _answer = take(quiz.id, world.member_a)
    _move(world.member_a, world.cell_b, today_local() - timedelta(days=1))
    db.session.get(Attempt, aid).org_id = world.cell_b.id  # as the old rule filed it
    db.session.add(RoleGrant(person_id=world.deputy_a.id, role="secretary", org_id=world.cell_a.id))
    db.session.commit()
    monkeypatch.setattr(module.op, "execute", lambda sql: db.session.execute(text(sql)), raising=False)
    module.upgrade()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Attempt, aid).org_id == world.cell_a.id
    secretaries = set(db.session.scalars(select(RoleGrant.person_id).where(
        RoleGrant.role == "secretary", RoleGrant.org_id == world.cell_a.id)))
    assert secretaries == {world.secretary_a.id}


def test_grading_list_says_why_grading_waits(app, world, login_as):
    """Does the grading list tell a secretary still sitting the quiz why she cannot grade yet?"""
    quiz = _cell_quiz(world)
    take(quiz.id, world.member_a, "Bài của đảng viên")
    c = login_as(world.secretary_a)
    assert "chưa làm xong bài" in c.get("/manage/grading").get_data(as_text=True)
    take(quiz.id, world.secretary_a, "Bài của bí thư")
    assert "chưa làm xong bài" not in c.get("/manage/grading").get_data(as_text=True)
