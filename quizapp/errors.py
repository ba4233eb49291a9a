"""Error pages: HTML or JSON by what the client accepts; domain exceptions -> HTTP status."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from quizapp.extensions import db
from quizapp.services.exceptions import DomainError

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Vui lòng đăng nhập để tiếp tục.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc dữ liệu được yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    409: "Dữ liệu đã thay đổi, vui lòng tải lại trang.",
    410: "Đã hết thời gian cho thao tác này.",
    413: "Tệp tải lên quá lớn.",
    422: "Dữ liệu không hợp lệ.",
    429: "Bạn thao tác quá nhiều lần, vui lòng thử lại sau ít phút.",
    500: "Đã có lỗi xảy ra. Dữ liệu của bạn không bị mất; vui lòng thử lại.",
}


def wants_json() -> bool:
    """True for API paths and clients that prefer JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str, details=None):
    """Render one error as JSON or as the HTML error page."""
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message, details=details), status


def _session_lost() -> bool:
    """A quiz save whose session is gone (cookies cleared, logged out elsewhere): not a bad form."""
    from flask_login import current_user

    return request.blueprint in ("api", "take") and not current_user.is_authenticated


def _login_again():
    """JSON clients get 401 (a quiz page keeps its queued answers); pages go to the login page."""
    from flask import flash, redirect, request, url_for

    if request.path.startswith("/api/"):
        return error_response(401, _(MESSAGES[401]))
    flash(_("Phiên đăng nhập đã hết nên câu trả lời vừa gửi chưa được lưu. Đăng nhập lại để làm tiếp."), "warning")
    return redirect(url_for("auth.login", next=request.path))


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures, domain errors and crashes."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        # Messages are Vietnamese msgids; the fixed ones have English in the catalog (a message built
        # with names or numbers has none and stays Vietnamese).
        return error_response(exc.status, _(exc.message) if exc.message else exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if _session_lost():
            return _login_again()
        return error_response(
            400, _("Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, _(MESSAGES.get(status, exc.description or "")))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(exc: Exception):
        # A number too large for the database (e.g. ?org=99999999999999999999) is bad input, not a crash.
        db.session.rollback()
        return error_response(400, _(MESSAGES[400]))

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        if app.config.get("TESTING") and app.config["PROPAGATE_TEST_ERRORS"]:
            raise exc
        return error_response(500, _(MESSAGES[500]))
