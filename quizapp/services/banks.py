"""Question banks: validate and import bank files (all-or-nothing), edit questions, export.

Versioning rule, shared by file import and the web editor: a question is matched by its stable
key; unchanged content is left alone; changed content edits the current version in place unless
an attempt has shown that version, in which case a new version (n+1) becomes current. Questions
missing from a re-imported file are deactivated, never deleted.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import AttemptItem, AuditLog, Bank, Org, Person, Question, QuestionVersion
from quizapp.services.bank_formats import export as exporter
from quizapp.services.bank_formats import native
from quizapp.services.bank_formats import registry as formats
from quizapp.services.bank_formats.common import ReadOptions, ReadResult
from quizapp.services.bank_formats.schema import CONTENT_FIELDS, BankError, ParsedBank, ParsedQuestion, parse_question
from quizapp import permissions
from quizapp.services.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from quizapp.services.question_types import REGISTRY
from quizapp.vn import nfc, strip_diacritics


def visible_banks(person: Person) -> list[Bank]:
    """Every bank the person may view, site banks first, then by title."""
    cond = permissions.bank_scope_clause(person)
    stmt = select(Bank).order_by(Bank.org_id.is_not(None), Bank.title)
    if cond is not None:
        stmt = stmt.where(cond)
    return list(db.session.scalars(stmt))


def bank_owner_choices(person: Person) -> list[Org | None]:
    """Owners the person may give a new bank: None (site-wide) for admins, then managed nodes."""
    owners: list[Org | None] = [None] if permissions.is_admin(person) else []
    return owners + permissions.managed_orgs(person)


def get_question_or_404(bank: Bank, question_id: int) -> Question:
    """A question of this bank (never of another bank)."""
    question = db.session.get(Question, question_id)
    if question is None or question.bank_id != bank.id:
        raise NotFound("Không tìm thấy câu hỏi này.")
    return question


def _fold(text: str) -> str:
    return strip_diacritics(nfc(text).lower())


def bank_questions(bank: Bank, *, topic: str = "", qtype: str = "", difficulty: str = "",
                   search: str = "", include_inactive: bool = False) -> list[tuple[Question, QuestionVersion]]:
    """Questions with their current versions, filtered; search ignores case and accents."""
    stmt = (select(Question, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.bank_id == bank.id).order_by(Question.position, Question.id))
    if not include_inactive:
        stmt = stmt.where(Question.active.is_(True))
    if topic:
        stmt = stmt.where(QuestionVersion.topic == topic)
    if qtype in REGISTRY:
        stmt = stmt.where(QuestionVersion.type == qtype)
    if difficulty:
        stmt = stmt.where(QuestionVersion.difficulty == difficulty)
    rows = [tuple(r) for r in db.session.execute(stmt).all()]
    needle = _fold(search or "")
    if needle:
        rows = [r for r in rows if needle in _fold(f"{r[0].key} {r[1].text} {r[1].topic}")]
    return rows


def bank_topics(bank: Bank) -> list[str]:
    """Distinct topics of the bank's current versions, in file order."""
    rows = db.session.scalars(
        select(QuestionVersion.topic).join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id).order_by(Question.position)
    )
    return list(dict.fromkeys(t for t in rows if t))


def bank_counts(bank_ids: list[int]) -> dict[int, int]:
    """Active question count per bank."""
    if not bank_ids:
        return {}
    rows = db.session.execute(select(Question.bank_id, func.count()).where(
        Question.bank_id.in_(bank_ids), Question.active.is_(True)).group_by(Question.bank_id))
    return {b: n for b, n in rows}


# ---------------------------------------------------------------- import, edit, export

@dataclass
class ImportResult:
    """What one imported file changed."""

    slug: str
    title: str
    bank_id: int
    created: bool
    added: int = 0
    updated_in_place: int = 0
    new_versions: int = 0
    deactivated: int = 0
    unchanged: int = 0
    reactivated: int = 0

    def summary(self) -> str:
        """One Vietnamese line for flash messages and the CLI."""
        head = "Đã tạo" if self.created else "Đã cập nhật"
        return (f"{head} ngân hàng '{self.slug}': thêm {self.added}, sửa tại chỗ {self.updated_in_place}, "
                f"phiên bản mới {self.new_versions}, ngừng dùng {self.deactivated}, "
                f"không đổi {self.unchanged}, dùng lại {self.reactivated}.")


