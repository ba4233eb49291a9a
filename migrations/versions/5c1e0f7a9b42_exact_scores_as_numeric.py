"""exact scores as numeric

Attempt points, max points and score, and an answer's awarded points, move from binary floats to
NUMERIC: sums and means in SQL (report mean scores) then carry no binary error. Existing values
convert in place (each was written with at most four decimals; scores with one).

Revision ID: 5c1e0f7a9b42
Revises: 5b1e7c2d9a40
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e0f7a9b42'
down_revision = '5b1e7c2d9a40'
branch_labels = None
depends_on = None

POINTS = sa.Numeric(precision=12, scale=4)
SCORE = sa.Numeric(precision=4, scale=1)


def _using(column: str, type_: str) -> dict:
    # PostgreSQL: round explicitly so a float like 4.9499999 becomes the 4.9 it was meant to be.
    return {"postgresql_using": f"round({column}::numeric, {type_})"}


def upgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.alter_column('points', existing_type=sa.Float(), type_=POINTS, existing_nullable=True,
                              **_using('points', '4'))
        batch_op.alter_column('max_points', existing_type=sa.Float(), type_=POINTS, existing_nullable=True,
                              **_using('max_points', '4'))
        batch_op.alter_column('score', existing_type=sa.Float(), type_=SCORE, existing_nullable=True,
                              **_using('score', '1'))
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.alter_column('awarded', existing_type=sa.Float(), type_=POINTS, existing_nullable=True,
                              **_using('awarded', '4'))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite keeps the stored REAL values: snap them to the decimals they stand for.
        op.execute("UPDATE attempt SET points = round(points, 4), max_points = round(max_points, 4), "
                   "score = round(score, 1)")
        op.execute("UPDATE answer SET awarded = round(awarded, 4)")


def downgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.alter_column('awarded', existing_type=POINTS, type_=sa.Float(), existing_nullable=True)
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.alter_column('score', existing_type=SCORE, type_=sa.Float(), existing_nullable=True)
        batch_op.alter_column('max_points', existing_type=POINTS, type_=sa.Float(), existing_nullable=True)
        batch_op.alter_column('points', existing_type=POINTS, type_=sa.Float(), existing_nullable=True)
