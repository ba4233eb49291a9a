"""The organization tree, as seen by a manager (scoped)."""
from __future__ import annotations

from flask import render_template

from quizapp import permissions
from quizapp.blueprints.manage.routes import bp


@bp.route("/orgs")
@permissions.manager_required
def orgs():
    """Every node the caller manages, with its secretary."""
    return render_template("manage/orgs.html", orgs=permissions.managed_orgs())
