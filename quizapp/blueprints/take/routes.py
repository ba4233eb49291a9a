"""Members taking quizzes: phone-first pages that work with or without JavaScript."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quizapp import permissions
from quizapp.blueprints.take.forms import answers_from_form
from quizapp.clock import utcnow
from quizapp.models import Attempt, AttemptStatus, FinishReason
from quizapp.services import attempt_view, delivery
from quizapp.services.exceptions import DomainError, Gone, InvalidInput, NotFound

bp = Blueprint("take", __name__)


def _my_attempt(attempt_id: int) -> Attempt:
    """The caller's own attempt (permissions.get_own_attempt_or_404), closed first if its time and
    grace are over."""
    return delivery.close_if_overdue(permissions.get_own_attempt_or_404(attempt_id, current_user))


def _my_quiz_card(quiz_id: int) -> dict:
    card = next((c for c in attempt_view.member_quizzes(current_user) if c["quiz"].id == quiz_id), None)
    if card is None:
        raise NotFound(_("Không tìm thấy bài kiểm tra này."))
    return card


@bp.route("/")
@login_required
def index():
    """My open and upcoming quizzes, and the ones I finished with links to results."""
    return render_template("take/index.html", cards=attempt_view.member_quizzes(current_user))


@bp.route("/quiz/<int:quiz_id>", methods=["GET", "POST"])
@login_required
def start(quiz_id: int):
    """GET: time limit and number of questions. POST: start, or resume the attempt in progress."""
    card = _my_quiz_card(quiz_id)
    if request.method == "POST":
        try:
            attempt = delivery.start_attempt(quiz_id, current_user)
        except DomainError as exc:
            if exc.status == 404:
                raise
            flash(exc.message, "error")
            return redirect(url_for("take.start", quiz_id=quiz_id))
        return redirect(url_for("take.attempt", attempt_id=attempt.id))
    return render_template("take/start.html", card=card, quiz=card["quiz"],
                           question_count=attempt_view.question_count(card["quiz"]))


@bp.route("/attempt/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    """The questions, one per page or all on one page; a plain POST saves the page's answers."""
    att = _my_attempt(attempt_id)
    if att.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("take.result", attempt_id=att.id))
    if request.args.get("mode") in ("one", "all"):
        session["take_mode"] = request.args["mode"]
    mode = session.get("take_mode", "one")
    items = attempt_view.attempt_items(att.id)
    if request.method == "POST":
        return _save_page(att, items)
    q = min(max(request.args.get("q", 1, type=int) or 1, 1), len(items))
    shown = items if mode == "all" else [items[q - 1]]
    return render_template("take/attempt.html", attempt=att, items=items, shown=shown, mode=mode, q=q,
                           payload=attempt_view.attempt_payload(att, with_items=False))


def _save_page(att: Attempt, items: list[dict]):
    """Save every changed answer on the posted page, then go where the pressed button says.

    A save that lost to a newer one from another device is not reported as saved: the member is
    told the newer answer was kept and sees it (the page re-renders from what is stored)."""
    kept = []
    for pos, raw, seq in answers_from_form(request.form, items):
        try:
            result = delivery.save_answer(att.id, current_user.id, pos, raw, seq)
        except Gone as exc:
            flash(exc.message, "error")
            return redirect(url_for("take.result", attempt_id=att.id))
        except InvalidInput as exc:
            flash(exc.message, "error")
            return redirect(url_for("take.attempt", attempt_id=att.id, q=pos))
        if not result["applied"]:
            kept.append(pos)
    if kept:
        flash(_("Đã giữ câu trả lời mới hơn từ thiết bị khác (câu %(list)s). Trang đang hiển thị câu trả lời đó; "
                "nếu muốn đổi, hãy chọn lại.", list=", ".join(map(str, kept))), "warning")
        return redirect(url_for("take.attempt", attempt_id=att.id, q=kept[0]))
    go = request.form.get("go", "")
    if go == "review":
        return redirect(url_for("take.review", attempt_id=att.id))
    if go.isdigit():
        return redirect(url_for("take.attempt", attempt_id=att.id, q=int(go)))
    flash(_("Đã lưu câu trả lời."), "success")
    return redirect(url_for("take.attempt", attempt_id=att.id, q=request.form.get("q", 1, type=int)))


@bp.route("/attempt/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    """Before submitting: which questions are still unanswered."""
    att = _my_attempt(attempt_id)
    if att.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("take.result", attempt_id=att.id))
    items = attempt_view.attempt_items(att.id)
    unanswered = [it for it in items if not it["answer"]]
    return render_template("take/review.html", attempt=att, items=items, unanswered=unanswered,
                           payload=attempt_view.attempt_payload(att, with_items=False))


@bp.route("/attempt/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int):
    """Submit (the one conditional update); a repeat shows the same result."""
    _my_attempt(attempt_id)
    delivery.submit_attempt(attempt_id, person_id=current_user.id, reason=FinishReason.MEMBER)
    flash(_("Bạn đã nộp bài."), "success")
    return redirect(url_for("take.result", attempt_id=attempt_id))


@bp.route("/attempt/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    """The result, as far as the quiz's review policy allows now."""
    att = _my_attempt(attempt_id)
    if att.status == AttemptStatus.IN_PROGRESS:
        return redirect(url_for("take.attempt", attempt_id=att.id))
    return render_template("take/result.html", attempt=att, result=attempt_view.result_payload(att, utcnow()),
                           release_at=attempt_view.release_time(att.quiz),
                           auto_submitted=attempt_view.auto_submitted(att))
