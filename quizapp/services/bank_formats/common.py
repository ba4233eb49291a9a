"""What every non-native reader shares: read options, question drafts, and building a bank from them.

A reader turns a file into drafts (native question fields, a label such as "Câu 3" or "Dòng 7",
notes about what was changed on the way) and skipped questions (with the reason and the text it
saw). `build_bank` gives each draft a key and a source, validates it with the native validator and
skips a bad question with its reason instead of refusing the whole file.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from quizapp.services.bank_formats.schema import BankError, LDict, ParsedBank, parse_question
from quizapp.vn import nfc, strip_diacritics

#: Unpacked size and member count allowed for a .docx/.xlsx (a zip bomb stops here).
MAX_UNPACKED = 50 * 1024 * 1024
MAX_MEMBERS = 1000
SEEN_TEXT = 120


@dataclass
class ReadOptions:
    """Bank-level settings given with a file (form fields or CLI options)."""

    source_document: str = ""
    source_section: str = ""
    title: str = ""
    max_bytes: int = 5 * 1024 * 1024
    max_questions: int = 20000


@dataclass
class Draft:
    """One question as read, before validation: native fields and notes about the reading."""

    label: str
    fields: dict
    line: int | None = None
    key: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    """What a reader found: the bank (or None), blocking errors, skipped questions, per-question notes."""

    format: str
    bank: ParsedBank | None
    errors: list[BankError] = field(default_factory=list)
    skipped: list[BankError] = field(default_factory=list)
    notes: list[BankError] = field(default_factory=list)


def check_carried(questions: list[tuple[str, dict]], carried, fmt: str) -> None:
    """Refuse, in Vietnamese and by question, to write a type the format `fmt` cannot carry."""
    from quizapp.services.exceptions import InvalidInput
    from quizapp.services.question_types import REGISTRY

    odd = [(key, c["type"]) for key, c in questions if c["type"] not in carried]
    if odd:
        named = ", ".join(f"{key} ({REGISTRY[t].label if t in REGISTRY else t})" for key, t in odd[:10])
        raise InvalidInput(f"Định dạng {fmt} không chứa được {len(odd)} câu hỏi thuộc loại riêng của hệ thống: "
                           f"{named}. Hãy xuất tệp YAML của hệ thống để giữ đủ mọi câu.")


def fold(text: str) -> str:
    """Lowercase without diacritics and spaces collapsed: for matching words people type."""
    return re.sub(r"\s+", " ", strip_diacritics(nfc(text)).lower()).strip()


def slugify(text: str, max_len: int = 40) -> str:
    """ASCII lowercase with hyphens: 'Nghị quyết 04' -> 'nghi-quyet-04'."""
    text = re.sub(r"[^a-z0-9]+", "-", strip_diacritics(nfc(text)).lower()).strip("-")
    return text[:max_len].strip("-")


def seen(text: str) -> str:
    """The start of a text as it was read, for messages."""
    text = nfc(text)
    return text if len(text) <= SEEN_TEXT else text[:SEEN_TEXT - 1] + "…"


def skip(label: str, why: str, text: str = "", line: int | None = None, filename: str = "") -> BankError:
    """A skipped question: its label, the reason and the text it saw."""
    where = f"{label}: " if label else ""
    shown = f" — đã đọc: “{seen(text)}”" if nfc(text) else ""
    return BankError(f"{where}bỏ qua: {why}{shown}", line, None, filename)


def check_zip(data: bytes, filename: str, kind: str) -> list[BankError]:
    """Refuse a zip bomb, too many members, and XML with a DOCTYPE (entity expansion) before any parser runs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return [BankError(f"tệp {kind} bị hỏng, không đọc được; hãy mở và lưu lại rồi thử lại", None, None, filename)]
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        return [BankError(f"tệp {kind} quá lớn khi giải nén (vượt giới hạn an toàn "
                          f"{MAX_UNPACKED // (1024 * 1024)} MB)", None, None, filename)]
    budget = MAX_UNPACKED
    try:
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels")):
                continue
            with archive.open(info) as member:
                body = member.read(min(info.file_size, budget) + 1)
            budget -= len(body)
            if len(body) > info.file_size or budget < 0:
                raise ValueError("size")
            head = body[:4096].upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in body.upper():
                return [BankError(f"tệp {kind} chứa khai báo DOCTYPE/ENTITY (không có trong tệp Office thật); "
                                  "đã từ chối", None, None, filename)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return [BankError(f"tệp {kind} bị hỏng hoặc kích thước khai báo sai; đã từ chối", None, None, filename)]
    return []


def build_bank(fmt: str, drafts: list[Draft], skipped: list[BankError], filename: str, options: ReadOptions,
               *, prefix: str = "cau") -> ReadResult:
    """Validate drafts into a bank; a bad draft is skipped with its reason, the rest are kept."""
    if len(drafts) > options.max_questions:
        return ReadResult(fmt, None, [BankError(f"quá nhiều câu hỏi ({len(drafts)}); tối đa {options.max_questions}",
                                                None, None, filename)], skipped)
    source_given = bool(nfc(options.source_document) and nfc(options.source_section))
    if not source_given and any("source" not in d.fields for d in drafts):
        return ReadResult(fmt, None, [BankError(
            "tệp này không ghi nguồn văn bản cho câu hỏi: hãy cho biết văn bản và mục "
            "(ô “Văn bản nguồn” và “Mục” khi tải lên; --document … --section … khi dùng lệnh flask banks)",
            None, None, filename)], skipped)
    questions, notes, seen_keys, used = [], [], {}, set()
    skipped = list(skipped)
    for n, draft in enumerate(drafts, start=1):
        key = draft.key if draft.key and len(draft.key) <= 40 else f"{prefix}-{n:03d}"
        while key in used:
            key = f"{key[:34]}-{n:03d}"
        used.add(key)
        raw = LDict(id=key, **draft.fields)
        raw.setdefault("source", {"document": nfc(options.source_document), "section": nfc(options.source_section)})
        raw.line, raw.lines = draft.line, {}
        found: list[BankError] = []
        q = parse_question(raw, found, filename=filename, line=draft.line, seen=seen_keys)
        if q is None:
            why = "; ".join(e.message for e in found)
            skipped.append(skip(draft.label, why, str(draft.fields.get("text") or ""), draft.line, filename))
            continue
        questions.append(q)
        notes.extend(BankError(f"{draft.label}: {note}" if draft.label else note, draft.line, key, filename)
                     for note in draft.notes)
    if not questions:
        return ReadResult(fmt, None, [BankError("tệp không có câu hỏi nào dùng được", None, None, filename)],
                          skipped, notes)
    stem = PurePath(filename).name.split(".")[0] if filename else ""
    title = nfc(options.title) or nfc(stem) or "Ngân hàng câu hỏi"
    bank = ParsedBank(slug=slugify(title, 80) or prefix, title=title,
                      document=nfc(options.source_document) or title, questions=questions,
                      filename=filename, skipped=skipped)
    return ReadResult(fmt, bank, [], skipped, notes)
