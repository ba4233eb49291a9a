"""Validation of a round's settings: dates, cut-offs, participating orgs and the draw rule.

Every check returns a list of problems ({"field", "message"}) so a form can show them all at
once; services.rounds raises one InvalidInput carrying the whole list.
"""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import DIFFICULTIES, Bank, Org, Person, Question, QuestionVersion, Quiz
from quizapp.models.round import ATTEMPT_POLICIES, DEFAULT_REVIEW_WHEN, REVIEW_POLICIES, REVIEW_WHEN
from quizapp.phrases import N_, Phrase, join
from quizapp.services.papers import plan_papers, type_label
from quizapp.services.question_types import REGISTRY
from quizapp.vn import format_number, nfc

ROUND_FORMS = {"truc_tiep": "Trực tiếp", "truc_tuyen": "Trực tuyến", "ket_hop": "Kết hợp"}
CUTOFF_KEYS = ("gioi", "kha", "trung_binh")
CUTOFF_LABELS = {"gioi": "Giỏi", "kha": "Khá", "trung_binh": "Trung bình"}
# No 0/O, 1/I/L: read aloud in a hall or typed from a projector without confusion.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 7
MAX_DRAW_COUNT = 200


def problem(field: str, message: str) -> dict:
    """One validation problem, tied to a form field."""
    return {"field": field, "message": message}


def new_short_code() -> str:
    """A random unambiguous code for the quiz's short link, unique among quizzes."""
    for _ in range(50):
        code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
        if db.session.scalar(select(Quiz.id).where(Quiz.short_code == code)) is None:
            return code
    raise RuntimeError("could not find a free short code")


def check_round_fields(fields: dict) -> list[dict]:
    """Title, documents, session date, form and threshold."""
    out = []
    if not nfc(fields.get("title")):
        out.append(problem("title", "Vui lòng nhập tên đợt học tập."))
    if not nfc(fields.get("documents")):
        out.append(problem("documents", "Vui lòng nhập ít nhất một văn bản được học tập."))
    if fields.get("session_date") is None:
        out.append(problem("session_date", "Vui lòng chọn ngày học tập."))
    if fields.get("form", "truc_tiep") not in ROUND_FORMS:
        out.append(problem("form", "Hình thức học tập không hợp lệ."))
    threshold = fields.get("threshold_percent")
    if threshold is None or not (0 < float(threshold) <= 100):
        out.append(problem("threshold_percent", "Tỷ lệ tham gia yêu cầu phải lớn hơn 0 và không quá 100%."))
    return out


def check_cutoffs(cutoffs: dict | None) -> list[dict]:
    """Giỏi > Khá > Trung bình, each within 0–10."""
    cutoffs = cutoffs or {}
    out = []
    values = []
    for key in CUTOFF_KEYS:
        value = cutoffs.get(key)
        if value is None:
            out.append(problem(f"cutoff_{key}", f"Vui lòng nhập điểm tối thiểu loại {CUTOFF_LABELS[key]}."))
        elif not (0 <= float(value) <= 10):
            out.append(problem(f"cutoff_{key}", f"Điểm tối thiểu loại {CUTOFF_LABELS[key]} phải trong khoảng 0 đến 10."))
        values.append(value)
    if not out and not (values[0] > values[1] > values[2]):
        out.append(problem("cutoff_kha", "Điểm phân loại phải giảm dần: Giỏi > Khá > Trung bình "
                           f"(đang nhập {', '.join(format_number(v, 1) for v in values)})."))
    return out


