"""Scoring: pure graders from the registry, the 10-point score, essays, and key corrections.

The arithmetic rule, in one place: every item's share (an exact Fraction from its grader) times
its points is summed exactly; the score is 10 × earned / possible, still exact; it is rounded
half up to one decimal only at the very end (`score_of`), and the cut-offs compare that rounded
score — the one the member sees. 4,95 is 5,0 (Trung bình), never 4,9 through a float sum.
Mean scores in reports round half up to two decimals the same way (`mean_of`).
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from sqlalchemy import bindparam, select, update

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptStatus,
    AuditLog,
    Person,
    QuestionVersion,
    Quiz,
)
from quizapp.services.exceptions import Conflict, InvalidInput, NotFound
from quizapp.services.question_types import SpecError, get_type
from quizapp.services.rules import cutoffs_of

COMMENT_MAX_CHARS = 4000


def exact(value) -> Fraction:
    """A stored or typed number as an exact Fraction (a float is read as the decimal it prints as)."""
    if value is None:
        return _ZERO
    if type(value) is Fraction:  # immutable: no copy needed
        return value
    if isinstance(value, (Fraction, int)):
        return Fraction(value)
    if type(value) is float:
        return _float_exact(value)
    return Fraction(str(value))


_ZERO = Fraction(0)


@lru_cache(maxsize=1024)
def _float_exact(value: float) -> Fraction:
    """A float's exact decimal reading, kept: an item's points and a stored mark take few values,
    and parsing the decimal text is the costly part of grading an item."""
    return Fraction(str(value))


def round_half_up(value, places: int = 1) -> Decimal:
    """Exact half-up rounding to `places` decimals (4,95 -> 5,0; 8,25 -> 8,3), as marks are rounded by hand."""
    q = exact(value) * 10 ** places
    sign = -1 if q < 0 else 1
    n = (abs(q) + Fraction(1, 2)).__floor__()
    return Decimal(sign * n).scaleb(-places)


def round1(value) -> float:
    """Round half up to one decimal (8.25 -> 8.3); see round_half_up."""
    return float(round_half_up(value, 1))


def score_of(points, max_points) -> Decimal:
    """The 10-point score of `points` earned out of `max_points`, exact until one half-up rounding."""
    max_points = exact(max_points)
    if not max_points:
        return Decimal("0.0")
    return round_half_up(10 * exact(points) / max_points, 1)


def score_items(items) -> tuple[Fraction, Fraction, Decimal]:
    """(earned, possible, score) of (item points, share earned) pairs: exact sums, one rounding."""
    earned = possible = Fraction(0)
    for points, share in items:
        points = exact(points)
        possible += points
        earned += exact(share) * points
    return earned, possible, score_of(earned, possible)


def mean_of(score_sum, count: int, places: int = 2) -> float | None:
    """Mean of scores (each with one decimal) rounded half up; a float SQL sum is first snapped back
    to the tenths it must be, so no binary error reaches the result."""
    if not count:
        return None
    total = round_half_up(score_sum, 1)
    return float(round_half_up(exact(total) / count, places))


def classify(score, cutoffs: dict | None) -> str:
    """'gioi' / 'kha' / 'trung_binh' / 'chua_dat' for a 10-point score and the quiz's cut-offs
    (over the defaults declared in config.py, rules.cutoffs_of)."""
    cut = cutoffs_of(cutoffs)
    score = exact(score)
    for label in ("gioi", "kha", "trung_binh"):
        if score >= exact(cut[label]):
            return label
    return "chua_dat"


def grade_attempt(attempt: Attempt) -> None:
    """Grade every item of a finished attempt and fill its totals; the caller commits."""
    quiz = attempt.quiz
    totals = grade_items(db.session.connection(), attempt.id, quiz.partial_credit, quiz.cutoffs)
    for name, value in totals.items():
        setattr(attempt, name, value)


_ITEMS_TO_GRADE = (
    select(AttemptItem.points, QuestionVersion.type, QuestionVersion.spec,
           Answer.id, Answer.value, Answer.graded_at, Answer.awarded)
    .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
    .outerjoin(Answer, (Answer.attempt_id == AttemptItem.attempt_id) & (Answer.position == AttemptItem.position))
    .where(AttemptItem.attempt_id == bindparam("aid"))
)
_STORE_MARKS = (update(Answer.__table__).where(Answer.__table__.c.id == bindparam("answer_id"))
                .values(fraction=bindparam("f"), awarded=bindparam("w")))


@lru_cache(maxsize=1024)
def _awarded(fraction: Fraction, item_points: Fraction) -> float:
    """The stored mark of an item (four decimals, half up); items take few (share, points) pairs."""
    return float(round_half_up(fraction * item_points, 4))


def grade_items(conn, attempt_id: int, partial_credit: bool, cutoffs: dict | None) -> dict:
    """Grade every item of a finished attempt with Core statements, storing each answer's marks;
    returns the attempt's totals (points, max_points, score, pending_essays, classification) for the
    caller to store. The caller commits. The statements are built once (no per-call compile)."""
    rows = conn.execute(_ITEMS_TO_GRADE, {"aid": attempt_id}).all()
    pairs = []  # (item points, exact share earned) of every item
    pending = 0
    updates = []
    for item_points, qtype, spec, answer_id, value, graded_at, awarded in rows:
        item_points = exact(item_points)
        fraction = get_type(qtype).grade(spec, value, partial_credit=partial_credit)
        if fraction is None:
            if graded_at is None:  # an essay waiting for a person
                pending += 1
                pairs.append((item_points, _ZERO))
                if answer_id is not None:
                    updates.append({"answer_id": answer_id, "f": None, "w": None})
                continue
            earned = min(exact(awarded), item_points)
            fraction = earned / item_points if item_points else _ZERO
        pairs.append((item_points, fraction))
        if answer_id is not None:
            updates.append({"answer_id": answer_id, "f": float(fraction), "w": _awarded(fraction, item_points)})
    if updates:
        conn.execute(_STORE_MARKS, updates)
    points, max_points, score = score_items(pairs)
    # Stored for display (four decimals); the score itself comes from the exact sums.
    return {"points": float(round_half_up(points, 4)), "max_points": float(round_half_up(max_points, 4)),
            "score": float(score), "pending_essays": pending,
            "classification": None if pending else classify(score, cutoffs)}


def grade_essay(answer_id: int, grader: Person, awarded: float, comment: str,
                rubric_scores: list | None = None) -> Attempt:
    """Record a person's mark for an essay answer (scope-checked, audited) and rescore the attempt."""
    from quizapp.permissions import check_may_grade

    begin_write()
    answer = db.session.get(Answer, answer_id)
    attempt = db.session.get(Attempt, answer.attempt_id) if answer else None
    check_may_grade(attempt, grader)  # out of scope: not found; one's own attempt: forbidden
    if attempt.status != AttemptStatus.FINISHED:
        raise Conflict("Bài làm chưa nộp nên chưa thể chấm.")
    item, version = db.session.execute(
        select(AttemptItem, QuestionVersion).join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == answer.position)
    ).one()
    if get_type(version.type).auto_graded:
        raise InvalidInput("Câu này được chấm tự động, không chấm tay.")
    try:
        awarded = float(awarded)
    except (TypeError, ValueError):
        raise InvalidInput("Điểm chấm phải là một số.") from None
    if not 0 <= awarded <= item.points:
        raise InvalidInput(f"Điểm chấm phải từ 0 đến {item.points:g}.")
    rubric = (version.spec or {}).get("rubric") or []
    if rubric_scores is not None:
        if len(rubric_scores) != len(rubric):
            raise InvalidInput("Số điểm theo tiêu chí không khớp với hướng dẫn chấm.")
        for i, (score, crit) in enumerate(zip(rubric_scores, rubric), start=1):
            if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= crit["points"]:
                raise InvalidInput(f"Tiêu chí {i}: điểm phải từ 0 đến {crit['points']:g}.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise InvalidInput(f"Nhận xét tối đa {COMMENT_MAX_CHARS} ký tự.")
    before = {"awarded": answer.awarded, "score": attempt.score}
    answer.awarded, answer.fraction = awarded, (awarded / item.points if item.points else 0.0)
    answer.grader_id, answer.graded_at = grader.id, utcnow()
    answer.grader_comment, answer.rubric_scores = comment or None, rubric_scores
    db.session.flush()
    grade_attempt(attempt)
    db.session.add(AuditLog(actor_id=grader.id, action="essay.grade", target_type="answer", target_id=answer.id,
                            details={"attempt_id": attempt.id, "before": before,
                                     "after": {"awarded": awarded, "score": attempt.score}}))
    db.session.commit()
    return attempt


def _checked_key(version: QuestionVersion, new_spec: dict, new_points: float | None) -> dict:
    """Parse a corrected key; it may not add, drop or rename choices, and points stay in range."""
    try:
        spec = get_type(version.type).parse_spec(new_spec or {})
    except SpecError as exc:
        raise InvalidInput(f"Đáp án không hợp lệ: {exc}") from None
    if "choices" in spec and [c["id"] for c in spec["choices"]] != [c["id"] for c in version.spec["choices"]]:
        raise InvalidInput("Sửa đáp án không được thêm, bớt hay đổi mã phương án.")
    if new_points is not None and not (isinstance(new_points, (int, float)) and 0 < new_points <= 100):
        raise InvalidInput("Điểm của câu hỏi phải là số dương (tối đa 100).")
    if new_points is not None and exact(new_points) != exact(version.points):
        _check_points_change_keeps_papers_equal(version)
    return spec


def _check_points_change_keeps_papers_equal(version: QuestionVersion) -> None:
    """New points for a question only some papers of a quiz hold would give papers different totals."""
    from sqlalchemy import func

    holding = (select(Attempt.quiz_id, func.count(func.distinct(Attempt.id)))
               .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
               .where(AttemptItem.question_version_id == version.id).group_by(Attempt.quiz_id))
    for quiz_id, with_it in db.session.execute(holding).all():
        total = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz_id)) or 0
        if with_it < total:
            title = db.session.scalar(select(Quiz.title).where(Quiz.id == quiz_id))
            raise InvalidInput(
                f"Không đổi được điểm của câu này: chỉ {with_it}/{total} bài của “{title}” có câu này, nên đổi "
                "điểm sẽ làm các bài có tổng điểm khác nhau. Chỉ sửa đáp án, hoặc sửa điểm trong ngân hàng "
                "cho các đợt kiểm tra sau.")


