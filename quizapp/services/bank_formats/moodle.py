"""Read Moodle GIFT and Aiken files into native question dicts, then through the native validator.

Supported: single and multiple choice, true/false, short answer, essay. Other Moodle types
(matching, numerical, ordering, cloze…) are skipped, each with a line-numbered message. Moodle
files carry no source document, so the caller supplies one (`source_document`, `source_section`);
the result is meant to be reviewed as native YAML (`flask banks convert`) before import.
"""
from __future__ import annotations

import hashlib
import html
import random
import re
from pathlib import PurePath

from quizapp.services.bank_formats import native
from quizapp.services.bank_formats.schema import BankError, LDict, ParsedBank, parse_question
from quizapp.vn import nfc, strip_diacritics

_ESCAPES = {":": ":", "=": "=", "~": "~", "#": "#", "{": "{", "}": "}", "\\": "\\", "n": "\n"}
_TAG = re.compile(r"<[^>]+>")
_AIKEN_OPTION = re.compile(r"^([A-Z])[).]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER:\s*(.*)$")


def slugify(text: str, max_len: int = 40) -> str:
    """ASCII lowercase with hyphens: 'Nghị quyết 04' -> 'nghi-quyet-04'."""
    text = re.sub(r"[^a-z0-9]+", "-", strip_diacritics(nfc(text)).lower()).strip("-")
    return text[:max_len].strip("-")


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


def _gift_question(block: str) -> tuple[dict | None, str | None]:
    """One GIFT block -> (native dict without id/source, None) or (None, why it is skipped)."""
    title = ""
    rest = block.strip()
    if rest.startswith("::"):
        end = _find(rest, "::", 2)
        if end < 0:
            return None, "thiếu '::' đóng tên câu hỏi"
        title, rest = _unescape(rest[2:end]).strip(), rest[end + 2:].strip()
    fmt = ""
    m = re.match(r"\[(html|moodle|plain|markdown)\]", rest)
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
    out: dict = {"text": text, "title": title}
    head = re.split(r"[#\s]", body, maxsplit=1)[0].upper() if body else ""
    if not body:
        out["type"] = "essay"
    elif head in ("T", "TRUE", "F", "FALSE"):
        out.update(type="true_false", answer=head.startswith("T"))
        if _find(body, "####") >= 0:
            out["explanation"] = _clean(body[_find(body, "####") + 4:], fmt)
    elif body.startswith("#"):
        return None, "câu dạng số (numerical) không được hỗ trợ"
    elif body.startswith(">"):
        return None, "câu sắp xếp thứ tự (ordering) không được hỗ trợ"
    else:
        answers, general = _gift_answers(body, fmt)
        if general:
            out["explanation"] = general
        if any("->" in a["text"] for a in answers):
            return None, "câu ghép đôi (matching) không được hỗ trợ"
        if not answers:
            return None, "khối đáp án không có phương án nào"
        if any(a["marker"] == "~" for a in answers):
            right = [a for a in answers if a["marker"] == "="]
            if len(right) == 1:
                out["type"] = "single"
                out["choices"] = _mixed([{"text": a["text"], "correct": a["marker"] == "="} for a in answers],
                                        out.get("text", ""))
            elif not right and any((a["weight"] or 0) > 0 for a in answers):
                out["type"] = "multiple"
                out["choices"] = _mixed([{"text": a["text"], "correct": (a["weight"] or 0) > 0} for a in answers],
                                        out.get("text", ""))
            else:
                return None, "không xác định được phương án đúng"
        else:
            accepted = [a["text"] for a in answers if a["weight"] in (None, 100.0) and a["text"] != "*"]
            if not accepted:
                return None, "câu trả lời ngắn không có đáp án được 100% điểm"
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
        start, question, options, answer = i + 1, lines[i].strip(), [], None
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
            i += 1
        if _AIKEN_OPTION.match(question):
            yield start, None, "thiếu nội dung câu hỏi trước các phương án"
        elif answer is None:
            yield start, None, "thiếu dòng 'ANSWER: <chữ cái>'"
        elif len(options) < 2:
            yield start, None, "cần ít nhất hai phương án A), B)…"
        elif answer not in {letter for letter, _ in options}:
            yield start, None, f"đáp án '{answer}' không phải một phương án"
        else:
            yield start, {"type": "single", "text": nfc(question), "title": "",
                          "choices": _mixed([{"text": nfc(t), "correct": letter == answer} for letter, t in options],
                                            question)}, None


def _mixed(choices: list[dict], text: str) -> list[dict]:
    """Choices in a stable order derived from the question text, not the file's order.

    Choice ids follow the stored order, and Moodle files habitually put the right answer
    first; left as is, the id of the right answer would be guessable from the page.
    """
    order = list(choices)
    random.Random(hashlib.sha256(text.encode("utf-8")).digest()).shuffle(order)
    return order


def parse(data: bytes, filename: str, *, source_document: str = "", source_section: str = "",
          max_bytes: int = native.DEFAULT_MAX_BYTES, max_questions: int = native.DEFAULT_MAX_QUESTIONS,
          ) -> tuple[ParsedBank | None, list[BankError], list[BankError]]:
    """A GIFT or Aiken file -> (bank, errors, skipped). Skipped questions do not block the rest."""
    text, errors = native.decode(data, filename, max_bytes)
    if text is None:
        return None, errors, []
    is_aiken = ".aiken" in filename.lower()
    stem = PurePath(filename).name.split(".")[0] or "moodle"
    prefix = "aiken" if is_aiken else "gift"
    items = list(_aiken_questions(text)) if is_aiken else [
        (line, *_gift_question(block)) for line, block, _cat in _gift_blocks(text)]
    categories = {} if is_aiken else {line: cat for line, _b, cat in _gift_blocks(text)}
    if len(items) > max_questions:
        return None, [BankError(f"quá nhiều câu hỏi ({len(items)}); tối đa {max_questions}", None, None, filename)], []
    skipped, questions, seen, used = [], [], {}, set()
    for n, (line, raw, why) in enumerate(items, start=1):
        if raw is None:
            skipped.append(BankError(f"bỏ qua: {why}", line, None, filename))
            continue
        key = slugify(raw.pop("title")) or f"{prefix}-{n:03d}"
        while key in used:
            key = f"{key[:34]}-{n:03d}"
        used.add(key)
        entry = LDict(id=key, topic=categories.get(line, ""), source={"document": source_document, "section": source_section}, **raw)
        entry.line, entry.lines = line, {}
        q = parse_question(entry, errors, filename=filename, line=line, seen=seen)
        if q is not None:
            questions.append(q)
    if not questions and not errors:
        errors.append(BankError("tệp không có câu hỏi nào dùng được", None, None, filename))
    if errors:
        return None, sorted(errors, key=lambda e: e.line or 0), skipped
    bank = ParsedBank(slug=slugify(stem, 80) or prefix, title=stem, document=source_document or stem,
                      questions=questions, filename=filename, skipped=skipped)
    return bank, [], skipped
