"""Study rounds for managers: list, create, edit, copy, detail, make-up windows, QR code."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.round_forms import (CopyForm, MakeupForm, RoundForm, attach_problems, fill_form,
                                                   form_values, setup_choices)
from quizapp.blueprints.manage.routes import bp
from quizapp.services import round_checks, round_overview, rounds
from quizapp.services import round_qr as qr_service
from quizapp.services.exceptions import InvalidInput
from quizapp.web import public_base_url


def _user():
    return current_user._get_current_object()


def _render_form(form: RoundForm, rnd=None, problems=None, status: int = 200):
    banks = round_checks.usable_banks(_user())
    return render_template(
        "manage/rounds/form.html", form=form, rnd=rnd, problems=problems,
        review_warning=round_checks.review_warning(form.review_policy.data, form.review_when.data),
        bank_questions=round_checks.questions_by_bank(banks), topics=round_checks.topics_of(banks),
        selected_ids=set(form.question_ids.data or []),
        paper_lines=round_checks.paper_summary(form_values(form)[1]["draw_rule"], _user()),
    ), status


def _flash_review_warning(quiz_fields: dict) -> None:
    """Saved with keys shown right after submitting: allowed, with the warning repeated."""
    warning = round_checks.review_warning(quiz_fields.get("review_policy"), quiz_fields.get("review_when"))
    if warning:
        flash(_(warning), "warning")


def _prepare(form: RoundForm) -> dict:
    """Fill dynamic choices; returns the caller's managed orgs by id."""
    managed = permissions.managed_orgs(_user())
    setup_choices(form, managed, managed, round_checks.usable_banks(_user()))
    return {o.id: o for o in managed}


def _chosen_orgs(form: RoundForm, by_id: dict) -> tuple[list, list[dict]]:
    ids = form.org_ids.data or []
    orgs = [by_id[i] for i in ids if i in by_id]
    problems = []
    if len(orgs) != len(ids):
        problems.append(round_checks.problem("org_ids", _("Có tổ chức đảng đã chọn không thuộc phạm vi bạn quản lý.")))
    return orgs, problems


@bp.route("/rounds", endpoint="rounds")
@permissions.manager_required
def rounds_list():
    """Rounds in the caller's scope, newest first."""
    user = _user()
    items = rounds.rounds_in_scope(user)
    return render_template("manage/rounds/list.html", rounds=items,
                           overviews=round_overview.list_overviews(items, user, public_base_url()),
                           editable={r.id for r in items if permissions.can_edit_round(r, user)},
                           can_create=bool(rounds.owner_choices(user)))


@bp.route("/rounds/new", methods=["GET", "POST"])
@permissions.manager_required
def round_new():
    """Create a round and its quiz."""
    form = RoundForm()
    by_id = _prepare(form)
    if not by_id:
        abort(403)
    if request.method == "GET":
        form.set_defaults()
        form.owner_org_id.data = next(iter(by_id))
        form.org_ids.data = [next(iter(by_id))] if len(by_id) == 1 else []
    elif form.preview.data:
        return _render_form(form)  # show every paper's structure and total; nothing is saved
    elif form.validate_on_submit():
        orgs, problems = _chosen_orgs(form, by_id)
        fields, quiz_fields = form_values(form)
        try:
            if problems:
                raise InvalidInput(_("Chưa lưu được: vui lòng sửa các lỗi được nêu."), details=problems)
            owner = by_id.get(form.owner_org_id.data)
            rnd = rounds.create_round(fields, quiz_fields, owner, orgs, _user())
        except InvalidInput as exc:
            attach_problems(form, exc.details)
            flash(exc.message, "error")
            return _render_form(form, problems=exc.details, status=422)
        flash(_("Đã tạo đợt học tập."), "success")
        _flash_review_warning(quiz_fields)
        return redirect(url_for("manage.round_detail", round_id=rnd.id))
    else:
        flash(_("Chưa lưu được: vui lòng sửa các lỗi được nêu."), "error")
        return _render_form(form, status=422)
    return _render_form(form)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def round_edit(round_id: int):
    """Change a round's settings (only its owner org's managers)."""
    rnd = permissions.get_round_or_404(round_id, _user(), edit=True)
    form = RoundForm()
    by_id = _prepare(form)
    if request.method == "GET":
        fill_form(form, rnd)
    elif form.preview.data:
        return _render_form(form, rnd)  # show every paper's structure and total; nothing is saved
    elif form.validate_on_submit():
        orgs, problems = _chosen_orgs(form, by_id)
        fields, quiz_fields = form_values(form)
        try:
            if problems:
                raise InvalidInput(_("Chưa lưu được: vui lòng sửa các lỗi được nêu."), details=problems)
            rounds.update_round(rnd, fields, quiz_fields, orgs, _user())
        except InvalidInput as exc:
            attach_problems(form, exc.details)
            flash(exc.message, "error")
            return _render_form(form, rnd, problems=exc.details, status=422)
        flash(_("Đã lưu thay đổi."), "success")
        _flash_review_warning(quiz_fields)
        return redirect(url_for("manage.round_detail", round_id=rnd.id))
    else:
        flash(_("Chưa lưu được: vui lòng sửa các lỗi được nêu."), "error")
        return _render_form(form, rnd, status=422)
    return _render_form(form, rnd)