def check_quiz_fields(quiz_fields: dict) -> list[dict]:
    """Timing, attempts, policies and cut-offs of a quiz (the draw rule is checked separately)."""
    out = []
    if not nfc(quiz_fields.get("title")):
        out.append(problem("quiz_title", "Vui lòng nhập tên bài kiểm tra."))
    opens, closes = quiz_fields.get("opens_at"), quiz_fields.get("closes_at")
    if opens is None:
        out.append(problem("opens_at", "Vui lòng chọn thời điểm mở bài kiểm tra."))
    if closes is None:
        out.append(problem("closes_at", "Vui lòng chọn thời điểm đóng bài kiểm tra."))
    if opens is not None and closes is not None and closes <= opens:
        out.append(problem("closes_at", "Thời điểm đóng phải sau thời điểm mở."))
    limit = quiz_fields.get("time_limit_minutes")
    if limit is None or not (1 <= int(limit) <= 600):
        out.append(problem("time_limit_minutes", "Thời gian làm bài phải từ 1 đến 600 phút."))
    allowed = quiz_fields.get("attempts_allowed")
    if allowed is None or not (1 <= int(allowed) <= 20):
        out.append(problem("attempts_allowed", "Số lần làm bài phải từ 1 đến 20."))
    if quiz_fields.get("attempt_policy", "best") not in ATTEMPT_POLICIES:
        out.append(problem("attempt_policy", "Cách tính lần làm bài không hợp lệ."))
    if quiz_fields.get("review_policy", "answers") not in REVIEW_POLICIES:
        out.append(problem("review_policy", "Chế độ xem lại không hợp lệ."))
    if quiz_fields.get("review_when", DEFAULT_REVIEW_WHEN) not in REVIEW_WHEN:
        out.append(problem("review_when", "Thời điểm xem lại không hợp lệ."))
    grace = quiz_fields.get("grace_seconds")
    if grace is None or not (0 <= int(grace) <= 600):
        out.append(problem("grace_seconds", "Thời gian gia hạn phải từ 0 đến 600 giây."))
    out += check_cutoffs(quiz_fields.get("cutoffs"))
    return out


def check_orgs(owner_org: Org | None, participating: list[Org], actor: Person) -> list[dict]:
    """At least one participating org; all in the actor's scope and under the owner org."""
    from quizapp import permissions

    out = []
    if owner_org is None or not permissions.can_manage_org(owner_org, actor):
        out.append(problem("owner_org_id", "Bạn không có quyền tổ chức đợt học tập cho tổ chức đảng này."))
    if not participating:
        out.append(problem("org_ids", "Vui lòng chọn ít nhất một tổ chức đảng tham gia."))
    for org in participating:
        if not permissions.can_manage_org(org, actor) or (
            owner_org is not None and not permissions.within(org.path, [owner_org.path])
        ):
            out.append(problem("org_ids", f"Tổ chức “{org.name}” không thuộc phạm vi của đợt học tập này."))
    return out


def usable_banks(actor: Person) -> list[Bank]:
    """Banks the actor may draw from: those they may view (permissions.bank_scope_clause: site-wide
    ones, and those of an org above, at or below their scope)."""
    from quizapp import permissions

    cond = permissions.bank_scope_clause(actor)
    stmt = select(Bank).order_by(Bank.title)
    return list(db.session.scalars(stmt if cond is None else stmt.where(cond)))


def available_count(bank_id: int, topic: str | None, difficulty: str | None, qtype: str | None = None) -> int:
    """How many active questions of the bank match the topic, difficulty and type (current versions)."""
    stmt = (
        select(func.count(Question.id))
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank_id, Question.active.is_(True))
    )
    if topic:
        stmt = stmt.where(QuestionVersion.topic == topic)
    if difficulty:
        stmt = stmt.where(QuestionVersion.difficulty == difficulty)
    if qtype:
        stmt = stmt.where(QuestionVersion.type == qtype)
    return int(db.session.scalar(stmt) or 0)


def _rule_label(i: int, bank: Bank | None, rule: dict) -> str:
    parts = [f"ngân hàng “{bank.title if bank else rule.get('bank_id')}”"]
    if rule.get("topic"):
        parts.append(f"chủ đề “{rule['topic']}”")
    if rule.get("difficulty"):
        parts.append(f"mức độ {DIFFICULTIES.get(rule['difficulty'], rule['difficulty'])}")
    if rule.get("type"):
        parts.append(f"loại {type_label(rule['type'])}")
    return f"Quy tắc {i} ({', '.join(parts)})"