def _limits() -> tuple[int, int]:
    if has_app_context():
        cfg = current_app.config
        return int(cfg.get("MAX_CONTENT_LENGTH") or native.DEFAULT_MAX_BYTES), int(cfg.get("IMPORT_MAX_ROWS") or native.DEFAULT_MAX_QUESTIONS)
    return native.DEFAULT_MAX_BYTES, native.DEFAULT_MAX_QUESTIONS


def _read(path_or_bytes: bytes | str | Path, filename: str | None, max_bytes: int) -> tuple[bytes | None, str, list[BankError]]:
    """Bytes and a display name; a path is size-checked before it is read."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes), filename or "", []
    path = Path(path_or_bytes)
    name = filename or str(path)
    try:
        if path.stat().st_size > max_bytes:
            return None, name, [BankError(f"tệp quá lớn; tối đa {max_bytes / (1024 * 1024):g} MB", None, None, name)]
        return path.read_bytes(), name, []
    except OSError as exc:
        return None, name, [BankError(f"không đọc được tệp ({exc.strerror or exc})", None, None, name)]


def read_file(path_or_bytes: bytes | str | Path, filename: str | None = None, *,
              source: tuple[str, str] | None = None, title: str = "") -> ReadResult:
    """Read a bank file of any supported format, recognized by its content.

    Formats other than the native YAML name no source document, so `source` (document, section)
    gives one to every question; `title` names the bank (else the file name does). The result
    lists skipped questions with their reasons and per-question notes, for a preview.
    """
    max_bytes, max_questions = _limits()
    data, name, errors = _read(path_or_bytes, filename, max_bytes)
    if data is None:
        return ReadResult("", None, errors)
    document, section = source or ("", "")
    options = ReadOptions(source_document=nfc(document), source_section=nfc(section), title=nfc(title),
                          max_bytes=max_bytes, max_questions=max_questions)
    if len(data) > max_bytes:
        return ReadResult("", None, [BankError(f"tệp quá lớn; tối đa {max_bytes / (1024 * 1024):g} MB", None, None, name)])
    return formats.read(data, name, options)


def parse_file(path_or_bytes: bytes | str | Path, filename: str | None = None, *,
               source: tuple[str, str] | None = None) -> tuple[ParsedBank | None, list[BankError]]:
    """Read and validate a bank file of any format; (bank, []) or (None, errors)."""
    result = read_file(path_or_bytes, filename, source=source)
    return result.bank, result.errors


def converted_yaml(bank: ParsedBank) -> str:
    """A read bank as native YAML text (to review, or to import after a preview)."""
    header = {"slug": bank.slug, "title": bank.title, "document": bank.document,
              "document_date": bank.document_date, "description": bank.description}
    return exporter.dump_bank(header, [(q.key, q.content()) for q in bank.questions])


def convert_file(path_or_bytes: bytes | str | Path, filename: str | None = None, *,
                 source: tuple[str, str] | None = None, title: str = "") -> tuple[str | None, ReadResult]:
    """Any supported file as native YAML text for review: (yaml or None, what was read)."""
    result = read_file(path_or_bytes, filename, source=source, title=title)
    return (converted_yaml(result.bank) if result.bank is not None else None), result


def validate_file(path_or_bytes: bytes | str | Path, filename: str | None = None) -> list[BankError]:
    """Every problem in a bank file, each with its line number; [] when it can be imported."""
    return parse_file(path_or_bytes, filename)[1]


def _parsed_or_raise(data, source: tuple[str, str] | None = None) -> ParsedBank:
    if isinstance(data, ParsedBank):
        return data
    parsed, errors = (parse_file(data, source=source) if not isinstance(data, tuple)
                      else parse_file(data[1], data[0], source=source))
    if errors:
        raise InvalidInput("Tệp ngân hàng câu hỏi có lỗi; chưa ghi gì vào hệ thống.",
                           details=[e.as_dict() for e in errors])
    if parsed is None:  # e.g. an empty file: nothing to import, and nothing to point at
        raise InvalidInput("Tệp không có câu hỏi nào đọc được; chưa ghi gì vào hệ thống.",
                           details=[{"line": None, "message": "Tệp trống hoặc không có câu hỏi nào."}])
    return parsed


def import_bank(data, *, owner_org: Org | None = None, actor: Person | None = None,
                filename: str | None = None, source: tuple[str, str] | None = None) -> ImportResult:
    """Import one bank (ParsedBank, bytes, path or (filename, bytes)) in one transaction."""
    if filename is not None and isinstance(data, (bytes, bytearray)):
        data = (filename, bytes(data))
    return import_many([data], owner_org=owner_org, actor=actor, source=source)[0]


def import_many(items: list, *, owner_org: Org | None = None, actor: Person | None = None,
                source: tuple[str, str] | None = None) -> list[ImportResult]:
    """Import several banks all-or-nothing: if any file is bad, nothing at all is written.

    Files of any supported format; `source` (document, section) is given to questions of formats
    that name none.
    """
    parsed, details = [], []
    for item in items:
        try:
            parsed.append(_parsed_or_raise(item, source))
        except InvalidInput as exc:
            details.extend(exc.details or [])
    if details:
        raise InvalidInput("Tệp ngân hàng câu hỏi có lỗi; chưa ghi gì vào hệ thống.", details=details)
    slugs = [p.slug for p in parsed]
    if len(set(slugs)) != len(slugs):
        raise InvalidInput("Hai tệp cùng một mã ngân hàng (slug); chưa ghi gì vào hệ thống.")
    begin_write()
    try:
        results = [_import_one(p, owner_org, actor) for p in parsed]
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Ngân hàng vừa được người khác nhập cùng lúc; vui lòng thử lại.") from None
    except Exception:
        db.session.rollback()
        raise
    return results


def _import_one(parsed: ParsedBank, owner_org: Org | None, actor: Person | None) -> ImportResult:
    bank = db.session.scalar(select(Bank).where(Bank.slug == parsed.slug))
    created = bank is None
    if created:
        if actor is not None and not permissions.can_create_bank(owner_org, actor):
            raise Forbidden("Bạn không có quyền tạo ngân hàng câu hỏi cho đơn vị này.")
        bank = Bank(slug=parsed.slug, org_id=owner_org.id if owner_org else None)
        db.session.add(bank)
    else:
        if actor is not None and not permissions.can_edit_bank(bank, actor):
            raise Forbidden(f"Bạn không có quyền sửa ngân hàng '{parsed.slug}'.")
        if owner_org is not None and bank.org_id != owner_org.id:
            raise InvalidInput(f"Mã ngân hàng '{parsed.slug}' đã thuộc một đơn vị khác; hãy đổi 'slug'.")
    bank.title, bank.document = parsed.title, parsed.document
    bank.document_date, bank.description = parsed.document_date, parsed.description
    db.session.flush()

    existing = {q.key: q for q in db.session.scalars(
        select(Question).where(Question.bank_id == bank.id).options(selectinload(Question.current_version))
    )}
    answered = _answered_version_ids(bank.id)
    result = ImportResult(parsed.slug, parsed.title, bank.id, created)
    for position, pq in enumerate(parsed.questions, start=1):
        question = existing.pop(pq.key, None)
        if question is not None and not question.active:
            result.reactivated += 1
        outcome = _apply(bank, question, pq, position, answered)
        setattr(result, outcome, getattr(result, outcome) + 1)
    for question in existing.values():
        if question.active:
            question.active = False
            result.deactivated += 1
    db.session.flush()
    db.session.add(AuditLog(actor_id=actor.id if actor else None, action="bank.import", target_type="bank",
                            target_id=bank.id, details={k: v for k, v in asdict(result).items() if isinstance(v, int)}))
    return result


def _answered_version_ids(bank_id: int) -> set[int]:
    current = select(Question.current_version_id).where(Question.bank_id == bank_id)
    return set(db.session.scalars(
        select(AttemptItem.question_version_id).where(AttemptItem.question_version_id.in_(current)).distinct()
    ))


def is_answered(version: QuestionVersion) -> bool:
    """True once any attempt has shown this version (it may then never change)."""
    return bool(db.session.scalar(select(exists().where(AttemptItem.question_version_id == version.id))))


def _same(version: QuestionVersion, content: dict) -> bool:
    for f in CONTENT_FIELDS:
        old, new = getattr(version, f), content[f]
        if f == "points":
            if float(old or 0) != float(new):
                return False
        elif (old or None) != (new or None):
            return False
    return True


def _apply(bank: Bank, question: Question | None, pq: ParsedQuestion, position: int, answered: set[int]) -> str:
    """Apply one parsed question; returns the ImportResult counter it belongs to."""
    content = pq.content()
    if question is None:
        question = Question(bank=bank, key=pq.key, position=position, active=True)
        version = QuestionVersion(question=question, version=1, **content)
        db.session.add_all([question, version])
        question.current_version = version
        return "added"
    question.position = position
    question.active = True
    current = question.current_version
    if current is not None and _same(current, content):
        return "unchanged"
    if current is None or current.id in answered:
        number = 1 + (db.session.scalar(select(func.max(QuestionVersion.version)).where(QuestionVersion.question_id == question.id)) or 0)
        version = QuestionVersion(question=question, version=number, **content)
        db.session.add(version)
        question.current_version = version
        return "new_versions"
    for f, value in content.items():
        setattr(current, f, value)
    return "updated_in_place"


def save_question(bank: Bank, question: Question | None, fields: dict, actor: Person) -> tuple[Question, str]:
    """Add (question=None) or edit a question from native-format fields; same versioning as import.

    Returns the question and the outcome: added, updated_in_place, new_versions or unchanged.
    A new question without a code gets the bank's next automatic one (`next_question_key`).
    """
    if not permissions.can_edit_bank(bank, actor):
        raise Forbidden("Bạn không có quyền sửa ngân hàng câu hỏi này.")
    fields = dict(fields)
    if question is not None:
        fields["id"] = question.key  # the key is stable; the form cannot change it
    auto_key = question is None and not str(fields.get("id") or "").strip()
    if auto_key:
        fields["id"] = next_question_key(bank)  # an empty code field: the next free automatic code
    errors: list[BankError] = []
    pq = parse_question(fields, errors)
    if errors:
        raise InvalidInput("Câu hỏi chưa hợp lệ; vui lòng sửa các lỗi dưới đây.", details=[e.message for e in errors])
    begin_write()
    if auto_key:
        pq.key = next_question_key(bank)  # again under the write lock: another editor may have just added one
    if question is None:
        if db.session.scalar(select(Question.id).where(Question.bank_id == bank.id, Question.key == pq.key)):
            db.session.rollback()
            raise InvalidInput(f"Mã câu hỏi '{pq.key}' đã có trong ngân hàng này.", details=[f"mã câu hỏi '{pq.key}' đã được dùng"])
        position = 1 + (db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id)) or 0)
        answered: set[int] = set()
    else:
        position = question.position
        answered = {question.current_version_id} if question.current_version and is_answered(question.current_version) else set()
    try:
        outcome = _apply(bank, question, pq, position, answered)
        if question is None:
            question = db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == pq.key))
        db.session.flush()
        db.session.add(AuditLog(actor_id=actor.id, action=f"question.{outcome}", target_type="question",
                                target_id=question.id, details={"bank_id": bank.id, "key": pq.key}))
        db.session.commit()
    except IntegrityError:  # PostgreSQL: another editor saved the same code at the same moment
        db.session.rollback()
        raise InvalidInput(f"Mã câu hỏi '{pq.key}' vừa được người khác dùng; vui lòng lưu lại.",
                           details=[f"mã câu hỏi '{pq.key}' đã được dùng"]) from None
    return question, outcome


def _export_rows(bank: Bank) -> list[tuple[str, dict]]:
    rows = db.session.execute(
        select(Question.key, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank.id, Question.active.is_(True))
        .order_by(Question.position, Question.id)
    ).all()
    return [(key, {f: getattr(v, f) for f in CONTENT_FIELDS}) for key, v in rows]


def export_bank(bank: Bank) -> str:
    """The bank's active questions (current versions) as a native YAML file."""
    header = {"slug": bank.slug, "title": bank.title, "document": bank.document,
              "document_date": bank.document_date, "description": bank.description}
    return exporter.dump_bank(header, _export_rows(bank))


