"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
import os

from quizapp import create_app
from quizapp.config import DevelopmentConfig, ProductionConfig

app = create_app(ProductionConfig if os.environ.get("QUIZAPP_ENV") == "production" else DevelopmentConfig)
