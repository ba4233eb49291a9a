"""What a taker may see of an attempt: public question views, saved answers, released results.

Pages and the JSON API both build from here, so the whitelist lives in one place: questions go
out only through the registry's public_view(); the key only through key_view(), and only when the
quiz's review policy releases it. Choice ids go out as the attempt's display ids (display_ids).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import (
    CLASSIFICATIONS,
    Answer,
    Attempt,
    AttemptItem,
    AttemptStatus,
    FinishReason,
    MakeupWindow,
    QuestionVersion,
    Quiz,
)
from quizapp.services import display_ids
from quizapp.services.delivery import NewAttempt, remaining_seconds
from quizapp.services.question_types import get_type, manual_type_names


def iso(value: datetime | None) -> str | None:
    """Naive UTC -> ISO 8601 with Z."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _rows(attempt_id: int):
    return db.session.execute(
        select(AttemptItem.position, AttemptItem.points, AttemptItem.choice_order, QuestionVersion.type,
               QuestionVersion.text, QuestionVersion.spec, Answer.value, Answer.seq, Answer.fraction,
               Answer.awarded, Answer.grader_comment, QuestionVersion.explanation)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .outerjoin(Answer, (Answer.attempt_id == AttemptItem.attempt_id) & (Answer.position == AttemptItem.position))
        .where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.position)
    ).all()


def _taker_item(position, qtype_name, text, spec, choice_order, points, value, seq) -> dict:
    qtype = get_type(qtype_name)
    return {"position": position, "type": qtype_name, "type_label": qtype.label, "text": text, "points": points,
            "view": display_ids.view_to_display(spec, choice_order, qtype.public_view(spec, choice_order)),
            "answer": None if value is None else display_ids.to_display(spec, choice_order, value), "seq": seq or 0}


# A fresh paper's questions as shown (public view in the attempt's choice order), built once per
# process per (spec, choice order). A NewAttempt's specs are the objects of delivery's pool copy: shared,
# read-only, and replaced by new objects when a question changes (a new pool). So the view kept for a
# spec object stays that spec's view; the entry holds the object, so its id is not reused while the
# entry lives. Bounded.
_FRESH_VIEWS: dict[tuple, tuple] = {}
_FRESH_VIEWS_MAX = 50_000


def _fresh_items(items: list[dict]) -> list[dict]:
    """_taker_item for each item just drawn (no answer yet), its view from _FRESH_VIEWS."""
    return [{"position": item["position"], "type": item["type"], "type_label": kept[1], "text": item["text"],
             "points": item["points"], "view": kept[2], "answer": None, "seq": 0}
            for item in items
            for kept in (_FRESH_VIEWS.get((id(item["spec"]), item["type"], tuple(item["choice_order"] or ())))
                         or _keep_view(item),)]


def _keep_view(item: dict) -> tuple:
    spec, order = item["spec"], item["choice_order"]
    qtype = get_type(item["type"])
    if len(_FRESH_VIEWS) >= _FRESH_VIEWS_MAX:
        _FRESH_VIEWS.clear()
    kept = _FRESH_VIEWS[(id(spec), item["type"], tuple(order or ()))] = (
        spec, qtype.label, display_ids.view_to_display(spec, order, qtype.public_view(spec, order)))
    return kept


def attempt_items(attempt_id: int) -> list[dict]:
    """Each item as the taker sees it: text, public view, saved answer and its seq. Never the key."""
    return [_taker_item(r.position, r.type, r.text, r.spec, r.choice_order, r.points, r.value, r.seq)
            for r in _rows(attempt_id)]


def attempt_payload(attempt, now: datetime | None = None, *, with_items: bool = True) -> dict:
    """The attempt for a taker (page or API): timing from the server clock, items, answers.

    `attempt` is an Attempt, or a delivery.NewAttempt just started (its paper comes from the draw
    itself: same items, no answers yet, nothing read back from the database)."""
    now = now or utcnow()
    fresh = isinstance(attempt, NewAttempt)
    body = {
        "id": attempt.id, "quiz_id": attempt.quiz_id,
        "quiz_title": attempt.quiz_title if fresh else attempt.quiz.title,
        "number": attempt.number, "is_makeup": attempt.is_makeup, "status": attempt.status,
        "started_at": iso(attempt.started_at), "deadline": iso(attempt.deadline),
        "server_time": iso(now), "remaining_seconds": remaining_seconds(attempt.deadline, now),
        "grace_seconds": attempt.grace_seconds if fresh else attempt.quiz.grace_seconds,
    }
    if with_items:
        body["items"] = _fresh_items(attempt.items) if fresh else attempt_items(attempt.id)
    return body


def release_time(quiz: Quiz) -> datetime:
    """When an after_close review opens: the quiz's close or the last make-up window's close."""
    return _release_at(quiz.id, quiz.closes_at)


def _release_at(quiz_id: int, closes_at: datetime) -> datetime:
    last_makeup = db.session.scalar(select(func.max(MakeupWindow.closes_at)).where(MakeupWindow.quiz_id == quiz_id))
    return max(closes_at, last_makeup) if last_makeup else closes_at


