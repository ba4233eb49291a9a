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
    overviews = []
    if permissions.is_manager():
        from quizapp.services import round_overview
        from quizapp.web import public_base_url

        overviews = round_overview.open_overviews(current_user._get_current_object(), public_base_url())
    return render_template("main/home.html", orgs=permissions.managed_orgs() if permissions.is_manager() else [],
                           overviews=overviews)


@bp.route("/q/<code>")
def short_link(code: str):
    """The short link under a round's QR code: for a member the attempt in progress, the result once
    submitted, else the quiz's start page; for anyone not
    logged in (and for the link preview of Zalo or Facebook) a page with the round's title and
    deadline only, its Open Graph tags, and the login form (posting to /auth/login?next=here)."""
    from quizapp.services.rounds import quiz_by_short_code

    if not current_user.is_authenticated:
        return _short_link_landing(quiz_by_short_code(code[:16]))
    quiz = quiz_by_short_code(code[:16])
    return redirect(_member_destination(quiz.id))


def _member_destination(quiz_id: int) -> str:
    """Where the QR link takes a logged-in member: the attempt in progress; after submitting, when
    the quiz can no longer be started again, the latest result; else the quiz's start page."""
    from quizapp.services import attempt_view

    card = next((c for c in attempt_view.member_quizzes(current_user) if c["quiz"].id == quiz_id), None)
    if card and card["open_attempt"]:
        return url_for("take.attempt", attempt_id=card["open_attempt"].id)
    if card and card["state"] != "open" and card["finished"]:
        return url_for("take.result", attempt_id=card["finished"][-1].id)
    return nav_url("take.start", quiz_id=quiz_id) or url_for("main.home")


def _short_link_landing(quiz):
    from quizapp.blueprints.auth.forms import LoginForm
    from quizapp.services.round_overview import deadline_text
    from quizapp.web import public_base_url

    base = public_base_url()
    code = quiz.short_code
    return render_template(
        "main/short_link.html", title=quiz.round.title, deadline=deadline_text(quiz.closes_at),
        page_url=base + url_for("main.short_link", code=code),
        image_url=base + url_for("main.short_link_card", code=code),
        login_url=url_for("auth.login", next=url_for("main.short_link", code=code)), form=LoginForm(),
    )


@bp.route("/q/<code>/card.png")
def short_link_card(code: str):
    """The 1200×630 preview image of a shared short link (the round's title and deadline only)."""
    from quizapp.services.round_overview import deadline_text
    from quizapp.services.rounds import quiz_by_short_code
    from quizapp.services.share_card import card_png

    quiz = quiz_by_short_code(code[:16])
    data = card_png(quiz.round.title, deadline_text(quiz.closes_at))
    return data, 200, {"Content-Type": "image/png", "Cache-Control": "public, max-age=600"}


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
            limit = int(current_app.config["VERIFY_UPLOAD_MAX_BYTES"])
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
