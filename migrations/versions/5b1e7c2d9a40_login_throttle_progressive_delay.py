"""login throttle: progressive delay (retry_at, last_failure_at) instead of a lock

Revision ID: 5b1e7c2d9a40
Revises: 5d2c8e41a7f3
Create Date: 2026-11-27 10:05:00

The old `locked_until` becomes `retry_at` (an unfinished lock simply becomes a delay ending at
the same moment); `last_failure_at` starts as the old window start, so old counters fade out.
"""
from alembic import op
import sqlalchemy as sa


revision = '5b1e7c2d9a40'
down_revision = '5d2c8e41a7f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_throttle') as batch_op:
        batch_op.alter_column('locked_until', new_column_name='retry_at', existing_type=sa.DateTime(),
                              existing_nullable=True)
        batch_op.add_column(sa.Column('last_failure_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE login_throttle SET last_failure_at = window_start")


def downgrade():
    with op.batch_alter_table('login_throttle') as batch_op:
        batch_op.drop_column('last_failure_at')
        batch_op.alter_column('retry_at', new_column_name='locked_until', existing_type=sa.DateTime(),
                              existing_nullable=True)
