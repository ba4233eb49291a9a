"""Taking a quiz: start (seeded draw, deadline), save an answer, submit, and the overdue sweep.

Hot paths (save, submit) use a few small Core statements, not ORM object graphs: the Python
tier is the ceiling (bench/README.md). Every answer is acknowledged only after its commit.

Time rules: the deadline is stored at start (start + limit, capped by the window's close).
Saves are accepted until deadline + quiz.grace_seconds; an attempt the member left open is
finished by the sweep or by a read once deadline + grace has passed (so saves in flight within
the grace still count), but its finished_at is the deadline itself, never the sweep's time.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    Float,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    extract,
    func,
    any_,
    insert,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from quizapp.clock import utcnow
from quizapp.database import begin_write, execute_write, statement_connection, write_transaction
from quizapp.extensions import db
from quizapp.jsonio import dumps_column, loads_column
from quizapp.models import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptMode,
    AttemptStatus,
    FinishReason,
    MakeupWindow,
    Org,
    Person,
    PersonState,
    Question,
    QuestionVersion,
    Quiz,
)
from quizapp.ops.events import count_event, log_event
from quizapp.services import display_ids
from quizapp.services.exceptions import (
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
)
from quizapp.services.papers import matches
from quizapp.services.question_types import AnswerError, get_type
from quizapp.services.rules import round_cell_clause

NOT_FOUND = "Không tìm thấy bài làm này."
KEPT_NEWER = "Đã giữ câu trả lời mới hơn từ thiết bị khác."
TOO_LATE = "Đã hết giờ làm bài, câu trả lời này không được lưu. Các câu đã lưu trước đó vẫn được tính."


class QuizNotReady(Conflict):
    """The quiz cannot be drawn as configured (a manager must fix the draw rule)."""


def participant_cell_id(quiz: Quiz, person_id: int, now: datetime | None = None) -> int | None:
    """The cell the person's attempt belongs to: their cell on the round's session date, if it
    lies under one of the round's organizations (rules.round_cell_id); None otherwise."""
    from quizapp.services.rules import round_cell_id

    return round_cell_id(quiz.round_id, person_id)


def quiz_window(quiz: Quiz, person: Person, now: datetime) -> tuple[datetime, datetime, bool] | None:
    """(opens, closes, is_makeup) of the window open to this person now, or None."""
    if quiz.opens_at <= now < quiz.closes_at:
        return quiz.opens_at, quiz.closes_at, False
    # A cell's make-up window covers the members of that cell on the session date (their attempts
    # belong to it), also those who moved since.
    cell_id = participant_cell_id(quiz, person.id)
    cell = db.session.get(Org, cell_id) if cell_id is not None else None
    scope = [MakeupWindow.person_id == person.id]
    if cell is not None:
        scope.append(MakeupWindow.org_id.in_(cell.ancestor_ids()))
    window = db.session.scalar(
        select(MakeupWindow).where(
            MakeupWindow.quiz_id == quiz.id, MakeupWindow.opens_at <= now,
            MakeupWindow.closes_at > now, or_(*scope),
        ).order_by(MakeupWindow.closes_at.desc()).limit(1)
    )
    if window is None:
        return None
    return window.opens_at, window.closes_at, True


def remaining_seconds(deadline: datetime, now: datetime | None = None) -> int:
    """Whole seconds left before the deadline (never negative)."""
    now = now or utcnow()
    return max(0, int((deadline - now).total_seconds()))


# ---------------------------------------------------------------- start


_POOL = (select(Question.id, Question.bank_id, QuestionVersion.id, QuestionVersion.type, QuestionVersion.spec,
                QuestionVersion.points, QuestionVersion.topic, QuestionVersion.difficulty, QuestionVersion.text)
         .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
         .where(Question.active.is_(True)))
_POOL_BY_ID = _POOL.where(Question.id.in_(bindparam("ids", expanding=True)))
_POOL_BY_BANK = (_POOL.where(Question.bank_id.in_(bindparam("banks", expanding=True)))
                 .order_by(Question.bank_id, Question.position, Question.id))

# The stamp of a draw's source (its banks, or its fixed question ids): one value (the parts below,
# joined as text) that changes with every question in it, active or not. A question added or deleted changes the count and the sums of
# ids; a retire, restore, move or new current version changes its row (the sums, and updated_at:
# TimestampMixin sets it on every ORM or Core UPDATE of the row, and models/bank.py touches the
# question when one of its versions is edited in place, as an import or the editor does before anyone
# saw the version, or a key fix). updated_at comes from each host's clock: max() alone could miss
# an edit stamped by a host whose clock runs behind; the sum of the epochs catches it unless the
# same question changed twice within one second. Per dialect (_one_of); SQLite's serves any other.
def _one_of(col, name: str, dialect: str):
    """SQL: `col` is one of the ids bound as `name` (_ids_param): one text value however many ids,
    so the statement's text stays the same and nothing is spliced into it per execution (an
    expanding IN is, on every run) nor adapted id by id (a bound array is, by psycopg)."""
    if dialect == "postgresql":
        return col == any_(cast(bindparam(name, type_=String), postgresql.ARRAY(Integer)))
    each = func.json_each(bindparam(name, type_=String)).table_valued("value")
    return col.in_(select(each.c.value))


