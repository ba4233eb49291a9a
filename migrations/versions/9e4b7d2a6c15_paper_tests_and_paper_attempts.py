"""paper tests and paper attempts

A round's paper test (its variants, mã đề, drawn once with a stored seed) gets its own table.
An attempt records its form: "online" (every existing attempt) or "paper" (answers typed in by a
secretary from a paper answer sheet), who entered it, and the variant the member wrote.

Revision ID: 9e4b7d2a6c15
Revises: 266b95029f7b
Create Date: 2026-11-27 10:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9e4b7d2a6c15'
down_revision = '266b95029f7b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('quiz_id')
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        # Every attempt so far was taken online: the server default fills existing rows.
        batch_op.add_column(sa.Column('mode', sa.String(length=8), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paper_variant', sa.String(length=8), nullable=True))
        batch_op.create_foreign_key('fk_attempt_entered_by_id_person', 'person', ['entered_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attempt_entered_by_id_person', type_='foreignkey')
        batch_op.drop_column('paper_variant')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('mode')
    op.drop_table('paper_test')
