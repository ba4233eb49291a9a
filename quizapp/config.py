"""Configuration classes. Values come from the environment; policy defaults are documented here."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("QUIZAPP_INSTANCE", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for running on a laptop: SQLite in WAL mode under instance/."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'quizapp.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Sessions: members log in before the study session and keep the session through the quiz.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # The cookie is signed once at login, not re-signed on every save during a quiz.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = 0

    WTF_CSRF_TIME_LIMIT = None  # a form left open through a long quiz must still post

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    TIMEZONE = "Asia/Ho_Chi_Minh"

    # Login throttling by progressive delay, never a lock (services/login_throttle.py); stored in
    # the database, so every worker sees the same counts.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", 3))  # per code from one address
    LOGIN_FREE_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ACCOUNT", 10))
    LOGIN_BACKOFF_BASE_SECONDS = int(os.environ.get("LOGIN_BACKOFF_BASE_SECONDS", 2))
    LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", 300))
    LOGIN_FAILURE_MEMORY_SECONDS = int(os.environ.get("LOGIN_FAILURE_MEMORY_SECONDS", 900))
    LOGIN_ADDRESS_FAILURE_BUDGET = int(os.environ.get("LOGIN_ADDRESS_FAILURE_BUDGET", 300))
    # Reverse proxies in front of the app that append X-Forwarded-For/-Proto (0: trust none).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))


    # Password hashing: argon2id at the OWASP minimum (t=2, m=19 MiB, p=1).
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024
    ARGON2_PARALLELISM = 1

    # Uploads (roster, banks): bounded before parsing.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 20000))
    XLSX_MAX_UNCOMPRESSED = int(os.environ.get("XLSX_MAX_UNCOMPRESSED", 50 * 1024 * 1024))

    # Public address printed on login slips, QR codes, short links and PDFs. Unset: the address
    # each request came in on (behind a proxy: X-Forwarded-Host/-Proto, only with PROXY_COUNT>0).
    SITE_URL = os.environ.get("SITE_URL", "")

    # Quiz policy defaults [guess: domain.md] — each round/quiz may override.
    DEFAULT_THRESHOLD_PERCENT = 98
    DEFAULT_CUTOFFS = {"gioi": 8.0, "kha": 6.5, "trung_binh": 5.0}
    SAVE_GRACE_SECONDS = int(os.environ.get("SAVE_GRACE_SECONDS", 60))
    # How often the live participation board refreshes itself in the secretary's browser.
    BOARD_REFRESH_SECONDS = int(os.environ.get("BOARD_REFRESH_SECONDS", 10))

    # Party-format PDF settings (mm): top, bottom, left, right [guess: 20/20/30/15].
    PDF_MARGINS_MM = (20, 20, 30, 15)
    PDF_FONT_FAMILY = os.environ.get("PDF_FONT_FAMILY", "NotoSerif")
    FONT_CACHE_DIR = os.environ.get("FONT_CACHE_DIR", str(INSTANCE_DIR / "fonts"))

    @classmethod
    def validate(cls, config: dict) -> None:
        """Refuse to start with settings that would be unsafe in production."""
        if not config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY is not set")


class DevelopmentConfig(Config):
    """`make run`: a laptop; the secret key is generated once into instance/."""


class TestingConfig(Config):
    """pytest: a throwaway database, CSRF kept on (tests post real tokens)."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SERVER_NAME = None


class ProductionConfig(Config):
    """gunicorn behind a proxy: secure cookies, secret key required."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