def normalize_draw_rule(draw_rule: dict | None) -> dict:
    """Clean a draw rule: NFC topics, empty strings to None, ints for counts and ids."""
    draw_rule = draw_rule or {}
    if draw_rule.get("mode") == "fixed":
        ids = []
        for qid in draw_rule.get("question_ids") or []:
            if int(qid) not in ids:
                ids.append(int(qid))
        return {"mode": "fixed", "question_ids": ids}
    rules = []
    for rule in draw_rule.get("rules") or []:
        clean = {"bank_id": int(rule["bank_id"]), "count": int(rule["count"])}
        if nfc(rule.get("topic")):
            clean["topic"] = nfc(rule["topic"])
        if rule.get("difficulty"):
            clean["difficulty"] = rule["difficulty"]
        if rule.get("type"):
            clean["type"] = str(rule["type"])
        rules.append(clean)
    # delivery draws rule by rule without reuse: the narrowest rules go first, so a broad rule
    # cannot use up the questions a narrow one needs.
    rules.sort(key=lambda r: -(("topic" in r) + ("difficulty" in r) + ("type" in r)))
    return {"mode": "random", "rules": rules}


def check_draw_rule(draw_rule: dict, actor: Person) -> list[dict]:
    """Every rule names a usable bank and asks for no more questions than it has."""
    allowed = {b.id: b for b in usable_banks(actor)}
    if draw_rule["mode"] == "fixed":
        ids = draw_rule["question_ids"]
        if not ids:
            return [problem("question_ids", "Vui lòng chọn ít nhất một câu hỏi cho danh sách cố định.")]
        rows = db.session.execute(
            select(Question.id, Question.bank_id, Question.active, Question.current_version_id)
            .where(Question.id.in_(ids))
        ).all()
        ok = {r.id for r in rows if r.active and r.bank_id in allowed and r.current_version_id}
        bad = [i for i in ids if i not in ok]
        if bad:
            return [problem("question_ids", f"{len(bad)} câu hỏi đã chọn không còn dùng được "
                            "(đã bị ẩn hoặc không thuộc ngân hàng bạn được dùng).")]
        return []
    rules = draw_rule["rules"]
    if not rules:
        return [problem("rules", "Vui lòng nhập ít nhất một quy tắc rút câu hỏi (ngân hàng và số câu).")]
    out = []
    per_bank: dict[int, int] = {}
    for i, rule in enumerate(rules, start=1):
        bank = allowed.get(rule["bank_id"])
        if bank is None:
            out.append(problem("rules", f"Quy tắc {i}: ngân hàng câu hỏi không tồn tại hoặc bạn không được dùng."))
            continue
        if rule.get("difficulty") and rule["difficulty"] not in DIFFICULTIES:
            out.append(problem("rules", f"Quy tắc {i}: mức độ không hợp lệ."))
            continue
        if rule.get("type") and rule["type"] not in REGISTRY:
            out.append(problem("rules", f"Quy tắc {i}: loại câu hỏi không hợp lệ."))
            continue
        if not (1 <= rule["count"] <= MAX_DRAW_COUNT):
            out.append(problem("rules", f"Quy tắc {i}: số câu phải từ 1 đến {MAX_DRAW_COUNT}."))
            continue
        have = available_count(bank.id, rule.get("topic"), rule.get("difficulty"), rule.get("type"))
        if rule["count"] > have:
            out.append(problem("rules", f"{_rule_label(i, bank, rule)}: cần {rule['count']} câu nhưng "
                               f"chỉ có {have} câu đang dùng."))
        per_bank[bank.id] = per_bank.get(bank.id, 0) + rule["count"]
    if not out:
        for bank_id, wanted in per_bank.items():
            have = available_count(bank_id, None, None)
            if wanted > have:
                out.append(problem("rules", f"Các quy tắc cùng rút {wanted} câu từ ngân hàng “{allowed[bank_id].title}” "
                                   f"nhưng ngân hàng chỉ có {have} câu đang dùng."))
    if not out:
        out += check_equal_papers(draw_rule, allowed)
    return out


def check_equal_papers(draw_rule: dict, banks: dict[int, Bank]) -> list[dict]:
    """Refuse a random draw that could give people papers of different totals or type mixes."""
    plan = plan_papers(draw_rule, label=lambda i, rule: _rule_label(i, banks.get(rule["bank_id"]), rule))
    return [problem("rules", message) for message in plan.problems]


