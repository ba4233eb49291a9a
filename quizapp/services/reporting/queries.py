"""Aggregate queries for participation and results: SQL GROUP BY, never loops over ORM objects.

The rules themselves live in services/rules.py: who takes part (membership on the round's
session date, within the round's participating organizations), who is required (party status and
exemption as of the session date), which attempt counts (quiz.attempt_policy) and which score is
final. These queries only aggregate them.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from sqlalchemy import Integer, String, and_, bindparam, case, cast, exists, func, literal, null, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import (
    Absence,
    Answer,
    Attempt,
    AttemptItem,
    AttemptMode,
    AttemptStatus,
    Membership,
    Org,
    Person,
    QuestionVersion,
    Quiz,
    StudyRound,
)
from quizapp.services import rules
from quizapp.services.question_types import manual_type_names

CLASS_KEYS = ("gioi", "kha", "trung_binh", "chua_dat")
_READING: ContextVar[dict | None] = ContextVar("report_reading", default=None)


@contextmanager
def one_reading():
    """Within the block, the figures of one round and node are queried once: cell_rows, the counted
    attempts it reads on the way (counted_attempts) and essay_counts.

    A document reads the figures twice (readiness, then the document itself): inside one reading
    both see the same rows, and a 1,000-cell roll-up pays its aggregate queries once. A reading
    inside another is the same reading. It lives for one block of one request: nothing outlives it."""
    if _READING.get() is not None:
        yield
        return
    token = _READING.set({})
    try:
        yield
    finally:
        _READING.reset(token)


def _remembered(key, compute):
    memo = _READING.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _remember(key, value) -> None:
    memo = _READING.get()
    if memo is not None:
        memo.setdefault(key, value)


def members_subquery(rnd: StudyRound, node: Org, materialized: bool = False, with_counted: bool = False,
                     extra=()):
    """People whose membership on the session date is under `node` and inside the round.

    Party status and exemption are those in force on the session date, never today's flags.
    `materialized`: a `WITH m AS MATERIALIZED (...)` CTE instead of a subquery, for a query that
    reads party_status and exempt many times per member (an inlined subquery would evaluate their
    correlated lookups once per reference: cell_rows has about twenty).
    `with_counted`: a `counted_id` column too (the member's counted attempt, NULL if none), sought
    once per member inside the CTE (as a join condition outside it, PostgreSQL evaluated the lookup
    twice per member).
    `extra`: more columns of Membership, Person or the cell (Org), already joined here, so a caller
    does not join them a second time.
    Over many cells on PostgreSQL (_set_wise) the status and the counted attempt are outer joins to
    one DISTINCT ON pass each (rules.party_status_on_joins, counted_attempt_rows) instead of lookups
    per member; the rows are the same.
    """
    on = rnd.session_date
    joins = []
    if _set_wise(node):
        status, joins = rules.party_status_on_joins(Membership.person_id, on)
    else:
        status = rules.party_status_on(Membership.person_id, on)
    cols = [
        Membership.person_id.label("person_id"), Membership.org_id.label("cell_id"), status.label("party_status"),
        rules.exempt_on(Membership.person_id, on).label("exempt"),
    ]
    if with_counted:
        if _set_wise(node) and rnd.quiz is not None:
            counted_rows = counted_attempt_rows(rnd.quiz)
            joins.append((counted_rows, counted_rows.c.person_id == Membership.person_id))
            cols.append(counted_rows.c.id.label("counted_id"))
        else:
            cols.append(counted_id(Membership.person_id, rnd.quiz).label("counted_id"))
    cols += extra
    stmt = select(*cols).join(Person, Person.id == Membership.person_id).join(Org, Org.id == Membership.org_id)
    for table, on_clause in joins:
        stmt = stmt.outerjoin(table, on_clause)
    stmt = (
        stmt
        .where(
            rules.round_membership_clause(rnd.id, on),
            # An IN over the subtree's ids lets the membership(org_id) index drive the scan.
            Membership.org_id.in_(select(Org.id).where(permissions.within_clause([node.path])).scalar_subquery()),
        )
    )
    if materialized:
        return stmt.cte("m").prefix_with("MATERIALIZED")  # SQLite >= 3.35, PostgreSQL >= 12
    return stmt.subquery("m")


def _set_wise(node: Org) -> bool:
    """Whether members_subquery reads party status and counted attempts set-wise (one DISTINCT ON
    pass each, hash-joined) rather than looking them up per member: on PostgreSQL, for a node above
    a cell (a roll-up or export over many cells). A cell's few dozen members are cheaper looked up
    one by one than a pass over the whole table; SQLite has no DISTINCT ON and seeks its indexes
    per member cheaply."""
    return not node.is_cell and db.session.get_bind().dialect.name == "postgresql"


def counted_attempt_rows(quiz: Quiz):
    """Subquery (person_id, id): every person's counted finished attempt in the quiz
    (rules.counted_order), in one DISTINCT ON pass (PostgreSQL); counted_id's set-wise form."""
    a = aliased(Attempt)
    return (
        select(a.person_id, a.id).where(a.quiz_id == quiz.id, a.status == "finished").ext(postgresql.distinct_on(a.person_id))
        .order_by(a.person_id, *rules.counted_order(quiz.attempt_policy, a)).subquery("counted_rows")
    )


def counted_id(person_col, quiz: Quiz | None):
    """SQL scalar: the id of the person's counted finished attempt (rules.counted_order), NULL if none.

    A correlated `(SELECT id ... ORDER BY policy LIMIT 1)` seeks the (quiz, person, number)
    index once per member, so joining it stays linear in the number of members.
    """
    if quiz is None:
        return null()
    a = aliased(Attempt)
    return (
        select(a.id).where(a.quiz_id == quiz.id, a.person_id == person_col, a.status == "finished")
        .order_by(*rules.counted_order(quiz.attempt_policy, a)).limit(1).correlate_except(a).scalar_subquery()
    )


def counted(person_col, quiz: Quiz | None):
    """(table alias `c`, join condition): the person's counted finished attempt (counted_id)."""
    c = Attempt.__table__.alias("c")
    if quiz is None:
        return c, literal(False)
    return c, c.c.id == counted_id(person_col, quiz)


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
    paper_tested: int = 0  # of `tested`, those whose counted attempt is on paper (scores hidden from some)

    @property
    def rate(self) -> float:
        """Share of required members who took part, in percent (100 when nobody is required)."""
        return rules.rate(self.took_part, self.required)

    @property
    def rate_before_makeup(self) -> float:
        """The same share counting only attempts made before any make-up (học bù)."""
        return rules.rate(self.on_time, self.required)

    def met(self, threshold) -> bool:
        """Whether the cell meets the round's threshold (rules.met: exact)."""
        return rules.met(self.took_part, self.required, threshold)

    @property
    def mean(self) -> float | None:
        """Mean score of those tested (exact, rounded half up to two decimals), or None."""
        from quizapp.services.grading import mean_of

        return mean_of(self.score_sum, self.tested)


def cell_rows(rnd: StudyRound, node: Org, outstanding_score: float | None = None) -> list[CellRow]:
    """One aggregate row per cell at or under `node` that has members in the round (GROUP BY).
    `outstanding_score`: the commendation threshold (default: rules.outstanding_thresholds)."""
    if outstanding_score is None:
        outstanding_score = rules.outstanding_thresholds().score
    rows = _remembered(("cell_rows", rnd.id, node.id, outstanding_score),
                       lambda: _cell_rows(rnd, node, outstanding_score))
    return [replace(r, distribution=dict(r.distribution)) for r in rows]  # callers get their own copies


def counted_attempts(rnd: StudyRound, node: Org) -> dict[int, int]:
    """{counted attempt id: cell id} of every required member under `node` who took part
    (rules.required_clause, rules.counted_order) — whom item analysis, essay counts and
    commendations cover.

    cell_rows' query collects them on its way (it joins every member to their counted attempt
    already), so inside one reading they cost nothing more; the queries that use them then read
    `attempt_id IN (...)`: a list the planner counts exactly (a join to the members subquery hides
    its size behind the dated status and counted-attempt lookups, and PostgreSQL then walks every
    answer through nested loops)."""
    if rnd.quiz is None:
        return {}
    return _remembered(("counted", rnd.id, node.id),
                       lambda: _cell_reading(rnd, node, rules.outstanding_thresholds().score)[1])


def among(col, ids):
    """SQL: `col` is one of `ids` (counted_attempts), however many: on PostgreSQL
    `= ANY('{1,2,…}'::INTEGER[])` written into the statement, so the planner counts the array (a
    bound array parameter is planned as ten elements, and a Python list is adapted element by
    element); on SQLite a json_each of the list (no limit of 32,766 bound parameters)."""
    listed = ",".join(map(str, ids))
    if db.session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, "{" + listed + "}", type_=String, literal_execute=True)
        return col == func.any(cast(array, postgresql.ARRAY(Integer)))
    each = func.json_each(bindparam(None, "[" + listed + "]", type_=String)).table_valued("value")
    return col.in_(select(each.c.value))


