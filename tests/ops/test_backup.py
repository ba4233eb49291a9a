"""Backups: create, change, restore — do row counts and a checksum of every table come back?

Runs on the backend under test: SQLite without TEST_DATABASE_URL, PostgreSQL with it. Either
way the data lives in a scratch database made for the test, never the test session's own.
"""
from __future__ import annotations

import hashlib
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import column, create_engine, func, inspect, select, table, update

from quizapp import create_app, normalize_db_url
from quizapp.config import TestingConfig
from quizapp.extensions import db
from quizapp.models import LoginThrottle, Person
from quizapp.services import orgs
from tests.factories import make_world

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """table -> (rows, sha256 of its sorted rows), for every table including alembic_version."""
    engine = create_engine(normalize_db_url(url))
    try:
        with engine.connect() as conn:
            result = {}
            for name in sorted(inspect(conn).get_table_names()):
                columns = [column(c["name"]) for c in inspect(conn).get_columns(name)]
                rows = sorted(repr(tuple(r)) for r in conn.execute(select(table(name, *columns))))
                count = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                result[name] = (count, hashlib.sha256("\n".join(rows).encode()).hexdigest())
            return result
    finally:
        engine.dispose()


@pytest.fixture
def served(empty_database_url, tmp_path):
    """An app on the scratch database, migrated, with the two-cell world in it."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url, BACKUP_DIR=str(tmp_path / "bk"))
    with app.app_context():
        upgrade()
        make_world()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _change_data(app) -> None:
    with app.app_context():
        org = orgs.create_org("CB-MOI", "Chi bộ mới thành lập", "chi_bo", None)
        db.session.execute(update(Person).where(Person.member_code == "MEMA").values(member_code="MEMA-DOI"))
        db.session.add(LoginThrottle(key="ip:192.0.2.1", failures=3))
        db.session.commit()
        assert org.id


def invoke(app, *args):
    """Run a flask command against `app`. Its context is pushed first: the CLI runner would
    otherwise use the test session's app (already current) and its database."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def _backup_restore_cycle(served, tmp_path):
    url = served.config["SQLALCHEMY_DATABASE_URI"]
    path = tmp_path / ("sao-luu.sqlite3" if not ON_POSTGRES else "sao-luu.dump")
    with served.app_context():
        db.session.execute(select(Person.id)).all()  # a connection in use: backups run while serving
        made = invoke(served, "backup", "create", str(path))
    assert made.exit_code == 0, made.output
    assert "Đã sao lưu vào" in made.output and path.is_file()
    original = fingerprint(url)
    assert original["person"][0] == 7 and original["alembic_version"][0] == 1

    _change_data(served)
    changed = fingerprint(url)
    assert changed != original and changed["org"][0] == original["org"][0] + 1

    refused = invoke(served, "backup", "restore", str(path))
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert fingerprint(url) == changed  # nothing restored without --yes

    restored = invoke(served, "backup", "restore", str(path), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "Đã khôi phục" in restored.output
    assert fingerprint(url) == original
    with served.app_context():  # the running app sees the restored data
        assert db.session.scalar(select(func.count()).select_from(Person).where(Person.member_code == "MEMA")) == 1


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite backup test; TEST_DATABASE_URL selects PostgreSQL")
def test_sqlite_backup_and_restore_round_trip(served, tmp_path):
    """SQLite: create (online backup API), change data, restore --yes: every table as it was?"""
    _backup_restore_cycle(served, tmp_path)


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL backup test; needs TEST_DATABASE_URL")
def test_postgresql_backup_and_restore_round_trip(served, tmp_path):
    """PostgreSQL: pg_dump -Fc, change data, pg_restore --clean: every table as it was?"""
    _backup_restore_cycle(served, tmp_path)


def test_default_path_and_refusals(served, tmp_path):
    """No PATH: a timestamped file in BACKUP_DIR; an existing file is not overwritten; a bad file is refused."""
    made = invoke(served, "backup", "create")
    assert made.exit_code == 0, made.output
    [path] = list((tmp_path / "bk").iterdir())
    assert path.name.startswith("quizapp-") and path.suffix == (".dump" if ON_POSTGRES else ".sqlite3")
    again = invoke(served, "backup", "create", str(path))
    assert again.exit_code != 0 and "đã có" in again.output
    junk = tmp_path / "khong-phai-sao-luu.bin"
    junk.write_bytes(b"day khong phai ban sao luu" * 100)
    before = fingerprint(served.config["SQLALCHEMY_DATABASE_URI"])
    bad = invoke(served, "backup", "restore", str(junk), "--yes")
    assert bad.exit_code != 0 and "Error" in bad.output
    assert fingerprint(served.config["SQLALCHEMY_DATABASE_URI"]) == before
    missing = invoke(served, "backup", "restore", str(tmp_path / "khong-co.dump"), "--yes")
    assert missing.exit_code != 0 and "Không có tệp sao lưu" in missing.output