def questions_by_bank(banks: list[Bank]) -> list[tuple[Bank, list[tuple[Question, QuestionVersion]]]]:
    """Active questions (with their current version) of each bank, for picking a fixed list."""
    if not banks:
        return []
    rows = db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id.in_([b.id for b in banks]), Question.active.is_(True))
        .order_by(Question.bank_id, Question.position, Question.id)
    ).all()
    grouped: dict[int, list] = {b.id: [] for b in banks}
    for question, version in rows:
        grouped[question.bank_id].append((question, version))
    return [(b, grouped[b.id]) for b in banks if grouped[b.id]]


def topics_of(banks: list[Bank]) -> list[str]:
    """Distinct topics of the banks' current questions (for the topic suggestions)."""
    if not banks:
        return []
    stmt = (
        select(QuestionVersion.topic).distinct()
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id.in_([b.id for b in banks]), QuestionVersion.topic != "")
        .order_by(QuestionVersion.topic)
    )
    return list(db.session.scalars(stmt))


def describe_draw_rule(draw_rule: dict | None) -> list[Phrase]:
    """Lines for a draw rule (bank titles, topics, difficulties, counts): Vietnamese as str, the
    page's language when shown (quizapp/phrases.py); bank titles and topics marked as typed data."""
    draw_rule = draw_rule or {}
    if draw_rule.get("mode") == "fixed":
        return [N_("Danh sách cố định: %(n)s câu hỏi", n=len(draw_rule.get("question_ids") or []))]
    rules = draw_rule.get("rules") or []
    titles = dict(db.session.execute(
        select(Bank.id, Bank.title).where(Bank.id.in_([r["bank_id"] for r in rules]))).all()) if rules else {}
    out = []
    for r in rules:
        parts = [N_("%(n)s câu từ “%(bank)s”", n=r["count"], bank=titles.get(r["bank_id"], r["bank_id"]),
                    user=("bank",))]
        if r.get("topic"):
            parts.append(N_("chủ đề “%(topic)s”", topic=r["topic"], user=("topic",)))
        if r.get("difficulty"):
            parts.append(N_("mức độ %(level)s", level=Phrase(DIFFICULTIES.get(r["difficulty"], r["difficulty"]))))
        if r.get("type"):
            parts.append(N_("loại %(type)s", type=Phrase(type_label(r["type"]))))
        out.append(join(", ", parts))
    return out


def paper_summary(draw_rule: dict | None, actor: Person) -> list[Phrase]:
    """Lines saying what every paper of a draw rule holds (count per type, total points), or that
    papers would differ; only banks the actor may use are looked at. Empty when nothing to say."""
    from quizapp.services.papers import plan_lines

    try:
        rule = normalize_draw_rule(draw_rule)
    except (KeyError, TypeError, ValueError):
        return []
    allowed = {b.id for b in usable_banks(actor)}
    if rule["mode"] == "fixed":
        ids = rule["question_ids"]
        rule["question_ids"] = list(db.session.scalars(
            select(Question.id).where(Question.id.in_(ids), Question.bank_id.in_(allowed)))) if ids else []
    else:
        rule["rules"] = [r for r in rule["rules"] if r["bank_id"] in allowed and 1 <= r["count"] <= MAX_DRAW_COUNT
                         and (not r.get("type") or r["type"] in REGISTRY)]
    return plan_lines(plan_papers(rule))


KEYS_WHILE_OPEN_WARNING = (
    "Cảnh báo: đáp án đúng sẽ hiện cho người vừa nộp bài trong khi những người khác trong hội trường có thể "
    "vẫn đang làm bài, nên đáp án có thể bị truyền cho nhau. Nên chọn \"Sau khi đợt kiểm tra kết thúc\".")


def review_warning(review_policy: str | None, review_when: str | None) -> str | None:
    """The warning a round form shows when the review policy releases keys while others still answer
    (keys "ngay sau khi nộp bài"); None for a safe choice. Allowed, but never silently."""
    if review_policy == "correct" and (review_when or DEFAULT_REVIEW_WHEN) == "after_submit":
        return KEYS_WHILE_OPEN_WARNING
    return None