def export_bank_moodle_xml(bank: Bank) -> bytes:
    """The bank's active questions as Moodle XML (topics as categories, difficulty and source as tags)."""
    from quizapp.services.bank_formats import moodle_xml

    return moodle_xml.dump(_export_rows(bank))


def version_fields(question: Question) -> dict:
    """The current version in native-format fields (to prefill the web editor)."""
    v = question.current_version
    return exporter.question_dict(question.key, {f: getattr(v, f) for f in CONTENT_FIELDS})


def org_by_code(code: str) -> Org:
    """The org with this code (case-insensitive), or InvalidInput."""
    org = db.session.scalar(select(Org).where(Org.code == (code or "").strip().upper()))
    if org is None:
        raise InvalidInput(f"Không có tổ chức đảng mã '{code}'.")
    return org


def bank_by_slug(slug: str) -> Bank:
    """The bank with this slug, or InvalidInput."""
    bank = db.session.scalar(select(Bank).where(Bank.slug == slug))
    if bank is None:
        raise InvalidInput(f"Không có ngân hàng câu hỏi mã '{slug}'.")
    return bank


# ---------------------------------------------------------------- the editor without files

KEY_NUMBER_RE = re.compile(r"^([a-z0-9-]*?)-?(\d+)$")


def slugify(text: str, limit: int = 60) -> str:
    """A bank slug from a title: folded, lower case, words joined by '-'."""
    folded = strip_diacritics(nfc(text or "").lower())
    words = re.findall(r"[a-z0-9]+", folded)
    slug = "-".join(words)[:limit].strip("-")
    return slug or "ngan-hang"