def _ids_param(dialect: str, ids: tuple[int, ...]) -> str:
    """The value _one_of binds: an array's text on PostgreSQL, a JSON list elsewhere."""
    listed = ",".join(map(str, ids))
    return "{" + listed + "}" if dialect == "postgresql" else "[" + listed + "]"


def _stamp(dialect: str):
    """The stamp as one text value (its parts joined; a stamp is only ever compared whole)."""
    parts = (func.count(), func.sum(Question.id), func.sum(Question.current_version_id),
             func.sum(Question.position), func.sum(case((Question.active.is_(True), 1), else_=0)),
             func.max(Question.updated_at), func.sum(extract("epoch", Question.updated_at)))
    empty, comma = literal_column("''", String), literal_column("','", String)
    text = func.coalesce(cast(parts[0], String), empty)
    for part in parts[1:]:
        text = text + comma + func.coalesce(cast(part, String), empty)
    return select(text.label("stamp")).where(or_(_one_of(Question.bank_id, "banks", dialect),
                                                  _one_of(Question.id, "ids", dialect)))


_STAMP = {dialect: _stamp(dialect) for dialect in ("postgresql", "sqlite")}


class _Pool:
    """A source's active questions (rows of _POOL, plus an item's points: the version's, 1 if none)
    with their specs decoded once, as of `stamp`.

    Shared by every start in the process: read-only (a draw copies what it picks; the specs go out
    through public_view, which builds new objects)."""

    def __init__(self, stamp: str, rows: list[tuple]):
        self.stamp = stamp
        self.rows = rows
        self.by_id = {row[0]: row for row in rows}
        self._fits: dict[tuple, list[tuple]] = {}

    def fit(self, rule: dict) -> list[tuple]:
        """The rows a random rule's filters accept (papers.matches), in pool order."""
        key = (rule.get("bank_id"), rule.get("topic"), rule.get("difficulty"), rule.get("type"))
        rows = self._fits.get(key)
        if rows is None:
            rows = self._fits[key] = [row for row in self.rows if matches(
                rule, bank_id=row[1], type=row[3], topic=row[6], difficulty=row[7])]
        return rows


# Per process: source -> its _Pool, and quiz id -> the source its draw rule named at its last start
# here (so the start's one read of its checks can bring the stamp along). Bounded.
_POOLS: dict[tuple, _Pool] = {}
_SOURCES: dict[int, tuple] = {}
_POOLS_MAX = 256
_SOURCES_MAX = 10_000
_SEEDS = random.SystemRandom()  # an attempt's seed (os.urandom: shared by threads safely)


