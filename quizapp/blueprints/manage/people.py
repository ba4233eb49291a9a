"""People pages: list and search, detail, edit, transfer, password reset, roster import, login slips."""
from __future__ import annotations

from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quizapp import permissions
from quizapp.blueprints.manage.people_forms import (
    ConfirmImportForm, ImportForm, PersonEditForm, SearchForm, SlipsForm, TransferForm,
)
from quizapp.blueprints.manage.routes import bp
from quizapp.clock import today_local
from quizapp.services import people as people_svc
from quizapp.services import history, roster, roster_files, slips
from quizapp.services.exceptions import DomainError, InvalidInput
from quizapp.web import public_base_url

PAGE_SIZE = 100


def _me():
    return current_user._get_current_object()


def _cell_choices(blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(c.id, f"{c.code} — {c.name}", {"lang": "vi"}) for c in permissions.managed_cells()]
    return ([SelectChoice(0, blank)] if blank else []) + choices


@bp.route("/people")
@permissions.manager_required
def people():
    """Members of the caller's scope, filtered by cell and searched by name or code."""
    form = SearchForm(request.args)
    form.org.choices = _cell_choices(_("Tất cả chi bộ"))
    org = permissions.get_org_or_404(form.org.data) if form.org.data else None
    query = (form.q.data or "")[:100]
    rows = people_svc.list_people(_me(), org=org, query=query)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template("manage/people/list.html", form=form, rows=shown, total=len(rows),
                           page=page, pages=pages, query=query, org=org)


@bp.route("/people/<int:person_id>")
@permissions.manager_required
def person_detail(person_id: int):
    """One person: details, role grants and membership history."""
    person = people_svc.get_person(person_id, _me())
    return render_template("manage/people/detail.html", person=person,
                           memberships=people_svc.membership_history(person), roles=people_svc.person_roles(person),
                           can_administer=permissions.can_administer(_me(), person),
                           periods=history.history(person))


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def person_edit(person_id: int):
    """Edit a person's details and state; transfer to another cell from the same page."""
    person = people_svc.get_person(person_id, _me())
    form = PersonEditForm(obj=person)
    if not form.effective_date.data:
        form.effective_date.data = today_local()
    transfer = TransferForm(prefix="t", formdata=None, data={"on": today_local()})
    current = person.current_membership()
    transfer.org_id.choices = [c for c in _cell_choices() if not current or c.value != current.org_id]
    status = 200
    if form.validate_on_submit():
        try:
            changed = people_svc.update_person(person, _me(), form.data)
        except InvalidInput as exc:
            flash(exc.message, "error")
            status = 422
        else:
            flash(_("Đã lưu thay đổi.") if changed else _("Không có gì thay đổi."), "success")
            return redirect(url_for("manage.person_detail", person_id=person_id))
    elif request.method == "POST":
        status = 422
    return render_template("manage/people/edit.html", person=person, form=form, transfer=transfer,
                           current=current, periods=history.history(person),
                           can_override=permissions.is_staff(_me())), status


@bp.route("/people/<int:person_id>/transfer", methods=["POST"])
@permissions.manager_required
def person_transfer(person_id: int):
    """Move a person to another cell in scope from a date (old membership kept, dated)."""
    person = people_svc.get_person(person_id, _me())
    form = TransferForm(prefix="t")
    form.org_id.choices = _cell_choices()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("manage.person_edit", person_id=person_id))
    org = permissions.get_org_or_404(form.org_id.data)
    try:
        people_svc.transfer_person(person, _me(), org, form.on.data, form.override_reason.data)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return redirect(url_for("manage.person_edit", person_id=person_id))
    flash(_("Đã chuyển sinh hoạt sang %(org)s.", org=org.name), "success")
    return redirect(url_for("manage.person_detail", person_id=person_id))


@bp.route("/people/<int:person_id>/reset-password", methods=["POST"])
@permissions.manager_required
def person_reset_password(person_id: int):
    """Issue a new first password and show it once (the page is never cached)."""
    person = people_svc.get_person(person_id, _me())
    password = people_svc.reset_password(person, _me())
    return render_template("manage/people/password.html", person=person, password=password)


