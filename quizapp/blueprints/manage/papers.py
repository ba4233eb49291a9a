"""Paper tests of a round: draw the variants, print a cell's papers and sheets, enter paper answers."""
from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.routes import bp
from quizapp.services import paper_entry, paper_pdf, paper_tests
from quizapp.models import AttemptMode, AttemptStatus
from quizapp.services.exceptions import Conflict, InvalidInput

MAX_ROWS = 2000


def _user():
    return current_user._get_current_object()


def _round(round_id: int):
    return permissions.get_round_or_404(round_id, _user())


@bp.route("/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@permissions.manager_required
def paper_home(round_id: int):
    """The round's paper test: its variants (drawn once), and per cell the print and entry links."""
    rnd = _round(round_id)
    cells = paper_tests.paper_cells(rnd, _user())
    if not cells:
        return render_template("manage/papers/home.html", rnd=rnd, cells=[], paper=None), 200
    if request.method == "POST":
        raw = (request.form.get("variants") or "").strip()
        if not raw.isdigit():
            flash(f"Số mã đề phải là số từ 1 đến {paper_tests.MAX_VARIANTS}.", "error")
        else:
            try:
                paper_tests.ensure_paper_test(rnd.quiz, _user(), int(raw))
            except (InvalidInput, Conflict) as exc:
                flash(exc.message, "error")
            else:
                flash("Đã rút đề giấy. In lại bao nhiêu lần cũng ra đúng các đề này.", "success")
        return redirect(url_for("manage.paper_home", round_id=rnd.id))
    paper = paper_tests.get_paper_test(rnd.quiz)
    return render_template("manage/papers/home.html", rnd=rnd, cells=cells, paper=paper,
                           default_variants=paper_tests.DEFAULT_VARIANTS, max_variants=paper_tests.MAX_VARIANTS)


NOT_DRAWN = "Chưa rút đề giấy cho đợt này: hãy bấm “Rút đề giấy” trước khi in hoặc nhập bài."


def _not_drawn(rnd):
    flash(NOT_DRAWN, "error")
    return redirect(url_for("manage.paper_home", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/paper/<int:org_id>.pdf")
@permissions.manager_required
def paper_pdf_download(round_id: int, org_id: int):
    """The cell's question papers (one per variant) and every member's answer sheet."""
    rnd = _round(round_id)
    cell = paper_tests.paper_cell(rnd, org_id, _user())
    paper = paper_tests.get_paper_test(rnd.quiz)
    if paper is None:
        return _not_drawn(rnd)
    sheets = paper_tests.sheets_for(rnd, cell, paper, current_app.config["SECRET_KEY"])
    if not sheets:
        raise InvalidInput("Chi bộ này chưa có ai trong danh sách ngày học tập, không có phiếu nào để in.")
    data = paper_pdf.build_paper_pdf(rnd, cell, paper_tests.load_variants(paper), sheets)
    paper_tests.record_print(_user(), rnd, cell, len(sheets))
    return data, 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="de-giay-{rnd.quiz.short_code}-{cell.id}.pdf"',
        "Cache-Control": "private, no-store",
    }


_FIELD = re.compile(r"^(v|a|s)-(\d{1,9})(?:-(\d{1,2}))?$")


def _rows_from_form(form) -> list[paper_entry.EntryRow]:
    """Grid inputs v-<person>, a-<person>, s-<person>-<k> into rows, in the order first seen."""
    rows: dict[int, paper_entry.EntryRow] = {}
    for name in form:
        m = _FIELD.match(name)
        if not m or len(rows) > MAX_ROWS:
            continue
        pid = int(m.group(2))
        row = rows.setdefault(pid, paper_entry.EntryRow(person_id=pid))
        value = form.get(name, "")[:2000]
        if m.group(1) == "v":
            row.variant = value
        elif m.group(1) == "a":
            row.answers = value
        else:
            k = int(m.group(3))
            while len(row.short_texts) <= k and len(row.short_texts) < 50:
                row.short_texts.append("")
            if k < len(row.short_texts):
                row.short_texts[k] = value
    return list(rows.values())


@bp.route("/rounds/<int:round_id>/paper/<int:org_id>/entry", methods=["GET", "POST"])
@permissions.manager_required
def paper_entry_page(round_id: int, org_id: int):
    """Keyboard-first grid: one row per member (mã đề, answers); saves finished paper attempts."""
    rnd = _round(round_id)
    cell = paper_tests.paper_cell(rnd, org_id, _user())
    paper = paper_tests.get_paper_test(rnd.quiz)
    if paper is None:
        return _not_drawn(rnd)
    typed: dict[int, paper_entry.EntryRow] = {}
    results: dict[int, paper_entry.RowResult] = {}
    line_problems: list[str] = []
    status = 200
    # While the secretary still sits this quiz, a paper score would tell her its keys: no entry, no
    # paper scores (permissions.paper_lock). What she typed stays on the page for later.
    lock = permissions.paper_lock(rnd.quiz, _user())
    if request.method == "POST" and lock is not None:
        typed = {row.person_id: row for row in _rows_from_form(request.form)}
        status = 403
    elif request.method == "POST":
        rows = _rows_from_form(request.form)
        if request.form.get("lines", "").strip():
            extra, line_problems = paper_entry.rows_from_lines(rnd, cell, request.form["lines"])
            rows += extra
        outcome = paper_entry.save_rows(rnd, cell, paper, rows, _user())
        saved = sum(r.saved for r in outcome)
        failed = [(row, res) for row, res in zip(rows, outcome) if res.errors or res.refused]
        for row, res in zip(rows, outcome):
            results[row.person_id] = res
            if res.errors or res.refused:
                typed[row.person_id] = row  # keep what was typed, next to its message
        if saved:
            flash(f"Đã lưu bài giấy của {saved} người.", "success")
        if failed or line_problems:
            flash(f"{len(failed) + len(line_problems)} dòng chưa lưu: xem thông báo ở từng dòng.", "error")
            status = 422
        elif not saved:
            flash("Chưa có dòng nào được nhập.", "info")
        if not failed and not line_problems:
            return redirect(url_for("manage.paper_entry_page", round_id=rnd.id, org_id=cell.id))
    roster = paper_tests.cell_roster(rnd, cell)
    structure = paper_entry.variant_structure(paper)
    short_count = sum(1 for q in next(iter(structure.values()), []) if q["kind"] == "text")
    attempts = paper_entry.attempts_of(rnd.quiz.id, [s.person.id for s in roster])
    rows = []
    for s in roster:
        mine = attempts.get(s.person.id, [])
        paper_attempt = next((a for a in mine if a.mode == AttemptMode.PAPER and a.status == AttemptStatus.FINISHED), None)
        row = typed.get(s.person.id)
        rows.append({
            "status": s, "paper_attempt": paper_attempt,
            "refusal": paper_entry.SELF_ENTRY if s.person.id == _user().id else paper_entry.online_refusal(mine),
            "variant": row.variant if row else (paper_attempt.paper_variant if paper_attempt
                                                else paper_entry.printed_variant(paper, s.person.id)),
            "answers": row.answers if row else "",
            "short_texts": (row.short_texts if row else []) + [""] * short_count,
            "result": results.get(s.person.id),
        })
    return render_template("manage/papers/entry.html", rnd=rnd, cell=cell, paper=paper, rows=rows,
                           structure=structure, short_count=short_count, line_problems=line_problems,
                           lines=request.form.get("lines", "") if line_problems or lock else "",
                           locked=permissions.paper_locked_message(lock) if lock else None,
                           disabled=lock is not None and request.method == "GET"), status
