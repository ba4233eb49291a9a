"""dated party status and exemption periods

Party status and exemption become dated records, like memberships, so that reports for a past
round read them as of its session date. Today's flags on person move into open periods that
start on the person's earliest membership start (or 01/01/1945 for people with none).

Revision ID: 5d2c8e41a7f3
Revises: a3a66b4f988d
Create Date: 2026-11-27 09:50:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '5d2c8e41a7f3'
down_revision = 'a3a66b4f988d'
branch_labels = None
depends_on = None

EARLY = date(1945, 1, 1)


def upgrade():
    op.create_table('party_status_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('party_status', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('party_status_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_status_period_person_id'), ['person_id'], unique=False)

    op.create_table('exemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemption_person_id'), ['person_id'], unique=False)

    # Data: today's flags become open periods from the earliest membership start.
    conn = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('party_status', sa.String),
                      sa.column('exempt', sa.Boolean), sa.column('exempt_reason', sa.String))
    membership = sa.table('membership', sa.column('person_id', sa.Integer), sa.column('start_date', sa.Date))
    status_t = sa.table('party_status_period', sa.column('person_id', sa.Integer), sa.column('party_status', sa.String),
                        sa.column('start_date', sa.Date), sa.column('end_date', sa.Date))
    exempt_t = sa.table('exemption', sa.column('person_id', sa.Integer), sa.column('reason', sa.String),
                        sa.column('start_date', sa.Date), sa.column('end_date', sa.Date))
    first = (sa.select(membership.c.person_id, sa.func.min(membership.c.start_date).label('start'))
             .group_by(membership.c.person_id).subquery())
    rows = conn.execute(
        sa.select(person.c.id, person.c.party_status, person.c.exempt, person.c.exempt_reason, first.c.start)
        .select_from(person.outerjoin(first, first.c.person_id == person.c.id))
    ).all()
    statuses, exemptions = [], []
    for pid, status, exempt, reason, start in rows:
        start = start or EARLY
        if isinstance(start, str):  # SQLite may hand back text from an aggregate
            start = date.fromisoformat(start[:10])
        statuses.append({'person_id': pid, 'party_status': status or 'chinh_thuc', 'start_date': start, 'end_date': None})
        if exempt:
            exemptions.append({'person_id': pid, 'reason': reason, 'start_date': start, 'end_date': None})
    for i in range(0, len(statuses), 1000):
        op.bulk_insert(status_t, statuses[i:i + 1000])
    for i in range(0, len(exemptions), 1000):
        op.bulk_insert(exempt_t, exemptions[i:i + 1000])


def downgrade():
    with op.batch_alter_table('exemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemption_person_id'))
    op.drop_table('exemption')
    with op.batch_alter_table('party_status_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_status_period_person_id'))
    op.drop_table('party_status_period')
