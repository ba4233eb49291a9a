"""Config declared once: every setting the code reads is declared in quizapp/config.py with a
comment, and every declared setting is read (by our code or by Flask and its extensions)."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import flask
import flask_babel
import pytest

from quizapp import clock, create_app
from quizapp.config import Config, ConfigError, DevelopmentConfig, ProductionConfig, TestingConfig

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "quizapp"
CONFIG_PY = PACKAGE / "config.py"

# Read by Flask itself (checked against Flask's own defaults below) or by an extension.
FRAMEWORK_KEYS = {
    # Flask
    "SECRET_KEY", "TESTING", "SERVER_NAME", "MAX_CONTENT_LENGTH", "PERMANENT_SESSION_LIFETIME",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE", "SESSION_REFRESH_EACH_REQUEST",
}
EXTENSION_KEYS = {
    "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SQLALCHEMY_TRACK_MODIFICATIONS",  # Flask-SQLAlchemy
    "REMEMBER_COOKIE_DURATION",  # Flask-Login
    "WTF_CSRF_TIME_LIMIT",  # Flask-WTF
    "BABEL_DEFAULT_LOCALE",  # Flask-Babel
}

_PY_READS = [
    re.compile(r"""(?:config|cfg)\s*\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
    re.compile(r"""(?:config|cfg)\.get\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""(?:_setting|_config)\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\b(?:Config|cls)\.([A-Z][A-Z0-9_]*)\b"""),
]
_TEMPLATE_READ = re.compile(r"""\bconfig(?:\.([A-Z][A-Z0-9_]*)|(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]*)["'])""")
_ASSIGNMENT = re.compile(r"^    ([A-Z][A-Z0-9_]*)\s*(?::[^=]*)?=")


def read_keys() -> dict[str, set[str]]:
    """Key -> files that read it, over the package's code (config.py's own classes count through
    `cls.`/`Config.` only), templates and wsgi.py."""
    found: dict[str, set[str]] = {}
    files = [*PACKAGE.rglob("*.py"), ROOT / "wsgi.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        patterns = _PY_READS[3:] if path == CONFIG_PY else _PY_READS
        for pattern in patterns:
            for key in pattern.findall(text):
                found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    for path in (PACKAGE / "templates").rglob("*.html"):
        for match in _TEMPLATE_READ.findall(path.read_text(encoding="utf-8")):
            key = match[0] or match[1]
            found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def declared_keys() -> set[str]:
    return {name for cls in (Config, DevelopmentConfig, TestingConfig, ProductionConfig)
            for name in dir(cls) if name.isupper()}


def test_the_scanner_sees_reads_of_every_form():
    """The scan must catch each way the code reads a setting, or the checks below prove nothing."""
    sample = '''x = app.config["A_KEY"]; y = current_app.config.get('B_KEY'); z = cfg["C_KEY"]'''
    assert sorted(k for p in _PY_READS for k in p.findall(sample)) == ["A_KEY", "B_KEY", "C_KEY"]
    assert _TEMPLATE_READ.findall("{{ config.IMPORT_MAX_ROWS }}") == [("IMPORT_MAX_ROWS", "")]
    assert _TEMPLATE_READ.findall("{{ config.get('X_KEY', 1) }}") == [("", "X_KEY")]
    reads = read_keys()
    assert "quizapp/database.py" in reads["SQLITE_BUSY_TIMEOUT_MS"]
    assert "quizapp/templates/manage/people/import.html" in reads["IMPORT_MAX_ROWS"]


def test_every_read_setting_is_declared():
    """A key the code reads but config.py does not declare would silently take an ad hoc default."""
    undeclared = {key: sorted(files) for key, files in read_keys().items()
                  if key not in declared_keys()}
    assert undeclared == {}


def test_every_declared_setting_is_read():
    """A declared key nobody reads is a setting that does nothing (e.g. a font family no PDF uses)."""
    assert FRAMEWORK_KEYS <= set(flask.Flask.default_config)
    unread = declared_keys() - set(read_keys()) - FRAMEWORK_KEYS - EXTENSION_KEYS
    assert unread == set()


def test_every_declared_setting_has_a_comment():
    """Each declaration sits in a group of lines that carries a comment (what it is, why that default)."""
    lines = CONFIG_PY.read_text(encoding="utf-8").splitlines()
    missing = []
    for number, line in enumerate(lines):
        match = _ASSIGNMENT.match(line)
        if not match:
            continue
        start = number
        while start > 0 and lines[start - 1].strip() and not lines[start - 1].lstrip().startswith(('"""', "class ")):
            start -= 1
        end = number
        while end + 1 < len(lines) and lines[end + 1].strip():
            end += 1
        group = lines[start:end + 1]
        if not any("#" in g for g in group) and not lines[start - 1].lstrip().startswith('"""'):
            missing.append(match.group(1))
    assert missing == []


def test_the_timezone_is_one_setting():
    """TIMEZONE (default Asia/Ho_Chi_Minh) drives the clock and Flask-Babel; no other module names a zone."""
    assert Config.TIMEZONE == "Asia/Ho_Chi_Minh"
    named = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
             if "Asia/" in p.read_text(encoding="utf-8") and p != CONFIG_PY]
    assert named == []
    try:
        app = create_app(TestingConfig, TIMEZONE="Asia/Tokyo")
        assert clock.local_zone().key == "Asia/Tokyo"
        with app.test_request_context():
            assert str(flask_babel.get_timezone()) == "Asia/Tokyo"
        assert clock.to_local(datetime(2026, 3, 2, 1, 0)).hour == 10
    finally:
        create_app(TestingConfig)
    assert clock.local_zone().key == "Asia/Ho_Chi_Minh"
    assert clock.to_local(datetime(2026, 3, 2, 1, 0)).hour == 8


@pytest.mark.parametrize("change, name", [
    ({"TIMEZONE": "Asia/Hanoi_City"}, "TIMEZONE"), ({"TIMEZONE": ""}, "TIMEZONE"),
    ({"SQLITE_SYNCHRONOUS": "SOMETIMES"}, "SQLITE_SYNCHRONOUS"),
])
def test_bad_zone_or_sqlite_setting_refuses_to_start(change, name):
    """A mistyped zone or SQLite level stops the start with one line naming the variable."""
    with pytest.raises(ConfigError) as caught:
        create_app(TestingConfig, **change)
    assert caught.value.name == name
    assert clock.local_zone().key == "Asia/Ho_Chi_Minh"
