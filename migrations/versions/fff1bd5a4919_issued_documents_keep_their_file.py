"""Issued documents keep their file: PDF bytes and SHA-256, provisional/signed/state flags, and
the document a correction replaces.

Revision ID: fff1bd5a4919
Revises: 5d2e8c4a91b7
Create Date: 2026-11-27 10:00:00
"""
import re

import sqlalchemy as sa
from alembic import op

revision = 'fff1bd5a4919'
down_revision = '5d2e8c4a91b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('signed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('state_format', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replace_reason', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_issued_report_sha256'), ['sha256'], unique=False)
        batch_op.create_unique_constraint('uq_issued_report_replaces_id', ['replaces_id'])
        batch_op.create_foreign_key('fk_issued_report_replaces_id', 'issued_report', ['replaces_id'], ['id'])

    # Documents issued before files were kept: no bytes to serve (they cannot be rebuilt truthfully);
    # their letterhead is read back from the number label ("12/BC-CODE" is the state format).
    conn = op.get_bind()
    table = sa.table('issued_report', sa.column('id', sa.Integer), sa.column('number_label', sa.String),
                     sa.column('state_format', sa.Boolean))
    for row_id, label in conn.execute(sa.select(table.c.id, table.c.number_label)).all():
        if re.match(r"^\d+/", label or ""):
            conn.execute(table.update().where(table.c.id == row_id).values(state_format=True))


def downgrade():
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.drop_constraint('fk_issued_report_replaces_id', type_='foreignkey')
        batch_op.drop_constraint('uq_issued_report_replaces_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_issued_report_sha256'))
        batch_op.drop_column('replace_reason')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('state_format')
        batch_op.drop_column('signed')
        batch_op.drop_column('provisional')
        batch_op.drop_column('sha256')
        batch_op.drop_column('pdf')
