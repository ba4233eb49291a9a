"""Study rounds and their quizzes: create, edit, copy, scope, make-up windows, and which quizzes a
person takes part in (their cell on the session date)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from quizapp import permissions
from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    AttemptStatus,
    AuditLog,
    MakeupWindow,
    Org,
    Person,
    PersonState,
    Quiz,
    RoundOrg,
    StudyRound,
)
from quizapp.services import round_checks as checks
from quizapp.services import rules
from quizapp.services.exceptions import Forbidden, InvalidInput, NotFound
from quizapp.vn import nfc

ROUND_FIELDS = ("title", "documents", "session_date", "place", "form", "threshold_percent")
QUIZ_FIELDS = (
    "title", "draw_rule", "shuffle_questions", "shuffle_choices", "time_limit_minutes", "opens_at",
    "closes_at", "attempts_allowed", "attempt_policy", "cutoffs", "review_policy", "review_when",
    "partial_credit", "grace_seconds",
)


# ---------------------------------------------------------------------------- scope

def rounds_in_scope(person: Person) -> list[StudyRound]:
    """Rounds the person owns or takes part in through their subtree, newest first
    (permissions.round_scope_clause)."""
    cond = permissions.round_scope_clause(person)
    stmt = select(StudyRound).options(selectinload(StudyRound.quiz), selectinload(StudyRound.owner_org))
    if cond is not None:
        stmt = stmt.where(cond)
    return list(db.session.scalars(stmt.order_by(StudyRound.session_date.desc(), StudyRound.id.desc())))


def owner_choices(person: Person) -> list[Org]:
    """Orgs the person may organize a round for: staff any node of their subtree, secretaries their cell."""
    return permissions.managed_orgs(person)


def participating_paths(rnd: StudyRound) -> list[str]:
    """Path prefixes of the round's participating subtrees."""
    return [ro.org.path for ro in rnd.orgs]


def quiz_by_short_code(code: str) -> Quiz:
    """The quiz behind a short link (case-insensitive), or NotFound."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.short_code == nfc(code).upper()))
    if quiz is None:
        raise NotFound("Không tìm thấy bài kiểm tra với mã này.")
    return quiz


# ---------------------------------------------------------------------------- create / edit / copy

def _validate(fields: dict, quiz_fields: dict, owner_org: Org | None, orgs: list[Org], actor: Person) -> dict:
    """Run every check; raise one InvalidInput listing all problems. Returns the clean draw rule."""
    problems = checks.check_round_fields(fields) + checks.check_quiz_fields(quiz_fields)
    problems += checks.check_orgs(owner_org, orgs, actor)
    try:
        draw_rule = checks.normalize_draw_rule(quiz_fields.get("draw_rule"))
    except (KeyError, TypeError, ValueError):
        draw_rule = None
        problems.append(checks.problem("rules", "Quy tắc rút câu hỏi không hợp lệ."))
    if draw_rule is not None:
        problems += checks.check_draw_rule(draw_rule, actor)
    if problems:
        raise InvalidInput("Chưa lưu được: vui lòng sửa các lỗi được nêu.", details=problems)
    return draw_rule


def _apply(rnd: StudyRound, quiz: Quiz, fields: dict, quiz_fields: dict, draw_rule: dict, orgs: list[Org]) -> None:
    for name in ROUND_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(rnd, name, nfc(value) if name in ("title", "place") and value is not None else value)
    rnd.documents = "\n".join(line for line in (nfc(x) for x in (fields.get("documents") or "").splitlines()) if line)
    rnd.threshold_percent = float(fields["threshold_percent"])
    for name in QUIZ_FIELDS:
        if name in quiz_fields:
            setattr(quiz, name, quiz_fields[name])
    quiz.title = nfc(quiz_fields["title"])
    quiz.draw_rule = draw_rule
    quiz.cutoffs = {k: float(quiz_fields["cutoffs"][k]) for k in checks.CUTOFF_KEYS}
    wanted = {o.id for o in orgs}
    rnd.orgs[:] = [ro for ro in rnd.orgs if ro.org_id in wanted]
    have = {ro.org_id for ro in rnd.orgs}
    for org in orgs:
        if org.id not in have:
            rnd.orgs.append(RoundOrg(org_id=org.id, org=org))
            have.add(org.id)


def _audit(actor: Person, action: str, target_type: str, target_id: int, **details) -> None:
    db.session.add(AuditLog(actor_id=actor.id, action=action, target_type=target_type,
                            target_id=target_id, details=details or None, at=utcnow()))


def create_round(fields: dict, quiz_fields: dict, owner_org: Org, participating_orgs: list[Org],
                 actor: Person, *, copied_from: StudyRound | None = None) -> StudyRound:
    """Create a round with its quiz after validating everything; commits and audits."""
    begin_write()
    draw_rule = _validate(fields, quiz_fields, owner_org, participating_orgs, actor)
    rnd = StudyRound(owner_org_id=owner_org.id, owner_org=owner_org, created_by_id=actor.id,
                     copied_from_id=copied_from.id if copied_from else None)
    quiz = Quiz(round=rnd, short_code=checks.new_short_code())
    _apply(rnd, quiz, fields, quiz_fields, draw_rule, participating_orgs)
    db.session.add(rnd)
    db.session.flush()
    _audit(actor, "round.copy" if copied_from else "round.create", "study_round", rnd.id,
           copied_from=copied_from.id if copied_from else None)
    db.session.commit()
    return rnd


def update_round(rnd: StudyRound, fields: dict, quiz_fields: dict, participating_orgs: list[Org],
                 actor: Person) -> StudyRound:
    """Change a round's settings and quiz (the owner org stays); commits and audits."""
    begin_write()
    if not permissions.can_edit_round(rnd, actor):
        raise Forbidden("Chỉ cấp ủy, chi bộ tổ chức đợt học tập này mới được thay đổi nó.")
    draw_rule = _validate(fields, quiz_fields, rnd.owner_org, participating_orgs, actor)
    quiz = rnd.quiz
    scoring_before = (dict(quiz.cutoffs or {}), bool(quiz.partial_credit))
    _apply(rnd, quiz, fields, quiz_fields, draw_rule, participating_orgs)
    regraded = 0
    if (quiz.cutoffs, bool(quiz.partial_credit)) != scoring_before:
        regraded = _regrade_finished(quiz)
    _audit(actor, "round.update", "study_round", rnd.id, regraded=regraded or None)
    db.session.commit()
    return rnd


