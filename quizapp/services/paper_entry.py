"""Entering paper answers: parse what a secretary types per member, then save finished paper attempts.

What may be typed in a member's answer cell (the variant, mã đề, is its own cell):
- numbered: `1A 2C 3BD` (question number, then the letter or letters filled in);
- one key per question: `ACBD…` mapped in order to the paper's letter questions (bubbles),
  `-` `.` `_` `*` for a question left blank, `(BD)` for several letters on one question;
- a short answer: `4="tự chuyển hóa"` (or typed into its own cell).
True/false takes Đ/S (also D, A = Đúng; B = Sai). Each problem is reported at its question.

Saving creates, per member, a finished Attempt with mode "paper": the variant's questions in
its order, letters mapped to the bank's choice ids through the variant's choice order, graded
by services.grading like any online attempt, and audited with who entered it. Entering again
replaces the member's paper attempt; a member who took the test online is refused, and so is a
manager who still sits the quiz herself (permissions.check_paper_entry).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptMode,
    AttemptStatus,
    AuditLog,
    FinishReason,
    Org,
    PaperTest,
    Person,
    StudyRound,
)
from quizapp.services import rules
from quizapp.services.exceptions import Conflict
from quizapp.services.grading import grade_attempt
from quizapp.services.paper_tests import (
    Variant,
    cell_roster,
    load_variants,
    variant_for,
)
from quizapp.services.question_types import AnswerError
from quizapp.vn import format_datetime, format_number, nfc

BLANKS = "-._*"
MAX_TYPED = 2000
_TEXT_TOKEN = re.compile(r'(\d+)\s*=\s*(?:"([^"]*)"|“([^”]*)”|(\S+))')
_NUMBERED = re.compile(r"(\d+)\s*([^\d\s,;]*)")


@dataclass
class CellError:
    """A problem at one cell of a row: `where` is a question number, 'variant', 'answers' or 'member'."""

    where: int | str
    message: str


@dataclass
class Parsed:
    """Stored answer values by question number, and the problems found."""

    values: dict[int, dict | None] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)


def _store(item, raw, parsed: Parsed) -> None:
    qtype = item.qtype
    try:
        qtype.check_answer_shape(item.version.spec, raw)
        parsed.values[item.number] = qtype.clean_answer(item.version.spec, raw)
    except AnswerError as exc:
        parsed.errors.append(CellError(item.number, f"Câu {item.number}: {exc}."))


def _letters(item, typed: str, parsed: Parsed) -> None:
    if item.kind == "text":
        parsed.errors.append(CellError(item.number, f"Câu {item.number} là câu trả lời ngắn: nhập chữ ở ô riêng "
                                                     f"của câu này (hoặc {item.number}=\"…\")."))
        return
    if item.kind == "essay":
        parsed.errors.append(CellError(item.number, f"Câu {item.number} là câu tự luận, chấm trên bản giấy: "
                                                     "không nhập chữ cái."))
        return
    if typed and all(ch in BLANKS for ch in typed):
        return  # "3-": left blank on the sheet
    if not typed:
        parsed.errors.append(CellError(item.number, f"Câu {item.number}: chưa nhập phương án "
                                                     f"({item.qtype.paper_hint(item.version.spec, item.choice_order)})."))
        return
    try:
        raw = item.qtype.paper_answer(item.version.spec, item.choice_order, typed)
    except AnswerError as exc:
        parsed.errors.append(CellError(item.number, f"Câu {item.number}: {exc}."))
        return
    _store(item, raw, parsed)


def _compact(variant: Variant, typed: str, parsed: Parsed) -> None:
    """One key per letter question, in order; '(BD)' groups several letters for one question."""
    keys, i = [], 0
    while i < len(typed):
        ch = typed[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            end = typed.find(")", i)
            if end < 0:
                parsed.errors.append(CellError("answers", "Thiếu dấu “)” đóng nhóm chữ cái."))
                return
            keys.append(typed[i + 1:end])
            i = end + 1
            continue
        keys.append("" if ch in BLANKS else ch)
        i += 1
    lettered = [it for it in variant.items if it.kind == "letters"]
    if len(keys) > len(lettered):
        parsed.errors.append(CellError("answers", f"Đã nhập {len(keys)} ký tự nhưng mã đề {variant.code} chỉ có "
                                                  f"{len(lettered)} câu tô ô."))
        return
    for item, key in zip(lettered, keys):
        if key:
            _letters(item, key, parsed)


def parse_answers(variant: Variant, typed: str, texts: dict[int, str] | None = None,
                  short_texts: list[str] | None = None) -> Parsed:
    """Read one member's typed answers against a variant (see the module docstring for the forms).
    `short_texts` are the short-answer cells, in the order the variant's sheet lists them."""
    parsed = Parsed()
    typed = nfc(typed or "")[:MAX_TYPED]
    n = len(variant.items)
    seen: set[int] = set()

    def item_at(number: int):
        item = variant.item(number)
        if item is None:
            parsed.errors.append(CellError(number, f"Câu {number}: mã đề {variant.code} chỉ có {n} câu."))
        elif number in seen:
            parsed.errors.append(CellError(number, f"Câu {number} được nhập hai lần."))
            item = None
        else:
            seen.add(number)
        return item

    all_texts = dict(texts or {})
    written = [it for it in variant.items if it.kind == "text"]
    for item, text in zip(written, short_texts or []):
        if text and text.strip():
            all_texts[item.number] = text
    for m in _TEXT_TOKEN.finditer(typed):
        all_texts[int(m.group(1))] = next(g for g in m.groups()[1:] if g is not None)
    rest = _TEXT_TOKEN.sub(" ", typed).strip()
    if any(ch.isdigit() for ch in rest):
        pos = 0
        for m in _NUMBERED.finditer(rest):
            skipped = rest[pos:m.start()].strip(" ,;")
            if skipped:
                parsed.errors.append(CellError("answers", f"Không hiểu “{skipped}”: hãy nhập số câu rồi chữ cái, "
                                                          "ví dụ 1A 2C 3BD."))
            pos = m.end()
            item = item_at(int(m.group(1)))
            if item is not None:
                _letters(item, m.group(2), parsed)
        tail = rest[pos:].strip(" ,;")
        if tail:
            parsed.errors.append(CellError("answers", f"Không hiểu “{tail}”: hãy nhập số câu rồi chữ cái."))
    elif rest:
        _compact(variant, rest, parsed)
    for number, text in sorted(all_texts.items()):
        if not text.strip():
            continue
        item = item_at(number)
        if item is None:
            continue
        if item.kind != "text":
            parsed.errors.append(CellError(number, f"Câu {number} không phải câu trả lời ngắn: "
                                                   f"nhập chữ cái ({item.qtype.paper_hint(item.version.spec, item.choice_order)})."
                                           if item.kind == "letters" else
                                           f"Câu {number} là câu tự luận, chấm trên bản giấy."))
            continue
        _store(item, item.qtype.paper_answer(item.version.spec, item.choice_order, text), parsed)
    for item in variant.items:
        if item.kind == "essay":  # the essay stays on paper and waits for a grader
            _store(item, item.qtype.paper_answer(item.version.spec, item.choice_order, ""), parsed)
    return parsed


