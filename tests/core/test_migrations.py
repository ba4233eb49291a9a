"""Migrations: is there one head, and does `upgrade` on an empty database give the models' schema?"""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from quizapp import create_app
from quizapp.config import TestingConfig
from quizapp.extensions import db, migrate


def test_single_head(app):
    """Does the migration history have exactly one head?"""
    config = migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_upgrade_matches_models(empty_database_url):
    """Does `flask db upgrade` on an empty database produce exactly the models' schema?"""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diffs == [], diffs
