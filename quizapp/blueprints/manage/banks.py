"""Question banks for managers: browse, view a question and its versions, edit, upload, export."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.bank_forms import (
    DIFFICULTY_LABELS, BankConfirmForm, BankCopyForm, BankCreateForm, BankUploadForm, QuestionForm,
    place_errors, type_labels, vietnamese_field_errors,
)
from quizapp.blueprints.manage.routes import bp
from quizapp.services import bank_quality
from quizapp.services import banks as bank_service
from quizapp.services.bank_formats.registry import LABELS as FORMAT_LABELS
from quizapp.services.exceptions import Forbidden, InvalidInput
from quizapp.services.question_types import REGISTRY

PER_PAGE = 50
OUTCOME_MESSAGES = {
    "added": "Đã thêm câu hỏi.",
    "updated_in_place": "Đã lưu thay đổi.",
    "new_versions": "Câu hỏi đã có người làm bài nên được lưu thành phiên bản mới; bài làm cũ giữ nguyên.",
    "unchanged": "Không có thay đổi nào.",
}


def _user():
    return current_user._get_current_object()


def _labels() -> dict:
    return {"type_labels": type_labels(), "difficulty_labels": DIFFICULTY_LABELS}


@bp.route("/banks")
@permissions.manager_required
def banks():
    """Banks the caller may view: site-wide, their subtree's, and their ancestors'."""
    user = _user()
    items = bank_service.visible_banks(user)
    return render_template(
        "manage/banks/list.html", banks=items, counts=bank_service.bank_counts([b.id for b in items]),
        editable={b.id for b in items if permissions.can_edit_bank(b, user)},
        can_upload=bool(bank_service.bank_owner_choices(user)),
    )


@bp.route("/banks/<int:bank_id>")
@permissions.manager_required
def bank_detail(bank_id: int):
    """One bank's questions, filtered by topic, type, difficulty and a search text."""
    user = _user()
    bank = permissions.get_bank_or_404(bank_id, user)
    args = request.args
    filters = {
        "topic": args.get("topic", "")[:200], "qtype": args.get("type", "") if args.get("type") in REGISTRY else "",
        "difficulty": args.get("difficulty", "") if args.get("difficulty") in DIFFICULTY_LABELS else "",
        "search": args.get("q", "")[:200], "include_inactive": args.get("inactive") == "1",
    }
    rows = bank_service.bank_questions(bank, **filters)
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(max(args.get("page", 1, type=int) or 1, 1), pages)
    query = {k: v for k, v in {"q": filters["search"], "topic": filters["topic"], "type": filters["qtype"],
                               "difficulty": filters["difficulty"],
                               "inactive": "1" if filters["include_inactive"] else ""}.items() if v}
    filtered = any(query.get(k) for k in ("q", "topic", "type", "difficulty"))
    return render_template(
        "manage/banks/detail.html", bank=bank, rows=rows[(page - 1) * PER_PAGE:page * PER_PAGE], total=len(rows),
        page=page, pages=pages, query=query, filtered=filtered, back=request.full_path,
        filters=filters, topics=bank_service.bank_topics(bank), can_edit=permissions.can_edit_bank(bank, user),
        can_copy=bool(bank_service.bank_owner_choices(user)),
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
    bank = permissions.get_bank_or_404(bank_id, user)
    question = bank_service.get_question_or_404(bank, question_id)
    lock = permissions.key_locks(user).get(question.id)
    return render_template(
        "manage/banks/question.html", bank=bank, question=question,
        keys_hidden=permissions.keys_locked_message(lock) if lock is not None else None,
        answered={v.id for v in question.versions if bank_service.is_answered(v)},
        can_edit=permissions.can_edit_bank(bank, user), **_labels(),
    )


def _quality(bank, question, fields_or_version, user) -> list:
    """Quality warnings for one question against its bank (none that name others' keys while the bank is locked)."""
    item = {"key": getattr(question, "key", None) or fields_or_version.get("id") or "",
            "type": fields_or_version["type"], "text": fields_or_version["text"], "spec": fields_or_version["spec"]}
    others = [] if _bank_lock(bank, user) else bank_service.quality_items(bank)
    return bank_quality.question_warnings(item, [o for o in others if question is None or o["id"] != question.id])


def _question_page(bank, question):
    user = _user()
    form = QuestionForm()
    problems, status, preview, warnings = [], 200, None, []
    if request.method == "GET":
        if question is not None:
            form.load(bank_service.version_fields(question))
            v = question.current_version
            warnings = _quality(bank, question, {"type": v.type, "text": v.text, "spec": v.spec}, user)
        elif request.args.get("type") in REGISTRY:
            form.type.data = request.args["type"]
    elif form.validate_on_submit():
        fields = form.to_fields()
        if form.preview.data:
            if question is not None:
                fields["id"] = question.key
            elif not fields["id"]:
                fields["id"] = bank_service.next_question_key(bank)
            parsed, messages = bank_service.check_question(fields)
            if parsed is None:
                problems, status = place_errors(form, messages), 422
            else:
                preview = bank_service.preview_item(parsed)
                warnings = _quality(bank, question, {"id": parsed.key, "type": parsed.type, "text": parsed.text,
                                                     "spec": parsed.spec}, user)
        else:
            try:
                saved, outcome = bank_service.save_question(bank, question, fields, user)
            except InvalidInput as exc:
                problems, status = place_errors(form, exc.details or [exc.message]), 422
            else:
                flash(_(OUTCOME_MESSAGES[outcome]), "success")
                v = saved.current_version
                if _quality(bank, saved, {"type": v.type, "text": v.text, "spec": v.spec}, user):
                    flash(_("Câu hỏi đã lưu nhưng có gợi ý về chất lượng; xem bên dưới."), "warning")
                    return redirect(url_for("manage.question_edit", bank_id=bank.id, question_id=saved.id))
                return redirect(url_for("manage.question_detail", bank_id=bank.id, question_id=saved.id))
    else:
        status = 422
        vietnamese_field_errors(form)
    if status == 422:
        flash(_("Chưa lưu được; vui lòng sửa các ô được đánh dấu."), "error")
    return render_template("manage/banks/question_form.html", bank=bank, question=question, form=form,
                           problems=problems, preview=preview, warnings=warnings,
                           group_errors=getattr(form, "group_errors", {}),
                           next_key=bank_service.next_question_key(bank) if question is None else None,
                           **_labels()), status


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@permissions.manager_required
def question_new(bank_id: int):
    """Add a question of any type to a bank the caller may edit."""
    return _question_page(permissions.get_bank_or_404(bank_id, _user(), edit=True), None)


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def question_edit(bank_id: int, question_id: int):
    """Edit a question; a version already shown in an attempt is kept and a new one made."""
    bank = permissions.get_bank_or_404(bank_id, _user(), edit=True)
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
    bank = permissions.get_bank_or_404(bank_id, _user())
    permissions.check_keys_of_bank(bank.id, _user())
    return Response(bank_service.export_bank(bank), mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.slug}.yaml"'})


@bp.route("/banks/<int:bank_id>/export.xml")
@permissions.manager_required
def bank_export_moodle(bank_id: int):
    """Download the bank as Moodle XML, for Moodle-based learning platforms."""
    bank = permissions.get_bank_or_404(bank_id, _user())
    permissions.check_keys_of_bank(bank.id, _user())  # the file carries the keys
    return Response(bank_service.export_bank_moodle_xml(bank), mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{bank.slug}.xml"'})


# ---------------------------------------------------------------- a bank without a file

def _owner_of(owners, value: str):
    return next((o for o in owners if o is not None and str(o.id) == value), None)


@bp.route("/banks/new", methods=["GET", "POST"])
@permissions.manager_required
def bank_new():
    """Start an empty bank (title, document, date, description, owner in the caller's scope)."""
    user = _user()
    owners = bank_service.bank_owner_choices(user)
    if not owners:
        raise Forbidden(_("Bạn không có quyền tạo ngân hàng câu hỏi."))
    form = BankCreateForm()
    form.owner.choices = _owner_choices(owners)
    if request.method == "GET" and len(owners) > 1 and owners[0] is None:
        form.owner.data = str(owners[1].id)  # an admin's default: their first org, not site-wide
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                bank = bank_service.create_bank(
                    title=form.title.data, document=form.document.data, document_date=form.document_date.data,
                    description=form.description.data, owner_org=_owner_of(owners, form.owner.data), actor=user)
            except InvalidInput as exc:
                form.title.errors = [*form.title.errors, exc.message]
            else:
                flash(_("Đã tạo ngân hàng câu hỏi “%(t)s”. Hãy thêm câu hỏi đầu tiên.", t=bank.title), "success")
                return redirect(url_for("manage.bank_detail", bank_id=bank.id))
        vietnamese_field_errors(form)
        if form.owner.errors:
            form.owner.errors = [_("Vui lòng chọn một đơn vị trong phạm vi bạn quản lý.")]
        if form.document_date.raw_data and form.document_date.errors:
            form.document_date.errors = [_("Ngày không hợp lệ; hãy chọn ngày theo lịch.")]
        status = 422
        flash(_("Chưa tạo được; vui lòng sửa các ô được đánh dấu."), "error")
    return render_template("manage/banks/new.html", form=form), status


@bp.route("/banks/<int:bank_id>/copy", methods=["GET", "POST"])
@permissions.manager_required
def bank_copy(bank_id: int):
    """Copy a bank the caller may see (site-wide or another org's) to their own org, to edit there."""
    user = _user()
    bank = permissions.get_bank_or_404(bank_id, user)
    permissions.check_keys_of_bank(bank.id, user)  # the copy would show the keys
    owners = [o for o in bank_service.bank_owner_choices(user) if o is not None] or bank_service.bank_owner_choices(user)
    if not owners:
        raise Forbidden(_("Bạn không có quyền tạo ngân hàng câu hỏi."))
    form = BankCopyForm()
    form.owner.choices = _owner_choices(owners)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            copy = bank_service.copy_bank(bank, owner_org=_owner_of(owners, form.owner.data), actor=user)
            flash(_("Đã sao chép thành ngân hàng “%(s)s”; bạn có thể chỉnh sửa bản này.", s=copy.slug), "success")
            return redirect(url_for("manage.bank_detail", bank_id=copy.id))
        status = 422
        form.owner.errors = [_("Vui lòng chọn một đơn vị trong phạm vi bạn quản lý.")] if form.owner.errors else []
        flash(_("Vui lòng chọn đơn vị nhận bản sao."), "error")
    return render_template("manage/banks/copy.html", bank=bank, form=form,
                           count=bank_service.bank_counts([bank.id]).get(bank.id, 0)), status


def _back_to_list(bank, question):
    """Back to the same page of the bank list (filters kept), scrolled to the question."""
    target = request.form.get("next", "").split("#")[0]
    if not (target.startswith(f"/manage/banks/{bank.id}") and "//" not in target and "\\" not in target):
        target = url_for("manage.bank_detail", bank_id=bank.id)
    return redirect(f"{target.rstrip('?')}#qi-{question.id}")


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/move", methods=["POST"])
@permissions.manager_required
def question_move(bank_id: int, question_id: int):
    """Move a question one place up or down in the bank (works without JavaScript)."""
    bank = permissions.get_bank_or_404(bank_id, _user(), edit=True)
    question = bank_service.get_question_or_404(bank, question_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        flash(_("Hướng di chuyển không hợp lệ."), "error")
    elif not bank_service.move_question(bank, question, direction, _user()):
        flash(_("Câu %(k)s đã ở đầu danh sách.", k=question.key) if direction == "up"
              else _("Câu %(k)s đã ở cuối danh sách.", k=question.key), "warning")
    return _back_to_list(bank, question)


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/active", methods=["POST"])
@permissions.manager_required
def question_active(bank_id: int, question_id: int):
    """Retire a question (never drawn again; rounds already drawn keep it) or restore it."""
    bank = permissions.get_bank_or_404(bank_id, _user(), edit=True)
    question = bank_service.get_question_or_404(bank, question_id)
    active = request.form.get("active") == "1"
    bank_service.set_question_active(bank, question, active, _user())
    flash(_("Đã dùng lại câu %(k)s.", k=question.key) if active
          else _("Đã ngừng dùng câu %(k)s; câu này không được rút vào bài mới, các đợt đã rút giữ nguyên.",
                 k=question.key), "success")
    return _back_to_list(bank, question)


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/preview")
@permissions.manager_required
def question_preview(bank_id: int, question_id: int):
    """The question exactly as a member's attempt page shows it: public view, never the key."""
    bank = permissions.get_bank_or_404(bank_id, _user())
    question = bank_service.get_question_or_404(bank, question_id)
    return render_template("manage/banks/preview.html", bank=bank, question=question,
                           it=bank_service.preview_item(question.current_version))


@bp.route("/banks/<int:bank_id>/quality")
@permissions.manager_required
def bank_quality_report(bank_id: int):
    """Quality help for the whole bank: ways a member could guess answers without studying."""
    user = _user()
    bank = permissions.get_bank_or_404(bank_id, user)
    permissions.check_keys_of_bank(bank.id, user)  # the warnings quote the keys
    items = bank_service.quality_items(bank)
    report = bank_quality.bank_report(items)
    return render_template("manage/banks/quality.html", bank=bank, report=report,
                           ids={i["key"]: i["id"] for i in items}, total=len(items),
                           can_edit=permissions.can_edit_bank(bank, user))
