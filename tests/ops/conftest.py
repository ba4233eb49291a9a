"""Fixtures for the operations tests: logging restored after each test (scratch databases:
`empty_database_url` in tests/conftest.py)."""
from __future__ import annotations

import logging

import pytest

from quizapp.ops import logs


@pytest.fixture(autouse=True)
def _restore_logging():
    """Apps built here reconfigure the shared `quizapp` logger; put the test settings back."""
    logs.configure("WARNING", "text")  # re-enables loggers an earlier in-process migration disabled
    yield
    logs.configure("WARNING", "text")
    logging.getLogger("quizapp").setLevel(logging.WARNING)
