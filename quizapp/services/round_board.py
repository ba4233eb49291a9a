"""The live participation board: which node a manager watches, and its rows (cells or members)."""
from __future__ import annotations

from dataclasses import dataclass, field

from quizapp import permissions
from quizapp.models import Org, Person, StudyRound
from quizapp.services import participation
from quizapp.services.exceptions import NotFound
from quizapp.services.rounds import participating_paths


@dataclass
class CellRow:
    """Counts for one cell: required members by state, and the rate against the threshold."""

    org: Org
    required: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0

    @property
    def rate(self) -> float:
        """Submitted required members over required members, in percent."""
        return 100.0 * self.submitted / self.required if self.required else 100.0


@dataclass
class Board:
    """What the board shows for one node of one round."""

    node: Org
    figures: participation.ParticipationFigures
    statuses: list = field(default_factory=list)
    cells: list[CellRow] = field(default_factory=list)

    @property
    def is_cell(self) -> bool:
        """A cell shows its members; a higher node shows one row per cell."""
        return self.node.is_cell


def _overlaps(org: Org, rnd: StudyRound) -> bool:
    return any(org.path.startswith(p) or p.startswith(org.path) for p in participating_paths(rnd))


def board_node(rnd: StudyRound, person: Person, org_id: int | None = None) -> Org:
    """The node to show: the one asked for (in scope, in the round), else the caller's own."""
    if org_id is not None:
        org = permissions.get_org_or_404(org_id, person)
        if not _overlaps(org, rnd):
            raise NotFound("Tổ chức đảng này không tham gia đợt học tập.")
        return org
    if permissions.managed_paths(person) is None:
        return rnd.owner_org
    for org in permissions.managed_orgs(person):  # tree order: the highest managed node first
        if _overlaps(org, rnd):
            return org
    raise NotFound("Không tìm thấy đợt học tập này.")


def build_board(rnd: StudyRound, node: Org) -> Board:
    """Statuses and figures for the node; per-cell counts when the node is above cells."""
    statuses = participation.member_statuses(rnd, node)
    board = Board(node=node, figures=participation.figures(rnd, node))
    if node.is_cell:
        board.statuses = statuses
        return board
    rows: dict[int, CellRow] = {}
    for s in statuses:
        row = rows.setdefault(s.cell.id, CellRow(org=s.cell))
        if not s.required:
            continue
        row.required += 1
        setattr(row, s.state, getattr(row, s.state) + 1)
    board.cells = sorted(rows.values(), key=lambda r: r.org.path)
    return board
