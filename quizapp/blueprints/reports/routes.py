"""Result sheets, roll-ups, exports, item analysis and absences: HTTP only, every lookup scoped."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.reports.forms import AbsenceTableForm, RollupForm, SheetForm
from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import ABSENCE_REASONS, Org, Person, StudyRound
from quizapp.services import absence_table, participation, rounds
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services.reporting import excel, items, numbering, queries
from quizapp.services.reporting.rollup import issue_rollup
from quizapp.services.reporting.sheets import issue_cell_sheet

bp = Blueprint("reports", __name__)

PDF, XLSX = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user() -> Person:
    return current_user._get_current_object()


def _round_org(round_id: int, org_id: int) -> tuple[StudyRound, Org]:
    """The round (visible to the caller) and an org the caller manages; else 404."""
    rnd = rounds.get_round_or_404(round_id, _user())
    return rnd, permissions.get_org_or_404(org_id, _user())


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _roots(rnd: StudyRound) -> list[Org]:
    """Top nodes to report on: the caller's managed roots overlapping the round (admin: its orgs)."""
    paths = permissions.managed_paths(_user())
    part = [ro.org for ro in rnd.orgs]
    if paths is None:
        return sorted(part, key=lambda o: o.path)
    out = {}
    for org in permissions.managed_orgs(_user()):
        if org.path in paths and any(org.path.startswith(p.path) or p.path.startswith(org.path) for p in part):
            out[org.id] = org
    return sorted(out.values(), key=lambda o: o.path)


@bp.route("/")
@permissions.manager_required
def index():
    """Rounds in the caller's scope, each linking to its results."""
    return render_template("reports/index.html", rounds=rounds.rounds_in_scope(_user()))