# ---------------------------------------------------------------- saving


@dataclass
class EntryRow:
    """What was typed for one member."""

    person_id: int
    variant: str = ""
    answers: str = ""
    texts: dict[int, str] = field(default_factory=dict)
    short_texts: list[str] = field(default_factory=list)  # the short-answer cells, in sheet order

    @property
    def empty(self) -> bool:
        """Nothing typed: the row is left alone."""
        return not self.answers.strip() and not any(t.strip() for t in [*self.texts.values(), *self.short_texts])


@dataclass
class RowResult:
    """The outcome for one member's row."""

    person_id: int
    errors: list[CellError] = field(default_factory=list)
    refused: str | None = None
    saved: bool = False
    replaced: bool = False
    score: float | None = None
    pending: bool = False  # an essay waits for a mark: the score is "chờ chấm" (rules.shown_score)

    @property
    def message(self) -> str:
        """One Vietnamese line for the row."""
        if self.refused:
            return self.refused
        if self.errors:
            return " ".join(e.message for e in self.errors)
        if self.saved:
            verb = "Đã nhập lại" if self.replaced else "Đã lưu"
            if self.pending or self.score is None:
                return f"{verb}: điểm chờ chấm (phần tự luận chưa chấm)."
            return f"{verb}: {format_number(self.score, 1)} điểm."
        return ""


