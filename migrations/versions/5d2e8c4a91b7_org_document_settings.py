"""org document settings: receiving body and state (NĐ 30) identity

Revision ID: 5d2e8c4a91b7
Revises: 5c1e0f7a9b42
Create Date: 2026-11-27 10:00:00

Adds nullable columns only: existing organizations keep the derived defaults (receiving body
from the parent's name) until someone fills them in on the organization page.
"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e8c4a91b7'
down_revision = '5c1e0f7a9b42'
branch_labels = None
depends_on = None

COLUMNS = [
    ('report_to', 200), ('state_unit_name', 200), ('state_superior', 200), ('state_abbr', 20),
    ('state_place', 100), ('state_signer_title', 120), ('state_signer_name', 120),
]


def upgrade():
    with op.batch_alter_table('org', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def downgrade():
    with op.batch_alter_table('org', schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
