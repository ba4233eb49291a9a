"""Entering paper answers: parsing, grading through each variant's shuffle, participation, audit, refusals."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.clock import utcnow

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AuditLog
from quizapp import permissions
from quizapp.services import paper_entry, paper_tests, participation
from quizapp.services.exceptions import Forbidden
from tests.attacks.helpers import take
from tests.paper.helpers import key_letters, paper_scene


def _all_right(variant) -> tuple[str, list[str]]:
    """Numbered answers filling every letter question right, and the short-answer cells."""
    parts = [f"{it.number}{key_letters(it)}" for it in variant.items if it.kind == "letters"]
    shorts = ["tu chuyen hoa" for it in variant.items if it.kind == "text"]
    return " ".join(parts), shorts


def test_parse_reports_each_problem_at_its_question(world):
    """Are an unknown letter, a number beyond the paper, several letters on a single choice, a repeat
    and a letter for a short answer each reported at their question, in Vietnamese?"""
    quiz, paper = paper_scene(world)
    v = paper_tests.load_variants(paper)["101"]
    single = next(it for it in v.items if it.version.type == "single")
    tf = next(it for it in v.items if it.version.type == "true_false")
    short = next(it for it in v.items if it.version.type == "short_text")
    typed = f"{single.number}BD {tf.number}X 9A {short.number}A {single.number}A"
    errors: dict = {}
    for e in paper_entry.parse_answers(v, typed).errors:
        errors[e.where] = errors.get(e.where, "") + e.message
    assert "chỉ được chọn một phương án" in errors[single.number]
    assert "nhập hai lần" in errors[single.number]
    assert "Đ/S" in errors[tf.number]
    assert "chỉ có 5 câu" in errors[9]
    assert "trả lời ngắn" in errors[short.number]
    multi = next(it for it in v.items if it.version.type == "multiple")
    errors = paper_entry.parse_answers(v, f"{multi.number}G").errors
    assert errors[0].where == multi.number and "không có phương án G" in errors[0].message
    assert paper_entry.parse_answers(v, "ABCDEFG").errors[0].where == "answers"  # 3 letter questions only
    assert paper_entry.parse_answers(v, "(AB").errors[0].message.startswith("Thiếu dấu")


def test_true_false_takes_d_s_and_a_b(world):
    """Do Đ, D and A read as Đúng and S, B as Sai?"""
    quiz, paper = paper_scene(world)
    v = paper_tests.load_variants(paper)["102"]
    tf = next(it for it in v.items if it.version.type == "true_false")
    for typed, expected in (("Đ", True), ("đ", True), ("D", True), ("A", True), ("S", False), ("b", False)):
        parsed = paper_entry.parse_answers(v, f"{tf.number}{typed}")
        assert not parsed.errors and parsed.values[tf.number] == {"value": expected}, typed


@pytest.mark.parametrize("compact", [False, True])
def test_saving_grades_every_variant_through_its_shuffle(app, world, compact):
    """For each variant, do the right letters on that variant (numbered or one key per question) give full
    marks on the auto-graded part, and the same letters on another variant not?"""
    from tests.factories import make_person
    people = [make_person(world.cell_a, f"Người Số {i}") for i in range(4)]
    db.session.commit()
    quiz, paper = paper_scene(world, copies=2)
    rnd = quiz.round
    variants = paper_tests.load_variants(paper)
    rows = []
    for person, code in zip(people, variants):
        typed, shorts = _all_right(variants[code])
        if compact:
            typed = "".join(f"({key_letters(it)})" if len(key_letters(it)) > 1 else key_letters(it)
                            for it in variants[code].items if it.kind == "letters")
        rows.append(paper_entry.EntryRow(person_id=person.id, variant=code, answers=typed, short_texts=shorts))
    results = paper_entry.save_rows(rnd, world.cell_a, paper, rows, world.staff)  # staff does not sit it
    assert all(r.saved for r in results), [r.message for r in results]
    for person, code in zip(people, variants):
        attempt = db.session.scalar(select(Attempt).where(Attempt.person_id == person.id))
        assert attempt.mode == "paper" and attempt.status == "finished" and attempt.paper_variant == code
        assert attempt.entered_by_id == world.staff.id
        assert [i.question_version_id for i in attempt.items] == [it.version.id for it in variants[code].items]
        # 10 questions, 2 essays pending by hand: 8 of 10 points earned, nothing lost
        assert attempt.points == 8 and attempt.max_points == 10 and attempt.pending_essays == 2
    # The first variant's right letters typed as another variant are not all right.
    typed, shorts = _all_right(variants["101"])
    other = paper_entry.parse_answers(variants["102"], typed, short_texts=shorts)
    right = paper_entry.parse_answers(variants["101"], typed, short_texts=shorts)
    assert other.values != right.values or other.errors


def test_paper_attempt_counts_in_participation_and_is_audited(world):
    """Does a saved paper count as taking part (figures and board), with who entered it in the audit log?"""
    quiz, paper = paper_scene(world)
    rnd = quiz.round
    before = participation.figures(rnd, world.cell_a).took_part
    typed, shorts = _all_right(paper_tests.load_variants(paper)["103"])
    res = paper_entry.save_rows(rnd, world.cell_a, paper, [paper_entry.EntryRow(
        world.member_a.id, "103", typed, short_texts=shorts)], world.staff)
    assert res[0].saved
    assert participation.figures(rnd, world.cell_a).took_part == before + 1
    status = next(s for s in participation.member_statuses(rnd, world.cell_a) if s.person.id == world.member_a.id)
    assert status.state == "submitted" and status.attempt.mode_label == "Giấy"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "paper.enter"))
    assert log.actor_id == world.staff.id and log.details["person_id"] == world.member_a.id


def test_reentering_replaces_the_paper_attempt_and_is_audited(world):
    """Does entering a member's paper again replace it (one attempt, new answers), audited with the old score?"""
    quiz, paper = paper_scene(world)
    rnd = quiz.round
    v = paper_tests.load_variants(paper)["101"]
    typed, shorts = _all_right(v)
    first = paper_entry.save_rows(rnd, world.cell_a, paper, [paper_entry.EntryRow(
        world.member_a.id, "101", f"{next(it.number for it in v.items if it.kind == 'letters')}-")],
                                  world.staff)
    assert first[0].saved and not first[0].replaced
    res = paper_entry.save_rows(rnd, world.cell_a, paper, [paper_entry.EntryRow(
        world.member_a.id, "101", typed, short_texts=shorts)], world.staff)
    assert res[0].saved and res[0].replaced
    attempts = db.session.scalars(select(Attempt).where(Attempt.person_id == world.member_a.id)).all()
    assert len(attempts) == 1 and attempts[0].points == 4
    assert db.session.query(Answer).filter_by(attempt_id=attempts[0].id).count() == 5
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "paper.replace"))
    assert log.details["previous"]["score"] == 0


