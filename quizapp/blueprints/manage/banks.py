"""Question banks for managers: browse, view a question and its versions, edit, upload, export."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.bank_forms import DIFFICULTY_LABELS, TYPE_LABELS, BankUploadForm, QuestionForm
from quizapp.blueprints.manage.routes import bp
from quizapp.services import banks as bank_service
from quizapp.services.exceptions import InvalidInput
from quizapp.services.question_types import REGISTRY

MAX_LISTED = 300
OUTCOME_MESSAGES = {
    "added": "Đã thêm câu hỏi.",
    "updated_in_place": "Đã lưu thay đổi.",
    "new_versions": "Câu hỏi đã có người làm bài nên được lưu thành phiên bản mới; bài làm cũ giữ nguyên.",
    "unchanged": "Không có thay đổi nào.",
}


def _user():
    return current_user._get_current_object()


def _labels() -> dict:
    return {"type_labels": TYPE_LABELS, "difficulty_labels": DIFFICULTY_LABELS}


@bp.route("/banks")
@permissions.manager_required
def banks():
    """Banks the caller may view: site-wide, their subtree's, and their ancestors'."""
    user = _user()
    items = bank_service.visible_banks(user)
    return render_template(
        "manage/banks/list.html", banks=items, counts=bank_service.bank_counts([b.id for b in items]),
        editable={b.id for b in items if bank_service.can_edit_bank(b, user)},
        can_upload=bool(bank_service.bank_owner_choices(user)),
    )


@bp.route("/banks/<int:bank_id>")
@permissions.manager_required
def bank_detail(bank_id: int):
    """One bank's questions, filtered by topic, type, difficulty and a search text."""
    user = _user()
    bank = bank_service.get_bank_or_404(bank_id, user)
    args = request.args
    filters = {
        "topic": args.get("topic", "")[:200], "qtype": args.get("type", "") if args.get("type") in REGISTRY else "",
        "difficulty": args.get("difficulty", "") if args.get("difficulty") in DIFFICULTY_LABELS else "",
        "search": args.get("q", "")[:200], "include_inactive": args.get("inactive") == "1",
    }
    rows = bank_service.bank_questions(bank, **filters)
    return render_template(
        "manage/banks/detail.html", bank=bank, rows=rows[:MAX_LISTED], total=len(rows), limit=MAX_LISTED,
        filters=filters, topics=bank_service.bank_topics(bank), can_edit=bank_service.can_edit_bank(bank, user),
        **_labels(),
    )


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>")
@permissions.manager_required
def question_detail(bank_id: int, question_id: int):
    """A question's current content and all its versions."""
    user = _user()
    bank = bank_service.get_bank_or_404(bank_id, user)
    question = bank_service.get_question_or_404(bank, question_id)
    return render_template(
        "manage/banks/question.html", bank=bank, question=question,
        answered={v.id for v in question.versions if bank_service.is_answered(v)},
        can_edit=bank_service.can_edit_bank(bank, user), **_labels(),
    )


def _question_page(bank, question):
    form = QuestionForm()
    problems, status = [], 200
    if request.method == "GET":
        if question is not None:
            form.load(bank_service.version_fields(question))
        elif request.args.get("type") in REGISTRY:
            form.type.data = request.args["type"]
    elif form.validate_on_submit():
        try:
            saved, outcome = bank_service.save_question(bank, question, form.to_fields(), _user())
        except InvalidInput as exc:
            problems, status = exc.details or [exc.message], 422
            flash(exc.message, "error")
        else:
            flash(_(OUTCOME_MESSAGES[outcome]), "success")
            return redirect(url_for("manage.question_detail", bank_id=bank.id, question_id=saved.id))
    else:
        status = 422
    return render_template("manage/banks/question_form.html", bank=bank, question=question, form=form,
                           problems=problems, **_labels()), status


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@permissions.manager_required
def question_new(bank_id: int):
    """Add a question of any type to a bank the caller may edit."""
    return _question_page(bank_service.get_bank_or_404(bank_id, _user(), edit=True), None)


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def question_edit(bank_id: int, question_id: int):
    """Edit a question; a version already shown in an attempt is kept and a new one made."""
    bank = bank_service.get_bank_or_404(bank_id, _user(), edit=True)
    return _question_page(bank, bank_service.get_question_or_404(bank, question_id))


@bp.route("/banks/upload", methods=["GET", "POST"])
@permissions.manager_required
def bank_upload():
    """Upload a bank file: every error listed with its line; nothing written if any error."""
    user = _user()
    owners = bank_service.bank_owner_choices(user)
    form = BankUploadForm()
    form.owner.choices = [("" if o is None else str(o.id), _("Dùng chung toàn hệ thống") if o is None else o.name)
                          for o in owners]
    errors, checked, status = [], None, 200
    if request.method == "POST" and not form.validate_on_submit():
        status = 422
    elif form.validate_on_submit():
        filename = form.file.data.filename or "tep-tai-len.yaml"
        data = form.file.data.read()
        owner = next((o for o in owners if o is not None and str(o.id) == form.owner.data), None)
        try:
            if form.check_only.data:
                checked, found = bank_service.parse_file(data, filename)
                if found:
                    raise InvalidInput(_("Tệp có lỗi."), details=[e.as_dict() for e in found])
            else:
                result = bank_service.import_bank((filename, data), owner_org=owner, actor=user)
                flash(result.summary(), "success")
                return redirect(url_for("manage.bank_detail", bank_id=result.bank_id))
        except InvalidInput as exc:
            errors, status, checked = exc.details or [{"message": exc.message}], 422, None
            flash(_("Tệp có lỗi; chưa ghi gì vào hệ thống. Hãy sửa các dòng được nêu rồi tải lên lại."), "error")
    return render_template("manage/banks/upload.html", form=form, errors=errors, checked=checked,
                           can_upload=bool(owners)), status


@bp.route("/banks/<int:bank_id>/export")
@permissions.manager_required
def bank_export(bank_id: int):
    """Download the bank as a native YAML file (active questions, current versions)."""
    bank = bank_service.get_bank_or_404(bank_id, _user())
    return Response(bank_service.export_bank(bank), mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.slug}.yaml"'})


@bp.route("/banks/<int:bank_id>/export.xml")
@permissions.manager_required
def bank_export_moodle(bank_id: int):
    """Download the bank as Moodle XML, for Moodle-based learning platforms."""
    bank = bank_service.get_bank_or_404(bank_id, _user())
    return Response(bank_service.export_bank_moodle_xml(bank), mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.slug}.xml"'})