def _free_slug(base: str) -> str:
    base = base[:70].strip("-") or "ngan-hang"
    taken = set(db.session.scalars(select(Bank.slug).where(Bank.slug.like(base + "%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def key_prefix(bank: Bank) -> str:
    """The prefix of the bank's question codes: the most used one ('kh' of kh-001), else the slug's initials."""
    from collections import Counter

    counts = Counter()
    for key in db.session.scalars(select(Question.key).where(Question.bank_id == bank.id)):
        m = KEY_NUMBER_RE.match(key)
        if m and m.group(1):
            counts[m.group(1)] += 1
    if counts:
        return counts.most_common(1)[0][0]
    initials = "".join(part[0] for part in bank.slug.split("-") if part and not part.isdigit())
    return (initials or "q")[:10]


def next_question_key(bank: Bank) -> str:
    """The next free automatic code of a bank: '<prefix>-001', '<prefix>-002', ..."""
    prefix = key_prefix(bank)
    keys = set(db.session.scalars(select(Question.key).where(Question.bank_id == bank.id)))
    numbers = [int(k[len(prefix) + 1:]) for k in keys
               if k.startswith(prefix + "-") and k[len(prefix) + 1:].isdigit()]
    n = max(numbers, default=0) + 1
    while f"{prefix}-{n:03d}" in keys:
        n += 1
    return f"{prefix}-{n:03d}"


def create_bank(*, title: str, document: str, owner_org: Org | None, actor: Person,
                document_date=None, description: str | None = None) -> Bank:
    """A new, empty bank for an owner in the actor's scope (a slug made from the title); audited."""
    title, document = nfc(title or "").strip(), nfc(document or "").strip()
    if not title or not document:
        raise InvalidInput("Cần tên ngân hàng và văn bản được học tập.")
    if not permissions.can_create_bank(owner_org, actor):
        raise Forbidden("Bạn không có quyền tạo ngân hàng câu hỏi cho đơn vị này.")
    begin_write()
    bank = Bank(slug=_free_slug(slugify(title)), title=title[:300], document=document[:300],
                document_date=document_date, description=nfc(description or "").strip() or None,
                org_id=owner_org.id if owner_org else None)
    db.session.add(bank)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Ngân hàng vừa được người khác tạo cùng lúc; vui lòng thử lại.") from None
    db.session.add(AuditLog(actor_id=actor.id, action="bank.create", target_type="bank", target_id=bank.id,
                            details={"slug": bank.slug, "org_id": bank.org_id}))
    db.session.commit()
    return bank


def copy_bank(source: Bank, *, owner_org: Org | None, actor: Person) -> Bank:
    """Copy a bank the actor may view to an owner in their scope: new slug, every active question's
    current version as version 1 of a new question (same codes, same order); audited."""
    if not permissions.can_view_bank(source, actor):
        raise NotFound("Không tìm thấy ngân hàng câu hỏi này.")
    if not permissions.can_create_bank(owner_org, actor):
        raise Forbidden("Bạn không có quyền tạo ngân hàng câu hỏi cho đơn vị này.")
    suffix = owner_org.code.lower() if owner_org is not None else "chung"
    begin_write()
    bank = Bank(slug=_free_slug(slugify(f"{source.slug}-{suffix}")), title=source.title, document=source.document,
                document_date=source.document_date, description=source.description,
                org_id=owner_org.id if owner_org else None)
    db.session.add(bank)
    db.session.flush()
    rows = db.session.execute(
        select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == source.id, Question.active.is_(True)).order_by(Question.position, Question.id)
    ).all()
    for position, (q, v) in enumerate(rows, start=1):
        copy = Question(bank=bank, key=q.key, position=position, active=True)
        version = QuestionVersion(question=copy, version=1, **{f: getattr(v, f) for f in CONTENT_FIELDS})
        db.session.add_all([copy, version])
        copy.current_version = version
    db.session.flush()
    db.session.add(AuditLog(actor_id=actor.id, action="bank.copy", target_type="bank", target_id=bank.id,
                            details={"from_bank_id": source.id, "from_slug": source.slug, "questions": len(rows)}))
    db.session.commit()
    return bank


def _ordered(bank: Bank) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.bank_id == bank.id)
                                   .order_by(Question.position, Question.id)))


