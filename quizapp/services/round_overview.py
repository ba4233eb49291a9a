"""What a manager needs at a glance per open round: the gap to 98 %, who is missing, a reminder.

The figures are the reports' own (participation.figures); nothing here recomputes a rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from quizapp.clock import to_local, utcnow
from quizapp.models import Org, Person, StudyRound
from quizapp.services import participation, round_board, rounds
from quizapp.services.exceptions import NotFound
from quizapp.services.round_qr import short_url
from quizapp.vn import nfc


@dataclass
class RoundOverview:
    """One round as seen from the node the manager watches (their highest managed node in it)."""

    rnd: StudyRound
    node: Org
    figures: participation.ParticipationFigures
    missing: list[participation.MemberStatus] = field(default_factory=list)
    absent_without_reason: int = 0
    link: str = ""
    reminder: str = ""

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
    return [s for s in statuses if s.required and s.state != "submitted"]


def unexplained_absences(statuses: list[participation.MemberStatus]) -> int:
    """Required members who have not started and have no recorded reason (an open attempt is not an absence)."""
    return sum(1 for s in statuses if s.required and s.state == "not_started" and s.absence is None)


def reminder_text(rnd: StudyRound, node: Org, missing: list[participation.MemberStatus], link: str) -> str:
    """The message a secretary pastes into the cell's Zalo group."""
    lines = [f"Nhắc làm bài kiểm tra: {nfc(rnd.title)}"]
    if rnd.quiz is not None:
        lines.append(f"Hạn làm bài: {deadline_text(rnd.quiz.closes_at)}.")
    lines.append(f"Đường dẫn làm bài: {link}")
    if missing:
        show_cell = not node.is_cell
        names = [s.person.full_name + (f" ({s.cell.name})" if show_cell else "") for s in missing]
        lines.append(f"Các đồng chí chưa làm bài ({len(missing)}): {', '.join(names)}.")
        lines.append("Đề nghị các đồng chí hoàn thành bài kiểm tra đúng hạn.")
    else:
        lines.append("Tất cả đảng viên đã làm bài. Cảm ơn các đồng chí.")
    return "\n".join(lines)


def overview(rnd: StudyRound, person: Person, base_url: str) -> RoundOverview:
    """Figures, the missing list and the reminder for the node the person watches in the round."""
    node = round_board.board_node(rnd, person)
    statuses = participation.member_statuses(rnd, node)
    missing = missing_members(statuses)
    link = short_url(rnd.quiz, base_url) if rnd.quiz else ""
    return RoundOverview(rnd=rnd, node=node, figures=participation.figures(rnd, node), missing=missing,
                         absent_without_reason=unexplained_absences(statuses), link=link,
                         reminder=reminder_text(rnd, node, missing, link))


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
            out[rnd.id] = overview(rnd, person, base_url)
        except NotFound:
            continue
    return out
