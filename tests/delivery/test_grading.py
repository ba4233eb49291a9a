"""Scoring: classification, partial credit, essays graded by a person, key correction."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptItem, AuditLog, QuestionVersion
from quizapp.services import delivery, grading, rules
from quizapp.services.exceptions import InvalidInput, NotFound
from tests.factories import make_quiz


@pytest.mark.parametrize("score,label", [(10, "gioi"), (8.0, "gioi"), (7.9, "kha"), (6.5, "kha"),
                                         (6.4, "trung_binh"), (5.0, "trung_binh"), (4.9, "chua_dat"), (0, "chua_dat")])
def test_classify_default_cutoffs(score, label):
    """Do the default cut-offs (8 / 6,5 / 5) give the expected label at and around each boundary?"""
    assert grading.classify(score, {"gioi": 8, "kha": 6.5, "trung_binh": 5}) == label


def test_classify_uses_quiz_cutoffs_and_round_half_up():
    """Are a quiz's own cut-offs used, and is 8.25 rounded up to 8.3 (not banker's rounding)?"""
    assert grading.classify(7.0, {"gioi": 7, "kha": 6, "trung_binh": 4}) == "gioi"
    assert grading.round1(8.25) == 8.3 and grading.round1(6.45) == 6.5


def _finished(world, answers: dict, **quiz_fields) -> Attempt:
    quiz = make_quiz(world.committee, [world.committee], **quiz_fields)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    for pos, value in answers.items():
        delivery.save_answer(attempt.id, world.member_a.id, pos, value, 1)
    return delivery.submit_attempt(attempt.id, person_id=world.member_a.id)


def test_multiple_partial_credit_or_all_or_nothing(world):
    """Does one right and one wrong pick of two earn 0 with partial credit floored, and 0 all-or-nothing?"""
    partial = _finished(world, {2: ["a", "c"]})
    assert db.session.scalar(select(Answer.fraction).where(Answer.attempt_id == partial.id, Answer.position == 2)) == 0.0
    half = _finished(world, {2: ["a"]}, partial_credit=True)
    none = _finished(world, {2: ["a"]}, partial_credit=False)
    assert half.points == 0.5 and none.points == 0.0


def test_essay_grading_rescores_is_audited_and_scoped(world):
    """Does the cell secretary's essay mark complete the score, while another cell's secretary gets 404?"""
    attempt = _finished(world, {1: "b", 2: ["a", "b"], 3: True, 4: "tự chuyển hóa", 5: "Bài thu hoạch."})
    assert attempt.pending_essays == 1 and attempt.classification_label == "Chờ chấm"
    essay = db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == 5))
    with pytest.raises(NotFound):
        grading.grade_essay(essay.id, world.secretary_b, 1.0, "", None)
    with pytest.raises(InvalidInput):
        grading.grade_essay(essay.id, world.secretary_a, 3.0, "", None)
    with pytest.raises(InvalidInput):
        grading.grade_essay(essay.id, world.secretary_a, 0.5, "", [2, 0])
    graded = grading.grade_essay(essay.id, world.secretary_a, 0.5, "Cần liên hệ cụ thể hơn.", [0.5, 0])
    assert graded.pending_essays == 0 and graded.points == 4.5 and graded.score == 9.0
    assert graded.classification == "gioi"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "essay.grade"))
    assert log.actor_id == world.secretary_a.id and log.details["after"]["score"] == 9.0
    # A later automatic regrade keeps the person's mark.
    db.session.commit()
    grading.grade_attempt(graded)
    assert graded.points == 4.5


def test_fix_key_regrades_every_affected_attempt(world):
    """Does correcting a wrong key regrade the attempts that used it, report changes, and audit it?"""
    attempt = _finished(world, {1: "c"})
    assert attempt.points == 0.0
    qv_id = db.session.scalar(select(AttemptItem.question_version_id).where(
        AttemptItem.attempt_id == attempt.id, AttemptItem.position == 1))
    old = db.session.get(QuestionVersion, qv_id).spec
    fixed = {"choices": [dict(c, correct=(c["id"] == "c")) for c in old["choices"]]}
    with pytest.raises(NotFound):
        grading.fix_key(qv_id, fixed, None, world.secretary_a)  # not committee staff
    changes = grading.fix_key(qv_id, fixed, 2.0, world.staff)
    assert changes == [{"attempt_id": attempt.id, "person_name": world.member_a.full_name,
                        "old_score": 0.0, "new_score": 3.3}]
    db.session.expire_all()
    again = db.session.get(Attempt, attempt.id)
    assert again.points == 2.0 and again.max_points == 6.0
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "question.fix_key")).details["regraded"]


def test_counted_attempt_follows_policy(world):
    """With two attempts, do best / last / first pick the right one?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=2)
    ids = []
    for value in ("b", "a"):
        a = delivery.start_attempt(quiz.id, world.member_a)
        delivery.save_answer(a.id, world.member_a.id, 1, value, 1)
        ids.append(delivery.submit_attempt(a.id).id)
    mine = list(db.session.scalars(select(Attempt).where(Attempt.person_id == world.member_a.id)))
    assert rules.pick_counted(mine, "best").id == ids[0]
    assert rules.pick_counted(mine, "last").id == ids[1]
    assert rules.pick_counted(mine, "first").id == ids[0]
    assert rules.pick_counted([], "best") is None