def move_question(bank: Bank, question: Question, direction: str, actor: Person) -> bool:
    """Swap a question with its neighbour above ('up') or below ('down'); False at either end."""
    if not permissions.can_edit_bank(bank, actor):
        raise Forbidden("Bạn không có quyền sửa ngân hàng câu hỏi này.")
    if direction not in ("up", "down"):
        raise InvalidInput("Hướng di chuyển không hợp lệ.")
    begin_write()
    ordered = _ordered(bank)
    index = next(i for i, q in enumerate(ordered) if q.id == question.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        db.session.rollback()
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, q in enumerate(ordered, start=1):
        q.position = position
    db.session.add(AuditLog(actor_id=actor.id, action="question.move", target_type="question",
                            target_id=question.id, details={"bank_id": bank.id, "direction": direction}))
    db.session.commit()
    return True


def set_question_active(bank: Bank, question: Question, active: bool, actor: Person) -> None:
    """Retire (never drawn again; rounds already drawn keep their versions) or restore a question."""
    if not permissions.can_edit_bank(bank, actor):
        raise Forbidden("Bạn không có quyền sửa ngân hàng câu hỏi này.")
    begin_write()
    question.active = bool(active)
    db.session.add(AuditLog(actor_id=actor.id, action="question.restore" if active else "question.retire",
                            target_type="question", target_id=question.id,
                            details={"bank_id": bank.id, "key": question.key}))
    db.session.commit()


def quality_items(bank: Bank, *, include_inactive: bool = False) -> list[dict]:
    """The bank's questions (current versions) as plain mappings for services.bank_quality."""
    stmt = (select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.bank_id == bank.id).order_by(Question.position, Question.id))
    if not include_inactive:
        stmt = stmt.where(Question.active.is_(True))
    return [{"key": q.key, "id": q.id, "type": v.type, "text": v.text, "spec": v.spec}
            for q, v in db.session.execute(stmt).all()]


def check_question(fields: dict) -> tuple[ParsedQuestion | None, list[str]]:
    """Validate question fields without saving (for a preview): (parsed, []) or (None, messages)."""
    errors: list[BankError] = []
    pq = parse_question(dict(fields), errors)
    return pq, [e.message for e in errors]


def preview_item(pq_or_version) -> dict:
    """A question as a member's attempt page shows it (take/_question.html): public view only, no key."""
    from quizapp.services import display_ids
    from quizapp.services.question_types import get_type

    qtype = get_type(pq_or_version.type)
    spec = pq_or_version.spec
    return {"position": 1, "type": pq_or_version.type, "type_label": qtype.label, "text": pq_or_version.text,
            "points": float(pq_or_version.points),
            "view": display_ids.view_to_display(spec, None, qtype.public_view(spec, None)),
            "answer": None, "seq": 0}