@bp.route("/people/import", methods=["GET", "POST"])
@permissions.manager_required
def roster_import():
    """Upload a roster: a preview (default) or a direct import; every bad row listed with its number."""
    form = ImportForm()
    form.default_org_id.choices = _cell_choices(_("— Không: mỗi dòng ghi mã chi bộ —"))
    cells = permissions.managed_cells()
    if request.method == "GET" and len(cells) == 1:
        form.default_org_id.data = cells[0].id
    if not form.validate_on_submit():
        return render_template("manage/people/import.html", can_override=permissions.is_staff(_me()), form=form), 422 if request.method == "POST" else 200
    upload = request.files.get(form.file.name)
    if upload is None or not upload.filename:
        flash(_("Vui lòng chọn tệp danh sách."), "error")
        return render_template("manage/people/import.html", can_override=permissions.is_staff(_me()), form=form), 422
    data, filename = upload.read(), upload.filename
    if form.default_org_id.data:
        default_org = permissions.get_org_or_404(form.default_org_id.data)
    else:  # a secretary's rows without a cell code go to their own cell
        default_org = cells[0] if len(cells) == 1 else None
    try:
        result = _run_import(filename, data, default_org, dry_run=form.dry_run.data,
                             override_reason=form.override_reason.data)
    except InvalidInput as exc:
        return render_template("manage/people/import.html", can_override=permissions.is_staff(_me()), form=form, error=exc.message,
                               details=exc.details or [], filename=filename), 422
    if not result.dry_run:
        flash(_("Đã nhập danh sách."), "success")
        return render_template("manage/people/import_done.html", result=result)
    token = roster_files.stage_upload(current_app.config["ROSTER_STAGING_DIR"], data, filename, _me().id, default_org.id if default_org else None)
    confirm = ConfirmImportForm(formdata=None, data={"token": token, "override_reason": form.override_reason.data or ""})
    return render_template("manage/people/import_preview.html", result=result, confirm=confirm)


@bp.route("/people/import/confirm", methods=["POST"])
@permissions.manager_required
def roster_import_confirm():
    """Import the previewed file (kept server-side); it is validated again against today's data."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    data, filename, org_id = roster_files.load_staged(current_app.config["ROSTER_STAGING_DIR"], form.token.data, _me().id)
    default_org = permissions.get_org_or_404(org_id) if org_id else None
    try:
        result = _run_import(filename, data, default_org, dry_run=False, override_reason=form.override_reason.data)
    except InvalidInput as exc:
        retry = ImportForm(formdata=None)
        retry.default_org_id.choices = _cell_choices(_("— Không: mỗi dòng ghi mã chi bộ —"))
        return render_template("manage/people/import.html", can_override=permissions.is_staff(_me()), form=retry, error=exc.message,
                               details=exc.details or [], filename=filename), 422
    roster_files.drop_staged(current_app.config["ROSTER_STAGING_DIR"], form.token.data)
    flash(_("Đã nhập danh sách."), "success")
    return render_template("manage/people/import_done.html", result=result)


def _run_import(filename: str, data: bytes, default_org, dry_run: bool,
                override_reason: str | None = None) -> roster.ImportResult:
    return roster.import_roster(filename, data, scope=permissions.managed_paths(), default_org=default_org,
                                actor=_me(), dry_run=dry_run, override_reason=override_reason)


@bp.route("/people/import/template.xlsx")
@permissions.manager_required
def roster_template():
    """The roster template workbook, generated on the fly."""
    return send_file(BytesIO(roster_files.template_workbook()), as_attachment=True,
                     download_name="mau-danh-sach-dang-vien.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/people/slips", methods=["GET", "POST"])
@permissions.manager_required
def login_slips():
    """Choose a cell and who gets slips; POST issues new first passwords and returns the PDF."""
    form = SlipsForm(request.form if request.method == "POST" else None)
    form.org_id.choices = _cell_choices()
    if not form.org_id.choices:
        abort(403)
    if request.method == "GET":
        form.org_id.data = request.args.get("org", form.org_id.choices[0].value, type=int)
    org = permissions.get_org_or_404(form.org_id.data or 0)
    if request.method == "POST" and form.validate_on_submit():
        ids = request.form.getlist("person_ids", type=int)
        try:
            chosen = slips.slip_candidates(_me(), org, form.mode.data, ids)
            batch = slips.issue_slips(_me(), org, chosen, public_base_url())
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("manage.login_slips", org=org.id))
        return send_file(BytesIO(batch.pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"phieu-dang-nhap-{org.id}.pdf")
    members = slips.slip_candidates(_me(), org, "all")
    pending = {p.id for p in slips.slip_candidates(_me(), org, "new")}
    return render_template("manage/people/slips.html", form=form, org=org, members=members, pending=pending)