@bp.route("/rounds/<int:round_id>")
@permissions.manager_required
def round_results(round_id: int):
    """Figures per managed node and per cell under it, with the downloads each person may make."""
    rnd = rounds.get_round_or_404(round_id, _user())
    blocks = []
    for root in _roots(rnd):
        rows = queries.cell_rows(rnd, root)
        blocks.append({"org": root, "figures": participation.figures_from_rows(rows, rnd.threshold_percent),
                       "cells": [r for r in rows if r.org_id != root.id or root.is_cell]})
    return render_template("reports/round_results.html", rnd=rnd, blocks=blocks)


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/sheet", methods=["GET", "POST"])
@permissions.manager_required
def cell_sheet(round_id: int, org_id: int):
    """Form with the suggested number; posting it issues and downloads the PDF sheet."""
    rnd, org = _round_org(round_id, org_id)
    if not org.is_cell:
        raise NotFound("Báo cáo kết quả theo mẫu chỉ lập cho chi bộ; cấp trên dùng báo cáo tổng hợp.")
    form = SheetForm()
    if request.method == "GET":
        form.number.data, form.issued_on.data = numbering.next_number(org), today_local()
    elif form.validate_on_submit():
        try:
            report, pdf = issue_cell_sheet(rnd, org, _user(), number=form.number.data, issued_on=form.issued_on.data)
        except InvalidInput as exc:
            db.session.rollback()
            form.number.errors = [*form.number.errors, exc.message]
        else:
            return _download(pdf, PDF, f"bao-cao-{report.number:02d}-{org.code}-dot-{rnd.id}.pdf")
    status = 422 if form.errors else 200
    return render_template("reports/issue_form.html", form=form, rnd=rnd, org=org, kind="sheet"), status


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/rollup", methods=["GET", "POST"])
@permissions.manager_required
def rollup(round_id: int, org_id: int):
    """Form for a roll-up; posting it downloads the PDF (numbered) or the .xlsx."""
    rnd, org = _round_org(round_id, org_id)
    form = RollupForm()
    if request.method == "GET":
        form.number.data, form.issued_on.data = numbering.next_number(org), today_local()
    elif form.validate_on_submit():
        try:
            report, data = issue_rollup(rnd, org, _user(), fmt=form.fmt.data, state=form.state_letterhead.data,
                                        number=form.number.data, issued_on=form.issued_on.data)
        except InvalidInput as exc:
            db.session.rollback()
            form.number.errors = [*form.number.errors, exc.message]
        else:
            if report is None:
                return _download(data, XLSX, f"tong-hop-{org.code}-dot-{rnd.id}.xlsx")
            return _download(data, PDF, f"tong-hop-{report.number:02d}-{org.code}-dot-{rnd.id}.pdf")
    status = 422 if form.errors else 200
    return render_template("reports/issue_form.html", form=form, rnd=rnd, org=org, kind="rollup"), status


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/export.<fmt>")
@permissions.manager_required
def export(round_id: int, org_id: int, fmt: str):
    """Per-member results of the org's subtree as .xlsx or .csv."""
    rnd, org = _round_org(round_id, org_id)
    name = f"ket-qua-{org.code}-dot-{rnd.id}"
    if fmt == "xlsx":
        return _download(excel.members_xlsx(rnd, org), XLSX, name + ".xlsx")
    if fmt == "csv":
        return _download(excel.members_csv(rnd, org), "text/csv; charset=utf-8", name + ".csv")
    raise NotFound("Định dạng tệp không được hỗ trợ (chỉ .xlsx hoặc .csv).")


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/items")
@permissions.manager_required
def item_analysis(round_id: int, org_id: int):
    """Per question and per topic: what members misunderstood."""
    rnd, org = _round_org(round_id, org_id)
    return render_template("reports/items.html", rnd=rnd, org=org, stats=items.item_analysis(rnd, org),
                           topics=items.topic_facility(rnd, org))


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/absences", methods=["GET", "POST"])
@permissions.manager_required
def absences(round_id: int, org_id: int):
    """Members of the org who have not taken part: one table, a reason per row, one Save for all."""
    rnd, org = _round_org(round_id, org_id)
    form = AbsenceTableForm()
    errors: dict[int, str] = {}
    posted: dict[int, absence_table.AbsenceRow] = {}
    form_error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            form_error = _("Phiên làm việc đã hết hạn, vui lòng gửi lại.")
        else:
            posted = {row.person_id: row for row in _absence_rows(request.form)}
            try:
                if not posted:
                    raise InvalidInput(_("Chưa có dòng nào để lưu."))
                changed = absence_table.save_absences(rnd, org, list(posted.values()), _user())
            except InvalidInput as exc:
                db.session.rollback()
                errors = exc.details if isinstance(exc.details, dict) else {}
                form_error = exc.message
            else:
                flash(_("Đã lưu lý do vắng (%(n)s thay đổi).", n=changed), "success")
                return redirect(url_for("reports.absences", round_id=rnd.id, org_id=org.id))
    if form_error:
        flash(form_error, "error")
    status = 422 if form_error else 200
    return render_template("reports/absences.html", rnd=rnd, org=org, statuses=absence_table.absent_statuses(rnd, org),
                           form=form, errors=errors, posted=posted, form_error=form_error,
                           reasons=ABSENCE_REASONS), status


def _absence_rows(data) -> list[absence_table.AbsenceRow]:
    """Rows of the absence table (reason_code-<id>, reason_text-<id>, excused-<id>); a single
    person_id/reason_code/reason_text/excused set is read as one row too."""
    rows = []
    for key in data:
        if key.startswith("reason_code-"):
            pid = _int(key.partition("-")[2])
            rows.append(absence_table.AbsenceRow(
                person_id=pid, reason_code=data.get(key, "").strip(), reason_text=data.get(f"reason_text-{pid}", ""),
                excused=data.get(f"excused-{pid}", "1") == "1"))
    if "person_id" in data:
        rows.append(absence_table.AbsenceRow(
            person_id=_int(data.get("person_id")), reason_code=data.get("reason_code", "").strip(),
            reason_text=data.get("reason_text", ""), excused=data.get("excused", "1") == "1"))
    return rows


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Không tìm thấy đảng viên này.") from None