def _cell_rows(rnd: StudyRound, node: Org, outstanding_score: float) -> list[CellRow]:
    rows, counted = _cell_reading(rnd, node, outstanding_score)
    _remember(("counted", rnd.id, node.id), counted)
    return rows


def _cell_reading(rnd: StudyRound, node: Org, outstanding_score: float) -> tuple[list[CellRow], dict[int, int]]:
    m = members_subquery(rnd, node, materialized=True, with_counted=True)
    c = Attempt.__table__.alias("c")
    c_on = c.c.id == m.c.counted_id
    party = rules.party_clause(m.c.party_status)
    required = rules.required_clause(m.c.party_status, m.c.exempt)
    took = and_(required, c.c.id.is_not(None))
    tested = and_(took, rules.scored_clause(c.c))
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
        count(and_(tested, c.c.mode == AttemptMode.PAPER)),
        func.aggregate_strings(case((took, cast(c.c.id, String))), ","),  # counted_attempts, per cell
    ]
    stmt = (
        select(*cols).select_from(m)
        .outerjoin(c, c_on)
        .outerjoin(Absence, and_(Absence.round_id == rnd.id, Absence.person_id == m.c.person_id))
        .group_by(m.c.cell_id)
    )
    rows = {}
    counted_ids = {}
    for r in db.session.execute(stmt):
        row = CellRow(org_id=r[0], total=r[1] or 0, exempt=r[2] or 0, required=r[3] or 0,
                      took_part=r[4] or 0, on_time=r[5] or 0, absent_excused=r[6] or 0,
                      absent_unexcused_recorded=r[7] or 0, tested=r[8] or 0,
                      score_sum=round(float(r[9] or 0), 1), pending=r[10] or 0, non_party=r[11] or 0,
                      outstanding_people=r[12] or 0)
        row.distribution = {k: (r[13 + i] or 0) for i, k in enumerate(CLASS_KEYS)}
        row.paper_tested = r[13 + len(CLASS_KEYS)] or 0
        rows[row.org_id] = row
        if r[-1]:
            counted_ids.update(dict.fromkeys(map(int, r[-1].split(",")), row.org_id))
    if rows:
        for oid, code, name, path in db.session.execute(
            select(Org.id, Org.code, Org.name, Org.path).where(Org.id.in_(list(rows)))
        ):
            rows[oid].code, rows[oid].name, rows[oid].path = code, name, path
    return sorted(rows.values(), key=lambda x: x.path), counted_ids