def _source(rule: dict) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(bank ids, fixed question ids) a draw rule picks from: the key of its pool."""
    if rule.get("mode") == "fixed":
        return (), tuple(sorted({int(i) for i in rule.get("question_ids") or []}))
    return tuple(sorted({int(r["bank_id"]) for r in rule.get("rules") or [] if r.get("bank_id")})), ()


def _pool(conn, source: tuple, stamp: str | None = None) -> _Pool:
    """The source's pool: this process's copy if its stamp is the one read now, else read afresh.

    Correct across workers and hosts: nothing is trusted without the stamp read in this unit of work
    (`stamp`, when the caller read it with its other checks, or read here). The stamp is read before
    the rows: a change committed in between (PostgreSQL reads each statement afresh) leaves a copy
    whose stamp is older than its rows, which the next start reads again, never the reverse."""
    if stamp is None:
        dialect = conn.dialect.name
        stamp = conn.execute(_STAMP.get(dialect, _STAMP["sqlite"]), {
            "banks": _ids_param(dialect, source[0]), "ids": _ids_param(dialect, source[1])}).scalar_one()
    pool = _POOLS.get(source)
    if pool is None or pool.stamp != stamp:
        params = {"banks": list(source[0]), "ids": list(source[1])}
        rows = conn.execute(_POOL_BY_ID if source[1] else _POOL_BY_BANK, params).all()
        pool = _Pool(stamp, [(*row, float(row[5] or 1.0)) for row in rows])
        if len(_POOLS) >= _POOLS_MAX:
            _POOLS.clear()
        _POOLS[source] = pool
    return pool


def _paper(quiz, rng: random.Random, conn, source: tuple, stamp: str | None = None) -> list[tuple]:
    """Pick question versions per the draw rule; raise QuizNotReady if the banks fall short.

    `quiz` is a Quiz or a row with its columns; `source` its rule's (_source), `stamp` the stamp of
    that source if already read. Returns the paper in order: per item its pool row and its choice
    order (None when not shuffled or the type has none)."""
    rule = quiz.draw_rule or {}
    if rule.get("mode") not in ("fixed", "random"):
        raise QuizNotReady("Bài kiểm tra chưa có quy tắc rút câu hỏi. Vui lòng báo cán bộ phụ trách.")
    pool = _pool(conn, source, stamp)
    if rule["mode"] == "fixed":
        ids = [int(i) for i in rule.get("question_ids") or []]
        missing = [i for i in ids if i not in pool.by_id]
        if missing or not ids:
            raise QuizNotReady(
                "Bài kiểm tra chưa sẵn sàng: danh sách câu hỏi cố định có câu không còn dùng được "
                f"({', '.join(map(str, missing)) or 'trống'}). Vui lòng báo cán bộ phụ trách đợt học tập."
            )
        picked = [pool.by_id[i] for i in dict.fromkeys(ids)]
    else:
        picked, used = [], set()
        for r in rule.get("rules") or []:
            fit = [row for row in pool.fit(r) if row[0] not in used]
            count = int(r.get("count") or 0)
            if len(fit) < count:
                raise QuizNotReady(
                    f"Bài kiểm tra chưa sẵn sàng: quy tắc rút đề cần {count} câu nhưng ngân hàng chỉ có "
                    f"{len(fit)} câu phù hợp. Vui lòng báo cán bộ phụ trách đợt học tập."
                )
            chosen = rng.sample(fit, count)
            used.update([row[0] for row in chosen])
            picked.extend(chosen)
    if not picked:
        raise QuizNotReady("Bài kiểm tra chưa có câu hỏi nào. Vui lòng báo cán bộ phụ trách.")
    if quiz.shuffle_questions:
        rng.shuffle(picked)
    types = [get_type(row[3]) for row in picked]  # a type no longer registered stops the start here
    if not quiz.shuffle_choices:
        return [(row, None) for row in picked]
    return [(row, qtype.new_choice_order(row[4], rng)) for row, qtype in zip(picked, types)]


def _draw(quiz: Quiz, rng: random.Random) -> list[dict]:
    """The paper's items as AttemptItem values (position, version, choice order, points)."""
    paper = _paper(quiz, rng, db.session.connection(), _source(quiz.draw_rule or {}))
    return [{"position": pos, "question_version_id": row[2], "choice_order": order, "points": row[9]}
            for pos, (row, order) in enumerate(paper, start=1)]


def _open_attempt(quiz_id: int, person_id: int) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.quiz_id == quiz_id, Attempt.person_id == person_id, Attempt.status == AttemptStatus.IN_PROGRESS))


_OPEN_ID = select(Attempt.id).where(Attempt.quiz_id == bindparam("qid"), Attempt.person_id == bindparam("pid"),
                                    Attempt.status == AttemptStatus.IN_PROGRESS).limit(1)
_USED = select(func.count()).select_from(Attempt).where(Attempt.quiz_id == bindparam("qid"),
                                                        Attempt.person_id == bindparam("pid"))


def _start_context(dialect: str):
    """A start's checks in one read: the quiz's columns, the attempt in progress, the person's cell
    (rules.round_cell_clause), the attempts used, and the stamp of the pool the quiz drew from at its
    last start in this process (banks, ids: its source; empty the first time)."""
    stamp = _STAMP[dialect].subquery("stamp")
    return (
        select(Quiz.id, Quiz.round_id, Quiz.title, Quiz.draw_rule, Quiz.shuffle_questions, Quiz.shuffle_choices,
               Quiz.time_limit_minutes, Quiz.opens_at, Quiz.closes_at, Quiz.attempts_allowed, Quiz.grace_seconds,
               _OPEN_ID.scalar_subquery().label("open_id"), _USED.scalar_subquery().label("used"),
               round_cell_clause(Quiz.round_id, bindparam("pid")).label("cell_id"), stamp.c.stamp)
        .join(stamp, true()).where(Quiz.id == bindparam("qid"))
    )


_START_CONTEXT = {dialect: _start_context(dialect) for dialect in _STAMP}

