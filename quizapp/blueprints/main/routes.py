"""Home page: members see their quizzes, managers their dashboard."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quizapp import permissions
from quizapp.vn import format_number
from quizapp.web import nav_url

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Send people to their home, or to login."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


@bp.route("/home")
@login_required
def home():
    """A manager's dashboard links; a member's open quizzes."""
    member_home = nav_url("take.index")
    if not permissions.is_manager() and member_home:
        return redirect(member_home)
    return render_template("main/home.html", orgs=permissions.managed_orgs() if permissions.is_manager() else [])


@bp.route("/q/<code>")
def short_link(code: str):
    """The short link under a round's QR code: the quiz's start page (via login if needed)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("main.short_link", code=code)))
    from quizapp.services.rounds import quiz_by_short_code

    quiz = quiz_by_short_code(code[:16])
    return redirect(nav_url("take.start", quiz_id=quiz.id) or url_for("main.home"))


@bp.route("/hello")
def hello():
    """Baseline route for benchmarks: the cost of the stack with no database work."""
    return "ok"


@bp.route("/csrf-token")
def csrf_token():
    """A CSRF token for JSON clients (sent back in the X-CSRFToken header)."""
    from flask_wtf.csrf import generate_csrf

    return {"csrf_token": generate_csrf()}


@bp.route("/verify/<code>", methods=["GET", "POST"])
def verify(code: str):
    """Public: confirm an issued document by its printed code (figures as issued, SHA-256, superseded or
    not); POST a PDF to learn whether it is byte-for-byte the issued file."""
    from flask import current_app, request

    from quizapp.blueprints.reports.forms import VerifyUploadForm
    from quizapp.models import CLASSIFICATIONS
    from quizapp.services.reporting import documents
    from quizapp.services.reporting.numbering import find_by_code

    report = find_by_code(code)
    snap = report.figures or {}
    form = VerifyUploadForm()
    result, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            limit = int(current_app.config.get("VERIFY_UPLOAD_MAX_BYTES", 4 * 1024 * 1024))
            data = form.file.data.stream.read(limit + 1)
            if len(data) > limit:
                form.file.errors = [_("Tệp quá lớn (tối đa %(mb)s MB); văn bản do hệ thống cấp nhỏ hơn nhiều.",
                                      mb=format_number(limit / 1024 / 1024, 1))]
                status = 413
            else:
                digest = documents.sha256_hex(data)
                match = documents.matches_upload(report, data)
                result = {"match": match, "sha256": digest, "size": len(data),
                          "other": None if match else documents.find_by_sha256(digest)}
        else:
            status = 422
    return render_template("reports/verify.html", report=report, s=snap, f=snap.get("figures"),
                           labels=CLASSIFICATIONS, form=form, result=result), status
