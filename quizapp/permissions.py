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
from sqlalchemy import false, or_, select, true

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import Attempt, Bank, Membership, Org, Person, RoleGrant, RoundOrg, StudyRound
from quizapp.phrases import N_, Phrase
from quizapp.services.exceptions import Forbidden, NotFound
from quizapp.services.rules import membership_open_on

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
    cond = within_clause(paths)
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
    return within(org.path, paths)


def can_manage_person(target: Person, person: Person | None = None, on: date | None = None) -> bool:
    """True when the target's cell on the date (default today) is in the caller's scope."""
    paths = managed_paths(person)
    if paths is None:
        return True
    membership = target.current_membership(on)
    return membership is not None and within(membership.org.path, paths)


# ---------------------------------------------------------------- people's accounts

ROLE_RANK = {"deputy": 1, "secretary": 2, "staff": 3, "admin": 4}


def role_rank(person: Person) -> int:
    """0 for a plain member, up to 4 for an admin: the highest role the person holds anywhere."""
    return max((ROLE_RANK.get(r.role, 0) for r in grants(person)), default=0)


def role_ranks(person_ids: list[int]) -> dict[int, int]:
    """role_rank for many people in a few queries (people without a role are left out: rank 0)."""
    ranks: dict[int, int] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start:start + 500]
        for pid, role in db.session.execute(select(RoleGrant.person_id, RoleGrant.role)
                                            .where(RoleGrant.person_id.in_(chunk))):
            ranks[pid] = max(ranks.get(pid, 0), ROLE_RANK.get(role, 0))
    return ranks


def can_administer(actor: Person, target: Person) -> bool:
    """Who administers a person's account (edit, transfer, password, login slip): the target is in the
    actor's scope and holds no role above the actor's."""
    if not can_manage_person(target, actor):
        return False
    return role_rank(target) <= role_rank(actor)


def require_admin_of(actor: Person, target: Person, *, target_rank: int | None = None) -> None:
    """can_administer, raising: NotFound outside the actor's scope, Forbidden for a higher role.
    The person page and roster import share it. `target_rank` lets a caller checking many people
    pass ranks looked up at once (role_ranks)."""
    if not can_manage_person(target, actor):
        raise NotFound("Không tìm thấy đảng viên này.")
    rank = role_rank(target) if target_rank is None else target_rank
    if rank > role_rank(actor):
        raise Forbidden("Bạn không thể thay đổi thông tin của người giữ vai trò cao hơn mình.")


def may_override_closed_round(actor: Person | None, cells: list[Org]) -> bool:
    """Who may change a closed round's people (a dated status, exemption or cell change reaching back
    into it, services/history.check_closed_rounds): admins, and committee staff whose subtree holds
    every cell involved."""
    if actor is None:
        return False
    if is_admin(actor):
        return True
    staff_paths = [r.org.path for r in grants(actor) if r.role == "staff" and r.org is not None]
    return bool(cells) and all(within(c.path, staff_paths) for c in cells)


def members_in_scope(person: Person | None = None, on: date | None = None, org: Org | None = None):
    """A select() of people whose membership on the date lies in scope (and under `org`, if given)."""
    on = on or today_local()
    stmt = (
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .join(Org, Org.id == Membership.org_id)
        .where(membership_open_on(on), org_scope_clause(person))
    )
    if org is not None:
        stmt = stmt.where(within_clause([org.path]))
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


def can_keep_orgs(person: Person | None = None) -> bool:
    """Who edits a node's details (name, place, term, seal, signer, document identity), adds nodes and
    grants or withdraws roles, over the nodes they manage: committee staff and admins, not a cell's
    secretary or deputy."""
    return is_staff(person)


def can_be_given_role(target: Person, person: Person | None = None) -> bool:
    """Whom a keeper of orgs may give a role (or take one from): anyone for an admin, else a person
    whose cell lies in the keeper's scope."""
    return is_admin(person) or can_manage_person(target, person)


def managed_cells(person: Person | None = None) -> list[Org]:
    """The cells (chi bộ, Org.is_cell: never a tổ đảng) the person manages, in tree order."""
    return [o for o in managed_orgs(person) if o.is_cell]


# ---------------------------------------------------------------- subtrees (org paths)

def within(path: str, prefixes) -> bool:
    """The node at `path` lies in one of the subtrees rooted at `prefixes` (itself included)."""
    return any(path.startswith(p) for p in prefixes)


