"""Equal papers: can a draw rule give people papers of different totals or type mixes? It must not."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AttemptItem, QuestionVersion, StudyRound
from quizapp.services import delivery, papers, round_checks
from tests.factories import add_question, make_person, make_quiz, make_topic_bank
from tests.rounds.test_round_pages import _form

TF = {"answer": True}
ESSAY = {"rubric": []}


def mixed_bank():
    """20 one-point single-choice questions and a 5-point essay in the same topic (the demo's old trap)."""
    bank = make_topic_bank("mixed", topics=(("Chủ đề A", 20),))
    add_question(bank, "mixed-essay", "essay", dict(ESSAY), topic="Chủ đề A", points=5.0, position=21)
    db.session.commit()
    return bank


def rule(bank, count, **filters):
    return {"mode": "random", "rules": [{"bank_id": bank.id, "count": count, **filters}]}


def test_mixed_points_rule_is_refused_naming_the_odd_question(world):
    """Is 20 of 21 questions where one is worth 5 refused, naming that question and the totals 20 and 24?"""
    bank = mixed_bank()
    problems = round_checks.check_draw_rule(round_checks.normalize_draw_rule(rule(bank, 20)), world.staff)
    assert len(problems) == 1
    message = problems[0]["message"]
    assert "mixed-essay (Tự luận, 5 điểm)" in message and "20; 24" in message
    assert "mixed-001" not in message  # only the questions whose points differ are named


def test_rules_split_by_type_give_one_total(world):
    """Are 19 single-choice + 1 essay (two rules, filtered by type) accepted, every paper 24 points?"""
    bank = mixed_bank()
    draw = round_checks.normalize_draw_rule({"mode": "random", "rules": [
        {"bank_id": bank.id, "count": 19, "type": "single"},
        {"bank_id": bank.id, "count": 1, "type": "essay", "topic": "Chủ đề A"}]})
    assert round_checks.check_draw_rule(draw, world.staff) == []
    plan = papers.plan_papers(draw)
    assert plan.equal and plan.totals == [24] and plan.types == Counter(single=19, essay=1)
    assert plan.manual_points == 5
    lines = papers.plan_lines(plan)
    assert lines[0] == "Mỗi bài: 20 câu, tổng 24 điểm (trong đó 5 điểm tự luận chấm tay)."


def test_same_points_but_different_types_is_refused(world):
    """Is a rule drawing 3 of 6 one-point questions of two types refused (papers would differ in type mix)?"""
    bank = make_topic_bank("types", topics=(("Chủ đề A", 3),))
    for i in range(3):
        add_question(bank, f"types-tf{i}", "true_false", dict(TF), topic="Chủ đề A", position=10 + i)
    db.session.commit()
    problems = round_checks.check_draw_rule(round_checks.normalize_draw_rule(rule(bank, 3)), world.staff)
    assert len(problems) == 1 and "nhiều loại khác nhau" in problems[0]["message"]
    assert "3 câu Một lựa chọn 1 điểm" in problems[0]["message"]
    ok = round_checks.normalize_draw_rule(rule(bank, 3, type="true_false"))
    assert round_checks.check_draw_rule(ok, world.staff) == []


def test_taking_the_whole_mixed_pool_is_equal_for_everyone(world):
    """Is a rule that always takes every question of its pool accepted even when their points differ?"""
    bank = mixed_bank()
    draw = round_checks.normalize_draw_rule(rule(bank, 21))
    assert round_checks.check_draw_rule(draw, world.staff) == []
    assert papers.plan_papers(draw).totals == [25]


def test_delivery_draws_by_type_and_every_paper_is_equal(world):
    """Does delivery honour the type filter, so 12 attempts all get 19 single + 1 essay, 24 points?"""
    bank = mixed_bank()
    draw = round_checks.normalize_draw_rule({"mode": "random", "rules": [
        {"bank_id": bank.id, "count": 19, "type": "single"}, {"bank_id": bank.id, "count": 1, "type": "essay"}]})
    quiz = make_quiz(world.committee, [world.committee], bank=bank, draw_rule=draw, shuffle_questions=True)
    shapes = set()
    for i in range(12):
        person = make_person(world.cell_a, f"Trần Văn Đạt {i}", code=f"EQ{i:03d}")
        db.session.commit()
        attempt = delivery.start_attempt(quiz.id, person)
        rows = db.session.execute(
            select(QuestionVersion.type, AttemptItem.points)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(AttemptItem.attempt_id == attempt.id)).all()
        shapes.add((sum(p for _, p in rows), tuple(sorted(Counter(t for t, _ in rows).items()))))
    assert shapes == {(24.0, (("essay", 1), ("single", 19)))}


def test_round_form_refuses_unequal_papers_and_shows_the_reason(client, world, login_as):
    """Is saving a round whose rule can give 20- or 24-point papers refused (422) with the reason, keeping the input?"""
    bank = mixed_bank()
    login_as(world.staff)
    data = _form(world, bank, **{"rules-0-count": "20", "rules-1-count": ""})
    resp = client.form("/manage/rounds/new", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "mixed-essay (Tự luận, 5 điểm)" in html
    assert "KHÔNG bằng nhau" in html and "20; 24" in html  # the form shows each possible paper's total
    assert db.session.scalar(select(StudyRound)) is None


def test_round_form_preview_shows_every_papers_total_without_saving(client, world, login_as):
    """Does “Xem cấu trúc bài” show the count per type and total of every paper, and save nothing?"""
    bank = mixed_bank()
    login_as(world.staff)
    data = _form(world, bank, **{"rules-0-count": "19", "rules-0-qtype": "single", "rules-0-topic": "",
                                 "rules-1-count": "1", "rules-1-qtype": "essay", "preview": "1"})
    resp = client.form("/manage/rounds/new", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Mỗi bài: 20 câu, tổng 24 điểm (trong đó 5 điểm tự luận chấm tay)." in html
    assert "19 câu Một lựa chọn, 1 câu Tự luận" in html
    assert db.session.scalar(select(StudyRound)) is None
    data.pop("preview")
    assert client.form("/manage/rounds/new", data).status_code == 302
    rnd = db.session.scalar(select(StudyRound))
    assert {r.get("type") for r in rnd.quiz.draw_rule["rules"]} == {"single", "essay"}
    detail = client.get(f"/manage/rounds/{rnd.id}").get_data(as_text=True)
    assert "loại Tự luận" in detail and "tổng 24 điểm" in detail
    edit = client.get(f"/manage/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert "Mỗi bài: 20 câu, tổng 24 điểm" in edit and '<option selected value="essay">' in edit


def test_unknown_question_type_in_a_rule_is_refused(world):
    """Is a rule naming a question type that does not exist refused with a message, not a 500?"""
    bank = mixed_bank()
    problems = round_checks.check_draw_rule(round_checks.normalize_draw_rule(rule(bank, 1, type="ordering")),
                                            world.staff)
    assert problems and "loại câu hỏi không hợp lệ" in problems[0]["message"]


def test_preview_of_a_rule_asking_too_much_says_so_instead_of_a_total(world):
    """Does the structure preview of a rule wanting more questions than match say so (no misleading total)?"""
    bank = mixed_bank()
    lines = round_checks.paper_summary(rule(bank, 3, type="essay"), world.staff)
    assert lines == ["Quy tắc 1: cần 3 câu nhưng chỉ có 1 câu phù hợp."]
