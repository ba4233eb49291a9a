"""Aggregate queries for participation and results: SQL GROUP BY, never loops over ORM objects.

Who counts is decided by membership on the round's session date (not today's roster), within
the round's participating organizations, with party status and exemption also taken as of the
session date (party_status_on, exempt_on). The counted attempt follows quiz.attempt_policy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from quizapp.extensions import db
from quizapp.models import (
    Absence, Answer, Attempt, AttemptItem, Exemption, Membership, Org, PartyStatusPeriod, Person, Quiz, QuestionVersion,
    RoundOrg, StudyRound,
)
from quizapp.services.question_types import manual_type_names

PARTY = ("chinh_thuc", "du_bi")
CLASS_KEYS = ("gioi", "kha", "trung_binh", "chua_dat")


def in_round_clause(round_id: int, org_alias=Org):
    """True when the org (alias) lies in the subtree of one of the round's participating orgs."""
    part = aliased(Org)
    return exists(
        select(literal(1)).select_from(RoundOrg).join(part, part.id == RoundOrg.org_id)
        .where(RoundOrg.round_id == round_id, org_alias.path.like(part.path.concat("%")))
    )


def party_status_on(person_col, on, fallback=Person.party_status):
    """A person's party status on a date: the dated period in force then.

    Before the first period the first period's status applies; a person with no periods at all
    falls back to `fallback` (today's value on Person).
    """
    p = aliased(PartyStatusPeriod)
    started = (select(p.party_status).where(p.person_id == person_col, p.start_date <= on)
               .order_by(p.start_date.desc(), p.id.desc()).limit(1).correlate_except(p).scalar_subquery())
    f = aliased(PartyStatusPeriod)
    first = (select(f.party_status).where(f.person_id == person_col)
             .order_by(f.start_date, f.id).limit(1).correlate_except(f).scalar_subquery())
    return func.coalesce(started, first, fallback)


def exempt_on(person_col, on):
    """True when an exemption (miễn sinh hoạt) period covers the date."""
    e = aliased(Exemption)
    return exists(select(literal(1)).where(
        e.person_id == person_col, e.start_date <= on, or_(e.end_date.is_(None), e.end_date >= on),
    ).correlate_except(e))


def members_subquery(rnd: StudyRound, node: Org):
    """People whose membership on the session date is under `node` and inside the round.

    Party status and exemption are those in force on the session date, never today's flags.
    """
    on = rnd.session_date
    return (
        select(
            Membership.person_id.label("person_id"), Membership.org_id.label("cell_id"),
            party_status_on(Membership.person_id, on).label("party_status"),
            exempt_on(Membership.person_id, on).label("exempt"),
        )
        .join(Person, Person.id == Membership.person_id)
        .join(Org, Org.id == Membership.org_id)
        .where(
            Membership.start_date <= on,
            or_(Membership.end_date.is_(None), Membership.end_date >= on),
            # An IN over the subtree's ids lets the membership(org_id) index drive the scan.
            Membership.org_id.in_(select(Org.id).where(Org.path.like(node.path + "%")).scalar_subquery()),
            in_round_clause(rnd.id),
        )
        .subquery("m")
    )


def _policy_order(quiz: Quiz, a):
    policy = quiz.attempt_policy or "best"
    if policy == "last":
        return (a.number.desc(),)
    if policy == "first":
        return (a.number.asc(),)
    return (case((a.score.is_(None), 1), else_=0), a.score.desc(), a.number.asc())


def counted(person_col, quiz: Quiz | None):
    """(table alias `c`, join condition): the person's counted finished attempt per quiz.attempt_policy.

    A correlated `id = (SELECT ... ORDER BY policy LIMIT 1)` seeks the (quiz, person, number)
    index once per member, so joining it stays linear in the number of members.
    """
    c = Attempt.__table__.alias("c")
    if quiz is None:
        return c, literal(False)
    a = aliased(Attempt)
    best_id = (
        select(a.id).where(a.quiz_id == quiz.id, a.person_id == person_col, a.status == "finished")
        .order_by(*_policy_order(quiz, a)).limit(1).correlate_except(a).scalar_subquery()
    )
    return c, c.c.id == best_id


def on_time(person_col, quiz: Quiz | None):
    """EXISTS a finished attempt that was not a make-up (took part before học bù)."""
    if quiz is None:
        return literal(False)
    a = aliased(Attempt)
    return exists(select(literal(1)).where(a.quiz_id == quiz.id, a.person_id == person_col,
                                           a.status == "finished", a.is_makeup.is_(False)).correlate_except(a))


@dataclass
class CellRow:
    """Aggregates for one cell (membership org) of a round."""

    org_id: int
    code: str = ""
    name: str = ""
    path: str = ""
    total: int = 0
    exempt: int = 0
    required: int = 0
    took_part: int = 0
    on_time: int = 0
    absent_excused: int = 0
    absent_unexcused_recorded: int = 0
    tested: int = 0
    score_sum: float = 0.0
    pending: int = 0
    distribution: dict = field(default_factory=lambda: dict.fromkeys(CLASS_KEYS, 0))
    non_party: int = 0
    outstanding_people: int = 0

    @property
    def rate(self) -> float:
        """Share of required members who took part, in percent (100 when nobody is required)."""
        return 100.0 * self.took_part / self.required if self.required else 100.0

    @property
    def mean(self) -> float | None:
        """Mean score of those tested (exact, rounded half up to two decimals), or None."""
        from quizapp.services.grading import mean_of

        return mean_of(self.score_sum, self.tested)