def _regrade_finished(quiz: Quiz) -> int:
    """Rescore finished attempts after a change of cut-offs or partial credit; returns how many."""
    from quizapp.models import Attempt
    from quizapp.services.grading import grade_attempt

    db.session.flush()
    attempts = list(db.session.scalars(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.FINISHED)))
    for attempt in attempts:
        grade_attempt(attempt)
    return len(attempts)


def round_values(rnd: StudyRound) -> tuple[dict, dict]:
    """The round's and its quiz's settings as the dicts create_round takes."""
    fields = {name: getattr(rnd, name) for name in ROUND_FIELDS}
    quiz_fields = {name: getattr(rnd.quiz, name) for name in QUIZ_FIELDS}
    quiz_fields["draw_rule"] = dict(rnd.quiz.draw_rule or {})
    quiz_fields["cutoffs"] = dict(rnd.quiz.cutoffs or {})
    return fields, quiz_fields


def copy_round(rnd: StudyRound, actor: Person, new_dates: dict) -> StudyRound:
    """A new round with every setting of `rnd` and new dates (session_date, opens_at, closes_at)."""
    if not permissions.can_edit_round(rnd, actor):
        raise Forbidden("Chỉ cấp ủy, chi bộ tổ chức đợt học tập này mới được sao chép nó.")
    fields, quiz_fields = round_values(rnd)
    fields["session_date"] = new_dates.get("session_date")
    quiz_fields["opens_at"] = new_dates.get("opens_at")
    quiz_fields["closes_at"] = new_dates.get("closes_at")
    if new_dates.get("title"):
        fields["title"] = new_dates["title"]
    orgs = [ro.org for ro in rnd.orgs]
    return create_round(fields, quiz_fields, rnd.owner_org, orgs, actor, copied_from=rnd)


# ---------------------------------------------------------------------------- make-up windows

