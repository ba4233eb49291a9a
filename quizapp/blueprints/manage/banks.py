"""Question banks for managers: browse, view a question and its versions, edit, upload, export."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.bank_forms import (
    DIFFICULTY_LABELS, TYPE_LABELS, BankConfirmForm, BankUploadForm, QuestionForm,
)
from quizapp.blueprints.manage.routes import bp
from quizapp.services import banks as bank_service
from quizapp.services.bank_formats.registry import LABELS as FORMAT_LABELS
from quizapp.services.exceptions import Forbidden, InvalidInput
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
        keys_hidden=_bank_lock(bank, user), **_labels(),
    )


def _bank_lock(bank, user) -> str | None:
    """The reason this bank's keys are withheld from the caller now (they sit an open quiz drawing from it)."""
    try:
        permissions.check_keys_of_bank(bank.id, user)
    except Forbidden as exc:
        return exc.message
    return None


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>")
@permissions.manager_required
def question_detail(bank_id: int, question_id: int):
    """A question's current content and all its versions."""
    user = _user()
    bank = bank_service.get_bank_or_404(bank_id, user)
    question = bank_service.get_question_or_404(bank, question_id)
    lock = permissions.key_locks(user).get(question.id)
    return render_template(
        "manage/banks/question.html", bank=bank, question=question,
        keys_hidden=permissions.keys_locked_message(lock) if lock is not None else None,
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
    question = bank_service.get_question_or_404(bank, question_id)
    permissions.check_keys_of_question(question.id, _user())  # the editor shows the key
    return _question_page(bank, question)


def _owner_choices(owners) -> list[tuple[str, str]]:
    return [("" if o is None else str(o.id), _("Dùng chung toàn hệ thống") if o is None else o.name) for o in owners]


def _import_flash(result, read=None) -> None:
    flash(result.summary(), "success")
    if read is not None and read.skipped:
        flash(_("%(n)s câu không đọc được đã bị bỏ qua (xem danh sách ở bước xem trước).", n=len(read.skipped)),
              "warning")


@bp.route("/banks/upload", methods=["GET", "POST"])
@permissions.manager_required
def bank_upload():
    """Read a bank file or pasted text of any format; preview what was read, or import it all-or-nothing."""
    user = _user()
    owners = bank_service.bank_owner_choices(user)
    form = BankUploadForm()
    form.owner.choices = _owner_choices(owners)
    errors, read, staged, status = [], None, "", 200
    if request.method == "POST" and not form.validate_on_submit():
        status = 422
    elif form.validate_on_submit():
        if form.file.data and form.file.data.filename:
            filename, data = form.file.data.filename, form.file.data.read()
        else:
            filename, data = "", (form.pasted.data or "").encode("utf-8")
        owner = next((o for o in owners if o is not None and str(o.id) == form.owner.data), None)
        read = bank_service.read_file(data, filename, source=(form.document.data or "", form.section.data or ""),
                                      title=form.title.data or "")
        preview = bool(form.preview.data or form.check_only.data)
        try:
            if read.bank is None:
                raise InvalidInput(_("Tệp có lỗi."), details=[e.as_dict() for e in read.errors])
            if preview:
                staged = bank_service.converted_yaml(read.bank)
            else:
                result = bank_service.import_bank(read.bank, owner_org=owner, actor=user)
                _import_flash(result, read)
                return redirect(url_for("manage.bank_detail", bank_id=result.bank_id))
        except InvalidInput as exc:
            errors, status = exc.details or [{"message": exc.message}], 422
            flash(_("Tệp có lỗi; chưa ghi gì vào hệ thống. Hãy sửa các dòng được nêu rồi tải lên lại."), "error")
    confirm = BankConfirmForm(formdata=None, staged=staged, owner=form.owner.data, prefix="confirm")
    confirm.owner.choices = form.owner.choices
    return render_template("manage/banks/upload.html", form=form, errors=errors, read=read, confirm=confirm,
                           checked=read.bank if read is not None and not errors else None,
                           format_labels=FORMAT_LABELS, can_upload=bool(owners), **_labels()), status


@bp.route("/banks/upload/confirm", methods=["POST"])
@permissions.manager_required
def bank_upload_confirm():
    """Import the bank shown in the preview (sent back as native YAML, checked again), all-or-nothing."""
    user = _user()
    owners = bank_service.bank_owner_choices(user)
    confirm = BankConfirmForm(prefix="confirm")
    confirm.owner.choices = _owner_choices(owners)
    form = BankUploadForm(formdata=None)
    form.owner.choices = confirm.owner.choices

    def refuse(errors):
        return render_template("manage/banks/upload.html", form=form, errors=errors, read=None, confirm=None,
                               checked=None, format_labels=FORMAT_LABELS, can_upload=bool(owners), **_labels()), 422

    if not confirm.validate_on_submit() or not (confirm.staged.data or "").strip():
        return refuse([{"message": _("Phiên xem trước không còn hợp lệ; vui lòng tải lên lại.")}])
    owner = next((o for o in owners if o is not None and str(o.id) == confirm.owner.data), None)
    try:
        result = bank_service.import_bank(("xem-truoc.yaml", confirm.staged.data.encode("utf-8")),
                                          owner_org=owner, actor=user)
    except InvalidInput as exc:
        flash(_("Tệp có lỗi; chưa ghi gì vào hệ thống. Hãy sửa các dòng được nêu rồi tải lên lại."), "error")
        return refuse(exc.details or [{"message": exc.message}])
    _import_flash(result)
    return redirect(url_for("manage.bank_detail", bank_id=result.bank_id))


@bp.route("/banks/template.xlsx")
@permissions.manager_required
def bank_template():
    """The Excel question template (Vietnamese headers, one sample question of each type)."""
    from quizapp.services.bank_formats.spreadsheet import template_workbook

    return Response(template_workbook(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="mau-cau-hoi.xlsx"'})


@bp.route("/banks/<int:bank_id>/export")
@permissions.manager_required
def bank_export(bank_id: int):
    """Download the bank as a native YAML file (active questions, current versions)."""
    bank = bank_service.get_bank_or_404(bank_id, _user())
    permissions.check_keys_of_bank(bank.id, _user())
    return Response(bank_service.export_bank(bank), mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.slug}.yaml"'})


@bp.route("/banks/<int:bank_id>/export.xml")
@permissions.manager_required
def bank_export_moodle(bank_id: int):
    """Download the bank as Moodle XML, for Moodle-based learning platforms."""
    bank = bank_service.get_bank_or_404(bank_id, _user())
    permissions.check_keys_of_bank(bank.id, _user())  # the file carries the keys
    return Response(bank_service.export_bank_moodle_xml(bank), mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.slug}.xml"'})