# ----------------------------------------------------------------- exact arithmetic

def multi_question(right: int, wrong: int) -> tuple:
    """A multi-select question with `right` correct options (a, b, …) followed by `wrong` others."""
    letters = "abcdefgh"
    choices = [{"id": letters[i], "text": f"Phương án {letters[i].upper()}", "correct": i < right}
               for i in range(right + wrong)]
    return ("multiple", f"Câu nhiều lựa chọn {right}/{right + wrong}?", {"choices": choices})


SINGLE_Q = ("single", "Câu một lựa chọn?", {"choices": [{"id": "a", "text": "Đúng", "correct": True},
                                                          {"id": "b", "text": "Sai"}]})
# A share of an item, as (right options, wrong options, right picks): share = picks / right.
SHARES = {"1": None, "0": None, "3/5": (5, 1, 3), "3/4": (4, 1, 3), "5/6": (6, 1, 5), "2/3": (3, 1, 2),
          "1/5": (5, 1, 1), "1/3": (3, 1, 1), "1/6": (6, 1, 1)}


def sit_paper(world, shares: list[str]):
    """Sit a fixed paper whose items earn the given shares, in that order; returns the finished attempt."""
    from tests.factories import make_bank

    questions, answers = [], {}
    for pos, share in enumerate(shares, start=1):
        if SHARES[share] is None:
            questions.append(SINGLE_Q)
            answers[pos] = "a" if share == "1" else "b"
        else:
            right, wrong, picks = SHARES[share]
            questions.append(multi_question(right, wrong))
            answers[pos] = list("abcdefgh"[:picks])
    bank = make_bank(world.committee, questions=questions)
    return _finished(world, answers, bank=bank)


@pytest.mark.parametrize("shares,score,label", [
    # 3 right + partials 0,6 + 0,75 + 0,6 + 4 wrong of 10: exactly 4,95 -> 5,0 (floats give 4,9499…)
    (["1", "1", "1", "3/5", "3/4", "3/5", "0", "0", "0", "0"], 5.0, "trung_binh"),
    # exactly 15,9 of 20 = 7,95 -> 8,0 Giỏi (a float sum in this order gives 15,8999… -> 7,9 Khá)
    (["0", "1", "1", "1", "1", "0", "1", "1", "5/6", "1", "1", "1", "1", "2/3", "1", "1", "1/5", "1/5", "1", "1"],
     8.0, "gioi"),
    # exactly 12,9 of 20 = 6,45 -> 6,5 Khá (a float sum gives 12,8999… -> 6,4 Trung bình)
    (["1", "0", "1", "1", "1", "1/3", "1", "1", "1", "1", "1", "1", "0", "1/6", "1/5", "0", "1", "1/5", "1", "0"],
     6.5, "kha"),
])
def test_score_is_exact_and_rounded_half_up_once(world, shares, score, label):
    """Is a score exactly on a half (4,95 / 7,95 / 6,45) rounded up with its grade, where a float sum drops it?"""
    from fractions import Fraction

    floats = 0.0
    for s in shares:
        floats += float(Fraction(s))
    assert grading.round1(10 * floats / len(shares)) != score  # the float path really does drop these
    attempt = sit_paper(world, shares)
    assert attempt.score == score and attempt.classification == label
    assert attempt.max_points == len(shares)


def test_stored_points_and_score_are_exact_decimals(world):
    """Are the attempt's points and score stored as the exact decimals (NUMERIC), read back unchanged?"""
    attempt = sit_paper(world, ["1", "1", "1", "3/5", "3/4", "3/5", "0", "0", "0", "0"])
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Attempt, attempt.id)
    assert again.points == 4.95 and again.score == 5.0 and again.max_points == 10.0
    awarded = db.session.scalars(select(Answer.awarded).where(Answer.attempt_id == attempt.id)
                                 .order_by(Answer.position)).all()
    assert awarded[3:6] == [0.6, 0.75, 0.6]


