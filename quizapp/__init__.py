"""Application factory: configuration, extensions, blueprints. No I/O happens here."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, session

from quizapp.config import INSTANCE_DIR, Config, DevelopmentConfig
from quizapp.extensions import babel, csrf, db, login_manager, migrate
from quizapp.jsonio import OrjsonProvider


def _secret_key(app: Flask) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    return key


def normalize_db_url(url: str) -> str:
    """postgres:// and postgresql:// mean PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def select_locale() -> str:
    """Vietnamese unless the person chose another language (this browser's session, else their account)."""
    from flask import current_app
    from flask_login import current_user

    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config_class: type[Config] = DevelopmentConfig, **overrides) -> Flask:
    """Build the Flask application for the given configuration class."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.json = OrjsonProvider(app)
    app.config.from_object(config_class)
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY") and app.config["GENERATE_SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app)
    config_class.validate(app.config)
    from quizapp import clock

    zone = clock.use_timezone(app.config["TIMEZONE"])

    from quizapp.database import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone=zone.key)

    from quizapp.database import configure_engine

    with app.app_context():
        configure_engine(db.engine, app.config)

    from quizapp import auth_loader, errors, ops, web
    from quizapp.blueprints import register_blueprints
    from quizapp.cli import register_cli

    auth_loader.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    ops.init_app(app)
    register_blueprints(app)
    register_cli(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client address, scheme and host from their headers.

    With the default 0 the headers are ignored: anyone can send X-Forwarded-For, and trusting it
    would let a guesser pick a fresh address for every try.
    """
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
