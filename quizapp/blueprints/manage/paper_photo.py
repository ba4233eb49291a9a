"""“Chụp phiếu trả lời”: read a photographed answer sheet, show it, save only after confirmation."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.routes import bp
from quizapp.services import paper_entry, paper_photo, paper_tests
from quizapp.services.exceptions import InvalidInput

NO_FILE = "Chưa chọn ảnh phiếu trả lời."


def _render(rnd, cell, *, photo=None, person=None, variant="", token="", answers="", short_texts=(),
            short_count=0, result=None, locked=None, status=200):
    return render_template("manage/papers/photo.html", rnd=rnd, cell=cell, photo=photo, person=person,
                           variant=variant, token=token, answers=answers, result=result, locked=locked,
                           short_texts=list(short_texts) + [""] * (short_count - len(short_texts)),
                           max_mb=paper_photo.MAX_PHOTO_BYTES // (1024 * 1024)), status


@bp.route("/rounds/<int:round_id>/paper/<int:org_id>/photo", methods=["GET", "POST"])
@permissions.manager_required
def paper_photo_page(round_id: int, org_id: int):
    """Upload a photo of one sheet (read, nothing saved), then confirm the corrected answers (saved)."""
    user = current_user._get_current_object()
    rnd = permissions.get_round_or_404(round_id, user)
    cell = paper_tests.paper_cell(rnd, org_id, user)
    paper = paper_tests.get_paper_test(rnd.quiz)
    if paper is None:
        flash("Chưa rút đề giấy cho đợt này: hãy bấm “Rút đề giấy” trước khi in hoặc nhập bài.", "error")
        return redirect(url_for("manage.paper_home", round_id=rnd.id))
    secret = current_app.config["SECRET_KEY"]
    # While the secretary still sits this quiz, a sheet's score would tell her its keys: nothing is
    # read or saved (permissions.paper_lock); what she corrected stays in the form.
    lock = permissions.paper_lock(rnd.quiz, user)
    locked = permissions.paper_locked_message(lock) if lock is not None else None
    if request.method == "GET":
        return _render(rnd, cell, locked=locked)
    if request.form.get("action") == "confirm":
        token = request.form.get("token", "")[:100]
        person, variant = paper_photo.sheet_owner(rnd, cell, paper, token, secret)
        answers = request.form.get("answers", "")[:2000]
        short_texts = [request.form.get(f"s-{k}", "")[:2000] for k in range(50) if f"s-{k}" in request.form]
        if lock is not None:
            return _render(rnd, cell, person=person, variant=variant, token=token, answers=answers,
                           short_texts=short_texts, locked=locked, status=403)
        row = paper_entry.EntryRow(person_id=person.id, variant=variant, answers=answers, short_texts=short_texts)
        result = paper_entry.save_rows(rnd, cell, paper, [row], user)[0]
        if result.saved:
            flash(f"Đã lưu bài giấy của {person.full_name}"
                  + (f": {result.score:g} điểm." if result.score is not None else "."), "success")
            return redirect(url_for("manage.paper_photo_page", round_id=rnd.id, org_id=cell.id))
        if not result.errors and not result.refused:
            flash("Chưa có câu trả lời nào để lưu.", "error")
        return _render(rnd, cell, person=person, variant=variant, token=token, answers=answers,
                       short_texts=short_texts, result=result, status=422)
    if lock is not None:
        return _render(rnd, cell, locked=locked, status=403)
    upload = request.files.get("photo")
    data = upload.read(paper_photo.MAX_PHOTO_BYTES + 1) if upload else b""
    if not data:
        flash(NO_FILE, "error")
        return _render(rnd, cell, status=422)
    try:
        photo = paper_photo.read_photo(rnd, cell, paper, data, secret)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _render(rnd, cell, status=422)
    return _render(rnd, cell, photo=photo, person=photo.person, variant=photo.variant, token=photo.token,
                   answers=photo.answers, short_count=photo.short_count)
