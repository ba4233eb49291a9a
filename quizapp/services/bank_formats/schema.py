"""The native bank format as plain data: errors, parsed questions, and the per-question validator.

The validator works on plain Python values. Values read from YAML carry their line numbers
(`LDict.lines`, `LList.item_lines`); values from the web form do not, so its messages carry none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from quizapp.models.bank import DIFFICULTIES
from quizapp.services.question_types import REGISTRY, SpecError, get_type
from quizapp.vn import nfc

KEY_RE = re.compile(r"^[a-z0-9-]{1,40}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TEXT = 5000
COMMON_KEYS = {"id", "type", "topic", "difficulty", "points", "text", "explanation", "source"}


def all_type_keys() -> set[str]:
    """Every spec field some registered type declares (each type's `spec_fields`)."""
    return set().union(*(t.spec_fields for t in REGISTRY.values()))

BANK_KEYS = {"slug", "title", "document", "document_date", "description"}
#: Fields of a version compared to decide whether a question changed.
CONTENT_FIELDS = ("type", "text", "spec", "topic", "difficulty", "points", "explanation",
                  "source_document", "source_section")


class LDict(dict):
    """A mapping read from a file: `line` of the mapping, `lines[key]` of each key."""

    line: int | None = None
    lines: dict


class LList(list):
    """A sequence read from a file: `line` of the sequence, `item_lines[i]` of each item."""

    line: int | None = None
    item_lines: list


def line_of(container: Any, key: Any = None) -> int | None:
    """Line of a key (or item index) inside a container read from a file; None when unknown."""
    if key is None:
        return getattr(container, "line", None)
    if isinstance(container, LDict):
        return container.lines.get(key, container.line)
    if isinstance(container, LList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", None)


@dataclass
class BankError:
    """One problem in a bank file: where (line, question) and what, in Vietnamese."""

    message: str
    line: int | None = None
    question: str | None = None
    file: str = ""

    def __str__(self) -> str:
        parts = []
        if self.line:
            parts.append(f"Dòng {self.line}")
        if self.question:
            parts.append(f"câu '{self.question}'")
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

    def as_dict(self) -> dict:
        """JSON-friendly form (for InvalidInput.details)."""
        return {"file": self.file, "line": self.line, "question": self.question, "message": str(self)}


@dataclass
class ParsedQuestion:
    """A valid question: its stable key, position in the file and version content."""

    key: str
    type: str
    text: str
    spec: dict
    topic: str = ""
    difficulty: str = "medium"
    points: float = 1.0
    explanation: str | None = None
    source_document: str = ""
    source_section: str = ""
    line: int | None = None

    def content(self) -> dict:
        """The fields stored on a QuestionVersion."""
        return {f: getattr(self, f) for f in CONTENT_FIELDS}


@dataclass
class ParsedBank:
    """A valid bank file: header fields and questions in file order."""

    slug: str
    title: str
    document: str
    document_date: date | None = None
    description: str | None = None
    questions: list[ParsedQuestion] = field(default_factory=list)
    filename: str = ""
    skipped: list[BankError] = field(default_factory=list)  # Moodle questions of unsupported types


class _Collector:
    """Accumulates errors for one question, with its key and the right line."""

    def __init__(self, errors: list[BankError], key: str | None, filename: str):
        self.errors, self.key, self.filename = errors, key, filename

    def add(self, message: str, line: int | None) -> None:
        self.errors.append(BankError(message, line, self.key, self.filename))


def _text(value: Any, *, name: str, required: bool, max_len: int, err, line) -> str | None:
    """A text field: str (numbers and dates accepted as text), NFC, length-checked."""
    if value is None or value == "":
        if required:
            err(f"thiếu '{name}'", line)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, date)):
        err(f"'{name}' phải là văn bản (đặt trong dấu ngoặc kép)", line)
        return None
    text = nfc(str(value))
    if required and not text:
        err(f"'{name}' đang để trống", line)
        return None
    if len(text) > max_len:
        err(f"'{name}' dài quá {max_len} ký tự", line)
        return None
    return text


def _check_choices(raw: dict, c: _Collector) -> bool:
    """Choice rows: mappings with text and an optional boolean 'correct', no other keys."""
    choices = raw.get("choices")
    if not isinstance(choices, list):
        return True  # parse_spec reports the missing list
    ok = True
    for i, ch in enumerate(choices):
        line = line_of(choices, i)
        if isinstance(ch, str):
            continue
        if not isinstance(ch, dict):
            c.add(f"phương án thứ {i + 1} phải có dạng {{text: \"...\", correct: true}}", line)
            ok = False
            continue
        for k in ch:
            if k not in ("text", "correct"):
                c.add(f"phương án thứ {i + 1}: khóa '{k}' không được hỗ trợ (chỉ nhận text, correct)", line_of(ch, k))
                ok = False
        if isinstance(ch.get("text"), bool) or isinstance(ch.get("text"), (dict, list)):
            c.add(f"phương án thứ {i + 1}: nội dung (text) phải là văn bản", line_of(ch, "text"))
            ok = False
    return ok


