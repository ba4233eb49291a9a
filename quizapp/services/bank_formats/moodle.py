"""Read Moodle GIFT and Aiken files (recognized by content: Moodle exports both as .txt).

Supported: single and multiple choice, true/false, short answer, essay (`{}` or `{####feedback}`).
Other Moodle types (matching, numerical, ordering, cloze…) and questions the validator refuses are
skipped, each with its line and reason; the rest of the file is kept. What cannot be carried over
is noted per question: weights other than 0 %/100 %, partial-credit short answers, removed media.
Moodle files carry no source document, so the caller supplies one (see common.ReadOptions).
"""
from __future__ import annotations

import hashlib
import html
import random
import re
from pathlib import PurePath

from quizapp.services.bank_formats import native
from quizapp.services.bank_formats.common import Draft, ReadOptions, ReadResult, build_bank
from quizapp.services.bank_formats.common import slugify as _slugify
from quizapp.services.bank_formats.schema import BankError, ParsedBank
from quizapp.vn import nfc

_ESCAPES = {":": ":", "=": "=", "~": "~", "#": "#", "{": "{", "}": "}", "\\": "\\", "n": "\n"}
_TAG = re.compile(r"<[^>]+>")
_AIKEN_OPTION = re.compile(r"^([A-Z])[).]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER:\s*(.*)$")


