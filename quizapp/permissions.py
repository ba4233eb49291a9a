"""Who may see what. Every list, count, export or report is scoped through this module.

Roles are grants over org nodes: secretary/deputy manage their cell (and any tổ đảng under it),
staff manage every node below theirs, admin manages everything. Plain membership gives no
management right at all.
"""
from __future__ import annotations

from datetime import date
from functools import wraps

from flask import abort, g, has_request_context
from flask_login import current_user, login_required
from sqlalchemy import bindparam, false, or_, select, true
from sqlalchemy.orm import aliased

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import (
    Membership,
    Org,
    OrgKind,
    Person,
    RoleGrant,
    RoundOrg,
    StudyRound,
)
from quizapp.services.exceptions import Forbidden, NotFound

MANAGER_ROLES = ("secretary", "deputy", "staff", "admin")


def grants(person: Person | None = None) -> list[RoleGrant]:
    """The person's role grants (cached per request for the current user)."""
    person = person if person is not None else current_user
    if not getattr(person, "is_authenticated", False):
        return []
    cache = g.setdefault("_grants", {}) if _has_g() else {}
    if person.id not in cache:
        cache[person.id] = list(
            db.session.scalars(select(RoleGrant).where(RoleGrant.person_id == person.id))
        )
    return cache[person.id]


def _has_g() -> bool:
    try:
        g.get("x")
        return True
    except RuntimeError:
        return False


def is_admin(person: Person | None = None) -> bool:
    """Site administrator."""
    return any(r.role == "admin" for r in grants(person))


def is_manager(person: Person | None = None) -> bool:
    """Holds any management role (secretary, deputy, staff, admin)."""
    return any(r.role in MANAGER_ROLES for r in grants(person))


def is_staff(person: Person | None = None) -> bool:
    """Committee staff or admin (may schedule rounds and keep banks for a subtree)."""
    return any(r.role in ("staff", "admin") for r in grants(person))


def managed_paths(person: Person | None = None) -> list[str] | None:
    """Path prefixes of the subtrees the person manages; None means everything (admin)."""
    rows = grants(person)
    if any(r.role == "admin" for r in rows):
        return None
    org_ids = [r.org_id for r in rows if r.role in ("secretary", "deputy", "staff") and r.org_id]
    if not org_ids:
        return []
    orgs = db.session.scalars(select(Org).where(Org.id.in_(org_ids))).all()
    return sorted({o.path for o in orgs})


def org_scope_clause(person: Person | None = None, org_column=None):
    """A WHERE clause restricting Org rows (or an org id column) to the managed subtrees."""
    paths = managed_paths(person)
    if paths is None:
        return true()
    if not paths:
        return false()
    cond = or_(*[Org.path.like(p + "%") for p in paths])
    if org_column is None:
        return cond
    return org_column.in_(select(Org.id).where(cond))


def can_manage_org(org: Org | None, person: Person | None = None) -> bool:
    """True when the org lies in one of the person's managed subtrees."""
    if org is None:
        return False
    paths = managed_paths(person)
    if paths is None:
        return True
    return any(org.path.startswith(p) for p in paths)


def can_manage_person(target: Person, person: Person | None = None, on: date | None = None) -> bool:
    """True when the target's cell on the date (default today) is in the caller's scope."""
    paths = managed_paths(person)
    if paths is None:
        return True
    membership = target.current_membership(on)
    return membership is not None and any(membership.org.path.startswith(p) for p in paths)


def members_in_scope(person: Person | None = None, on: date | None = None, org: Org | None = None):
    """A select() of people whose membership on the date lies in scope (and under `org`, if given)."""
    on = on or today_local()
    stmt = (
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .join(Org, Org.id == Membership.org_id)
        .where(
            Membership.start_date <= on,
            or_(Membership.end_date.is_(None), Membership.end_date >= on),
            org_scope_clause(person),
        )
    )
    if org is not None:
        stmt = stmt.where(Org.path.like(org.path + "%"))
    return stmt.order_by(Person.name_key)


def get_org_or_404(org_id: int, person: Person | None = None) -> Org:
    """Load an org the caller manages; one outside their scope is reported as not found."""
    org = db.session.get(Org, org_id)
    if org is None or not can_manage_org(org, person):
        raise NotFound("Không tìm thấy tổ chức đảng này.")
    return org


def get_person_or_404(person_id: int, caller: Person | None = None) -> Person:
    """Load a person in the caller's scope; anyone else is reported as not found."""
    target = db.session.get(Person, person_id)
    if target is None or not can_manage_person(target, caller):
        raise NotFound("Không tìm thấy đảng viên này.")
    return target


def manager_required(view):
    """Decorator: logged in and holding a management role; otherwise 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_manager():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def staff_required(view):
    """Decorator: committee staff or admin; otherwise 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_staff():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def managed_orgs(person: Person | None = None) -> list[Org]:
    """Every org the person manages, in tree order."""
    return list(db.session.scalars(select(Org).where(org_scope_clause(person)).order_by(Org.path)))


def managed_cells(person: Person | None = None) -> list[Org]:
    """The cells (chi bộ) the person manages, in tree order."""
    return [o for o in managed_orgs(person) if o.kind == OrgKind.CHI_BO]


# ---------------------------------------------------------------- the cell an attempt belongs to

def round_cell_id(round_id: int, person_id: int) -> int | None:
    """The cell the person belonged to on the round's session date, if it lies under one of the
    round's organizations; None otherwise. The one rule for who takes part in a round and which
    cell their attempt belongs to: start, the grading queue (Attempt.org_id), board and reports
    (which count members by the same session-date membership) all follow it. A member who moved
    since keeps taking part with (and being graded by) the cell they studied with."""
    row = db.session.connection().execute(_ROUND_CELL, {"round_id": round_id, "pid": person_id}).first()
    return row[0] if row else None


