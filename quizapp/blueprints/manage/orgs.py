"""The organization tree, as seen by a manager (scoped): view, add nodes, edit, roles."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from quizapp import permissions
from quizapp.blueprints.manage.org_forms import OrgCreateForm, OrgEditForm, RoleForm
from quizapp.blueprints.manage.routes import bp
from quizapp.extensions import db
from quizapp.models import ORG_KINDS, ROLES, OrgKind, Person
from quizapp.services import orgs as org_service
from quizapp.services.exceptions import InvalidInput
from quizapp.services.reporting import identity


@bp.route("/orgs")
@permissions.manager_required
def orgs():
    """Every node the caller manages, with its secretary."""
    return render_template("manage/orgs.html", orgs=permissions.managed_orgs())


@bp.route("/orgs/<int:org_id>", methods=["GET", "POST"])
@permissions.manager_required
def org_detail(org_id: int):
    """One node: edit its details (staff/admin), add a child node, grant roles."""
    org = permissions.get_org_or_404(org_id)
    can_edit = permissions.can_keep_orgs()
    members = list(db.session.scalars(permissions.members_in_scope(org=org)))
    form = OrgEditForm(obj=org, prefix="edit")
    form.secretary_id.choices = [(0, "—")] + [(p.id, f"{p.full_name} ({p.member_code})", {"lang": "vi"}) for p in members]
    if request.method == "GET":
        form.secretary_id.data = org.secretary_id or 0
    create = OrgCreateForm(prefix="new")
    create.kind.choices = [(k, v) for k, v in ORG_KINDS.items() if k != OrgKind.DANG_BO_TINH]
    role_form = RoleForm(prefix="role")
    role_form.role.choices = [(k, v) for k, v in ROLES.items() if k != "admin"]
    if can_edit and form.submit.data and form.validate_on_submit():
        secretary = next((p for p in members if p.id == form.secretary_id.data), None)
        try:
            org_service.update_org(org, name=form.name.data, place=form.place.data, term=form.term.data,
                                   has_seal=form.has_seal.data, secretary=secretary, actor=current_user,
                                   documents={f: getattr(form, f).data for f in form.DOCUMENT_FIELDS})
        except InvalidInput as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã lưu thông tin tổ chức."), "success")
            return redirect(url_for("manage.org_detail", org_id=org.id))
    return render_template("manage/org_detail.html", org=org, form=form, create=create, role_form=role_form,
                           can_edit=can_edit, holders=org_service.role_holders(org),
                           default_report_to=identity.default_receiving_body(org) or _("chưa có (tổ chức cấp cao nhất)"),
                           children=[o for o in org_service.subtree(org) if o.parent_id == org.id])


@bp.route("/orgs/<int:org_id>/children", methods=["POST"])
@permissions.staff_required
def org_add_child(org_id: int):
    """Add a node under this one."""
    org = permissions.get_org_or_404(org_id)
    create = OrgCreateForm(prefix="new")
    create.kind.choices = [(k, v) for k, v in ORG_KINDS.items() if k != OrgKind.DANG_BO_TINH]
    if create.validate_on_submit():
        try:
            child = org_service.add_child(org, code=create.code.data, name=create.name.data, kind=create.kind.data,
                                          place=create.place.data, term=create.term.data,
                                          has_seal=create.has_seal.data, actor=current_user)
        except InvalidInput as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã thêm %(name)s.", name=child.name), "success")
    else:
        for errors in create.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for("manage.org_detail", org_id=org.id))


@bp.route("/orgs/<int:org_id>/roles", methods=["POST"])
@permissions.manager_required
def org_roles(org_id: int):
    """Grant or withdraw a role over this node. Staff only; the person must be in scope."""
    org = permissions.get_org_or_404(org_id)
    if not permissions.can_keep_orgs():
        flash(_("Chỉ cán bộ văn phòng cấp ủy mới được giao vai trò."), "error")
        return redirect(url_for("manage.org_detail", org_id=org.id))
    form = RoleForm(prefix="role")
    form.role.choices = [(k, v) for k, v in ROLES.items() if k != "admin"]
    revoke = request.form.get("revoke_person_id", type=int)
    if revoke:
        target = permissions.get_person_or_404(revoke) if not permissions.is_admin() else db.get_or_404(Person, revoke)
        role = request.form.get("revoke_role", "")
        try:
            org_service.set_role(org, target, role, False, current_user)
        except InvalidInput as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã thu hồi vai trò."), "success")
    elif form.validate_on_submit():
        code = form.member_code.data.strip().upper()
        target = db.session.scalar(select(Person).where(Person.member_code == code))
        if target is None or not permissions.can_be_given_role(target):
            flash(_("Không tìm thấy đảng viên có số thẻ %(code)s trong phạm vi quản lý.", code=code), "error")
        else:
            try:
                org_service.set_role(org, target, form.role.data, True, current_user)
            except InvalidInput as exc:
                flash(exc.message, "error")
            else:
                flash(_("Đã giao vai trò cho %(name)s.", name=target.full_name), "success")
    return redirect(url_for("manage.org_detail", org_id=org.id))
