"""Metrics under gunicorn: do counters of several worker processes add up in one scrape?"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-0123456789"
WORKER = """
import sys
from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1], METRICS_TOKEN=sys.argv[2])
c = app.test_client()
if sys.argv[3] == "scrape":
    with app.app_context():
        db.create_all()
    sys.stdout.write(c.get("/metrics", headers={"Authorization": "Bearer " + sys.argv[2]}).get_data(as_text=True))
else:
    for _ in range(int(sys.argv[3])):
        c.get("/auth/login")
"""


def _run(tmp_path, *args) -> str:
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    done = subprocess.run([sys.executable, "-c", WORKER, f"sqlite:///{tmp_path / 'm.sqlite3'}", TOKEN, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counters_of_all_worker_processes_are_summed(tmp_path):
    """Two 'workers' answer 2 and 3 logins pages; does a scrape from a third process report 5?"""
    (tmp_path / "prom").mkdir()
    _run(tmp_path, "2")
    _run(tmp_path, "3")
    text = _run(tmp_path, "scrape")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    total = sum(s.value for s in families["quizapp_http_requests"].samples
                if s.name == "quizapp_http_requests_total" and s.labels.get("endpoint") == "auth.login")
    assert total == 5
    assert any(s.labels.get("endpoint") == "auth.login" and s.name.endswith("_count") and s.value == 5
               for s in families["quizapp_http_request_duration_seconds"].samples)
    assert families["quizapp_open_attempts"].samples[0].value == 0