def test_member_who_took_it_online_is_refused(world):
    """Is a member who sat (or is sitting) the test online refused, with the reason, and nothing written?"""
    quiz, paper = paper_scene(world)
    rnd = quiz.round
    take(quiz.id, world.member_a)
    take(quiz.id, world.secretary_a, submit=False)
    rows = [paper_entry.EntryRow(world.member_a.id, "101", "ABC"),
            paper_entry.EntryRow(world.secretary_a.id, "101", "ABC")]
    res = paper_entry.save_rows(rnd, world.cell_a, paper, rows, world.staff)
    assert "Đã làm bài trực tuyến" in res[0].refused and not res[0].saved
    assert "Đang làm bài trực tuyến" in res[1].refused and not res[1].saved
    assert db.session.query(Attempt).filter_by(mode="paper").count() == 0


def test_bad_rows_are_kept_and_good_rows_saved(world):
    """With one good row and rows with a bad variant or an outsider, is the good one saved and each other
    reported at its cell?"""
    quiz, paper = paper_scene(world)
    rnd = quiz.round
    rows = [paper_entry.EntryRow(world.member_a.id, "101", "AAA"),
            paper_entry.EntryRow(world.deputy_a.id, "999", "AAA"),
            paper_entry.EntryRow(world.member_b.id, "101", "AAA"),
            paper_entry.EntryRow(world.secretary_a.id, "101", "")]
    res = paper_entry.save_rows(rnd, world.cell_a, paper, rows, world.staff)
    assert res[0].saved
    assert res[1].errors[0].where == "variant" and "999" in res[1].message
    assert res[2].errors[0].where == "member"
    assert not res[3].saved and not res[3].errors  # nothing typed: left alone
    assert db.session.query(Attempt).count() == 1


def test_pasted_lines_name_members_by_code(world):
    """Do pasted lines "code variant answers" become rows, and unknown codes become line messages?"""
    quiz, paper = paper_scene(world)
    rows, problems = paper_entry.rows_from_lines(quiz.round, world.cell_a,
                                                 "MEMA 102 1A 2C\nMEMB 101 ABC\n\nSECA 101\nxyz")
    assert [(r.person_id, r.variant, r.answers) for r in rows] == [(world.member_a.id, "102", "1A 2C")]
    assert problems[0].startswith("Dòng 2:") and "MEMB" in problems[0]
    assert problems[1].startswith("Dòng 4:") and problems[2].startswith("Dòng 5:")


