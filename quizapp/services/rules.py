"""One home per rule of a round, in SQL and Python forms side by side.

Every page, report, sheet, export and template takes these rules from here (docs/architecture.md,
"Where each rule lives"):

- who takes part in a round and in which cell: membership open on the session date, in a cell
  under one of the round's participating organizations (`round_membership_clause`,
  `round_cell_id`);
- who is required: a party member (chính thức or dự bị) not exempt, both on the session date
  (`party_status_on`, `exempt_on`, `required_clause` / `is_required`);
- which attempt counts (`counted_order` / `pick_counted`) and the score it shows
  (`scored_clause` / `shown_score`): an attempt with an essay still waiting for a mark counts for
  participation, but its score is "chưa chấm", never 0 and never its provisional total;
- the participation rate and whether it meets the threshold, exactly (`rate`, `met`);
- the thresholds: grade cut-offs and the outstanding-score thresholds, declared in config.py
  (`cutoffs_of`, `outstanding_thresholds`).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import bindparam, case, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import aliased

from quizapp.config import DEFAULT_CUTOFFS, DEFAULT_OUTSTANDING_SCORE, DEFAULT_OUTSTANDING_UNIT_MEAN
from quizapp.extensions import db
from quizapp.models import (
    Exemption,
    Membership,
    Org,
    PartyStatusPeriod,
    Person,
    RoundOrg,
    StudyRound,
)

PARTY = ("chinh_thuc", "du_bi")


# ---------------------------------------------------------------- who takes part, in which cell

def membership_open_on(day, membership=Membership):
    """SQL: the Membership row is open on `day` (a date or a date column)."""
    return (membership.start_date <= day) & or_(membership.end_date.is_(None), membership.end_date >= day)


def in_round_clause(round_id, cell=Org):
    """SQL: the org (`cell`, an Org alias) lies in the subtree of one of the round's participating
    orgs. `round_id` is a value or a column."""
    part = aliased(Org)
    return exists(
        select(literal(1)).select_from(RoundOrg).join(part, part.id == RoundOrg.org_id)
        .where(RoundOrg.round_id == round_id, cell.path.like(part.path.concat("%")))
    )


def round_membership_clause(round_id, session_date, membership=Membership, cell=Org):
    """SQL: the membership places its person in the round — open on the session date, in a cell
    (`cell`, joined on membership.org_id) under one of the round's participating orgs. The one
    eligibility rule: start (round_cell_id), the member's quiz list (rounds.eligible_quiz_ids),
    the board and every report (reporting.queries.members_subquery) all use it."""
    return membership_open_on(session_date, membership) & in_round_clause(round_id, cell)


def round_cell_clause(round_id, person_id):
    """SQL: round_cell_id as a scalar subquery (`round_id`, `person_id`: values, bind parameters or
    columns of the enclosing statement), so a start reads it with its other checks in one statement."""
    return (
        select(Membership.org_id)
        .join(Org, Org.id == Membership.org_id)
        .join(StudyRound, StudyRound.id == round_id)
        .where(Membership.person_id == person_id,
               round_membership_clause(StudyRound.id, StudyRound.session_date))
        .order_by(Membership.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )


# Built once: round_cell_id asks it for one person at a time.
_ROUND_CELL = select(round_cell_clause(bindparam("round_id"), bindparam("pid")))


def round_cell_id(round_id: int, person_id: int) -> int | None:
    """The cell the person belonged to on the round's session date, if it lies under one of the
    round's organizations; None otherwise. Start, the grading queue (Attempt.org_id), make-up,
    absences, board and reports follow it: a member who moved since keeps taking part with (and
    being graded by) the cell they studied with. SQL form: round_cell_clause."""
    return db.session.connection().execute(_ROUND_CELL, {"round_id": round_id, "pid": person_id}).scalar()


# ---------------------------------------------------------------- who is required

def _in_force_order(p):
    """The period in force on a date comes first among those started by then."""
    return (p.start_date.desc(), p.id.desc())


def _first_order(p):
    return (p.start_date, p.id)


def party_status_on(person_col, on, fallback=Person.party_status):
    """SQL: a person's party status on a date: the dated period in force then (Python form:
    history.status_on). Before the first period the first period's status applies; a person with
    no periods at all falls back to `fallback` (today's value on Person)."""
    p = aliased(PartyStatusPeriod)
    started = (select(p.party_status).where(p.person_id == person_col, p.start_date <= on)
               .order_by(*_in_force_order(p)).limit(1).correlate_except(p).scalar_subquery())
    f = aliased(PartyStatusPeriod)
    first = (select(f.party_status).where(f.person_id == person_col)
             .order_by(*_first_order(f)).limit(1).correlate_except(f).scalar_subquery())
    return func.coalesce(started, first, fallback)


def party_status_on_joins(person_col, on, fallback=Person.party_status):
    """party_status_on for a statement over many people, PostgreSQL only: (the status expression,
    [(subquery, join condition), ...] to outer-join). Each subquery picks one period per person in
    one DISTINCT ON pass over the periods, where party_status_on looks twice per person (an index
    probe and a sort each): for a 40,000-member roll-up about half the members query's time."""
    p = aliased(PartyStatusPeriod)
    started = (select(p.person_id, p.party_status).where(p.start_date <= on).ext(distinct_on(p.person_id))
               .order_by(p.person_id, *_in_force_order(p)).subquery("status_started"))
    f = aliased(PartyStatusPeriod)
    first = (select(f.person_id, f.party_status).ext(distinct_on(f.person_id))
             .order_by(f.person_id, *_first_order(f)).subquery("status_first"))
    return (func.coalesce(started.c.party_status, first.c.party_status, fallback),
            [(started, started.c.person_id == person_col), (first, first.c.person_id == person_col)])


def exempt_on(person_col, on):
    """SQL: an exemption (miễn sinh hoạt) period covers the date (Python form: history.exempt_on)."""
    e = aliased(Exemption)
    return exists(select(literal(1)).where(
        e.person_id == person_col, e.start_date <= on, or_(e.end_date.is_(None), e.end_date >= on),
    ).correlate_except(e))


def is_party(party_status: str | None) -> bool:
    """Chính thức or dự bị."""
    return party_status in PARTY


def is_required(party_status: str | None, exempt: bool) -> bool:
    """Python: the member counts in the denominator — a party member not exempt (both as of the
    session date)."""
    return is_party(party_status) and not exempt


def party_clause(status_col):
    """SQL form of is_party."""
    return status_col.in_(PARTY)


def required_clause(status_col, exempt_col):
    """SQL form of is_required, over a members_subquery's party_status and exempt columns."""
    return party_clause(status_col) & exempt_col.is_(False)


# ---------------------------------------------------------------- which attempt counts

def counted_order(policy: str | None, a):
    """SQL ORDER BY of finished attempts (an Attempt alias or table) so the counted one comes first.

    "last": the highest number; "first": the lowest; "best" (default): the highest stored score,
    an attempt without a score after every scored one, ties to the earliest. An attempt whose
    essays wait for a mark ranks by the score stored so far (its essays at 0: a lower bound); its
    shown score is still "chưa chấm" (shown_score)."""
    if policy == "last":
        return (a.number.desc(),)
    if policy == "first":
        return (a.number.asc(),)
    return (case((a.score.is_(None), 1), else_=0), a.score.desc(), a.number.asc())


def _counted_key(policy: str | None):
    if policy == "last":
        return lambda a: -a.number
    if policy == "first":
        return lambda a: a.number
    return lambda a: (a.score is None, -(a.score or 0), a.number)


def pick_counted(attempts, policy: str | None):
    """Python form of counted_order: the counted attempt among `attempts` (only finished ones
    count), or None."""
    finished = [a for a in attempts if a.status == "finished"]
    return min(finished, key=_counted_key(policy)) if finished else None


def scored_clause(c):
    """SQL: the counted attempt (alias or table `c`) has a final score — no essay waits for a
    mark and a score is stored. Only those enter means, distributions and commendations."""
    return (c.pending_essays == 0) & c.score.is_not(None)


def shown_score(attempt) -> float | None:
    """Python form of scored_clause: the score to print, or None ("chưa chấm") while an essay
    waits for a mark or no score is stored. Never 0 for an ungraded attempt."""
    if attempt is None or attempt.status != "finished" or attempt.pending_essays or attempt.score is None:
        return None
    return attempt.score


# ---------------------------------------------------------------- rate and "met"

def _exact(value) -> Fraction:
    return Fraction(value) if isinstance(value, (int, Fraction)) else Fraction(str(value))


def rate(part: int, whole: int) -> float:
    """Share of `whole` that took part, in percent, for display (100 when nobody is required).
    Printing truncates (vn.format_rate); whether the threshold is met is decided by `met`."""
    return 100.0 * part / whole if whole else 100.0


def met(part: int, whole: int, threshold) -> bool:
    """Exactly: part / whole ≥ threshold %, in integers and fractions, no epsilon (nobody required:
    met). 49 of 50 meets 98 %; 97 of 99 does not."""
    if not whole:
        return True
    return Fraction(100 * part) >= _exact(threshold) * whole


# ---------------------------------------------------------------- thresholds

def _config(name: str, default):
    try:
        from flask import current_app

        return current_app.config.get(name, default)
    except RuntimeError:  # outside an application (the ledger checker)
        return default


def cutoffs_of(cutoffs: dict | None) -> dict:
    """The grade cut-offs in force: the quiz's own over the defaults (config DEFAULT_CUTOFFS)."""
    return {**_config("DEFAULT_CUTOFFS", DEFAULT_CUTOFFS), **(cutoffs or {})}


@dataclass(frozen=True)
class Outstanding:
    """Commendation thresholds of a roll-up: a member's score, and a unit's mean (with 100 % taking part)."""

    score: float
    unit_mean: float


def outstanding_thresholds() -> Outstanding:
    """REPORT_OUTSTANDING_SCORE and REPORT_OUTSTANDING_UNIT_MEAN (config.py)."""
    return Outstanding(score=float(_config("REPORT_OUTSTANDING_SCORE", DEFAULT_OUTSTANDING_SCORE)),
                       unit_mean=float(_config("REPORT_OUTSTANDING_UNIT_MEAN", DEFAULT_OUTSTANDING_UNIT_MEAN)))