@bp.route("/rounds/<int:round_id>")
@permissions.manager_required
def round_detail(round_id: int):
    """A round's settings, its quiz, its make-up windows and links to the board and QR."""
    user = _user()
    rnd = permissions.get_round_or_404(round_id, user)
    return render_template(
        "manage/rounds/detail.html", rnd=rnd, quiz=rnd.quiz, can_edit=permissions.can_edit_round(rnd, user),
        makeups=rounds.makeup_windows(rnd.quiz, user), rule_rows=round_checks.describe_draw_rule(rnd.quiz.draw_rule),
        paper_lines=round_checks.paper_summary(rnd.quiz.draw_rule, user),
        short_url=qr_service.short_url(rnd.quiz, public_base_url()),
    )


@bp.route("/rounds/<int:round_id>/copy", methods=["GET", "POST"])
@permissions.manager_required
def round_copy(round_id: int):
    """Copy a round (all settings and its quiz) with new dates."""
    rnd = permissions.get_round_or_404(round_id, _user(), edit=True)
    form = CopyForm()
    status = 200
    if request.method == "GET":
        form.title.data = rnd.title
    elif form.validate_on_submit():
        try:
            new = rounds.copy_round(rnd, _user(), form.new_dates())
        except InvalidInput as exc:
            attach_problems(form, exc.details)
            flash(exc.message, "error")
            status = 422
        else:
            flash(_("Đã sao chép đợt học tập. Vui lòng kiểm tra lại các thiết lập."), "success")
            return redirect(url_for("manage.round_edit", round_id=new.id))
    else:
        status = 422
    return render_template("manage/rounds/copy.html", rnd=rnd, form=form), status


@bp.route("/rounds/<int:round_id>/makeup", methods=["GET", "POST"])
@permissions.manager_required
def makeup(round_id: int):
    """Grant a make-up window (học bù) to one person or a whole cell within one's scope."""
    user = _user()
    rnd = permissions.get_round_or_404(round_id, user)
    people, cells = rounds.makeup_candidates(rnd, user)
    form = MakeupForm()
    form.target.choices = [("", _("— Chọn —"))] + [(f"org:{c.id}", _("Cả %(name)s", name=c.name)) for c in cells] + [
        (f"person:{p.id}", p.full_name) for p in people]
    status = 200
    if form.validate_on_submit():
        kind, _sep, raw_id = (form.target.data or "").partition(":")
        person = org = None
        offered = {value for value, _label in form.target.choices if value}
        try:
            if kind == "person" and raw_id.isdigit():
                person = permissions.get_person_or_404(int(raw_id), user)
            elif kind == "org" and raw_id.isdigit():
                org = permissions.get_org_or_404(int(raw_id), user)
            if form.target.data and form.target.data not in offered:
                permissions.check_makeup_scope(rnd, person, org, user)  # outside one's scope stays "not found"
                raise InvalidInput(_("Người hoặc chi bộ này không còn được học bù (đã làm bài, không thuộc diện "
                                     "phải làm hoặc đã được cho học bù)."))
            opens_at, closes_at = form.utc_times()
            window = rounds.grant_makeup(rnd.quiz, person=person, org=org, opens_at=opens_at, closes_at=closes_at,
                                         reason=form.reason.data, actor=user)
        except InvalidInput as exc:
            attach_problems(form, exc.details)
            flash(exc.message, "error")
            status = 422
        else:
            flash(_makeup_confirmation(window), "success")
            return redirect(url_for("manage.makeup", round_id=rnd.id))
    elif request.method == "POST":
        status = 422
    return render_template("manage/rounds/makeup.html", rnd=rnd, form=form,
                           makeups=rounds.makeup_windows(rnd.quiz, user)), status


def _makeup_confirmation(window) -> str:
    """Who may now take the quiz, and until when."""
    from quizapp.services.round_overview import deadline_text

    until = deadline_text(window.closes_at)
    if window.person is not None:
        return _("Đã cho đồng chí %(name)s học bù, được làm bài đến %(until)s.", name=window.person.full_name,
                 until=until)
    return _("Đã cho cả %(name)s học bù, được làm bài đến %(until)s.", name=window.org.name, until=until)


@bp.route("/rounds/<int:round_id>/qr")
@permissions.manager_required
def round_qr(round_id: int):
    """A big QR code and short link to show on the hall's screen."""
    rnd = permissions.get_round_or_404(round_id, _user())
    url = qr_service.short_url(rnd.quiz, public_base_url())
    return render_template("manage/rounds/qr.html", rnd=rnd, url=url, svg=qr_service.qr_svg(url))


@bp.route("/rounds/<int:round_id>/qr.pdf")
@permissions.manager_required
def round_qr_pdf(round_id: int):
    """The same QR code and short link as a printable A4 landscape PDF."""
    rnd = permissions.get_round_or_404(round_id, _user())
    data = qr_service.qr_pdf(rnd, public_base_url())
    return data, 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="ma-qr-{rnd.quiz.short_code}.pdf"',
    }