def essay_counts(rnd: StudyRound, node: Org) -> tuple[int, int]:
    """(essays submitted, essays graded) in the counted attempts of required members under node."""
    if rnd.quiz is None:
        return 0, 0
    return _remembered(("essay_counts", rnd.id, node.id), lambda: _essay_counts(rnd, node))


def _essay_counts(rnd: StudyRound, node: Org) -> tuple[int, int]:
    # Driven from the essay versions (a few, often none) through attempt_item(question_version_id),
    # not from every item of every counted attempt.
    essays = select(QuestionVersion.id).where(QuestionVersion.type.in_(manual_type_names()))
    stmt = (
        select(func.count(Answer.id), func.count(Answer.awarded))
        .select_from(AttemptItem)
        .join(Answer, and_(Answer.attempt_id == AttemptItem.attempt_id, Answer.position == AttemptItem.position))
        .where(AttemptItem.question_version_id.in_(essays), among(AttemptItem.attempt_id, counted_attempts(rnd, node)),
               Answer.value.is_not(None))
    )
    submitted, graded = db.session.execute(stmt).one()
    return int(submitted or 0), int(graded or 0)


def outstanding_people(rnd: StudyRound, node: Org, min_score: float, limit: int = 200) -> list[dict]:
    """Required members under node whose counted score is final and at least min_score, best first."""
    if rnd.quiz is None:
        return []
    counted_cells = counted_attempts(rnd, node)
    stmt = (
        select(Person.full_name, Attempt.id, Attempt.score)
        .join(Person, Person.id == Attempt.person_id)
        .where(among(Attempt.id, counted_cells), rules.scored_clause(Attempt), Attempt.score >= min_score)
        .order_by(Attempt.score.desc(), Person.name_key, Person.id)
        .limit(limit)
    )
    rows = db.session.execute(stmt).all()
    cells = {counted_cells[aid] for _, aid, _ in rows}
    names = {oid: name for oid, name in db.session.execute(select(Org.id, Org.name).where(Org.id.in_(cells)))}
    return [{"name": n, "cell": names[counted_cells[aid]], "score": s} for n, aid, s in rows]