def online_refusal(attempts: list[Attempt]) -> str | None:
    """Why a member's paper cannot be entered (they sat the test online), or None."""
    online = [a for a in attempts if (a.mode or AttemptMode.ONLINE) != AttemptMode.PAPER]
    if not online:
        return None
    done = [a for a in online if a.status == AttemptStatus.FINISHED]
    if done:
        when = format_datetime(max(a.finished_at for a in done if a.finished_at) if any(
            a.finished_at for a in done) else None)
        return f"Đã làm bài trực tuyến (nộp lúc {when}) nên không nhập bài giấy cho người này."
    return "Đang làm bài trực tuyến nên không nhập bài giấy cho người này."


def attempts_of(quiz_id: int, person_ids: list[int]) -> dict[int, list[Attempt]]:
    out: dict[int, list[Attempt]] = {}
    if person_ids:
        for a in db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz_id,
                                                          Attempt.person_id.in_(person_ids))):
            out.setdefault(a.person_id, []).append(a)
    return out


SELF_ENTRY = "Không tự nhập bài giấy của chính mình: nhờ người khác trong chi ủy hoặc cấp ủy nhập."


def check_rows(rnd: StudyRound, cell: Org, paper: PaperTest, rows: list[EntryRow],
               actor: Person | None = None) -> list[RowResult]:
    """Validate every typed row (nothing written); rows with nothing typed come back untouched."""
    variants = load_variants(paper)
    roster = {s.person.id for s in cell_roster(rnd, cell)}
    attempts = attempts_of(rnd.quiz.id, [r.person_id for r in rows if r.person_id in roster])
    results = []
    seen: set[int] = set()
    for row in rows:
        result = RowResult(person_id=row.person_id)
        results.append(result)
        if row.empty:
            continue
        if row.person_id in seen:
            result.errors.append(CellError("member", "Người này đã có một dòng nhập khác trong cùng lần lưu: "
                                                     "chỉ dòng đầu tiên được xét."))
            continue
        seen.add(row.person_id)
        if row.person_id not in roster:
            result.errors.append(CellError("member", "Người này không có trong danh sách chi bộ của đợt học tập."))
            continue
        if actor is not None and row.person_id == actor.id:  # nobody marks their own test
            result.refused = SELF_ENTRY
            continue
        result.refused = online_refusal(attempts.get(row.person_id, []))
        if result.refused:
            continue
        code = (row.variant or "").strip()
        variant = variants.get(code)
        if variant is None:
            codes = ", ".join(variants)
            result.errors.append(CellError("variant", f"Chưa nhập mã đề (các mã đề: {codes})." if not code else
                                           f"Không có mã đề “{code}” (các mã đề: {codes})."))
            continue
        result.errors.extend(parse_answers(variant, row.answers, row.texts, row.short_texts).errors)
    return results


def save_rows(rnd: StudyRound, cell: Org, paper: PaperTest, rows: list[EntryRow], actor: Person,
              now: datetime | None = None) -> list[RowResult]:
    """Save every valid typed row as a finished paper attempt (one transaction); rows with problems
    are reported and left unsaved, with nothing else lost. Forbidden (nothing saved) while the actor
    still sits the quiz: a paper's score would tell them its keys (permissions.check_paper_entry)."""
    from quizapp import permissions

    permissions.check_paper_entry(rnd.quiz, actor)
    now = now or utcnow()
    results = check_rows(rnd, cell, paper, rows, actor)
    good = [(row, res) for row, res in zip(rows, results) if not row.empty and not res.errors and not res.refused]
    if not good:
        return results
    try:
        return _write_rows(rnd, cell, paper, rows, actor, now, results, good)
    except IntegrityError:
        # PostgreSQL: another secretary saved the same member in the same instant; theirs stands.
        db.session.rollback()
        raise Conflict("Bài giấy của một người trong danh sách vừa được nhập ở máy khác. "
                       "Vui lòng tải lại trang và kiểm tra trước khi lưu lại.") from None


