"""What a manager needs at a glance per open round: the gap to 98 %, who is missing, a reminder.

The figures are the reports' own (participation.figures); nothing here recomputes a rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from quizapp.clock import to_local, utcnow
from quizapp.extensions import db
from quizapp.models import Absence, Attempt, AttemptStatus, Org, Person, StudyRound
from quizapp.services import participation, round_board, rounds, rules
from quizapp.services.exceptions import NotFound
from quizapp.services.reporting import queries
from quizapp.services.round_qr import short_url
from quizapp.vn import nfc

# Above this many people under the watched node the names are left to the board's per-cell pages:
# a province's thousands of names help nobody on a phone, and loading them costs every home visit.
NAMES_LIMIT = 300


@dataclass
class RoundOverview:
    """One round as seen from the node the manager watches (their highest managed node in it)."""

    rnd: StudyRound
    node: Org
    figures: participation.ParticipationFigures
    missing: list[participation.MemberStatus] = field(default_factory=list)
    absent_without_reason: int = 0
    names_omitted: bool = False  # too many people under the node to list by name (NAMES_LIMIT)
    link: str = ""
    reminder: str = ""

    @property
    def missing_count(self) -> int:
        """How many who count have not submitted (named in `missing` unless names_omitted)."""
        return self.figures.required - self.figures.took_part if self.names_omitted else len(self.missing)

    @property
    def essays_pending(self) -> int:
        """Essay answers in counted attempts still waiting for a grade."""
        return self.figures.essays_submitted - self.figures.essays_graded

    @property
    def deadline(self) -> str:
        """The quiz's closing time in Vietnamese words."""
        return deadline_text(self.rnd.quiz.closes_at) if self.rnd.quiz else ""


def deadline_text(closes_at: datetime) -> str:
    """'10 giờ 00 ngày 02/03/2026' in Vietnam time (closes_at is naive UTC)."""
    local = to_local(closes_at)
    return f"{local.hour} giờ {local.minute:02d} ngày {local.strftime('%d/%m/%Y')}"


def missing_members(statuses: list[participation.MemberStatus]) -> list[participation.MemberStatus]:
    """Required members (party members, not exempt on the session date) with no counted attempt."""
    return [s for s in statuses if s.missing]


def unexplained_absences(rnd: StudyRound, node: Org) -> int:
    """Required members under node who have not started (an open attempt is not an absence) and
    have no recorded reason — one SQL count."""
    m = queries.members_subquery(rnd, node)
    stmt = select(func.count(func.distinct(m.c.person_id))).where(
        rules.required_clause(m.c.party_status, m.c.exempt),
        m.c.person_id.not_in(select(Absence.person_id).where(Absence.round_id == rnd.id)))
    if rnd.quiz is not None:
        stmt = stmt.where(m.c.person_id.not_in(select(Attempt.person_id).where(
            Attempt.quiz_id == rnd.quiz.id, Attempt.status.in_((AttemptStatus.FINISHED, AttemptStatus.IN_PROGRESS)))))
    return db.session.scalar(stmt) or 0


def reminder_text(rnd: StudyRound, node: Org, missing: list[participation.MemberStatus], link: str,
                  missing_count: int | None = None) -> str:
    """The message a secretary pastes into the cell's Zalo group (names, or only their number
    when `missing_count` is given for a node too large to list)."""
    lines = [f"Nhắc làm bài kiểm tra: {nfc(rnd.title)}"]
    if rnd.quiz is not None:
        lines.append(f"Hạn làm bài: {deadline_text(rnd.quiz.closes_at)}.")
    lines.append(f"Đường dẫn làm bài: {link}")
    if missing_count:
        lines.append(f"Còn {missing_count} đồng chí chưa làm bài.")
        lines.append("Đề nghị các đồng chí hoàn thành bài kiểm tra đúng hạn.")
    elif missing:
        show_cell = not node.is_cell
        names = [s.person.full_name + (f" ({s.cell.name})" if show_cell else "") for s in missing]
        lines.append(f"Các đồng chí chưa làm bài ({len(missing)}): {', '.join(names)}.")
        lines.append("Đề nghị các đồng chí hoàn thành bài kiểm tra đúng hạn.")
    else:
        lines.append("Tất cả đảng viên đã làm bài. Cảm ơn các đồng chí.")
    return "\n".join(lines)


def overview(rnd: StudyRound, person: Person, base_url: str, names: bool = True) -> RoundOverview:
    """Figures, the missing list and the reminder for the node the person watches in the round
    (names=False: SQL figures only, as the round list needs)."""
    node = round_board.board_node(rnd, person)
    figures = participation.figures(rnd, node)
    link = short_url(rnd.quiz, base_url) if rnd.quiz else ""
    ov = RoundOverview(rnd=rnd, node=node, figures=figures, link=link,
                       absent_without_reason=unexplained_absences(rnd, node))
    if not names:
        ov.names_omitted = True
    elif node.is_cell or figures.total <= NAMES_LIMIT:
        ov.missing = missing_members(participation.member_statuses(rnd, node))
        ov.reminder = reminder_text(rnd, node, ov.missing, link)
    else:
        ov.names_omitted = True
        ov.reminder = reminder_text(rnd, node, [], link, missing_count=ov.missing_count)
    return ov


def open_rounds(person: Person, now: datetime | None = None) -> list[StudyRound]:
    """Rounds in the person's scope whose quiz has not closed yet, soonest deadline first."""
    now = now or utcnow()
    items = [r for r in rounds.rounds_in_scope(person) if r.quiz is not None and r.quiz.closes_at >= now]
    return sorted(items, key=lambda r: (r.quiz.closes_at, r.id))


def open_overviews(person: Person, base_url: str, now: datetime | None = None) -> list[RoundOverview]:
    """An overview for every open round the person manages (rounds outside their nodes are skipped)."""
    out = []
    for rnd in open_rounds(person, now):
        try:
            out.append(overview(rnd, person, base_url))
        except NotFound:
            continue
    return out


def list_overviews(items: list[StudyRound], person: Person, base_url: str) -> dict[int, RoundOverview]:
    """The same figures per round for the round list, from the node the person watches in each."""
    out = {}
    for rnd in items:
        try:
            out[rnd.id] = overview(rnd, person, base_url, names=False)
        except NotFound:
            continue
    return out