# A start's writes, built once. The attempt's values (every column a start sets, its Python default
# included) and its items as ONE JSON array parameter, [[position, question version, choice order,
# points], ...], which the database turns back into rows: one statement whatever the paper's length,
# where an executemany pays per row in Python (psycopg 3's the most). A choice order is stored as the
# text of its element, as written (SQLite's json_extract and PostgreSQL's ->> on json both return an
# array's text verbatim): the text a Core insert of it stores. No order (None) is stored as the
# column's type stores None: JSON null on SQLite, SQL NULL on PostgreSQL (none_as_null).
# SQLite: the attempt's INSERT ... RETURNING id, then the items' INSERT ... SELECT FROM json_each.
# PostgreSQL: both INSERTs in one statement (the items' in a WITH that reads the new attempt's id).
_A = Attempt.__table__
_I = AttemptItem.__table__
_ATTEMPT_COLUMNS = ("quiz_id", "person_id", "org_id", "number", "is_makeup", "status", "seed", "started_at",
                    "deadline", "pending_essays", "mode")
_ITEM_COLUMNS = ["attempt_id", "position", "question_version_id", "choice_order", "points"]
_NEW_ATTEMPT = (insert(_A).values({name: bindparam(name, type_=_A.c[name].type) for name in _ATTEMPT_COLUMNS})
                .returning(_A.c.id))
_EACH = func.json_each(bindparam("items", type_=String)).table_valued("value")


def _nth(i: int):
    return func.json_extract(_EACH.c.value, literal_column(f"'$[{i}]'"))


_NEW_ITEMS = insert(_I).from_select(_ITEM_COLUMNS, select(
    bindparam("attempt_id", type_=Integer), _nth(0), _nth(1), func.coalesce(_nth(2), literal_column("'null'")),
    _nth(3)).select_from(_EACH))
_NEW = _NEW_ATTEMPT.cte("new_attempt")
_ELEMENT = func.json_array_elements(cast(bindparam("items", type_=Text), JSON)).table_valued("value")
_NEW_PAPER = select(_NEW.c.id).add_cte(insert(_I).from_select(_ITEM_COLUMNS, select(
    _NEW.c.id, *(cast(_ELEMENT.c.value.op("->>")(literal_column(str(i))), type_)
                 for i, type_ in enumerate((Integer, Integer, JSON, Float)))).select_from(_NEW).join(_ELEMENT, true())
).cte("new_items"))


@dataclass(frozen=True)
class NewAttempt:
    """An attempt just started, as written: what the taker's paper needs, with no read-back.

    `items` holds per position the AttemptItem values plus the question's type, text and spec."""

    id: int
    quiz_id: int
    quiz_title: str
    number: int
    is_makeup: bool
    started_at: datetime
    deadline: datetime
    grace_seconds: int
    items: list[dict]
    status: str = "in_progress"


def start_attempt(quiz_id: int, person: Person, now: datetime | None = None) -> Attempt:
    """Start the person's attempt at the quiz, or resume the one in progress."""
    got = open_attempt(quiz_id, person, now)
    return db.session.get(Attempt, got.id) if isinstance(got, NewAttempt) else got