def test_nobody_enters_their_own_paper(world):
    """Once the quiz has closed (before, she still sits it and enters nothing at all), is a secretary
    refused when entering their own paper answers, while a deputy may enter them?"""
    quiz, paper = paper_scene(world)
    quiz.closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    rows = [paper_entry.EntryRow(world.secretary_a.id, "101", "AAA")]
    res = paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.secretary_a)
    assert res[0].refused == paper_entry.SELF_ENTRY and not res[0].saved
    assert db.session.query(Attempt).count() == 0
    assert paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.deputy_a)[0].saved


def test_manager_who_still_sits_the_quiz_enters_no_paper_until_she_has_submitted(world):
    """A paper's score tells whoever typed its letters which are right. While the open quiz is still
    open to the secretary (and the deputy) herself, is paper entry refused with the reason and what to
    do, nothing written; is a started but unsubmitted attempt not enough; and does the refusal lift
    for the one who has submitted?"""
    quiz, paper = paper_scene(world)
    rows = [paper_entry.EntryRow(world.member_a.id, "101", "AAA")]
    take(quiz.id, world.deputy_a, submit=False)
    for actor in (world.secretary_a, world.deputy_a):
        with pytest.raises(Forbidden) as refused:
            paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, actor)
        message = refused.value.message
        assert message == permissions.paper_locked_message(quiz)
        assert f"“{quiz.title}” và chưa làm xong bài" in message
        assert "Hãy làm xong bài của mình (nộp bài)" in message and "nhờ một đồng chí khác" in message
    assert db.session.query(Attempt).filter_by(mode="paper").count() == 0
    assert db.session.query(AuditLog).filter(AuditLog.action.in_(("paper.enter", "paper.replace"))).count() == 0
    take(quiz.id, world.secretary_a)  # she submits her own attempt: the lock lifts for her only
    assert permissions.paper_lock(quiz, world.secretary_a) is None
    assert permissions.paper_lock(quiz, world.deputy_a) is not None
    assert paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.secretary_a)[0].saved
    with pytest.raises(Forbidden):
        paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.deputy_a)


def test_two_rows_for_one_member_in_one_save(world):
    """Typed twice in one save (grid row and a pasted line), is the first row saved and the second reported?"""
    quiz, paper = paper_scene(world)
    rows = [paper_entry.EntryRow(world.member_a.id, "101", "AAA"), paper_entry.EntryRow(world.member_a.id, "102", "AAA")]
    res = paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.staff)
    assert res[0].saved and res[1].errors[0].where == "member" and not res[1].saved
    assert db.session.query(Attempt).one().paper_variant == "101"


def test_key_fix_reaches_paper_attempts_entered_before_and_after(world):
    """After a key fix on a question of the paper test, are paper attempts entered before regraded, and
    ones entered after graded by the corrected key?"""
    from quizapp.services import grading

    quiz, paper = paper_scene(world)
    v = paper_tests.load_variants(paper)["101"]
    single = next(it for it in v.items if it.version.type == "single")
    old_right = key_letters(single)
    rows = [paper_entry.EntryRow(world.member_a.id, "101", f"{single.number}{old_right}")]
    paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.staff)
    before = db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id))
    assert before.points == 1
    spec = {"choices": [dict(c, correct=(c["id"] == "a")) for c in single.version.spec["choices"]]}
    grading.fix_key(single.version.id, spec, None, world.staff)
    db.session.expire_all()
    assert db.session.get(Attempt, before.id).points == 0
    new_right = key_letters(paper_tests.load_variants(paper)["101"].item(single.number))
    assert new_right != old_right
    rows = [paper_entry.EntryRow(world.deputy_a.id, "101", f"{single.number}{new_right}")]
    assert paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.staff)[0].score == 2.0


def test_saved_row_with_an_essay_waiting_says_cho_cham_not_zero(world):
    """A paper whose essay waits for a mark: does the confirmation say "chờ chấm", never "0,0 điểm";
    and does a paper without pending essays print its score?"""
    quiz, paper = paper_scene(world)
    v = paper_tests.load_variants(paper)["101"]
    single = next(it for it in v.items if it.version.type == "single")
    rows = [paper_entry.EntryRow(world.member_a.id, "101", f"{single.number}{key_letters(single)}")]
    res = paper_entry.save_rows(quiz.round, world.cell_a, paper, rows, world.staff)[0]
    assert res.saved and res.pending, res.message
    assert "chờ chấm" in res.message and "0,0 điểm" not in res.message
    done = paper_entry.RowResult(person_id=world.member_a.id, saved=True, score=7.5)
    assert done.message == "Đã lưu: 7,5 điểm."
