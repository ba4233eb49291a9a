"""Every setting the application reads, declared once with its default and why.

Values come from the environment; policy defaults are documented here. Code reads a setting as
`app.config["NAME"]` (a template as `config.NAME`), never with a default of its own; code that may
run without an application falls back to the class attribute of `Config`. tests/ops/test_config_keys.py fails on a
key read but not declared here, or declared and never read.
"""
from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("QUIZAPP_INSTANCE", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Policy defaults read by services/rules.py also outside an application (the ledger checker).
# Grade cut-offs on the 10-point score; each quiz may override them [guess: domain.md].
DEFAULT_CUTOFFS = {"gioi": 8.0, "kha": 6.5, "trung_binh": 5.0}
# Roll-up commendations: a member scoring at least this, and a unit with every required member
# taking part and a mean at least this [guess: common practice of the committees].
DEFAULT_OUTSTANDING_SCORE = 9.0
DEFAULT_OUTSTANDING_UNIT_MEAN = 8.0


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message is one line naming the variable."""

    def __init__(self, name: str, problem: str = "chưa được đặt"):
        self.name = name
        super().__init__(f"Không khởi động được: biến môi trường {name} {problem} (xem docs/deploy.md).")


def _env_mapping(name: str) -> dict:
    """'A=x, B=y' from the environment as {"A": "x", "B": "y"} (keys upper-cased)."""
    out = {}
    for part in os.environ.get(name, "").replace(";", ",").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            out[key.strip().upper()] = value.strip()
    return out


class Config:
    """Defaults for running on a laptop: SQLite in WAL mode under instance/."""

    # Without SECRET_KEY a key is generated once into instance/secret_key (one host only).
    GENERATE_SECRET_KEY = True
    # Only under TESTING: an unexpected exception is raised into the test (a clear traceback)
    # instead of the 500 page; tests of the 500 page itself set it to False.
    PROPAGATE_TEST_ERRORS = True

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'quizapp.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # PostgreSQL only (quizapp/database.py engine_options, docs/deploy.md "Connections"): per
    # process, DB_POOL_SIZE connections kept open (at least gunicorn's threads, 4, plus the odd
    # CLI/sweep use), DB_MAX_OVERFLOW more for a moment, DB_POOL_TIMEOUT s to wait for one;
    # psycopg 3 prepares a statement after DB_PREPARE_THRESHOLD runs on a connection ("none":
    # never, for a pgbouncer in transaction mode older than 1.21).
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", 10))
    DB_MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", 5))
    DB_POOL_TIMEOUT = float(os.environ.get("DB_POOL_TIMEOUT", 10))
    DB_PREPARE_THRESHOLD = (None if os.environ.get("DB_PREPARE_THRESHOLD", "2").lower() == "none"
                            else int(os.environ.get("DB_PREPARE_THRESHOLD", "2")))
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # SQLite only (quizapp/database.py): how long a writer waits for the lock before "database is
    # locked", and the WAL durability level (NORMAL: a power cut may lose the last commits, never
    # corrupt the file).
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", 15000))
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").upper()
    # SQLite only: the app's writer gate (quizapp/database.py) — write transactions wait in line in
    # the app and are handed over at commit, instead of polling in SQLite's busy handler; its
    # timeout in ms (0: SQLITE_BUSY_TIMEOUT_MS). SQLITE_WRITER_GATE=0 turns it off.
    SQLITE_WRITER_GATE = os.environ.get("SQLITE_WRITER_GATE", "1").lower() not in ("0", "false", "no", "off")
    SQLITE_WRITER_GATE_TIMEOUT_MS = int(os.environ.get("SQLITE_WRITER_GATE_TIMEOUT_MS", 0))

    # Sessions: members log in before the study session and keep the session through the quiz.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # The cookie is signed once at login, not re-signed on every save during a quiz.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = 0

    WTF_CSRF_TIME_LIMIT = None  # a form left open through a long quiz must still post
    # Where the API's clients send the CSRF token (Flask-WTF's own default); read before the form
    # for a request that is not a form (extensions.HeaderFirstCSRF).
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]

    # Interface languages: Vietnamese first (the msgids), English from the catalog; the footer
    # switch and the account's saved locale only accept these.
    BABEL_DEFAULT_LOCALE = "vi"
    LANGUAGES = ("vi", "en")
    # The one local time zone: dates typed in forms, printed on pages and PDFs, "today" for dated
    # history. Read once by create_app, which hands it to quizapp.clock and Flask-Babel.
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh")

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
    # A previewed roster file waits here for "Xác nhận nhập" (files, not worker memory: the
    # confirmation may reach another worker); abandoned previews are removed after an hour.
    ROSTER_STAGING_DIR = os.environ.get("ROSTER_STAGING_DIR", str(INSTANCE_DIR / "roster_uploads"))

    # Public address printed on login slips, QR codes, short links and PDFs. Unset: the address
    # each request came in on (behind a proxy: X-Forwarded-Host/-Proto, only with PROXY_COUNT>0).
    SITE_URL = os.environ.get("SITE_URL", "")

    # Quiz policy defaults [guess: domain.md] — each round/quiz may override.
    DEFAULT_THRESHOLD_PERCENT = 98
    DEFAULT_CUTOFFS = dict(DEFAULT_CUTOFFS)
    # Roll-up commendations (services/rules.outstanding_thresholds).
    REPORT_OUTSTANDING_SCORE = float(os.environ.get("REPORT_OUTSTANDING_SCORE", DEFAULT_OUTSTANDING_SCORE))
    REPORT_OUTSTANDING_UNIT_MEAN = float(os.environ.get("REPORT_OUTSTANDING_UNIT_MEAN",
                                                        DEFAULT_OUTSTANDING_UNIT_MEAN))
    SAVE_GRACE_SECONDS = int(os.environ.get("SAVE_GRACE_SECONDS", 60))
    # How often the live participation board refreshes itself in the secretary's browser.
    BOARD_REFRESH_SECONDS = int(os.environ.get("BOARD_REFRESH_SECONDS", 10))

    # Party-format PDF settings (mm): top, bottom, left, right [guess: 20/20/30/15].
    PDF_MARGINS_MM = (20, 20, 30, 15)
    # Static instances of the bundled variable fonts are cut once and kept here.
    FONT_CACHE_DIR = os.environ.get("FONT_CACHE_DIR", str(INSTANCE_DIR / "fonts"))

    # Operations (docs/deploy.md): logs, metrics, purge of expired rows, backups.
    # One log line per request and per domain event; json for log collectors, text for a terminal.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
    # /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`; unset, it is a 404 and
    # nothing is counted (no cost per request).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    # A login session stops working this long after it was opened, however often its cookie was
    # renewed; the sweep deletes such sessions, and revoked ones, in batches.
    AUTH_SESSION_MAX_AGE_SECONDS = int(os.environ.get("AUTH_SESSION_MAX_AGE_SECONDS", 7 * 24 * 3600))
    PURGE_BATCH_SIZE = int(os.environ.get("PURGE_BATCH_SIZE", 500))
    PURGE_EVERY_SECONDS = int(os.environ.get("PURGE_EVERY_SECONDS", 300))
    # `flask backup create` writes here when no path is given; PG_BIN_DIR finds pg_dump/pg_restore
    # when they are not on PATH (else /usr/lib/postgresql/<newest>/bin).
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups"))
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")

    # Settings production cannot run without (ProductionConfig.validate); see docs/deploy.md.
    REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "SITE_URL")


    # Issued documents. Digital signature (PAdES) for organizations holding a certificate:
    # org code -> PKCS#12 path ("CB01=/etc/quizapp/cb01.p12", optionally "path|PASSWORD_VARIABLE");
    # the password is read from the environment variable named here. None configured: unsigned.
    REPORT_SIGNING_CERTS = _env_mapping("REPORT_SIGNING_CERTS")
    REPORT_SIGNING_PASSWORD_ENV = os.environ.get("REPORT_SIGNING_PASSWORD_ENV", "REPORT_SIGNING_PASSWORD")
    # A PDF uploaded to /verify to compare with the issued file: refused above this size.
    VERIFY_UPLOAD_MAX_BYTES = int(os.environ.get("VERIFY_UPLOAD_MAX_BYTES", 4 * 1024 * 1024))

    @classmethod
    def validate(cls, config: dict) -> None:
        """Refuse to start with settings that would be unsafe or meaningless."""
        if not config.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY")
        if config.get("LOG_FORMAT") not in ("json", "text"):
            raise ConfigError("LOG_FORMAT", "phải là json hoặc text")
        if config.get("LOG_LEVEL") not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError("LOG_LEVEL", "phải là DEBUG, INFO, WARNING, ERROR hoặc CRITICAL")
        if config.get("SQLITE_SYNCHRONOUS") not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ConfigError("SQLITE_SYNCHRONOUS", "phải là OFF, NORMAL, FULL hoặc EXTRA")
        try:
            ZoneInfo(str(config.get("TIMEZONE") or ""))
        except (ValueError, ZoneInfoNotFoundError):
            raise ConfigError("TIMEZONE", "không phải tên múi giờ (ví dụ Asia/Ho_Chi_Minh)") from None


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
    LOG_LEVEL = "WARNING"  # request lines stay out of test output; tests that read them lower it


class ProductionConfig(Config):
    """gunicorn behind a proxy: secure cookies; SECRET_KEY, DATABASE_URL and SITE_URL required.

    No secret key is generated into instance/: every host must sign cookies with the same key,
    and no database is guessed: an unset DATABASE_URL would quietly write under the code tree.
    """

    # Cookies only over HTTPS; the key, database and public address must be given (validate).
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    GENERATE_SECRET_KEY = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    SITE_URL = os.environ.get("SITE_URL", "")
    # Log collectors read JSON lines.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").lower()

    @classmethod
    def validate(cls, config: dict) -> None:
        """Every required setting present, the secret key long enough, the metrics token too."""
        for name in cls.REQUIRED_IN_PRODUCTION:
            key = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
            if not str(config.get(key) or "").strip():
                raise ConfigError(name)
        if len(config["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY", "quá ngắn (cần ít nhất 32 ký tự ngẫu nhiên)")
        if config.get("METRICS_TOKEN") and len(config["METRICS_TOKEN"]) < 16:
            raise ConfigError("METRICS_TOKEN", "quá ngắn (cần ít nhất 16 ký tự ngẫu nhiên)")
        super().validate(config)
