"""Production settings: does the app refuse to start without what production needs?"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp import create_app
from quizapp.config import ConfigError, ProductionConfig, TestingConfig

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"SECRET_KEY": "k" * 64, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SITE_URL": "https://hoctap.example.vn"}


def _start_wsgi(tmp_path, **env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "SITE_URL", "METRICS_TOKEN", "LOG_FORMAT", "LOG_LEVEL")}
    env.update(QUIZAPP_ENV="production", QUIZAPP_INSTANCE=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}", SITE_URL="https://hoctap.example.vn")
    env.update(env_changes)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_start_without_secret_key_fails_with_one_line(tmp_path):
    """Does `QUIZAPP_ENV=production` without SECRET_KEY exit 1 with one line naming SECRET_KEY, writing no key?"""
    done = _start_wsgi(tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [str(ConfigError("SECRET_KEY"))], done.stderr
    assert "SECRET_KEY" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_starts_with_the_required_settings(tmp_path):
    """With SECRET_KEY, DATABASE_URL and SITE_URL set, does the same start succeed?"""
    done = _start_wsgi(tmp_path, SECRET_KEY="s" * 64)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("missing, variable", [
    ("SECRET_KEY", "SECRET_KEY"), ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"), ("SITE_URL", "SITE_URL"),
])
def test_each_required_setting_is_named_when_missing(missing, variable):
    """Is each of SECRET_KEY, DATABASE_URL and SITE_URL required in production, and named?"""
    with pytest.raises(ConfigError) as caught:
        create_app(ProductionConfig, **{**GOOD, missing: ""})
    assert caught.value.name == variable
    assert f"biến môi trường {variable} chưa được đặt" in str(caught.value)


def test_short_secrets_and_bad_log_settings_are_refused():
    """A short SECRET_KEY or METRICS_TOKEN, an unknown LOG_FORMAT or LOG_LEVEL: refused, by name?"""
    cases = [({"SECRET_KEY": "short"}, "SECRET_KEY"), ({"METRICS_TOKEN": "abc"}, "METRICS_TOKEN"),
             ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"), ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL")]
    for change, name in cases:
        with pytest.raises(ConfigError) as caught:
            create_app(ProductionConfig, **{**GOOD, **change})
        assert caught.value.name == name


def test_production_defaults():
    """Production: secure cookies and JSON logs by default; development and tests: text logs."""
    app = create_app(ProductionConfig, **GOOD)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LOG_FORMAT"] == "json"
    assert create_app(TestingConfig).config["LOG_FORMAT"] == "text"