def open_attempt(quiz_id: int, person: Person, now: datetime | None = None) -> Attempt | NewAttempt:
    """Start the person's attempt (a NewAttempt, built from the draw: nothing is read back after
    the commit), or resume the one in progress (its Attempt)."""
    now = now or utcnow()
    person_id = person.id  # read once: after a commit the ORM would reload the person to read it
    if person.state != PersonState.ACTIVE:
        raise Forbidden("Tài khoản đã chuyển sinh hoạt hoặc tạm dừng nên không thể làm bài.")
    guess = _SOURCES.get(quiz_id, ((), ()))
    conn = db.session.connection()
    dialect = conn.dialect.name
    quiz = conn.execute(_START_CONTEXT.get(dialect, _START_CONTEXT["sqlite"]), {
        "qid": quiz_id, "pid": person_id, "banks": _ids_param(dialect, guess[0]),
        "ids": _ids_param(dialect, guess[1])}).first()
    if quiz is None:
        raise NotFound("Không tìm thấy bài kiểm tra này.")
    if quiz.open_id is not None:
        begin_write()
        current = _open_attempt(quiz_id, person_id)
        if current is not None and close_if_overdue(current, now).status == AttemptStatus.IN_PROGRESS:
            return current
        conn = db.session.connection()  # the unit of work went on in another transaction
    cell_id = quiz.cell_id
    if cell_id is None:
        raise NotFound("Không tìm thấy bài kiểm tra này.")
    window = quiz_window(quiz, person, now)
    if window is None:
        if now < quiz.opens_at:
            raise Conflict("Bài kiểm tra chưa mở. Vui lòng quay lại vào giờ mở bài.")
        raise Conflict("Bài kiểm tra đã đóng. Nếu bạn chưa làm bài, hãy báo bí thư chi bộ để được học bù.")
    used = quiz.used or 0
    if used >= quiz.attempts_allowed:
        raise Conflict(f"Bạn đã dùng hết số lần làm bài được phép ({quiz.attempts_allowed} lần).")
    source = _source(quiz.draw_rule or {})
    if _SOURCES.get(quiz_id) != source:
        if len(_SOURCES) >= _SOURCES_MAX:
            _SOURCES.clear()
        _SOURCES[quiz_id] = source
    seed = _SEEDS.randrange(1, 2**31 - 1)
    paper = _paper(quiz, random.Random(seed), conn, source, quiz.stamp if source == guess else None)
    deadline = min(now + timedelta(minutes=quiz.time_limit_minutes), window[1])
    items = [{"position": pos, "question_version_id": row[2], "choice_order": order, "points": row[9],
              "type": row[3], "text": row[8], "spec": row[4]} for pos, (row, order) in enumerate(paper, start=1)]
    rows = [(pos, row[2], order, row[9]) for pos, (row, order) in enumerate(paper, start=1)]
    values = {"quiz_id": quiz_id, "person_id": person_id, "org_id": cell_id, "number": used + 1,
              "is_makeup": window[2], "status": AttemptStatus.IN_PROGRESS, "seed": seed, "started_at": now,
              "deadline": deadline, "pending_essays": 0, "mode": AttemptMode.ONLINE, "items": dumps_column(rows)}
    # The start storm: the rule checks and the draw above are reads, outside the write lock (on
    # SQLite one writer at a time); only the INSERTs hold it. A start racing this one (two tabs)
    # read the same `used` and loses on the unique (quiz, person, number): it resumes ours.
    try:
        conn = db.session.connection()
        attempt_id = write_transaction(conn, lambda run: _insert_paper(run, values, conn.dialect.name))
        log_event("attempt.started", attempt_id=attempt_id, quiz_id=quiz_id, person_id=person_id, org_id=cell_id)
    except IntegrityError:
        # Two starts raced (two tabs): the other one won; resume its attempt.
        db.session.rollback()
        current = _open_attempt(quiz_id, person_id)
        if current is None:
            raise Conflict("Bài làm vừa được tạo ở thiết bị khác. Vui lòng tải lại trang.") from None
        return current
    return NewAttempt(
        id=attempt_id, quiz_id=quiz_id, quiz_title=quiz.title, number=used + 1, is_makeup=bool(window[2]),
        started_at=now, deadline=deadline, grace_seconds=quiz.grace_seconds, items=items)


def _insert_paper(run, values: dict, dialect: str) -> int:
    """The attempt and its items, from one JSON of the items; its id. PostgreSQL: one statement
    (_NEW_PAPER); SQLite: the attempt, then its items (_NEW_ITEMS)."""
    if dialect == "postgresql":
        return run(_NEW_PAPER, values)[0][0]
    attempt_id = run(_NEW_ATTEMPT, values)[0][0]
    run(_NEW_ITEMS, {"attempt_id": attempt_id, "items": values["items"]})
    return attempt_id


# ---------------------------------------------------------------- save


# Built once: the hot path only binds values (no statement construction per request).
_SAVE_CONTEXT = (
    select(Attempt.person_id, Attempt.status, Attempt.deadline, Quiz.grace_seconds,
           QuestionVersion.type, QuestionVersion.spec, AttemptItem.choice_order)
    .join(Quiz, Quiz.id == Attempt.quiz_id)
    .join(AttemptItem, (AttemptItem.attempt_id == Attempt.id) & (AttemptItem.position == bindparam("pos")))
    .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
    .where(Attempt.id == bindparam("aid"))
    .with_for_update(read=True, of=Attempt)  # PostgreSQL: a racing submit waits for this save
)
_CURRENT = select(Answer.seq, Answer.value).where(Answer.attempt_id == bindparam("aid"),
                                                  Answer.position == bindparam("pos"))
_UPSERTS: dict = {}


def _upsert(dialect: str):
    """INSERT ... ON CONFLICT (attempt_id, position) DO UPDATE ... WHERE answer.seq < excluded.seq."""
    if dialect not in _UPSERTS:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        table = Answer.__table__
        stmt = upsert(table).values(attempt_id=bindparam("aid"), position=bindparam("pos"),
                                    value=bindparam("value", type_=table.c.value.type),
                                    seq=bindparam("seq"), saved_at=bindparam("now"))
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[table.c.attempt_id, table.c.position],
            set_={"value": stmt.excluded.value, "seq": stmt.excluded.seq, "saved_at": stmt.excluded.saved_at},
            where=table.c.seq < stmt.excluded.seq,
        ).returning(table.c.seq)  # a row back means applied (rowcount is not reliable on psycopg 3)
    return _UPSERTS[dialect]