def parse_question(raw: Any, errors: list[BankError], *, filename: str = "", line: int | None = None,
                   seen: dict[str, int | None] | None = None) -> ParsedQuestion | None:
    """Validate one question entry (YAML or web form); append errors and return None if bad."""
    if not isinstance(raw, dict):
        errors.append(BankError("mỗi câu hỏi phải là một bảng khóa: giá trị (id, type, text, ...)", line, None, filename))
        return None
    line = line_of(raw) or line
    key = raw.get("id")
    c = _Collector(errors, key if isinstance(key, str) else None, filename)
    before = len(errors)

    if not isinstance(key, str) or not KEY_RE.match(key):
        c.add("'id' bắt buộc, chỉ gồm chữ thường không dấu, số, dấu gạch ngang, tối đa 40 ký tự", line_of(raw, "id") if "id" in raw else line)
    elif seen is not None:
        if key in seen:
            first = seen[key]
            c.add(f"mã câu hỏi bị trùng (đã dùng ở dòng {first})" if first else "mã câu hỏi bị trùng", line_of(raw, "id"))
        else:
            seen[key] = line_of(raw, "id")

    qtype = raw.get("type")
    qt = None
    if qtype is None:
        c.add(f"thiếu 'type' ({', '.join(REGISTRY)})", line)
    else:
        try:
            qt = get_type(str(qtype))
        except SpecError as exc:
            c.add(str(exc), line_of(raw, "type"))

    type_keys = all_type_keys()
    allowed = COMMON_KEYS | (qt.spec_fields if qt else type_keys)
    for k in raw:
        if k not in allowed:
            if qt and k in type_keys:
                c.add(f"khóa '{k}' không dùng cho loại câu '{qtype}'", line_of(raw, k))
            else:
                c.add(f"khóa '{k}' không được hỗ trợ", line_of(raw, k))

    text = _text(raw.get("text"), name="text", required=True, max_len=MAX_TEXT, err=c.add, line=line_of(raw, "text") if "text" in raw else line)
    topic = _text(raw.get("topic"), name="topic", required=False, max_len=200, err=c.add, line=line_of(raw, "topic")) or ""
    explanation = _text(raw.get("explanation"), name="explanation", required=False, max_len=MAX_TEXT, err=c.add, line=line_of(raw, "explanation"))

    difficulty = raw.get("difficulty", "medium")
    if not isinstance(difficulty, str) or difficulty not in DIFFICULTIES:
        c.add(f"'difficulty' chỉ nhận: {', '.join(DIFFICULTIES)}", line_of(raw, "difficulty"))

    points = raw.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not (0 < points <= 100):
        c.add("'points' phải là số dương (tối đa 100)", line_of(raw, "points"))
        points = 1

    source = raw.get("source")
    src_doc = src_sec = None
    if not isinstance(source, dict):
        c.add("thiếu nguồn 'source' gồm document (văn bản) và section (mục, điều)", line_of(raw, "source") if "source" in raw else line)
    else:
        for k in source:
            if k not in ("document", "section"):
                c.add(f"source: khóa '{k}' không được hỗ trợ (chỉ nhận document, section)", line_of(source, k))
        src_doc = _text(source.get("document"), name="source.document", required=True, max_len=300, err=c.add, line=line_of(source, "document"))
        src_sec = _text(source.get("section"), name="source.section", required=True, max_len=200, err=c.add, line=line_of(source, "section"))

    spec = None
    if qt is not None and _check_choices(raw, c):
        type_raw = {k: raw[k] for k in qt.spec_fields if k in raw}
        try:
            spec = qt.parse_spec(type_raw)
        except SpecError as exc:
            field_key = next((k for k in sorted(qt.spec_fields) if k in raw), None)
            c.add(str(exc), line_of(raw, field_key) if field_key else line)
        except (TypeError, AttributeError, ValueError):
            c.add("dữ liệu của câu hỏi sai kiểu", line)
    problem = qt.points_problem(spec, points) if spec and points is not None else None
    if problem:
        c.add(problem, next((line_of(raw, k) for k in sorted(qt.spec_fields) if k in raw), line))

    if len(errors) > before:
        return None
    return ParsedQuestion(
        key=key, type=qt.name, text=text, spec=spec, topic=topic, difficulty=difficulty,
        points=float(points), explanation=explanation or None, source_document=src_doc,
        source_section=src_sec, line=line,
    )


def parse_bank_header(raw: Any, errors: list[BankError], filename: str, line: int | None) -> dict | None:
    """Validate the `bank:` block; return its fields or None."""
    if not isinstance(raw, dict):
        errors.append(BankError("thiếu khối 'bank' (slug, title, document)", line, None, filename))
        return None
    before = len(errors)

    def err(message, at):
        errors.append(BankError(f"bank: {message}", at, None, filename))

    for k in raw:
        if k not in BANK_KEYS:
            err(f"khóa '{k}' không được hỗ trợ", line_of(raw, k))
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
        err("'slug' bắt buộc: chữ thường không dấu, số, nối bằng dấu gạch ngang, tối đa 80 ký tự", line_of(raw, "slug"))
    title = _text(raw.get("title"), name="title", required=True, max_len=300, err=err, line=line_of(raw, "title"))
    document = _text(raw.get("document"), name="document", required=True, max_len=300, err=err, line=line_of(raw, "document"))
    description = _text(raw.get("description"), name="description", required=False, max_len=MAX_TEXT, err=err, line=line_of(raw, "description"))
    doc_date = raw.get("document_date")
    if doc_date is not None and (not isinstance(doc_date, date) or hasattr(doc_date, "hour")):
        err("'document_date' phải là ngày dạng YYYY-MM-DD, ví dụ 2021-10-25", line_of(raw, "document_date"))
    if len(errors) > before:
        return None
    return {"slug": slug, "title": title, "document": document, "document_date": doc_date,
            "description": description or None}
