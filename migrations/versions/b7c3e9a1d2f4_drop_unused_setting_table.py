"""drop the unused setting table

The site-wide "setting" table (key -> JSON) was never read or written: every setting is declared
in quizapp/config.py and per-round policy lives on the round. Downgrade recreates it empty.

Revision ID: b7c3e9a1d2f4
Revises: 9e4b7d2a6c15
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c3e9a1d2f4'
down_revision = '9e4b7d2a6c15'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('setting')


def downgrade():
    op.create_table('setting',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
