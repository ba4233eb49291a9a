"""Who took part in a round: member statuses, participation figures, absence records.

The rules come from services/rules.py: who takes part is decided by membership on the round's
session date, within the round's participating organizations; party status and exemption (miễn
sinh hoạt) are also taken as of the session date, from their dated periods, never from today's
flags on Person: ticking "miễn sinh hoạt" today does not move a past round. Members exempt on the
session date are left out of the denominator; people who were not party members on that date are
listed but not counted. The counted attempt, the rate and "met" are rules.pick_counted,
rules.rate and rules.met.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import and_, select

from quizapp import permissions
from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    ABSENCE_REASONS,
    Absence,
    Attempt,
    AttemptStatus,
    AuditLog,
    Membership,
    Org,
    Person,
    StudyRound,
)
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services import rules
from quizapp.services.grading import mean_of
from quizapp.services.reporting import queries
from quizapp.vn import nfc

STATES = {"not_started": "Chưa làm bài", "in_progress": "Đang làm bài", "submitted": "Đã nộp bài"}


@dataclass
class MemberStatus:
    """One person's standing in a round, as of their membership on the session date."""

    person: Person
    cell: Org
    required: bool
    exempt: bool
    state: str
    attempt: Attempt | None
    is_makeup: bool
    absence: Absence | None
    party_status: str = ""  # on the session date

    @property
    def is_party_member(self) -> bool:
        """Chính thức or dự bị on the session date."""
        return rules.is_party(self.party_status)

    @property
    def missing(self) -> bool:
        """Required and not (yet) submitted: whom the board's "chưa làm", the reminder and make-up
        offers list."""
        return self.required and self.state != "submitted"

    @property
    def shown_score(self) -> float | None:
        """The counted attempt's final score; None when there is none yet or an essay waits for a
        mark ("chưa chấm", rules.shown_score)."""
        return rules.shown_score(self.attempt) if self.state == "submitted" else None

    @property
    def state_label(self) -> str:
        """Vietnamese label of the state."""
        return STATES[self.state]


@dataclass
class ParticipationFigures:
    """The figures a report carries for a round and a node's subtree."""

    total: int = 0
    exempt: int = 0
    required: int = 0
    took_part: int = 0
    rate: float = 100.0
    threshold: float = 98.0
    met: bool = True
    took_part_on_time: int = 0
    made_up: int = 0
    rate_before_makeup: float = 100.0
    met_before_makeup: bool = True
    absent_excused: int = 0
    absent_unexcused: int = 0
    absent_unrecorded: int = 0
    non_party: int = 0
    tested: int = 0
    mean_score: float | None = None
    distribution: dict = field(default_factory=lambda: dict.fromkeys(queries.CLASS_KEYS, 0))
    essays_submitted: int = 0
    essays_graded: int = 0
    pending: int = 0

    def to_dict(self) -> dict:
        """Plain JSON-able dict (the snapshot stored with an issued report)."""
        return asdict(self)


def figures_from_rows(rows: list[queries.CellRow], threshold: float) -> ParticipationFigures:
    """Sum per-cell aggregate rows into one set of figures."""
    f = ParticipationFigures(threshold=threshold)
    score_sum = 0.0
    recorded_unexcused = 0
    for r in rows:
        f.total += r.total
        f.exempt += r.exempt
        f.required += r.required
        f.took_part += r.took_part
        f.took_part_on_time += r.on_time
        f.absent_excused += r.absent_excused
        recorded_unexcused += r.absent_unexcused_recorded
        f.non_party += r.non_party
        f.tested += r.tested
        score_sum += r.score_sum
        f.pending += r.pending
        for k, v in r.distribution.items():
            f.distribution[k] += v
    f.made_up = f.took_part - f.took_part_on_time
    absent = f.required - f.took_part
    f.absent_unrecorded = absent - f.absent_excused - recorded_unexcused
    # Without a recorded reason an absence is not excused.
    f.absent_unexcused = absent - f.absent_excused
    f.rate = rules.rate(f.took_part, f.required)
    f.rate_before_makeup = rules.rate(f.took_part_on_time, f.required)
    f.met = rules.met(f.took_part, f.required, threshold)
    f.met_before_makeup = rules.met(f.took_part_on_time, f.required, threshold)
    f.mean_score = mean_of(score_sum, f.tested)  # exact, half up (services.grading)
    return f