def membership_open_on(day):
    """A WHERE clause: the Membership row is open on `day` (a date or a date column)."""
    return (Membership.start_date <= day) & or_(Membership.end_date.is_(None), Membership.end_date >= day)


def _round_cell_stmt():
    cell, part = aliased(Org), aliased(Org)
    return (
        select(Membership.org_id)
        .join(cell, cell.id == Membership.org_id)
        .join(StudyRound, StudyRound.id == bindparam("round_id"))
        .join(RoundOrg, RoundOrg.round_id == StudyRound.id)
        .join(part, part.id == RoundOrg.org_id)
        .where(Membership.person_id == bindparam("pid"), cell.path.like(part.path.concat("%")),
               membership_open_on(StudyRound.session_date))
        .order_by(Membership.start_date.desc())
        .limit(1)
    )


# Built once: start_attempt runs it in the start storm.
_ROUND_CELL = _round_cell_stmt()


# ---------------------------------------------------------------- managers who also sit the test

OWN_ATTEMPT = ("Bạn không được chấm bài làm của chính mình. Bài này do một đồng chí khác trong chi ủy "
               "hoặc cấp ủy cấp trên chấm.")


def grading_scope_clause(person: Person, attempt_person_col, attempt_org_col):
    """WHERE clause of attempts the person may grade: their cell lies in the person's managed
    subtrees, and the attempt is not the person's own (nobody grades their own attempt; it stays
    with the cell's other managers and the committee staff above)."""
    return org_scope_clause(person, attempt_org_col) & (attempt_person_col != person.id)


def check_may_grade(attempt, person: Person) -> None:
    """Raise NotFound for an attempt outside the person's scope, Forbidden for their own attempt."""
    org = db.session.get(Org, attempt.org_id) if attempt is not None and attempt.org_id else None
    if attempt is None or not can_manage_org(org, person):
        raise NotFound("Không tìm thấy bài làm này.")
    if attempt.person_id == person.id:
        raise Forbidden(OWN_ATTEMPT)


# ---------------------------------------------------------------- no keys before finishing

KEYS_LOCKED = ("Bạn đang tham gia bài kiểm tra “{title}” và chưa làm xong bài, nên chưa được xem đáp án "
               "của các câu hỏi bài kiểm tra này có thể rút ra (trang câu hỏi, tải ngân hàng, phân tích câu hỏi, "
               "sửa đáp án, chấm bài). Đáp án sẽ xem được khi bạn đã nộp bài và hết lượt làm, hoặc khi bài "
               "kiểm tra đóng.")


def quizzes_still_open_to(person: Person, now=None) -> list:
    """Quizzes the person sits (their cell on the session date takes part) and may still answer now:
    the window (or their make-up) is open and they have an attempt in progress or attempts left.
    A manager, staff or admin who sits such a quiz sees none of its keys until then (cached per request)."""
    from quizapp.services.attempt_view import member_quizzes

    if not getattr(person, "is_authenticated", False):
        return []
    cache = g.setdefault("_open_to", {}) if has_request_context() and now is None else {}
    if person.id not in cache:
        cache[person.id] = [c["quiz"] for c in member_quizzes(person, now) if c["state"] == "open"]
    return cache[person.id]


def _drawable_question_ids(quiz) -> set[int]:
    """Every question the quiz's draw rule can give a taker (fixed list, or each random rule's pool)."""
    from quizapp.models import Question, QuestionVersion

    rule = quiz.draw_rule or {}
    if rule.get("mode") == "fixed":
        return {int(i) for i in rule.get("question_ids") or []}
    ids: set[int] = set()
    for r in rule.get("rules") or []:
        stmt = (select(Question.id).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .where(Question.bank_id == int(r.get("bank_id") or 0)))
        if r.get("topic"):
            stmt = stmt.where(QuestionVersion.topic == r["topic"])
        if r.get("difficulty"):
            stmt = stmt.where(QuestionVersion.difficulty == r["difficulty"])
        ids.update(db.session.scalars(stmt))
    return ids


def key_locks(person: Person, now=None) -> dict[int, object]:
    """Question id -> the quiz still open to the person that can draw it (keys hidden from them)."""
    locks: dict[int, object] = {}
    for quiz in quizzes_still_open_to(person, now):
        for qid in _drawable_question_ids(quiz):
            locks.setdefault(qid, quiz)
    return locks


def keys_locked_message(quiz) -> str:
    """The Vietnamese reason shown where a key is withheld."""
    return KEYS_LOCKED.format(title=quiz.title)


def check_keys_of_question(question_id: int, person: Person) -> None:
    """Raise Forbidden (with the reason) when the person may not see this question's key yet."""
    quiz = key_locks(person).get(question_id)
    if quiz is not None:
        raise Forbidden(keys_locked_message(quiz))


def check_keys_of_bank(bank_id: int, person: Person) -> None:
    """Raise Forbidden when any question of the bank is locked for the person (export, download)."""
    from quizapp.models import Question

    locks = key_locks(person)
    if not locks:
        return
    hit = db.session.scalar(select(Question.id).where(Question.bank_id == bank_id, Question.id.in_(list(locks)))
                            .limit(1))
    if hit is not None:
        raise Forbidden(keys_locked_message(locks[hit]))


def check_keys_of_round(rnd, person: Person) -> None:
    """Raise Forbidden when the round's quiz is still open to the person (item analysis, key fixes)."""
    quiz = rnd.quiz
    if quiz is not None and any(q.id == quiz.id for q in quizzes_still_open_to(person)):
        raise Forbidden(keys_locked_message(quiz))