def _write_rows(rnd, cell, paper, rows, actor, now, results, good) -> list[RowResult]:
    """The write half of save_rows: one transaction for every good row."""
    variants = load_variants(paper)
    quiz = rnd.quiz
    begin_write()
    # Re-read inside the write lock: a member may have started online a moment ago.
    attempts = attempts_of(quiz.id, [row.person_id for row, _ in good])
    conn = db.session.connection()
    for row, result in good:
        mine = attempts.get(row.person_id, [])
        result.refused = online_refusal(mine)
        if result.refused:
            continue
        variant = variants[row.variant.strip()]
        parsed = parse_answers(variant, row.answers, row.texts, row.short_texts)
        previous = next((a for a in mine if a.mode == AttemptMode.PAPER), None)
        if previous is not None:
            conn.execute(delete(Answer.__table__).where(Answer.__table__.c.attempt_id == previous.id))
            conn.execute(delete(AttemptItem.__table__).where(AttemptItem.__table__.c.attempt_id == previous.id))
            attempt = previous
            result.replaced = True
            before = {"variant": previous.paper_variant, "score": previous.score,
                      "entered_by_id": previous.entered_by_id}
        else:
            attempt = Attempt(quiz_id=quiz.id, person_id=row.person_id, number=1, is_makeup=False, mode=AttemptMode.PAPER)
            before = None
        attempt.org_id = cell.id
        attempt.status = AttemptStatus.FINISHED
        attempt.finish_reason = FinishReason.PAPER
        attempt.seed = paper.seed
        attempt.started_at = attempt.deadline = attempt.finished_at = now
        attempt.entered_by_id = actor.id
        attempt.paper_variant = variant.code
        attempt.pending_essays = attempt.pending_essays or 0
        db.session.add(attempt)
        db.session.flush()
        conn.execute(insert(AttemptItem.__table__), [
            {"attempt_id": attempt.id, "position": it.number, "question_version_id": it.version.id,
             "choice_order": it.choice_order, "points": it.points} for it in variant.items])
        answers = [{"attempt_id": attempt.id, "position": number, "value": value, "seq": 1, "saved_at": now}
                   for number, value in parsed.values.items() if value is not None]
        if answers:
            conn.execute(insert(Answer.__table__), answers)
        grade_attempt(attempt)
        result.saved, result.score = True, attempt.score
        result.pending = rules.shown_score(attempt) is None
        db.session.add(AuditLog(actor_id=actor.id, action="paper.replace" if before else "paper.enter",
                                target_type="attempt", target_id=attempt.id,
                                details={"round_id": rnd.id, "person_id": row.person_id, "variant": variant.code,
                                         "typed": row.answers[:MAX_TYPED], "short_texts": row.short_texts[:50],
                                         "score": attempt.score, "previous": before}))
    db.session.commit()
    return results


def printed_variant(paper: PaperTest, person_id: int) -> str:
    """The variant printed on the member's sheet (the grid's default)."""
    return variant_for(paper, person_id)


_LINE = re.compile(r"^\s*(\S+)\s+(\S+)\s*(.*)$")


def rows_from_lines(rnd: StudyRound, cell: Org, text: str) -> tuple[list[EntryRow], list[str]]:
    """Rows from pasted lines "MÃĐV mã-đề answers" (member code, variant, answers; short answers as
    N="…"); and a Vietnamese message per line that names no member of the cell."""
    by_code = {s.person.member_code.upper(): s.person.id for s in cell_roster(rnd, cell)}
    rows, problems = [], []
    for number, line in enumerate(unicodedata.normalize("NFC", text or "")[:200_000].splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            problems.append(f"Dòng {number}: cần mã đảng viên, mã đề rồi các câu trả lời.")
            continue
        code, variant, answers = m.groups()
        person_id = by_code.get(code.upper())
        if person_id is None:
            problems.append(f"Dòng {number}: mã đảng viên “{code}” không có trong chi bộ này.")
            continue
        if not answers.strip():
            problems.append(f"Dòng {number}: chưa có câu trả lời nào.")
            continue
        rows.append(EntryRow(person_id=person_id, variant=variant, answers=answers))
    return rows, problems


def variant_structure(paper: PaperTest) -> dict:
    """Per variant, what each question accepts (for checks as the secretary types; no answer keys)."""
    out = {}
    for code, variant in load_variants(paper).items():
        out[code] = [{"n": it.number, "kind": it.kind,
                      "accepts": it.qtype.paper_accepts(it.version.spec, it.choice_order),
                      "multi": it.qtype.paper_multi,
                      "hint": it.qtype.paper_hint(it.version.spec, it.choice_order)} for it in variant.items]
    return out