def cell_rows(rnd: StudyRound, node: Org, outstanding_score: float = 9.0) -> list[CellRow]:
    """One aggregate row per cell at or under `node` that has members in the round (GROUP BY)."""
    m = members_subquery(rnd, node)
    c, c_on = counted(m.c.person_id, rnd.quiz)
    party = m.c.party_status.in_(PARTY)
    required = and_(party, m.c.exempt.is_(False))
    took = and_(required, c.c.id.is_not(None))
    tested = and_(took, c.c.pending_essays == 0, c.c.score.is_not(None))
    absent = and_(required, c.c.id.is_(None))

    def count(cond):
        return func.sum(case((cond, 1), else_=0))

    cols = [
        m.c.cell_id,
        count(party), count(and_(party, m.c.exempt.is_(True))), count(required), count(took),
        count(and_(took, on_time(m.c.person_id, rnd.quiz))),
        count(and_(absent, Absence.excused.is_(True))),
        count(and_(absent, Absence.id.is_not(None), Absence.excused.is_(False))),
        count(tested), func.sum(case((tested, c.c.score), else_=0)),  # NUMERIC: an exact sum
        count(and_(took, c.c.pending_essays > 0)),
        count(~party),
        count(and_(tested, c.c.score >= outstanding_score)),
        *[count(and_(tested, c.c.classification == k)) for k in CLASS_KEYS],
    ]
    stmt = (
        select(*cols).select_from(m)
        .outerjoin(c, c_on)
        .outerjoin(Absence, and_(Absence.round_id == rnd.id, Absence.person_id == m.c.person_id))
        .group_by(m.c.cell_id)
    )
    rows = {}
    for r in db.session.execute(stmt):
        row = CellRow(org_id=r[0], total=r[1] or 0, exempt=r[2] or 0, required=r[3] or 0,
                      took_part=r[4] or 0, on_time=r[5] or 0, absent_excused=r[6] or 0,
                      absent_unexcused_recorded=r[7] or 0, tested=r[8] or 0,
                      score_sum=round(float(r[9] or 0), 1), pending=r[10] or 0, non_party=r[11] or 0,
                      outstanding_people=r[12] or 0)
        row.distribution = {k: (r[13 + i] or 0) for i, k in enumerate(CLASS_KEYS)}
        rows[row.org_id] = row
    if rows:
        for oid, code, name, path in db.session.execute(
            select(Org.id, Org.code, Org.name, Org.path).where(Org.id.in_(list(rows)))
        ):
            rows[oid].code, rows[oid].name, rows[oid].path = code, name, path
    return sorted(rows.values(), key=lambda x: x.path)


def essay_counts(rnd: StudyRound, node: Org) -> tuple[int, int]:
    """(essays submitted, essays graded) in the counted attempts of required members under node."""
    if rnd.quiz is None:
        return 0, 0
    m = members_subquery(rnd, node)
    c, c_on = counted(m.c.person_id, rnd.quiz)
    stmt = (
        select(func.count(Answer.id), func.count(Answer.awarded))
        .select_from(m)
        .join(c, c_on)
        .join(AttemptItem, AttemptItem.attempt_id == c.c.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .join(Answer, and_(Answer.attempt_id == c.c.id, Answer.position == AttemptItem.position))
        .where(QuestionVersion.type.in_(manual_type_names()), Answer.value.is_not(None),
               m.c.party_status.in_(PARTY), m.c.exempt.is_(False))
    )
    submitted, graded = db.session.execute(stmt).one()
    return int(submitted or 0), int(graded or 0)


def outstanding_people(rnd: StudyRound, node: Org, min_score: float = 9.0, limit: int = 200) -> list[dict]:
    """Required members under node whose counted score is at least min_score, best first."""
    if rnd.quiz is None:
        return []
    m = members_subquery(rnd, node)
    c, c_on = counted(m.c.person_id, rnd.quiz)
    stmt = (
        select(Person.full_name, Org.name, c.c.score)
        .select_from(m)
        .join(c, c_on)
        .join(Person, Person.id == m.c.person_id)
        .join(Org, Org.id == m.c.cell_id)
        .where(c.c.score >= min_score, c.c.pending_essays == 0,
               m.c.party_status.in_(PARTY), m.c.exempt.is_(False))
        .order_by(c.c.score.desc(), Person.name_key)
        .limit(limit)
    )
    return [{"name": n, "cell": o, "score": s} for n, o, s in db.session.execute(stmt)]


def member_result_rows(rnd: StudyRound, node: Org):
    """Per-member result rows for exports, streamed in cell then Vietnamese name order.

    Yields (member_code, full_name, cell_name, party_status, exempt, took_part, open_attempt,
    is_makeup, score, classification, pending_essays, finished_at, reason_code, reason_text, excused,
    mode) — mode of the counted attempt: "online" or "paper".
    """
    m = members_subquery(rnd, node)
    c, c_on = counted(m.c.person_id, rnd.quiz)
    qid = rnd.quiz.id if rnd.quiz else -1
    open_attempt = exists(select(literal(1)).where(
        Attempt.quiz_id == qid, Attempt.person_id == m.c.person_id, Attempt.status == "in_progress"))
    stmt = (
        select(Person.member_code, Person.full_name, Org.name, m.c.party_status, m.c.exempt,
               c.c.id.is_not(None), open_attempt, c.c.is_makeup, c.c.score, c.c.classification,
               c.c.pending_essays, c.c.finished_at, Absence.reason_code, Absence.reason_text,
               Absence.excused, c.c.mode)
        .select_from(m)
        .join(Person, Person.id == m.c.person_id)
        .join(Org, Org.id == m.c.cell_id)
        .outerjoin(c, c_on)
        .outerjoin(Absence, and_(Absence.round_id == rnd.id, Absence.person_id == m.c.person_id))
        .order_by(Org.path, Person.name_key, Person.id)
    )
    return db.session.execute(stmt.execution_options(yield_per=2000))
