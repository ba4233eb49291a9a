"""Log in, log out, change password, choose language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.blueprints.auth.forms import ChangePasswordForm, LoginForm
from quizapp.services import accounts
from quizapp.services.exceptions import InvalidInput, RateLimited

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None  # browsers treat a backslash as a slash, so "/<backslash>host" would mean "//host"
    return target


def _quiz_title_from_next(target: str | None) -> str | None:
    """The quiz a short link (QR) sent the visitor for, named on the login page; only its title."""
    path = urlsplit(_safe_next(target) or "").path
    prefix = url_for("main.short_link", code="x")[:-1]
    if not path.startswith(prefix) or "/" in path[len(prefix):]:
        return None
    from quizapp.services.attempt_view import quiz_title_for_code

    return quiz_title_for_code(path[len(prefix):])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; a fresh server-side session on success."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            person = accounts.authenticate(form.member_code.data, form.password.data, request.remote_addr or "")
        except (InvalidInput, RateLimited) as exc:
            flash(exc.message, "error")
            if isinstance(exc, RateLimited):
                status, headers = exc.status, {"Retry-After": str((exc.details or {}).get("retry_after", 1))}
        else:
            lang = session.get("lang")
            session.clear()  # no pre-login session data survives (fixation)
            if lang:
                session["lang"] = lang
            accounts.open_session(person, request.user_agent.string)
            login_user(person)
            session.permanent = True
            if person.must_change_password:
                flash(_("Đây là lần đăng nhập đầu tiên bằng mật khẩu được cấp. Bạn nên đổi mật khẩu ngay."), "info")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return (render_template("auth/login.html", form=form, quiz_title=_quiz_title_from_next(request.args.get("next"))),
            status, headers)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session on the server, then clear the cookie."""
    accounts.close_session(current_user)
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every session ends and this one restarts."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data, form.confirm.data,
                                     request.remote_addr or "")
        except (InvalidInput, RateLimited) as exc:
            flash(exc.message, "error")
        else:
            person = current_user._get_current_object()
            logout_user()
            session.clear()
            accounts.open_session(person, request.user_agent.string)
            login_user(person)
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Switch between Vietnamese and English for this browser."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))
