"""Result sheets, roll-ups, exports, item analysis and absences: HTTP only, every lookup scoped."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.reports.forms import AbsenceTableForm, RollupForm, SheetForm
from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import (
    ABSENCE_REASONS,
    IssuedReport,
    Org,
    Person,
    ReportKind,
    StudyRound,
)
from quizapp.services import absence_table, participation, rounds
from quizapp.services.exceptions import Forbidden, InvalidInput, NotFound
from quizapp.services.reporting import (
    documents,
    excel,
    identity,
    items,
    numbering,
    queries,
)
from quizapp.services.reporting.rollup import issue_rollup

bp = Blueprint("reports", __name__)

PDF, XLSX = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user() -> Person:
    return current_user._get_current_object()


def _round_org(round_id: int, org_id: int) -> tuple[StudyRound, Org]:
    """The round (visible to the caller) and an org the caller manages; else 404."""
    rnd = permissions.get_round_or_404(round_id, _user())
    return rnd, permissions.get_org_or_404(org_id, _user())


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _check_paper_scores(rnd: StudyRound, org: Org) -> None:
    """Refuse a whole file that prints paper scores (draft PDFs, the roll-up working file, issuing and
    downloading a document) to a manager who still sits the quiz — her own make-up may be open after
    the quiz closed (permissions.paper_scores_hidden); nothing is refused when no paper score is printed."""
    if permissions.paper_scores_hidden(rnd.quiz, _user()) and any(r.paper_tested for r in queries.cell_rows(rnd, org)):
        raise Forbidden(permissions.paper_locked_message(rnd.quiz))


def _roots(rnd: StudyRound) -> list[Org]:
    """Top nodes to report on: the caller's managed roots overlapping the round (admin: its orgs)."""
    paths = permissions.managed_paths(_user())
    part = [ro.org for ro in rnd.orgs]
    if paths is None:
        return sorted(part, key=lambda o: o.path)
    out = {}
    for org in permissions.managed_orgs(_user()):
        if org.path in paths and permissions.overlaps(org.path, [p.path for p in part]):
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
    rnd = permissions.get_round_or_404(round_id, _user())
    # A manager who still sits the quiz sees no mean that a paper score enters: with the sheets in
    # hand it tells the keys ("Ẩn", permissions.paper_scores_hidden).
    hide = permissions.paper_scores_hidden(rnd.quiz, _user())
    blocks = []
    for root in _roots(rnd):
        rows = queries.cell_rows(rnd, root)
        blocks.append({"org": root, "figures": participation.figures_from_rows(rows, rnd.threshold_percent),
                       "cells": [r for r in rows if r.org_id != root.id or root.is_cell],
                       "docs": documents.documents_for(rnd, root),
                       "mean_hidden": hide and any(r.paper_tested for r in rows),
                       "hidden_cells": {r.org_id for r in rows if hide and r.paper_tested}})
    return render_template("reports/round_results.html", rnd=rnd, blocks=blocks,
                           paper_hidden=any(b["mean_hidden"] for b in blocks))


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/sheet", methods=["GET", "POST"])
@permissions.manager_required
def cell_sheet(round_id: int, org_id: int):
    """The cell's result sheet: preview (default), documents issued, and issuing a number (confirmed)."""
    rnd, org = _round_org(round_id, org_id)
    if not org.is_cell:
        raise NotFound("Báo cáo kết quả theo mẫu chỉ lập cho chi bộ; cấp trên dùng báo cáo tổng hợp.")
    return _document_page(rnd, org, ReportKind.CELL_SHEET, SheetForm())


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/rollup", methods=["GET", "POST"])
@permissions.manager_required
def rollup(round_id: int, org_id: int):
    """The roll-up: preview (default), the .xlsx working file, documents issued, issuing a number (confirmed)."""
    rnd, org = _round_org(round_id, org_id)
    form = RollupForm()
    if request.method == "POST" and form.fmt.data == "xlsx" and form.validate_on_submit():
        _check_paper_scores(rnd, org)
        _, data = issue_rollup(rnd, org, _user(), fmt="xlsx")
        return _download(data, XLSX, f"tong-hop-{org.code}-dot-{rnd.id}.xlsx")
    return _document_page(rnd, org, ReportKind.ROLLUP, form)


def _document_page(rnd: StudyRound, org: Org, kind: str, form):
    """GET: the page. POST: check and show what will be issued; POST with confirm=1: issue it."""
    state = bool(getattr(form, "state_letterhead", None) and form.state_letterhead.data)
    if request.method == "GET":
        form.number.data, form.issued_on.data = documents.suggested_number(org), today_local()
    elif form.validate_on_submit():
        _check_paper_scores(rnd, org)
        try:
            if form.confirm.data == "1":
                report = documents.issue(rnd, org, kind, _user(), number=form.number.data,
                                         issued_on=form.issued_on.data, state=state, reason=form.reason.data or "")
            else:
                plan = documents.plan_issue(rnd, org, kind, number=form.number.data, issued_on=form.issued_on.data,
                                            state=state)
                if plan.replaces is not None and not (form.reason.data or "").strip():
                    form.reason.errors = [_("Đợt này đã có văn bản số %(n)s: văn bản mới sẽ thay thế văn bản đó, "
                                            "vui lòng ghi lý do thay thế.", n=plan.replaces.number_label)]
                    return _document_form(rnd, org, kind, form, state), 422
                return render_template("reports/confirm_issue.html", form=form, rnd=rnd, org=org, kind=kind,
                                       plan=plan)
        except InvalidInput as exc:
            db.session.rollback()
            _refusal(form, exc)
            form.confirm.data = ""
        else:
            flash(_("Đã cấp văn bản số %(n)s, mã xác thực %(c)s. Tải về từ danh sách văn bản đã cấp.",
                    n=report.number_label, c=report.verify_code), "success")
            endpoint = "reports.cell_sheet" if kind == ReportKind.CELL_SHEET else "reports.rollup"
            return redirect(url_for(endpoint, round_id=rnd.id, org_id=org.id), 303)
    return _document_form(rnd, org, kind, form, state), 422 if form.errors else 200


