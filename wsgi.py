"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
import os

from quizapp import create_app
from quizapp.config import ConfigError, DevelopmentConfig, ProductionConfig

try:
    app = create_app(ProductionConfig if os.environ.get("QUIZAPP_ENV") == "production" else DevelopmentConfig)
except ConfigError as exc:
    # One clear line naming the variable, not a traceback; the exit status is 1.
    raise SystemExit(str(exc)) from None
