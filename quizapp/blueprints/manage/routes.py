"""Management pages (secretaries, committee staff, admins). Each area is its own module."""
from flask import Blueprint

bp = Blueprint("manage", __name__)

# Each module adds its routes to `bp`.
from quizapp.blueprints.manage import orgs  # noqa: E402,F401
from quizapp.blueprints.manage import rounds  # noqa: E402,F401
from quizapp.blueprints.manage import grading, round_board  # noqa: E402,F401
from quizapp.blueprints.manage import people  # noqa: E402,F401
from quizapp.blueprints.manage import banks  # noqa: E402,F401
from quizapp.blueprints.manage import papers  # noqa: E402,F401
from quizapp.blueprints.manage import paper_photo  # noqa: E402,F401
