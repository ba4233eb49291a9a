"""Essay grading and key correction pages (secretaries for their cell, staff for their subtree)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.round_forms import parse_vn_decimal
from quizapp.blueprints.manage.routes import bp
from quizapp.services import grading as grading_service
from quizapp.services import round_grading
from quizapp.services.exceptions import InvalidInput
from quizapp.services.question_types import get_type


def _user():
    return current_user._get_current_object()


def _decimal(name: str, label: str, errors: list[str]) -> float | None:
    try:
        return parse_vn_decimal(request.form.get(name))
    except ValueError:
        errors.append(_("%(label)s: vui lòng nhập một số, ví dụ 6,5.", label=label))
        return None


@bp.route("/grading")
@permissions.manager_required
def grading():
    """Finished attempts with essays waiting for a mark, in the caller's scope."""
    round_id = request.args.get("round_id", type=int)
    rnd = permissions.get_round_or_404(round_id, _user()) if round_id else None
    show_graded = request.args.get("graded") == "1"
    tasks = round_grading.essays_to_grade(_user(), round_id, include_graded=show_graded)
    waiting = [permissions.keys_locked_message(q) for q in permissions.quizzes_still_open_to(_user())
               if rnd is None or q.round_id == rnd.id]
    return render_template("manage/rounds/grading_list.html", tasks=tasks, rnd=rnd, show_graded=show_graded,
                           keys_locked=waiting)


@bp.route("/grading/answers/<int:answer_id>", methods=["GET", "POST"])
@permissions.manager_required
def grade_answer(answer_id: int):
    """Grade one essay: rubric points, total and comment; saving is audited."""
    task = round_grading.essay_task(answer_id, _user())
    permissions.check_keys_of_round(task.attempt.quiz.round, _user())  # the rubric is the essay's key
    rubric = (task.version.spec or {}).get("rubric") or []
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        scores = [_decimal(f"rubric-{i}", _("Tiêu chí %(n)s", n=i + 1), errors) for i in range(len(rubric))]
        awarded = _decimal("awarded", _("Tổng điểm"), errors)
        rubric_scores = scores if rubric and all(s is not None for s in scores) else None
        if rubric and any(s is not None for s in scores) and rubric_scores is None:
            errors.append(_("Vui lòng chấm đủ mọi tiêu chí, hoặc bỏ trống tất cả và chỉ nhập tổng điểm."))
        if awarded is None and rubric_scores is not None:
            awarded = sum(rubric_scores)
        if awarded is None and not errors:
            errors.append(_("Vui lòng nhập điểm cho bài viết."))
        if not errors:
            try:
                grading_service.grade_essay(task.answer.id, _user(), awarded, request.form.get("comment", ""),
                                            rubric_scores)
            except InvalidInput as exc:
                errors.append(exc.message)
            else:
                flash(_("Đã lưu điểm bài viết."), "success")
                return redirect(url_for("manage.grading", round_id=task.attempt.quiz.round_id))
        status = 422
        flash(_("Chưa lưu được điểm: vui lòng sửa các lỗi được nêu."), "error")
    return render_template("manage/rounds/grade_answer.html", task=task, rubric=rubric, errors=errors,
                           values=request.form), status


def _spec_from_form(version) -> dict:
    """The corrected spec from the key-fix form, in the raw shape parse_spec takes (the type reads
    its own fields)."""
    return get_type(version.type).key_fix_spec(version.spec or {}, request.form)


@bp.route("/rounds/<int:round_id>/key-fix", methods=["GET"])
@bp.route("/rounds/<int:round_id>/key-fix/<int:version_id>", methods=["GET", "POST"])
@permissions.manager_required
def key_fix(round_id: int, version_id: int | None = None):
    """Correct a wrong key or points: preview what changes, then confirm to regrade (audited)."""
    rnd = permissions.get_round_or_404(round_id, _user(), edit=True)
    permissions.check_keys_of_round(rnd, _user())
    if version_id is None:
        return render_template("manage/rounds/key_fix_list.html", rnd=rnd,
                               versions=round_grading.versions_in_round(rnd))
    version = round_grading.version_in_round(rnd, version_id)
    errors: list[str] = []
    preview = changes = None
    status = 200
    if request.method == "POST":
        new_spec = _spec_from_form(version)
        new_points = _decimal("points", _("Điểm của câu"), errors)
        if not errors:
            try:
                if request.form.get("action") == "confirm":
                    changes = round_grading.scoped_changes(
                        grading_service.fix_key(version.id, new_spec, new_points, _user()), _user())
                    flash(_("Đã sửa đáp án và chấm lại các bài làm."), "success")
                else:
                    preview = round_grading.scoped_changes(
                        grading_service.preview_key_fix(version.id, new_spec, new_points), _user())
            except InvalidInput as exc:
                errors.append(exc.message)
        if errors:
            status = 422
    return render_template("manage/rounds/key_fix.html", rnd=rnd, version=version, errors=errors,
                           preview=preview, changes=changes, form=request.form, posted=request.method == "POST",
                           can_fix=permissions.can_fix_key(version, _user())), status
