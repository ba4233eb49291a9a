"""The live participation board: which node a manager watches, and its rows (cells or members)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptStatus, Org, Person, StudyRound
from quizapp.services import participation, rules
from quizapp.services.reporting import queries
from quizapp.services.exceptions import NotFound
from quizapp.services.rounds import participating_paths


@dataclass
class CellRow:
    """Counts for one cell: required members by state, and the rate against the threshold."""

    org_id: int
    name: str
    path: str = ""
    required: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0

    threshold: float = 100.0

    @property
    def rate(self) -> float:
        """Submitted required members over required members, in percent."""
        return rules.rate(self.submitted, self.required)

    @property
    def met(self) -> bool:
        """The cell meets the round's threshold (rules.met: exact)."""
        return rules.met(self.submitted, self.required, self.threshold)


@dataclass
class Board:
    """What the board shows for one node of one round."""

    node: Org
    figures: participation.ParticipationFigures
    statuses: list = field(default_factory=list)
    cells: list[CellRow] = field(default_factory=list)
    shown: str = "all"  # the member filter: "all" or "missing" (chưa làm)

    @property
    def is_cell(self) -> bool:
        """A cell shows its members; a higher node shows one row per cell."""
        return self.node.is_cell


def _overlaps(org: Org, rnd: StudyRound) -> bool:
    return permissions.overlaps(org.path, participating_paths(rnd))


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


def _in_progress_by_cell(rnd: StudyRound, node: Org) -> dict[int, int]:
    """Per cell: required members with an attempt open and none finished (one GROUP BY)."""
    if rnd.quiz is None:
        return {}
    m = queries.members_subquery(rnd, node)
    quiz_id = rnd.quiz.id
    open_ids = select(Attempt.person_id).where(Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.IN_PROGRESS)
    done_ids = select(Attempt.person_id).where(Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.FINISHED)
    stmt = (
        select(m.c.cell_id, func.count())
        .where(rules.required_clause(m.c.party_status, m.c.exempt),
               m.c.person_id.in_(open_ids), m.c.person_id.not_in(done_ids))
        .group_by(m.c.cell_id)
    )
    return {cell_id: n for cell_id, n in db.session.execute(stmt)}


# ------------------------------------------------------------- member filter ("chưa làm")
FILTERS = ("all", "missing")


def shown_filter(value: str | None) -> str:
    """The filter asked for, or "all" for anything unknown."""
    return value if value in FILTERS else "all"


def filter_statuses(statuses: list, shown: str) -> list:
    """"missing": only the members who count and have not submitted (not started or in progress)."""
    if shown == "missing":
        return [s for s in statuses if s.missing]
    return statuses


def build_board(rnd: StudyRound, node: Org, shown: str = "all") -> Board:
    """A cell: each member's state. Above cells: SQL aggregates per cell, no per-person objects."""
    if node.is_cell:
        shown = shown_filter(shown)
        return Board(node=node, figures=participation.figures(rnd, node), shown=shown,
                     statuses=filter_statuses(participation.member_statuses(rnd, node), shown))
    rows = queries.cell_rows(rnd, node)
    figures = participation.figures_from_rows(rows, float(rnd.threshold_percent))
    open_by_cell = _in_progress_by_cell(rnd, node)
    cells = []
    for r in rows:
        in_progress = open_by_cell.get(r.org_id, 0)
        cells.append(CellRow(org_id=r.org_id, name=r.name, path=r.path, required=r.required,
                             submitted=r.took_part, in_progress=in_progress,
                             not_started=r.required - r.took_part - in_progress,
                             threshold=float(rnd.threshold_percent)))
    return Board(node=node, figures=figures, cells=cells)