def overlaps(path: str, paths) -> bool:
    """The subtree at `path` overlaps one of `paths`: one path is a prefix of the other (the node
    lies inside a managed subtree, or above it). The one overlap rule: rounds, banks, the board
    and the report roots follow it."""
    return any(path.startswith(p) or p.startswith(path) for p in paths)


def within_clause(paths, path_col=None):
    """SQL form of `within`: the org path column (default Org.path) lies in one of the subtrees at `paths`."""
    path_col = Org.path if path_col is None else path_col
    conds = [path_col.like(p + "%") for p in paths]
    return or_(*conds) if conds else false()


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return [f"/{'/'.join(parts[:i])}/" for i in range(1, len(parts))]


def overlap_clause(paths, path_col=None):
    """SQL form of `overlaps`: the org path column (default Org.path) overlaps one of `paths`."""
    path_col = Org.path if path_col is None else path_col
    conds = [within_clause(paths, path_col)] if paths else []
    ancestors = sorted({a for p in paths for a in _ancestor_paths(p)})
    if ancestors:
        conds.append(path_col.in_(ancestors))
    return or_(*conds) if conds else false()


# ---------------------------------------------------------------- rounds

def round_scope_clause(person: Person):
    """SQL form of can_view_round: rounds owned in scope, or whose participating orgs overlap the
    person's subtrees. None: every round (admin)."""
    paths = managed_paths(person)
    if paths is None:
        return None
    if not paths:
        return false()
    owned = StudyRound.owner_org_id.in_(select(Org.id).where(within_clause(paths)))
    participating = StudyRound.id.in_(
        select(RoundOrg.round_id).join(Org, Org.id == RoundOrg.org_id).where(overlap_clause(paths)))
    return or_(owned, participating)


def can_view_round(rnd, person: Person) -> bool:
    """The round is owned in the person's scope or one of its participating orgs overlaps it."""
    paths = managed_paths(person)
    if paths is None:
        return True
    return any(overlaps(n.path, paths) for n in [rnd.owner_org] + [ro.org for ro in rnd.orgs])


def can_edit_round(rnd, person: Person) -> bool:
    """Only managers of the owning org edit a round, fix its keys or copy it."""
    return can_manage_org(rnd.owner_org, person)


def get_round_or_404(round_id: int, person: Person, *, edit: bool = False):
    """Load a round the person may see (or edit); anything else is 'not found' or forbidden."""
    rnd = db.session.get(StudyRound, round_id)
    if rnd is None or not can_view_round(rnd, person):
        raise NotFound("Không tìm thấy đợt học tập này.")
    if edit and not can_edit_round(rnd, person):
        raise Forbidden("Chỉ cấp ủy, chi bộ tổ chức đợt học tập này mới được thay đổi nó.")
    return rnd


def person_cell_on(person: Person, on: date) -> Org | None:
    """The person's cell on a date, else today's (whom a make-up for that person concerns)."""
    membership = person.current_membership(on) or person.current_membership()
    return membership.org if membership else None


def check_makeup_scope(rnd, person: Person | None, org: Org | None, actor: Person) -> Org:
    """The make-up target (a person's cell on the session date, or a cell) if the actor manages it;
    NotFound otherwise."""
    target = org if org is not None else (person_cell_on(person, rnd.session_date) if person else None)
    if target is None or not can_manage_org(target, actor):
        raise NotFound("Không tìm thấy đảng viên hoặc chi bộ này trong phạm vi bạn quản lý.")
    return target


# ---------------------------------------------------------------- question banks

def can_view_bank(bank, person: Person) -> bool:
    """Managers see site banks, banks of their subtree, and banks of the nodes above them."""
    paths = managed_paths(person)
    if paths is None:
        return True
    if not paths:
        return False
    return bank.org_id is None or overlaps(bank.org.path, paths)


def bank_scope_clause(person: Person):
    """SQL form of can_view_bank over Bank rows. None: every bank (admin)."""
    paths = managed_paths(person)
    if paths is None:
        return None
    if not paths:
        return false()
    return or_(Bank.org_id.is_(None), Bank.org_id.in_(select(Org.id).where(overlap_clause(paths))))


def can_edit_bank(bank, person: Person) -> bool:
    """Admins edit every bank; others only banks owned by a node they manage (not site banks)."""
    if is_admin(person):
        return True
    return bank.org is not None and can_manage_org(bank.org, person)


def can_create_bank(org: Org | None, person: Person) -> bool:
    """Site-wide banks (org None) are the admin's; others create banks for nodes they manage."""
    if org is None:
        return is_admin(person)
    return can_manage_org(org, person)