# The save in one statement, once this process has read the attempt's items: the answer is written
# only if the attempt is the person's, still open and within deadline + grace, and the stored seq
# is older; FOR SHARE OF attempt (PostgreSQL; SQLite's write transaction already excludes every
# other writer) makes a racing submit wait for this save, as _SAVE_CONTEXT does.
# The row must also still be the attempt cached: an id can be reused (a restore, tests), so the
# statement compares what a new attempt under the same id would not share with the cached one —
# its start to the microsecond and its random seed (which made the choice order) — plus the
# deadline and the item's question version, which the cached validation and reply depend on. A
# stale cache writes nothing and takes the full path, which reads the attempt afresh. One guard
# for both databases (no xmin, which SQLite lacks).
_FAST_UPSERTS: dict = {}
# (attempt, person) -> {position: what validating an answer needs}, all fixed once the attempt is
# started (the item's question version and choice order, the attempt's start, seed and deadline),
# filled for the whole attempt at its first save in this process; question versions (immutable) ->
# their (type, spec text, spec), shared. Per process, bounded; correct across processes and hosts
# because every use is checked by the statement itself against the attempt's row.
_ITEMS: dict = {}
_VERSIONS: dict = {}
_ITEMS_MAX = 20_000  # attempts


@dataclass(frozen=True)
class _Item:
    type: str
    spec: dict
    choice_order: list | None
    deadline: datetime
    started_at: datetime
    seed: int
    question_version_id: int


_ITEMS_OF = (
    select(AttemptItem.position, AttemptItem.question_version_id, AttemptItem.choice_order,
           Attempt.deadline, Attempt.started_at, Attempt.seed, QuestionVersion.type,
           cast(QuestionVersion.spec, Text).label("spec_text"))
    .select_from(Attempt).join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
    .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
    .where(Attempt.id == bindparam("aid"), Attempt.person_id == bindparam("pid"),
           Attempt.status == AttemptStatus.IN_PROGRESS)
)


def _cached_item(conn, attempt_id: int, person_id: int, position: int):
    """The item from this process's cache, read for the whole attempt at its first save here."""
    items = _ITEMS.get((attempt_id, person_id))
    if items is None:
        rows = conn.execute(_ITEMS_OF, {"aid": attempt_id, "pid": person_id}).all()
        if not rows:
            return None
        if len(_ITEMS) >= _ITEMS_MAX:
            _ITEMS.clear()
        items = {}
        for r in rows:
            # One (type, spec) per version, as read now: the spec comes as its stored text, parsed
            # only when it differs from the text this process last parsed for that version.
            shared = _VERSIONS.get(r.question_version_id)
            if shared is None or shared[0] != r.type or shared[1] != r.spec_text:
                shared = _VERSIONS[r.question_version_id] = (r.type, r.spec_text, loads_column(r.spec_text))
            items[r.position] = _Item(shared[0], shared[2], r.choice_order, r.deadline, r.started_at, r.seed,
                                      r.question_version_id)
        _ITEMS[(attempt_id, person_id)] = items
    return items.get(position)


def _forget(attempt_id: int, person_id: int) -> None:
    _ITEMS.pop((attempt_id, person_id), None)


def _fast_upsert(dialect: str):
    """INSERT ... SELECT from the open attempt ... ON CONFLICT DO UPDATE WHERE the stored seq is older
    ... RETURNING seq, built once per dialect (SQLite needs the SELECT's WHERE, which it has, to read
    ON CONFLICT as the upsert's and not as a join's)."""
    if dialect not in _FAST_UPSERTS:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        table = Answer.__table__
        source = (
            select(bindparam("aid", type_=Integer), bindparam("pos", type_=Integer),
                   bindparam("value", type_=table.c.value.type), bindparam("seq", type_=Integer),
                   bindparam("now", type_=table.c.saved_at.type))
            .select_from(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id)
            .join(AttemptItem, (AttemptItem.attempt_id == Attempt.id) & (AttemptItem.position == bindparam("pos")))
            .where(Attempt.id == bindparam("aid"), Attempt.person_id == bindparam("pid"),
                   Attempt.status == AttemptStatus.IN_PROGRESS,
                   func.coalesce(Quiz.grace_seconds, 0) >= bindparam("late", type_=Integer),
                   Attempt.started_at == bindparam("started_at"), Attempt.seed == bindparam("seed"),
                   Attempt.deadline == bindparam("deadline"), AttemptItem.question_version_id == bindparam("qvid"))
            .with_for_update(read=True, of=Attempt)
        )
        stmt = upsert(table).from_select(["attempt_id", "position", "value", "seq", "saved_at"], source)
        _FAST_UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[table.c.attempt_id, table.c.position],
            set_={"value": stmt.excluded.value, "seq": stmt.excluded.seq, "saved_at": stmt.excluded.saved_at},
            where=table.c.seq < stmt.excluded.seq,
        ).returning(table.c.seq)
    return _FAST_UPSERTS[dialect]