def result_summary(done, now: datetime | None = None) -> dict:
    """What a submit answers (a delivery.Finished): the result as result_payload gives it, as far as
    the review policy allows now, but without the per-question review, which GET .../result serves."""
    body = {"id": done.id, "quiz_id": done.quiz_id, "quiz_title": done.quiz_title, "status": done.status,
            "finished_at": iso(done.finished_at), "review_policy": done.review_policy}
    released = done.status == "finished"
    if released and done.review_when == "after_close":
        release_at = _release_at(done.quiz_id, done.closes_at)
        released = (now or utcnow()) >= release_at
    body["released"] = released
    if not released:
        body["release_at"] = iso(release_at) if done.status == "finished" else None
        return body
    body.update({
        "score": done.score, "points": done.points, "max_points": done.max_points,
        "pending_essays": done.pending_essays, "classification": done.classification,
        "classification_label": "Chờ chấm" if done.pending_essays else CLASSIFICATIONS.get(done.classification or "", ""),
    })
    return body


def released(attempt: Attempt, now: datetime | None = None) -> bool:
    """True when the review policy lets the taker see this finished attempt's result."""
    if attempt.status != AttemptStatus.FINISHED:
        return False
    if attempt.quiz.review_when == "after_close":
        return (now or utcnow()) >= release_time(attempt.quiz)
    return True


def result_payload(attempt: Attempt, now: datetime | None = None) -> dict:
    """The result as the review policy allows: score only, own answers, or the correct answers too."""
    quiz = attempt.quiz
    body = {"id": attempt.id, "quiz_id": quiz.id, "quiz_title": quiz.title, "status": attempt.status,
            "finished_at": iso(attempt.finished_at), "released": released(attempt, now),
            "review_policy": quiz.review_policy}
    if not body["released"]:
        body["release_at"] = iso(release_time(quiz)) if attempt.status == AttemptStatus.FINISHED else None
        return body
    body.update({
        "score": attempt.score, "points": attempt.points, "max_points": attempt.max_points,
        "pending_essays": attempt.pending_essays, "classification": attempt.classification,
        "classification_label": attempt.classification_label or CLASSIFICATIONS.get(attempt.classification or "", ""),
    })
    if quiz.review_policy in ("answers", "correct"):
        items = []
        for r in _rows(attempt.id):
            qtype = get_type(r.type)
            item = {"position": r.position, "type": r.type, "type_label": qtype.label, "text": r.text,
                    "points": r.points,
                    "view": display_ids.view_to_display(r.spec, r.choice_order, qtype.public_view(r.spec, r.choice_order)),
                    "answer": display_ids.to_display(r.spec, r.choice_order, r.value), "comment": r.grader_comment}
            if quiz.review_policy == "correct":
                # Per-question marks tell right from wrong: only the policy that shows keys shows them
                # (under "answers" a second attempt could otherwise keep the right ones and score 10).
                item.update(key=display_ids.to_display(r.spec, r.choice_order, qtype.key_view(r.spec)),
                            awarded=r.awarded, fraction=r.fraction, verdict=verdict(r.fraction, r.type, r.value is not None),
                            explanation=(r.explanation or "").strip() or None)
            items.append(item)
        body["items"] = items
    return body


AUTO_REASONS = (FinishReason.TIMER, FinishReason.SWEEP, FinishReason.READ)


def verdict(fraction: float | None, qtype: str = "", answered: bool = True) -> str | None:
    """"right" (full marks), "partial", "wrong", "blank" (left unanswered, no marks), or None
    while an essay waits for a person."""
    if fraction is None:
        return None if answered and qtype in manual_type_names() else "blank"
    if fraction >= 1:
        return "right"
    return "partial" if fraction > 0 else "wrong"


def auto_submitted(attempt: Attempt) -> bool:
    """True when the attempt was submitted for the member because time ran out (not by the member)."""
    return attempt.status == AttemptStatus.FINISHED and attempt.finish_reason in AUTO_REASONS


def quiz_title_for_code(code: str | None) -> str | None:
    """The title of the quiz behind a short link (QR) code, for the login page; nothing else."""
    code = (code or "").strip()[:16]
    if not code:
        return None
    return db.session.scalar(select(Quiz.title).where(Quiz.short_code == code))


def member_quizzes(person, now: datetime | None = None) -> list[dict]:
    """The person's quizzes: open now (or via make-up), upcoming, or already attempted."""
    from quizapp.services.delivery import quiz_window
    from quizapp.services.rounds import eligible_quiz_ids

    now = now or utcnow()
    mine = set(db.session.scalars(select(Attempt.quiz_id).where(Attempt.person_id == person.id)))
    in_round = eligible_quiz_ids(person, now)
    cards = []
    for quiz in db.session.scalars(select(Quiz).where(Quiz.id.in_(in_round | mine)).order_by(Quiz.opens_at.desc())):
        attempts = list(db.session.scalars(select(Attempt).where(
            Attempt.quiz_id == quiz.id, Attempt.person_id == person.id).order_by(Attempt.number)))
        window = quiz_window(quiz, person, now) if quiz.id in in_round else None
        open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
        left = max(0, quiz.attempts_allowed - len(attempts))
        if window and (open_attempt or left):
            state = "open"
        elif quiz.id in in_round and now < quiz.opens_at:
            state = "upcoming"
        elif attempts:
            state = "done"
        else:
            continue
        cards.append({"quiz": quiz, "state": state, "window": window, "open_attempt": open_attempt,
                      "finished": [a for a in attempts if a.status == AttemptStatus.FINISHED], "attempts_left": left})
    return cards


def question_count(quiz: Quiz) -> int:
    """How many questions the draw rule gives each taker."""
    rule = quiz.draw_rule or {}
    if rule.get("mode") == "fixed":
        return len(rule.get("question_ids") or [])
    return sum(int(r.get("count") or 0) for r in rule.get("rules") or [])
