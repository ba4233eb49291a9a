"""Data only: attempts belong to the cell of the session date; one secretary grant per cell.

Attempts started by a member who had moved since the session date were filed under their new
cell (Attempt.org_id), so their essays went to the new cell's grading queue while reports counted
them in the old cell. This re-files every attempt under the cell the member belonged to on the
round's session date, when that cell takes part in the round. It also ends the secretary grants
of people a cell's secretary was replaced by (only Org.secretary_id keeps the right).

Revision ID: 266b95029f7b
Revises: fff1bd5a4919
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '266b95029f7b'
down_revision = 'fff1bd5a4919'
branch_labels = None
depends_on = None

_SESSION_CELL = """
    SELECT m.org_id FROM membership m
    JOIN org cell ON cell.id = m.org_id
    JOIN quiz q ON q.id = attempt.quiz_id
    JOIN study_round r ON r.id = q.round_id
    JOIN round_org ro ON ro.round_id = r.id
    JOIN org part ON part.id = ro.org_id
    WHERE m.person_id = attempt.person_id
      AND m.start_date <= r.session_date
      AND (m.end_date IS NULL OR m.end_date >= r.session_date)
      AND cell.path LIKE part.path || '%'
"""


def upgrade():
    op.execute(
        "UPDATE attempt SET org_id = (" + _SESSION_CELL + " ORDER BY m.start_date DESC LIMIT 1) "
        "WHERE EXISTS (" + _SESSION_CELL + ")"
    )
    op.execute(
        "DELETE FROM role_grant WHERE role = 'secretary' AND EXISTS ("
        " SELECT 1 FROM org WHERE org.id = role_grant.org_id AND org.secretary_id IS NOT NULL"
        " AND org.secretary_id <> role_grant.person_id)"
    )


def downgrade():
    # Data only: the earlier filing (and the ended grants) cannot be restored.
    pass