def get_bank_or_404(bank_id: int, person: Person, *, edit: bool = False):
    """Load a bank the person may view (or edit); others are reported as not found / forbidden."""
    bank = db.session.get(Bank, bank_id)
    if bank is None or not can_view_bank(bank, person):
        raise NotFound("Không tìm thấy ngân hàng câu hỏi này.")
    if edit and not can_edit_bank(bank, person):
        raise Forbidden("Bạn chỉ được xem, không được sửa ngân hàng câu hỏi này.")
    return bank


def can_fix_key(version, person: Person) -> bool:
    """Keys are corrected by the bank's keepers: staff whose subtree owns the bank, or an admin."""
    if is_admin(person):
        return True
    bank = version.question.bank
    return is_staff(person) and bank.org is not None and can_manage_org(bank.org, person)


# ---------------------------------------------------------------- one's own attempt

ATTEMPT_NOT_FOUND = "Không tìm thấy bài làm này."


def get_own_attempt_or_404(attempt_id: int, person: Person | None = None):
    """The person's own attempt; anyone else's (or none) is reported as not found."""
    person = person if person is not None else current_user
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.person_id != getattr(person, "id", None):
        raise NotFound(ATTEMPT_NOT_FOUND)
    return attempt


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
        raise NotFound(ATTEMPT_NOT_FOUND)
    if attempt.person_id == person.id:
        raise Forbidden(OWN_ATTEMPT)


# ---------------------------------------------------------------- no keys before finishing

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


def keys_locked_message(quiz) -> Phrase:
    """The reason shown where a key is withheld: Vietnamese as str, the page's language when shown."""
    return N_(
        "Bạn đang tham gia bài kiểm tra “%(title)s” và chưa làm xong bài, nên chưa được xem đáp án "
        "của các câu hỏi bài kiểm tra này có thể rút ra (trang câu hỏi, tải ngân hàng, phân tích câu hỏi, "
        "sửa đáp án, chấm bài). Đáp án sẽ xem được khi bạn đã nộp bài và hết lượt làm, hoặc khi bài "
        "kiểm tra đóng.",
        title=quiz.title, user=("title",))


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


# ---------------------------------------------------------------- paper entry by a manager who sits the quiz

# A paper attempt's score tells whoever knows its letters which letters are right: a manager who
# still sits the quiz would learn its keys by typing letters and reading the score, or by reading
# the scores of sheets she holds. So, while the quiz is still open to her (as for key_locks), she
# neither enters paper answers for it (grid, pasted lines, photo) nor sees its paper scores.
def paper_lock(quiz, person: Person):
    """The quiz itself when its paper answers and paper scores are closed to the person (they still sit
    it: quizzes_still_open_to), else None."""
    if quiz is None or person is None:
        return None
    return quiz if any(q.id == quiz.id for q in quizzes_still_open_to(person)) else None


def paper_locked_message(quiz) -> Phrase:
    """Why paper entry is closed to the person and what to do: Vietnamese as str, the page's language when shown."""
    return N_(
        "Bạn đang tham gia bài kiểm tra “%(title)s” và chưa làm xong bài, nên chưa được nhập bài giấy "
        "hay xem điểm bài giấy của bài kiểm tra này: điểm của một tờ phiếu cho biết phương án nào đúng. "
        "Hãy làm xong bài của mình (nộp bài) rồi quay lại, hoặc nhờ một đồng chí khác trong chi ủy hoặc "
        "cán bộ cấp ủy cấp trên nhập bài giấy.",
        title=quiz.title, user=("title",))


def check_paper_entry(quiz, person: Person) -> None:
    """Raise Forbidden (with the reason) when the person may not enter paper answers for the quiz yet."""
    if paper_lock(quiz, person) is not None:
        raise Forbidden(paper_locked_message(quiz))


# The note shown wherever a paper score is replaced by "Ẩn" for such a manager (board, result pages,
# member exports): the same words everywhere. Files carry it in Vietnamese; pages in their language.
PAPER_SCORE_HIDDEN = N_("Ẩn")
PAPER_SCORES_HIDDEN_NOTE = N_("Điểm bài giấy chưa hiện vì bạn chưa làm xong bài kiểm tra này: với tờ phiếu "
                              "trong tay, điểm cho biết đáp án.")


def paper_scores_hidden(quiz, person: Person) -> bool:
    """Whether the scores of the quiz's paper attempts are hidden from the person ("Ẩn"): while she
    still sits the quiz herself (paper_lock). Staff and other managers see them."""
    return paper_lock(quiz, person) is not None

