"""The live participation board of a round (refreshes itself through a fragment endpoint)."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from quizapp import permissions
from quizapp.blueprints.manage.routes import bp
from quizapp.services import participation, round_board


def _board():
    user = current_user._get_current_object()
    rnd = permissions.get_round_or_404(request.view_args["round_id"], user)
    node = round_board.board_node(rnd, user, request.args.get("org", type=int))
    return rnd, round_board.build_board(rnd, node, request.args.get("show"))


def _paper_scores_hidden(rnd) -> bool:
    """A manager who still sits the quiz sees no paper scores: with the sheets in hand they tell its keys."""
    return permissions.paper_lock(rnd.quiz, current_user._get_current_object()) is not None


@bp.route("/rounds/<int:round_id>/board", endpoint="round_board")
@permissions.manager_required
def round_board_page(round_id: int):
    """Who has not started, is in progress or has submitted; the rate against the threshold."""
    rnd, board = _board()
    return render_template("manage/rounds/board.html", rnd=rnd, board=board,
                           absence_label=participation.absence_label, paper_hidden=_paper_scores_hidden(rnd))


@bp.route("/rounds/<int:round_id>/board/fragment", endpoint="round_board_fragment")
@permissions.manager_required
def board_fragment(round_id: int):
    """The board's table alone, for the page's periodic refresh."""
    rnd, board = _board()
    return render_template("manage/rounds/_board_table.html", rnd=rnd, board=board,
                           absence_label=participation.absence_label, paper_hidden=_paper_scores_hidden(rnd))