def _seconds_late(deadline: datetime, now: datetime) -> int:
    """Whole seconds past the deadline, rounded up (negative before it): within deadline + grace
    exactly when grace >= this, as the full path's `now > deadline + grace` says the opposite."""
    return -((deadline - now) // timedelta(seconds=1))


def _clean(item, position: int, raw_value):
    try:
        qtype = get_type(item.type)
        real = display_ids.to_real(item.spec, item.choice_order, raw_value)
        qtype.check_answer_shape(item.spec, real)  # a wrong JSON shape never reaches clean_answer
        return qtype.clean_answer(item.spec, real)
    except AnswerError as exc:
        raise InvalidInput(f"Câu {position}: {exc}") from None


def _saved(position: int, seq: int, item, value, now: datetime) -> dict:
    count_event("answer.saved")
    return {"applied": True, "position": position, "seq": seq,
            "value": display_ids.to_display(item.spec, item.choice_order, value),
            "remaining_seconds": remaining_seconds(item.deadline, now)}


def save_answer(attempt_id: int, person_id: int, position: int, raw_value, seq: int,
                now: datetime | None = None) -> dict:
    """Upsert one answer if `seq` is newer than the stored one; returns after the commit.

    The reply carries the answer stored now (`value`, in the attempt's display ids): the one just
    saved, or, when `applied` is false, the newer one another device saved, which was kept.

    Once this process has read the attempt's items, one statement does it all (_fast_upsert; on
    SQLite it is its own transaction, so the write lock is held only while it runs:
    database.statement_connection); when it writes nothing (an older seq, a finished or overdue
    attempt) the full path below runs in a write transaction and says which."""
    now = now or utcnow()
    try:
        seq = int(seq)
    except (TypeError, ValueError):
        raise InvalidInput("Số thứ tự lưu (seq) phải là số nguyên.") from None
    if seq < 1 or seq > 2**31 - 1:
        raise InvalidInput("Số thứ tự lưu (seq) phải là số nguyên dương.")
    conn = statement_connection()
    item = _cached_item(conn, attempt_id, person_id, position)
    if item is not None:
        try:
            value = _clean(item, position, raw_value)
        except InvalidInput:
            value = None  # the full path says so, from the database's own item (the cache may be stale)
        else:
            params = {"aid": attempt_id, "pid": person_id, "pos": position, "value": value, "seq": seq,
                      "now": now, "late": _seconds_late(item.deadline, now), "started_at": item.started_at,
                      "seed": item.seed, "deadline": item.deadline, "qvid": item.question_version_id}
            if execute_write(conn, _fast_upsert(conn.dialect.name), params):
                db.session.commit()
                return _saved(position, seq, item, value, now)
        # Nothing written (nothing to undo): forget the attempt here (read again at its next save)
        # and let the full path below, in a write transaction, say why.
        _forget(attempt_id, person_id)
    begin_write()
    conn = db.session.connection()
    row = conn.execute(_SAVE_CONTEXT, {"aid": attempt_id, "pos": position}).first()
    if row is None or row.person_id != person_id:
        raise NotFound(NOT_FOUND)
    if row.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("Bài làm đã được nộp nên không thể sửa câu trả lời.")
    if now > row.deadline + timedelta(seconds=row.grace_seconds or 0):
        db.session.rollback()
        submit_attempt(attempt_id, reason=FinishReason.READ, now=now)
        raise Gone(TOO_LATE)
    value = _clean(row, position, raw_value)
    params = {"aid": attempt_id, "pos": position, "value": value, "seq": seq, "now": now}
    applied = conn.execute(_upsert(conn.dialect.name), params).first() is not None
    if applied:
        current, kept = seq, value
    else:  # another device saved a newer answer: say so, and hand back the one that was kept
        current, kept = conn.execute(_CURRENT, params).one()
    db.session.commit()
    count_event("answer.saved")
    result = {"applied": applied, "position": position, "seq": current,
              "value": display_ids.to_display(row.spec, row.choice_order, kept),
              "remaining_seconds": remaining_seconds(row.deadline, now)}
    if not applied:
        result["message"] = KEPT_NEWER
    return result


# ---------------------------------------------------------------- submit and sweep


def submit_attempt(attempt_id: int, *, person_id: int | None = None, reason: str = "member",
                   now: datetime | None = None) -> Attempt:
    """Finish an attempt with one conditional update; exactly one caller wins, repeats are no-ops."""
    return finish_attempt(attempt_id, person_id=person_id, reason=reason, now=now)[0]


def finish_attempt(attempt_id: int, *, person_id: int | None = None, reason: str = "member",
                   now: datetime | None = None) -> tuple[Attempt, bool]:
    """submit_attempt that also says whether this call was the one that finished it."""
    _, won = finish(attempt_id, person_id=person_id, reason=reason, now=now)
    attempt = db.session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None:  # pragma: no cover - finish() raised NotFound already
        raise NotFound(NOT_FOUND)
    return attempt, won


@dataclass(frozen=True)
class Finished:
    """A finished attempt as the submit stored it: its quiz's review settings and its totals."""

    id: int
    quiz_id: int
    quiz_title: str
    review_policy: str
    review_when: str
    closes_at: datetime
    status: str
    finish_reason: str | None
    finished_at: datetime | None
    points: float | None
    max_points: float | None
    score: float | None
    pending_essays: int
    classification: str | None


_FINISH_INFO = (select(Attempt.person_id, Attempt.quiz_id, Quiz.title, Quiz.partial_credit, Quiz.cutoffs,
                       Quiz.review_policy, Quiz.review_when, Quiz.closes_at)
                .join(Quiz, Quiz.id == Attempt.quiz_id).where(Attempt.id == bindparam("aid")))
_T = Attempt.__table__
_TOTALS = ("points", "max_points", "score", "pending_essays", "classification")
_FINISHED_STATE = select(_T.c.status, _T.c.finish_reason, _T.c.finished_at,
                         *(_T.c[name] for name in _TOTALS)).where(_T.c.id == bindparam("aid"))
_NOW = bindparam("now", type_=_T.c.deadline.type)
# The one conditional update that decides who finishes an attempt: finished_at is the deadline
# when the submit comes after it (within the grace), else the submit's time.
_FINISH = (update(_T).where(_T.c.id == bindparam("aid"), _T.c.status == AttemptStatus.IN_PROGRESS)
           .values(status=AttemptStatus.FINISHED, finish_reason=bindparam("reason"),
                   finished_at=case((_T.c.deadline < _NOW, _T.c.deadline), else_=_NOW))
           .returning(_T.c.finished_at))
_STORE_TOTALS = update(_T).where(_T.c.id == bindparam("aid")).values({name: bindparam(f"t_{name}") for name in _TOTALS})


def finish(attempt_id: int, *, person_id: int | None = None, reason: str = "member",
           now: datetime | None = None) -> tuple[Finished, bool]:
    """Finish an attempt with one conditional update and grade it, in Core statements; exactly one
    caller wins, repeats are no-ops. Returns what was stored (nothing is read back after the commit)
    and whether this call finished it."""
    from quizapp.services.grading import grade_items

    now = now or utcnow()
    info = db.session.connection().execute(_FINISH_INFO, {"aid": attempt_id}).first()  # a read: no lock yet
    if info is None or (person_id is not None and info.person_id != person_id):
        db.session.rollback()
        raise NotFound(NOT_FOUND)
    begin_write()
    conn = db.session.connection()
    row = conn.execute(_FINISH, {"aid": attempt_id, "reason": reason, "now": now}).first()
    if row is not None:
        totals = grade_items(conn, attempt_id, info.partial_credit, info.cutoffs)
        conn.execute(_STORE_TOTALS, {"aid": attempt_id, **{f"t_{k}": v for k, v in totals.items()}})
        db.session.commit()
        log_event("attempt.finished", attempt_id=attempt_id, reason=reason, person_id=info.person_id)
        state = {"status": AttemptStatus.FINISHED, "finish_reason": reason, "finished_at": row.finished_at, **totals}
    else:
        state = conn.execute(_FINISHED_STATE, {"aid": attempt_id}).one()._asdict()
        db.session.rollback()
    return Finished(id=attempt_id, quiz_id=info.quiz_id, quiz_title=info.title, review_policy=info.review_policy,
                    review_when=info.review_when, closes_at=info.closes_at, **state), row is not None


def is_overdue(attempt: Attempt, now: datetime, grace_seconds: int) -> bool:
    """True once deadline + grace has passed for an attempt still in progress."""
    return attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline + timedelta(seconds=grace_seconds)


def close_if_overdue(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Close-on-read: finish the attempt at its deadline if deadline + grace has passed."""
    now = now or utcnow()
    grace = attempt.quiz.grace_seconds or 0
    if is_overdue(attempt, now, grace):
        return submit_attempt(attempt.id, reason=FinishReason.READ, now=now)
    return attempt


def close_overdue(now: datetime | None = None) -> int:
    """The sweep: finish every attempt past deadline + grace; returns how many this call closed."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Attempt.id, Attempt.deadline, Quiz.grace_seconds).join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline < now)
    ).all()
    db.session.rollback()  # end the read snapshot before the write transactions
    closed = 0
    for attempt_id, deadline, grace in rows:
        if now > deadline + timedelta(seconds=grace or 0):
            closed += finish_attempt(attempt_id, reason=FinishReason.SWEEP, now=now)[1]
    return closed


# ---------------------------------------------------------------- the draw, for paper tests


def draw_items(quiz: Quiz, rng: random.Random) -> list[dict]:
    """One draw of the quiz's questions (position, version, choice order, points), as a start makes it."""
    return _draw(quiz, rng)