def member_result_rows(rnd: StudyRound, node: Org):
    """Per-member result rows for exports, streamed in cell then Vietnamese name order.

    Yields (member_code, full_name, cell_name, party_status, exempt, took_part, open_attempt,
    is_makeup, score, classification, pending_essays, finished_at, reason_code, reason_text, excused,
    mode) — score is the counted attempt's final score (None while an essay waits for a mark,
    rules.scored_clause); mode of the counted attempt: "online" or "paper".
    """
    m = members_subquery(rnd, node, with_counted=True, extra=(
        Person.member_code, Person.full_name, Person.name_key, Org.name.label("cell_name"), Org.path.label("cell_path")))
    c = Attempt.__table__.alias("c")
    qid = rnd.quiz.id if rnd.quiz else -1
    open_attempt = exists(select(literal(1)).where(
        Attempt.quiz_id == qid, Attempt.person_id == m.c.person_id, Attempt.status == AttemptStatus.IN_PROGRESS))
    stmt = (
        select(m.c.member_code, m.c.full_name, m.c.cell_name, m.c.party_status, m.c.exempt,
               c.c.id.is_not(None), open_attempt, c.c.is_makeup,
               case((rules.scored_clause(c.c), c.c.score), else_=None), c.c.classification,
               c.c.pending_essays, c.c.finished_at, Absence.reason_code, Absence.reason_text,
               Absence.excused, c.c.mode)
        .select_from(m)
        .outerjoin(c, c.c.id == m.c.counted_id)
        .outerjoin(Absence, and_(Absence.round_id == rnd.id, Absence.person_id == m.c.person_id))
        .order_by(m.c.cell_path, m.c.name_key, m.c.person_id)
    )
    return db.session.execute(stmt.execution_options(yield_per=2000))