def test_ticking_every_option_of_three_right_of_five_earns_nothing(world):
    """Does ticking all five options of a 3-right multi-select earn 0 points (it earned 1/3 before)?"""
    bank_q = multi_question(3, 2)
    from tests.factories import make_bank

    attempt = _finished(world, {1: ["a", "b", "c", "d", "e"]}, bank=make_bank(world.committee, questions=[bank_q]))
    assert attempt.points == 0.0 and attempt.score == 0.0


def test_mean_score_of_a_report_is_exact_and_half_up():
    """Does the mean of scores round half up from the exact sum (6,125 -> 6,13; a float sum 24,499… too)?"""
    assert grading.mean_of(24.5, 4) == 6.13
    assert grading.mean_of(24.499999999999996, 4) == 6.13
    assert grading.mean_of(0, 0) is None


# ----------------------------------------------------------------- property: the score is the exact sum

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def graded_item(draw):
    """An item: its points (a decimal a bank may hold) and a multi-select answer graded by the real grader."""
    from fractions import Fraction

    from quizapp.services.question_types import get_type

    points = draw(st.sampled_from(["0.25", "0.5", "1", "1.5", "2", "2.5", "3", "5"]))
    right = draw(st.integers(1, 6))
    wrong = draw(st.integers(0, 8 - right))
    spec = {"choices": [{"id": "abcdefgh"[i], "text": f"P{i}", "correct": i < right} for i in range(right + wrong)]}
    picks_right = draw(st.integers(0, right))
    picks_wrong = draw(st.integers(0, wrong))
    picked = list("abcdefgh"[:picks_right]) + list("abcdefgh"[right:right + picks_wrong])
    share = get_type("multiple").grade(spec, {"choices": picked} if picked else None)
    # The rule, counted independently: r/R - w/W, floored at 0.
    expected = max(Fraction(0), Fraction(picks_right, right) - (Fraction(picks_wrong, wrong) if wrong else 0))
    assert share == expected
    return Fraction(points), share


@settings(max_examples=300, deadline=None)
@given(st.lists(graded_item(), min_size=1, max_size=40))
def test_score_equals_the_exact_sum_rounded_half_up(items):
    """For any paper, is the score the exact 10 × earned / possible rounded half up to one decimal?"""
    from decimal import Decimal

    earned, possible, score = grading.score_items(items)
    assert earned == sum(p * s for p, s in items) and possible == sum(p for p, _ in items)
    exact_score = 10 * earned / possible
    # Half up, in integers: the tenths n with n - 1/2 <= 10 × score < n + 1/2.
    n = (2 * 10 * exact_score.numerator + exact_score.denominator) // (2 * exact_score.denominator)
    assert score == Decimal(n) / 10
    assert abs(Decimal(exact_score.numerator) / Decimal(exact_score.denominator) - score) <= Decimal("0.05")


def test_points_fix_on_a_question_only_some_papers_hold_is_refused(world):
    """Would new points for a question drawn into one paper of two give unequal totals — and is that refused,
    while a key-only fix, or new points for a question every paper holds, still goes through?"""
    from tests.factories import (
        SINGLE,
        add_question,
        make_attempt_with_items,
        make_round_with_quiz,
        make_topic_bank,
    )

    bank = make_topic_bank("pts", org=world.committee, topics=(("Chủ đề A", 3),))
    _, odd = add_question(bank, "pts-odd", "single", dict(SINGLE), position=9)
    _, shared = add_question(bank, "pts-shared", "single", dict(SINGLE), position=10)
    rnd = make_round_with_quiz(world.committee, [world.committee], bank=bank, count=2)
    others = db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.not_in([odd.id, shared.id]))).all()
    make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a, items=[(shared, {"choice": "a"}), (odd, {"choice": "a"})])
    make_attempt_with_items(rnd.quiz, world.member_b, world.cell_b, items=[(shared, {"choice": "a"}), (others[0], None)])
    with pytest.raises(InvalidInput, match="chỉ 1/2 bài"):
        grading.fix_key(odd.id, SINGLE, 3.0, world.staff)
    assert grading.fix_key(odd.id, SINGLE, None, world.staff) is not None  # the key alone may change
    assert grading.fix_key(shared.id, SINGLE, 2.0, world.staff) is not None  # every paper holds it