def slugify(text: str, max_len: int = 40) -> str:
    """ASCII lowercase with hyphens: 'Nghị quyết 04' -> 'nghi-quyet-04'."""
    return _slugify(text, max_len)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def _find(text: str, char: str, start: int = 0) -> int:
    """Index of the first unescaped `char` (a string) from start, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(char, i):
            return i
        i += 1
    return -1


def _split(text: str, seps: str) -> list[tuple[str, str]]:
    """Split on unescaped separator characters, keeping each piece's separator ('' for the head)."""
    pieces, sep, buf, i = [], "", [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            buf.append(text[i:i + 2])
            i += 2
            continue
        if c in seps:
            pieces.append((sep, "".join(buf)))
            sep, buf = c, []
        else:
            buf.append(c)
        i += 1
    pieces.append((sep, "".join(buf)))
    return pieces


def _clean(text: str, fmt: str) -> str:
    text = _unescape(text)
    if fmt == "html":
        text = html.unescape(_TAG.sub(" ", text))
    return nfc(text)


def _gift_blocks(text: str):
    """(first line, block text, category) for each blank-line separated question."""
    buf, start, category = [], 0, ""
    for number, line in enumerate(text.splitlines() + [""], start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            category = stripped.split(":", 1)[1].strip().split("/")[-1]
            continue
        if not stripped:
            if buf:
                yield start, "\n".join(buf), category
            buf = []
            continue
        if not buf:
            start = number
        buf.append(line)


def _gift_answers(body: str, fmt: str) -> tuple[list[dict], str]:
    """Answers of a choice/short block: marker, weight, text; and the general feedback."""
    general = ""
    cut = _find(body, "####")
    if cut >= 0:
        body, general = body[:cut], body[cut + 4:]
    answers = []
    for marker, piece in _split(body, "=~")[1:]:
        weight = None
        m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", piece)
        if m:
            weight, piece = float(m.group(1)), piece[m.end():]
        fb = _find(piece, "#")
        text = (piece[:fb] if fb >= 0 else piece).strip()
        own = re.match(r"\[(html|moodle|plain|markdown)\]", text)
        if own:
            text = text[own.end():]
        answers.append({"marker": marker, "weight": weight, "text": _clean(text, own.group(1) if own else fmt)})
    return answers, _clean(general, fmt)


_MEDIA = re.compile(r"<\s*(img|a|audio|video|object|embed|iframe|source)\b|@@PLUGINFILE@@|\[\[\w+:", re.I)
_CLOZE = re.compile(r"\{\s*\d*\s*:\s*(MULTICHOICE|MC|MULTICHOICE_[A-Z]+|MC[A-Z]+|SHORTANSWER|SA|MW|NUMERICAL|NM|MULTIRESPONSE|MR[A-Z]*)\s*:", re.I)
_FORMAT_TAG = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")


def _weight_note(answers: list[dict], counted: str) -> str | None:
    """A note when Moodle weights other than 0 % and 100 % are flattened to right/wrong."""
    odd = [a for a in answers if a["weight"] is not None and a["weight"] not in (0.0, 100.0)]
    if not odd:
        return None
    listed = ", ".join(f"“{a['text']}” {a['weight']:g}%" for a in odd)
    return f"trọng số Moodle {listed} không được giữ; {counted}"


def _gift_question(block: str) -> tuple[dict | None, str | None]:
    """One GIFT block -> (native dict without id/source, None) or (None, why it is skipped).

    The dict carries "_notes": what was changed on the way (weights flattened, media removed).
    """
    title = ""
    rest = block.strip()
    notes: list[str] = []
    if _MEDIA.search(rest):
        notes.append("đã bỏ hình ảnh, liên kết hoặc tệp đính kèm trong nội dung (chỉ giữ chữ); hãy kiểm tra lại câu")
    if _CLOZE.search(rest):
        return None, "câu điền nhiều chỗ trống (cloze/multianswer) không được hỗ trợ"
    if rest.startswith("::"):
        end = _find(rest, "::", 2)
        if end < 0:
            return None, "thiếu '::' đóng tên câu hỏi"
        title, rest = _unescape(rest[2:end]).strip(), rest[end + 2:].strip()
    fmt = ""
    m = _FORMAT_TAG.match(rest)
    if m:
        fmt, rest = m.group(1), rest[m.end():]
    open_at = _find(rest, "{")
    close_at = _find(rest, "}", open_at + 1) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        return None, "không có khối đáp án {…} (câu mô tả không được hỗ trợ)"
    before, body, after = rest[:open_at], rest[open_at + 1:close_at].strip(), rest[close_at + 1:]
    text = _clean(before, fmt)
    if re.search(r"\w", _unescape(after)):
        text = nfc(f"{text} _____ {_clean(after, fmt)}")
    out: dict = {"text": text, "title": title, "_notes": notes}
    head = re.split(r"[#\s]", body, maxsplit=1)[0].upper() if body else ""

    def feedback(raw: str) -> str:
        own = _FORMAT_TAG.match(raw)
        return _clean(raw[own.end():] if own else raw, own.group(1) if own else fmt)

    if not body or body.startswith("####"):
        out["type"] = "essay"
        if body.startswith("####") and feedback(body[4:]):
            out["explanation"] = feedback(body[4:])
    elif head in ("T", "TRUE", "F", "FALSE"):
        out.update(type="true_false", answer=head.startswith("T"))
        if _find(body, "####") >= 0:
            out["explanation"] = feedback(body[_find(body, "####") + 4:])
    elif body.startswith("#"):
        return None, "câu dạng số (numerical) không được hỗ trợ"
    elif body.startswith(">"):
        return None, "câu sắp xếp thứ tự (ordering) không được hỗ trợ"
    else:
        cut = _find(body, "####")
        answers, _general = _gift_answers(body, fmt)
        if cut >= 0 and feedback(body[cut + 4:]):
            out["explanation"] = feedback(body[cut + 4:])
        lead = _split(body[:cut] if cut >= 0 else body, "=~")[0][1].strip()
        if lead:
            return None, f"phương án đầu tiên “{_clean(lead, fmt)}” thiếu dấu = (đúng) hoặc ~ (sai) phía trước"
        if answers and all(a["marker"] == "=" and "->" in a["text"] for a in answers):
            return None, "câu ghép đôi (matching) không được hỗ trợ"
        if not answers:
            return None, "khối đáp án không có phương án nào"
        if any(a["marker"] == "~" for a in answers):
            right = [a for a in answers if a["marker"] == "="]
            if len(right) == 1:
                out["type"] = "single"
                out["choices"] = _mixed([{"text": a["text"], "correct": a["marker"] == "="} for a in answers],
                                        out.get("text", ""))
                note = _weight_note(answers, "chỉ phương án “=” được tính là đúng")
            elif not right and any((a["weight"] or 0) > 0 for a in answers):
                out["type"] = "multiple"
                out["choices"] = _mixed([{"text": a["text"], "correct": (a["weight"] or 0) > 0} for a in answers],
                                        out.get("text", ""))
                note = _weight_note([a for a in answers if a["weight"] != 0.0],
                                    "phương án có trọng số dương là đúng, âm là sai; điểm chấm theo cách của hệ thống")
                if not note and any((a["weight"] or 0) < 0 for a in answers):
                    note = "trọng số âm của Moodle không được giữ; phương án đó tính là sai"
            else:
                return None, "không xác định được phương án đúng"
            if note:
                notes.append(note)
        else:
            accepted = [a["text"] for a in answers if a["weight"] in (None, 100.0) and a["text"] != "*"]
            if not accepted:
                return None, "câu trả lời ngắn không có đáp án được 100% điểm"
            dropped = [a for a in answers if a not in [b for b in answers if b["weight"] in (None, 100.0)]
                       and a["text"] != "*"]
            if dropped:
                notes.append("đáp án được một phần điểm không được nhận: "
                             + ", ".join(f"“{a['text']}” {a['weight']:g}%" for a in dropped))
            out.update(type="short_text", answers=accepted)
    return out, None


def _aiken_questions(text: str):
    """(line, native dict | None, why skipped | None) for each Aiken question."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        start, question, options, answer = i + 1, [], [], None
        while i < len(lines) and lines[i].strip() and not _AIKEN_OPTION.match(lines[i].strip()) \
                and not _AIKEN_ANSWER.match(lines[i].strip()):
            question.append(lines[i].strip())  # a question may run over several lines
            i += 1
        while i < len(lines) and lines[i].strip():
            line = lines[i].strip()
            m_opt, m_ans = _AIKEN_OPTION.match(line), _AIKEN_ANSWER.match(line)
            if m_ans:
                answer = m_ans.group(1).strip()
                i += 1
                break
            if m_opt:
                options.append((m_opt.group(1), m_opt.group(2).strip()))
            elif options:
                options[-1] = (options[-1][0], f"{options[-1][1]} {line}")
            i += 1
        question_text = nfc(" ".join(question))
        if not question_text:
            yield start, None, "thiếu nội dung câu hỏi trước các phương án"
        elif answer is None:
            yield start, None, "thiếu dòng 'ANSWER: <chữ cái>'"
        elif len(options) < 2:
            yield start, None, "cần ít nhất hai phương án A), B)…"
        elif answer not in {letter for letter, _ in options}:
            yield start, None, f"đáp án '{answer}' không phải một phương án"
        else:
            yield start, {"type": "single", "text": question_text, "title": "", "_notes": [],
                          "choices": _mixed([{"text": nfc(t), "correct": letter == answer} for letter, t in options],
                                            question_text)}, None


def _mixed(choices: list[dict], text: str) -> list[dict]:
    """Choices in a stable order derived from the question text, not the file's order.

    Choice ids follow the stored order, and Moodle files habitually put the right answer
    first; left as is, the id of the right answer would be guessable from the page.
    """
    order = list(choices)
    random.Random(hashlib.sha256(text.encode("utf-8")).digest()).shuffle(order)
    return order


def looks_like_aiken(text: str) -> bool:
    """Aiken: lines 'ANSWER: X' after options 'A)' / 'A.'."""
    return bool(re.search(r"^ANSWER:\s*[A-Z]\s*$", text[:200000], re.M)) and bool(
        re.search(r"^[A-Z][).]\s*\S", text[:200000], re.M))


def looks_like_gift(text: str) -> bool:
    """GIFT: '::title::', '$CATEGORY:' or an answer block with '=', '~', 'T'/'F', or '####'."""
    head = text[:200000]
    return bool(re.search(r"^\s*(::|\$CATEGORY:)", head, re.M)) or bool(
        re.search(r"\{\s*(?:[=~]|T\s*\}|F\s*\}|TRUE|FALSE|####|\}|#|>|\d+\s*:)", head))


def read(data: bytes, filename: str, options: ReadOptions, *, aiken: bool) -> ReadResult:
    """A GIFT or Aiken file -> questions; each unsupported or bad question skipped with its line and reason."""
    fmt = "aiken" if aiken else "gift"
    text, errors = native.decode(data, filename, options.max_bytes)
    if text is None:
        return ReadResult(fmt, None, errors)
    if aiken:
        items = [(line, raw, why, "") for line, raw, why in _aiken_questions(text)]
    else:
        items = [(line, *_gift_question(block), cat) for line, block, cat in _gift_blocks(text)]
    drafts, skipped = [], []
    for line, raw, why, cat in items:
        if raw is None:
            skipped.append(BankError(f"bỏ qua: {why}", line, None, filename))
            continue
        notes = raw.pop("_notes", [])
        title = raw.pop("title")
        if cat:
            raw["topic"] = cat
        drafts.append(Draft(label="" if not title else f"“{title}”", fields=raw, line=line, notes=notes,
                            key=slugify(title)))
    if options.title == "":
        options = ReadOptions(**{**options.__dict__, "title": PurePath(filename).name.split(".")[0] or fmt})
    result = build_bank(fmt, drafts, skipped, filename, options, prefix=fmt)
    if result.bank is not None and not nfc(options.source_document):
        result.bank.document = result.bank.title
    return result


def parse(data: bytes, filename: str, *, source_document: str = "", source_section: str = "",
          max_bytes: int = native.DEFAULT_MAX_BYTES, max_questions: int = native.DEFAULT_MAX_QUESTIONS,
          ) -> tuple[ParsedBank | None, list[BankError], list[BankError]]:
    """A GIFT or Aiken file (Aiken when its name says so, or by content) -> (bank, errors, skipped)."""
    text, errors = native.decode(data, filename, max_bytes)
    if text is None:
        return None, errors, []
    aiken = ".aiken" in filename.lower() or (looks_like_aiken(text) and not looks_like_gift(text))
    result = read(data, filename, ReadOptions(source_document, source_section, "", max_bytes, max_questions),
                  aiken=aiken)
    return result.bank, result.errors, result.skipped
