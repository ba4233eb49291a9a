"""Migration: do today's status and exemption flags move into dated periods?"""
from __future__ import annotations

from datetime import date, datetime

from flask_migrate import upgrade
from sqlalchemy import text

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db

NOW = datetime(2026, 1, 1, 8, 0)


def test_flags_move_into_open_periods(empty_database_url):
    """Does upgrading turn each person's flags into open periods from their first membership (or 1945)?"""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="a3a66b4f988d")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO org (id, path, code, name, kind, has_seal, active, created_at, updated_at) "
                "VALUES (1, '/1/', 'CB-A', 'Chi bộ A', 'chi_bo', false, true, :now, :now)"), {"now": NOW})
            people = [(1, "DV1", "du_bi", False, None), (2, "DV2", "chinh_thuc", True, "Tuổi cao"),
                      (3, "DV3", "ngoai_dang", False, None)]
            for pid, code, status, exempt, reason in people:
                conn.execute(text(
                    "INSERT INTO person (id, member_code, full_name, name_key, party_status, exempt, exempt_reason, "
                    "state, must_change_password, created_at, updated_at) VALUES (:id, :code, :code, :key, :status, "
                    ":exempt, :reason, 'active', true, :now, :now)"),
                    {"id": pid, "code": code, "key": b"k", "status": status, "exempt": exempt, "reason": reason,
                     "now": NOW})
            for pid, start in [(1, date(2019, 5, 1)), (1, date(2021, 3, 1)), (2, date(2018, 7, 2))]:
                conn.execute(text("INSERT INTO membership (person_id, org_id, start_date) VALUES (:p, 1, :s)"),
                             {"p": pid, "s": start})
        upgrade(revision="5d2c8e41a7f3")
        with db.engine.connect() as conn:
            statuses = conn.execute(text(
                "SELECT person_id, party_status, start_date, end_date FROM party_status_period ORDER BY person_id")).all()
            exemptions = conn.execute(text(
                "SELECT person_id, reason, start_date, end_date FROM exemption ORDER BY person_id")).all()
        db.engine.dispose()

    def d(value):
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

    assert [(p, s, d(start), end) for p, s, start, end in statuses] == [
        (1, "du_bi", date(2019, 5, 1), None), (2, "chinh_thuc", date(2018, 7, 2), None),
        (3, "ngoai_dang", date(1945, 1, 1), None)]
    assert [(p, r, d(start), end) for p, r, start, end in exemptions] == [(2, "Tuổi cao", date(2018, 7, 2), None)]