def _apply_key(version: QuestionVersion, spec: dict, new_points: float | None) -> list[dict]:
    """Set the key/points and regrade every finished attempt that used the version; returns the changes."""
    version.spec = spec
    if new_points is not None:
        version.points = float(new_points)
        db.session.execute(update(AttemptItem).where(AttemptItem.question_version_id == version.id)
                           .values(points=float(new_points)).execution_options(synchronize_session=False))
    db.session.flush()
    attempts = db.session.scalars(
        select(Attempt).join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(AttemptItem.question_version_id == version.id, Attempt.status == AttemptStatus.FINISHED)
        .order_by(Attempt.id)
    ).unique().all()
    changes = []
    for attempt in attempts:
        old = attempt.score
        grade_attempt(attempt)
        changes.append({"attempt_id": attempt.id, "person_name": attempt.person.full_name,
                        "old_score": old, "new_score": attempt.score})
    return changes


def fix_key(question_version_id: int, new_spec: dict, new_points: float | None, actor: Person) -> list[dict]:
    """Correct a version's key/points in place, regrade every finished attempt using it, audit it."""
    from quizapp.permissions import can_fix_key

    begin_write()
    version = db.session.get(QuestionVersion, question_version_id)
    if version is None or not can_fix_key(version, actor):
        raise NotFound("Không tìm thấy câu hỏi này.")
    spec = _checked_key(version, new_spec, new_points)
    before = {"spec": version.spec, "points": version.points}
    changes = _apply_key(version, spec, new_points)
    db.session.add(AuditLog(actor_id=actor.id, action="question.fix_key", target_type="question_version",
                            target_id=version.id,
                            details={"before": before, "after": {"spec": spec, "points": version.points},
                                     "regraded": changes}))
    db.session.commit()
    return changes


