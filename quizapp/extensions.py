"""Flask extensions, created unbound; create_app() binds them.

Login throttling is not a request limiter here: failed logins are counted per account and per
address in the database (services/accounts.py), so every worker and host sees the same counts.
"""
from flask import current_app, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class Base(DeclarativeBase):
    """Declarative base for every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()


class HeaderFirstCSRF(CSRFProtect):
    """Flask-WTF's CSRF protection, which looks for the token in the form before the headers; a
    request that is not a form (the API's JSON, with X-CSRFToken) has its headers read first, so
    its body is not parsed as a form for nothing. A form is read exactly as Flask-WTF reads it."""

    def _get_csrf_token(self):
        if request.mimetype not in FORM_TYPES:
            for header_name in current_app.config["WTF_CSRF_HEADERS"]:
                token = request.headers.get(header_name)
                if token:
                    return token
        return super()._get_csrf_token()


csrf = HeaderFirstCSRF()
babel = Babel()
