"""Home page: members see their quizzes, managers their dashboard."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp import permissions
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
    """The short link under a round's QR code: the quiz's start page (via login if needed)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("main.short_link", code=code)))
    from quizapp.services.rounds import quiz_by_short_code

    quiz = quiz_by_short_code(code[:16])
    return redirect(nav_url("take.start", quiz_id=quiz.id) or url_for("main.home"))


@bp.route("/healthz")
def healthz():
    """Liveness probe."""
    return {"status": "ok"}


@bp.route("/hello")
def hello():
    """Baseline route for benchmarks: the cost of the stack with no database work."""
    return "ok"


@bp.route("/csrf-token")
def csrf_token():
    """A CSRF token for JSON clients (sent back in the X-CSRFToken header)."""
    from flask_wtf.csrf import generate_csrf

    return {"csrf_token": generate_csrf()}


@bp.route("/verify/<code>")
def verify(code: str):
    """Public: confirm an issued sheet or roll-up by the code printed on it (its figures as issued)."""
    from quizapp.models import CLASSIFICATIONS
    from quizapp.services.reporting.numbering import find_by_code

    report = find_by_code(code)
    snap = report.figures or {}
    return render_template("reports/verify.html", report=report, s=snap, f=snap.get("figures"),
                           labels=CLASSIFICATIONS)