def preview_key_fix(question_version_id: int, new_spec: dict, new_points: float | None) -> list[dict]:
    """What fix_key would change, computed in a savepoint that is rolled back (nothing is kept)."""
    begin_write()
    version = db.session.get(QuestionVersion, question_version_id)
    if version is None:
        raise NotFound("Không tìm thấy câu hỏi này.")
    try:
        spec = _checked_key(version, new_spec, new_points)
    except InvalidInput:
        db.session.rollback()
        raise
    nested = db.session.begin_nested()
    try:
        return _apply_key(version, spec, new_points)
    finally:
        nested.rollback()
        db.session.rollback()


def rescore_stored(items, *, partial_credit: bool, cutoffs: dict | None) -> dict:
    """Regrade a finished attempt from what is stored, touching nothing (the ledger checker's regrade).

    `items`: one (item points, question type, spec, stored answer value, graded_at, awarded) per
    attempt item (value None when never answered). The same rule as grade_attempt: the registry's
    grader gives each share; an essay marked by a person counts its mark (capped at the item's
    points); one waiting for a person counts 0 and leaves the attempt without a classification.
    Returns the exact totals and score, as grade_attempt would store them, and each item's
    awarded points (None for an essay waiting for a person)."""
    pairs, awarded, pending = [], [], 0
    for item_points, qtype, spec, value, graded_at, stored_awarded in items:
        item_points = exact(item_points)
        share = get_type(qtype).grade(spec, value, partial_credit=partial_credit)
        if share is None and graded_at is None:
            pending += 1
            pairs.append((item_points, Fraction(0)))
            awarded.append(None)
            continue
        if share is None:
            earned = min(exact(stored_awarded), item_points)
            share = earned / item_points if item_points else Fraction(0)
        pairs.append((item_points, share))
        awarded.append(round_half_up(share * item_points, 4))
    points, max_points, score = score_items(pairs)
    return {"points": round_half_up(points, 4), "max_points": round_half_up(max_points, 4), "score": score,
            "pending_essays": pending, "classification": None if pending else classify(score, cutoffs),
            "awarded": awarded}