def _refusal(form, exc: InvalidInput) -> None:
    """Show why a document was refused: missing org settings above the form, anything else under the number."""
    if isinstance(exc.details, dict) and exc.details.get("field") == "org_settings":
        form.form_errors.append(exc.message)
    else:
        form.number.errors = [*form.number.errors, exc.message]


def _document_form(rnd: StudyRound, org: Org, kind: str, form, state: bool) -> str:
    """The document page: readiness, preview links, documents issued, the issue form."""
    on = form.issued_on.data or today_local()
    return render_template("reports/issue_form.html", form=form, rnd=rnd, org=org,
                           kind="sheet" if kind == ReportKind.CELL_SHEET else "rollup",
                           problems=[] if form.form_errors else identity.party_problems(org),
                           state_next=numbering.next_number(org, state=True, on=on),
                           ready=documents.readiness(rnd, org), docs=documents.documents_for_org(rnd, org, kind),
                           current=documents.current_document(rnd, org, kind, state))


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/rollup.xlsx")
@permissions.manager_required
def rollup_xlsx(round_id: int, org_id: int):
    """The roll-up as an Excel working file (not numbered, not a document)."""
    rnd, org = _round_org(round_id, org_id)
    _check_paper_scores(rnd, org)
    _, data = issue_rollup(rnd, org, _user(), fmt="xlsx")
    return _download(data, XLSX, f"tong-hop-{org.code}-dot-{rnd.id}.xlsx")


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/sheet/preview")
@permissions.manager_required
def sheet_preview(round_id: int, org_id: int):
    """The cell sheet as it would print today: no number, no code, DỰ THẢO across every page."""
    return _preview(round_id, org_id, ReportKind.CELL_SHEET)


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/rollup/preview")
@permissions.manager_required
def rollup_preview(round_id: int, org_id: int):
    """The roll-up as it would print today (?state=1: state letterhead), marked DỰ THẢO."""
    return _preview(round_id, org_id, ReportKind.ROLLUP)


def _preview(round_id: int, org_id: int, kind: str) -> Response:
    rnd, org = _round_org(round_id, org_id)
    if kind == ReportKind.CELL_SHEET and not org.is_cell:
        raise NotFound("Báo cáo kết quả theo mẫu chỉ lập cho chi bộ; cấp trên dùng báo cáo tổng hợp.")
    _check_paper_scores(rnd, org)
    pdf = documents.preview(rnd, org, kind, state=request.args.get("state") == "1")
    stem = "bao-cao" if kind == ReportKind.CELL_SHEET else "tong-hop"
    resp = Response(pdf, mimetype=PDF)
    resp.headers["Content-Disposition"] = f'inline; filename="du-thao-{stem}-{org.code}-dot-{rnd.id}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/documents/<int:doc_id>/file")
@permissions.manager_required
def document_file(doc_id: int):
    """An issued document, byte-for-byte as issued (the caller must manage its org and see its round)."""
    report = db.session.get(IssuedReport, doc_id)
    if report is None:
        raise NotFound("Không tìm thấy văn bản này.")
    rnd, org = _round_org(report.round_id, report.org_id)
    _check_paper_scores(rnd, org)
    return _download(documents.stored_file(report), PDF, documents.filename(report, org))


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/export.<fmt>")
@permissions.manager_required
def export(round_id: int, org_id: int, fmt: str):
    """Per-member results of the org's subtree as .xlsx or .csv."""
    rnd, org = _round_org(round_id, org_id)
    name = f"ket-qua-{org.code}-dot-{rnd.id}"
    hide = permissions.paper_scores_hidden(rnd.quiz, _user())  # paper scores read "Ẩn", with a note
    if fmt == "xlsx":
        return _download(excel.members_xlsx(rnd, org, hide_paper=hide), XLSX, name + ".xlsx")
    if fmt == "csv":
        # ';' by default: Vietnamese Excel splits on it; ?sep=comma for other tools.
        sep = excel.CSV_SEPARATORS.get(request.args.get("sep", "semicolon"))
        if sep is None:
            raise NotFound("Dấu phân cách không được hỗ trợ (chỉ chấm phẩy hoặc phẩy).")
        return _download(excel.members_csv(rnd, org, sep, hide_paper=hide), "text/csv; charset=utf-8", name + ".csv")
    raise NotFound("Định dạng tệp không được hỗ trợ (chỉ .xlsx hoặc .csv).")


@bp.route("/rounds/<int:round_id>/orgs/<int:org_id>/items")
@permissions.manager_required
def item_analysis(round_id: int, org_id: int):
    """Per question and per topic: what members misunderstood (it shows the keys: refused to a
    manager who still sits the round's open quiz)."""
    rnd, org = _round_org(round_id, org_id)
    permissions.check_keys_of_round(rnd, _user())
    with queries.one_reading():  # both read the same counted attempts
        stats, topics = items.item_analysis(rnd, org), items.topic_facility(rnd, org)
    return render_template("reports/items.html", rnd=rnd, org=org, stats=stats, topics=topics,
                           coverage=items.COVERAGE)


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
    issued = documents.current_document(rnd, org, ReportKind.CELL_SHEET) if org.is_cell else None
    return render_template("reports/absences.html", rnd=rnd, org=org, statuses=absence_table.absent_statuses(rnd, org),
                           form=form, errors=errors, posted=posted, form_error=form_error,
                           reasons=ABSENCE_REASONS, issued=issued), status


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