def figures(rnd: StudyRound, org: Org) -> ParticipationFigures:
    """Participation and result figures for a round over `org`'s subtree (SQL aggregates; the
    essay counts take the counted attempts of the same reading)."""
    with queries.one_reading():
        f = figures_from_rows(queries.cell_rows(rnd, org), float(rnd.threshold_percent))
        f.essays_submitted, f.essays_graded = queries.essay_counts(rnd, org)
    return f


def member_statuses(rnd: StudyRound, org: Org) -> list[MemberStatus]:
    """One row per person whose membership on the session date is under `org` and in the round."""
    on = rnd.session_date
    rows = db.session.execute(
        select(Person, Org, rules.party_status_on(Person.id, on), rules.exempt_on(Person.id, on))
        .join(Membership, Membership.person_id == Person.id)
        .join(Org, Org.id == Membership.org_id)
        .where(rules.round_membership_clause(rnd.id, on), permissions.within_clause([org.path]))
        .order_by(Person.name_key, Person.id)
    ).all()
    ids = [r[0].id for r in rows]
    by_person: dict[int, list[Attempt]] = {}
    absences: dict[int, Absence] = {}
    if ids:
        if rnd.quiz is not None:
            for a in db.session.scalars(
                select(Attempt).where(Attempt.quiz_id == rnd.quiz.id, Attempt.person_id.in_(ids))
            ):
                by_person.setdefault(a.person_id, []).append(a)
        for ab in db.session.scalars(
            select(Absence).where(Absence.round_id == rnd.id, Absence.person_id.in_(ids))
        ):
            absences[ab.person_id] = ab
    policy = rnd.quiz.attempt_policy if rnd.quiz else "best"
    out = []
    seen = set()
    for person, cell, status, exempt in rows:
        if person.id in seen:  # overlapping memberships: count once
            continue
        seen.add(person.id)
        attempts = by_person.get(person.id, [])
        counted = rules.pick_counted(attempts, policy)
        open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
        attempt = counted or open_attempt
        state = "submitted" if counted else ("in_progress" if open_attempt else "not_started")
        out.append(MemberStatus(
            person=person, cell=cell, required=rules.is_required(status, bool(exempt)), exempt=bool(exempt),
            state=state, attempt=attempt, is_makeup=bool(attempt and attempt.is_makeup),
            absence=absences.get(person.id), party_status=status,
        ))
    return out


def _membership_cell(rnd: StudyRound, person: Person) -> Org | None:
    cell_id = rules.round_cell_id(rnd.id, person.id)
    return db.session.get(Org, cell_id) if cell_id is not None else None


def record_absence(rnd: StudyRound, person: Person, reason_code: str, reason_text: str | None,
                   excused: bool, actor: Person) -> Absence:
    """Record (or update) why a member did not take part; only within the actor's scope."""
    begin_write()
    cell = _membership_cell(rnd, person)
    if cell is None or not permissions.can_manage_org(cell, actor):
        raise NotFound("Không tìm thấy đảng viên này trong đợt học tập.")
    if reason_code not in ABSENCE_REASONS:
        raise InvalidInput("Vui lòng chọn lý do vắng mặt.")
    text = nfc(reason_text)[:300] or None
    if reason_code == "khac" and not text:
        raise InvalidInput("Vui lòng ghi rõ lý do khác.")
    absence = db.session.scalar(
        select(Absence).where(and_(Absence.round_id == rnd.id, Absence.person_id == person.id))
    )
    if absence is None:
        absence = Absence(round_id=rnd.id, person_id=person.id)
        db.session.add(absence)
    absence.reason_code = reason_code
    absence.reason_text = text
    absence.excused = bool(excused)
    absence.recorded_by_id = actor.id
    absence.recorded_at = utcnow()
    db.session.add(AuditLog(actor_id=actor.id, action="absence.record", target_type="person",
                            target_id=person.id, details={"round_id": rnd.id, "reason": reason_code,
                                                          "excused": bool(excused)}))
    db.session.commit()
    return absence


def absence_label(absence: Absence | None) -> str:
    """'Ốm (có lý do)' style label for tables and sheets."""
    if absence is None:
        return "Chưa ghi lý do"
    reason = ABSENCE_REASONS.get(absence.reason_code, absence.reason_code)
    if absence.reason_text:
        reason = absence.reason_text if absence.reason_code == "khac" else f"{reason}: {absence.reason_text}"
    return f"{reason} ({'có lý do' if absence.excused else 'không lý do'})"
