"""drop the single-column indexes that a unique key already covers

answer(attempt_id), attempt_item(attempt_id) and attempt(quiz_id) each lead a unique key —
(attempt_id, position), (attempt_id, position) and (quiz_id, person_id, number) — which serves
every lookup the single-column index served. The copies cost every save one more b-tree to
write and every start two more (the attempt's and its items'), in the hall's hottest write path.
Downgrade recreates them.

Revision ID: c8d41f6e2a93
Revises: b7c3e9a1d2f4
Create Date: 2026-11-27 23:00:00

"""
from alembic import op


revision = 'c8d41f6e2a93'
down_revision = 'b7c3e9a1d2f4'
branch_labels = None
depends_on = None

_INDEXES = (("ix_answer_attempt_id", "answer", "attempt_id"),
            ("ix_attempt_item_attempt_id", "attempt_item", "attempt_id"),
            ("ix_attempt_quiz_id", "attempt", "quiz_id"))


def upgrade():
    for name, table, _column in _INDEXES:
        op.drop_index(name, table_name=table)


def downgrade():
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column], unique=False)