def grant_makeup(quiz: Quiz, *, person: Person | None = None, org: Org | None = None,
                 opens_at: datetime | None, closes_at: datetime | None, reason: str, actor: Person) -> MakeupWindow:
    """Open a học bù window for one person or one cell, within the actor's own subtree; commits."""
    begin_write()
    rnd = quiz.round
    if not permissions.can_view_round(rnd, actor):
        raise NotFound("Không tìm thấy đợt học tập này.")
    if (person is None) == (org is None):
        raise InvalidInput("Vui lòng chọn một đảng viên hoặc cả chi bộ để cho học bù.")
    target = permissions.check_makeup_scope(rnd, person, org, actor)
    if not permissions.within(target.path, participating_paths(rnd)):
        raise InvalidInput("Đảng viên hoặc chi bộ này không tham gia đợt học tập.")
    problems = []
    if opens_at is None or closes_at is None:
        problems.append(checks.problem("opens_at", "Vui lòng chọn thời điểm mở và đóng đợt học bù."))
    elif closes_at <= opens_at:
        problems.append(checks.problem("closes_at", "Thời điểm đóng phải sau thời điểm mở."))
    if not nfc(reason):
        problems.append(checks.problem("reason", "Vui lòng ghi lý do cho học bù."))
    if problems:
        raise InvalidInput("Chưa cho học bù được: vui lòng sửa các lỗi được nêu.", details=problems)
    window = MakeupWindow(quiz_id=quiz.id, person_id=person.id if person else None,
                          org_id=org.id if org else None, opens_at=opens_at, closes_at=closes_at,
                          reason=nfc(reason)[:300], granted_by_id=actor.id, created_at=utcnow())
    db.session.add(window)
    db.session.flush()
    _audit(actor, "makeup.grant", "makeup_window", window.id, quiz_id=quiz.id,
           person_id=window.person_id, org_id=window.org_id)
    db.session.commit()
    return window


def makeup_windows(quiz: Quiz, person: Person) -> list[MakeupWindow]:
    """The quiz's make-up windows that concern the person's scope, newest first."""
    rows = db.session.scalars(
        select(MakeupWindow).where(MakeupWindow.quiz_id == quiz.id).order_by(MakeupWindow.id.desc())
    )
    out = []
    for w in rows:
        target = w.org if w.org_id else permissions.person_cell_on(w.person, quiz.round.session_date)
        if target is not None and permissions.can_manage_org(target, person):
            out.append(w)
    return out


def makeup_candidates(rnd: StudyRound, person: Person) -> tuple[list[Person], list[Org]]:
    """People and cells the person may grant a make-up to in this round: only those who can still
    take it — members who count (party members, not exempt, on the session date), have no counted
    attempt and hold no make-up window yet (their own or their cell's). A cell is offered while
    it has such a member and no cell-wide window."""
    from quizapp.services.participation import member_statuses

    prefixes = participating_paths(rnd)
    cells = [o for o in permissions.managed_orgs(person) if o.is_cell and permissions.within(o.path, prefixes)]
    windows = list(db.session.scalars(select(MakeupWindow).where(MakeupWindow.quiz_id == rnd.quiz.id))) \
        if rnd.quiz is not None else []
    granted_people = {w.person_id for w in windows if w.person_id}
    granted_cells = {w.org_id for w in windows if w.org_id}
    people, open_cells, seen = [], [], set()
    for cell in cells:
        if cell.id in granted_cells:
            continue
        waiting = [s.person for s in member_statuses(rnd, cell)
                   if s.missing and s.person.id not in granted_people
                   and s.person.id not in seen]
        if waiting:
            open_cells.append(cell)
        for p in waiting:
            seen.add(p.id)
            people.append(p)
    return people, open_cells


# ---------------------------------------------------------------------------- member view

def eligible_quiz_ids(person: Person, now: datetime | None = None) -> set[int]:
    """Quizzes whose round the person takes part in: their cell on the round's session date lies
    in one of the round's participating subtrees (rules.round_membership_clause, as start applies it)."""
    from quizapp.models import Membership

    if person.state != PersonState.ACTIVE:
        return set()
    return set(db.session.scalars(
        select(Quiz.id).join(StudyRound, StudyRound.id == Quiz.round_id)
        .join(Membership, Membership.person_id == person.id).join(Org, Org.id == Membership.org_id)
        .where(rules.round_membership_clause(StudyRound.id, StudyRound.session_date))
    ))

