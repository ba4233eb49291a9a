"""Blueprint registration: HTTP only; each blueprint calls services."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint at its URL prefix."""
    from quizapp.blueprints.api.routes import bp as api_bp
    from quizapp.blueprints.auth.routes import bp as auth_bp
    from quizapp.blueprints.main.routes import bp as main_bp
    from quizapp.blueprints.manage.routes import bp as manage_bp
    from quizapp.blueprints.ops.routes import bp as ops_bp
    from quizapp.blueprints.reports.routes import bp as reports_bp
    from quizapp.blueprints.take.routes import bp as take_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(manage_bp, url_prefix="/manage")
    app.register_blueprint(take_bp, url_prefix="/take")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(ops_bp)
