"""Moodle XML (the question format every Moodle-based LMS exchanges): read and write.

Read with defusedxml (no DOCTYPE, no entities, no network). Supported: multichoice (single and
multiple), truefalse, shortanswer, essay; `category` questions give the topic of those after them.
Other types are skipped with their number, name and type. Weights other than 0 % and 100 % and
removed media are noted per question. Written files carry the topic as a category, and the
difficulty and source as tags (`quizapp-difficulty:…`, `quizapp-source-document:…`,
`quizapp-source-section:…`), so export then import gives the same questions.
"""
from __future__ import annotations

import hashlib
import random
import re
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from quizapp.services.bank_formats.common import Draft, ReadOptions, ReadResult, build_bank, check_carried, slugify
from quizapp.services.bank_formats.moodle import _MEDIA, _clean
from quizapp.services.bank_formats.schema import BankError
from quizapp.vn import nfc

TAG_PREFIX = "quizapp-"
SUPPORTED = {"multichoice", "truefalse", "shortanswer", "essay"}
TYPE_NAMES = {
    "matching": "ghép đôi (matching)", "numerical": "dạng số (numerical)", "cloze": "điền nhiều chỗ trống (cloze)",
    "multianswer": "điền nhiều chỗ trống (cloze)", "calculated": "tính toán (calculated)",
    "calculatedsimple": "tính toán (calculated)", "calculatedmulti": "tính toán (calculated)",
    "ddwtos": "kéo thả vào văn bản", "gapselect": "chọn từ còn thiếu", "ddimageortext": "kéo thả lên hình",
    "ddmarker": "kéo thả điểm đánh dấu", "ordering": "sắp xếp thứ tự (ordering)",
    "randomsamatch": "ghép đôi ngẫu nhiên", "description": "mô tả (không có câu trả lời)",
}


def _text(el, path: str = "text") -> str:
    node = el.find(path) if el is not None else None
    return node.text or "" if node is not None else ""


def _rich(el) -> tuple[str, bool]:
    """(plain text, had media) of a <questiontext>/<answer>/<feedback> element."""
    if el is None:
        return "", False
    raw = _text(el)
    fmt = el.get("format", "html")
    media = bool(_MEDIA.search(raw)) or el.find("file") is not None
    return _clean(raw.replace("\\", "\\\\"), "html" if fmt in ("html", "moodle_auto_format") else ""), media


def _fraction(el) -> float:
    try:
        return float(el.get("fraction", "0"))
    except ValueError:
        return 0.0


def _mixed(choices: list[dict], text: str) -> list[dict]:
    """A stable order from the question text alone (right answers first in Moodle files tell nothing here)."""
    order = sorted(choices, key=lambda c: (c["text"], c["correct"]))
    random.Random(hashlib.sha256(text.encode("utf-8")).digest()).shuffle(order)
    return order


def looks_like(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<quiz" in data[:65536]


def _question(q, n: int, topic: str) -> tuple[Draft | None, str | None]:
    qtype = q.get("type", "")
    name = nfc(_text(q.find("name")))
    label = f"Câu thứ {n}" + (f" “{name}”" if name else "")
    if qtype not in SUPPORTED:
        return None, f"{label}: bỏ qua: loại câu {TYPE_NAMES.get(qtype, qtype or 'không rõ')} không được hỗ trợ"
    text, media = _rich(q.find("questiontext"))
    notes: list[str] = []
    explanation, fb_media = _rich(q.find("generalfeedback"))
    fields: dict = {"text": text}
    if topic:
        fields["topic"] = topic
    if explanation:
        fields["explanation"] = explanation
    try:
        grade = float(_text(q, "defaultgrade") or _text(q, "defaultgrade/text") or 1)
        if grade != 1 and 0 < grade <= 100:
            fields["points"] = grade
    except ValueError:
        pass
    source: dict = {}
    for tag in q.findall("tags/tag"):
        value = nfc(_text(tag))
        if value.startswith(TAG_PREFIX + "difficulty:"):
            fields["difficulty"] = value.split(":", 1)[1]
        elif value.startswith(TAG_PREFIX + "source-document:"):
            source["document"] = value.split(":", 1)[1]
        elif value.startswith(TAG_PREFIX + "source-section:"):
            source["section"] = value.split(":", 1)[1]
        elif value.startswith(TAG_PREFIX + "rubric:") and qtype == "essay":
            points, _, criterion = value.split(":", 1)[1].partition(":")
            try:
                fields.setdefault("rubric", []).append({"criterion": criterion, "points": float(points)})
            except ValueError:
                notes.append(f"bỏ tiêu chí chấm không đọc được “{value}”")
        elif value == TAG_PREFIX + "match-diacritics:false" and qtype == "shortanswer":
            fields["match_diacritics"] = False
    if source.get("document") and source.get("section"):
        fields["source"] = source
    answers = []
    for a in q.findall("answer"):
        a_text, a_media = _rich(a)
        media = media or a_media
        answers.append({"text": a_text, "weight": _fraction(a)})
    if qtype == "multichoice":
        single = _text(q, "single").strip().lower() in ("true", "1", "")
        odd = [a for a in answers if a["weight"] not in (0.0, 100.0)]
        if single:
            right = [a for a in answers if a["weight"] == 100.0]
            if len(right) != 1:
                return None, f"{label}: bỏ qua: câu một lựa chọn cần đúng một phương án 100%"
            fields["type"] = "single"
            choices = [{"text": a["text"], "correct": a["weight"] == 100.0} for a in answers]
            if odd:
                notes.append("trọng số Moodle " + ", ".join(f"“{a['text']}” {a['weight']:g}%" for a in odd)
                             + " không được giữ; chỉ phương án 100% là đúng")
        else:
            fields["type"] = "multiple"
            choices = [{"text": a["text"], "correct": a["weight"] > 0} for a in answers]
            right = [a for a in answers if a["weight"] > 0]
            even = right and all(abs(a["weight"] - 100.0 / len(right)) < 0.01 for a in right)
            if not even or any(a["weight"] < 0 for a in answers):
                notes.append("trọng số Moodle " + ", ".join(f"“{a['text']}” {a['weight']:g}%" for a in answers)
                             + " không được giữ; phương án có trọng số dương là đúng, điểm chấm theo cách của hệ thống")
        fields["choices"] = _mixed(choices, text)
    elif qtype == "truefalse":
        right = [a for a in answers if a["weight"] == 100.0]
        if len(right) != 1 or right[0]["text"].lower() not in ("true", "false", "đúng", "sai"):
            return None, f"{label}: bỏ qua: câu đúng/sai không có đáp án 100% là true hoặc false"
        fields.update(type="true_false", answer=right[0]["text"].lower() in ("true", "đúng"))
    elif qtype == "shortanswer":
        accepted = [a["text"] for a in answers if a["weight"] == 100.0 and a["text"] != "*"]
        if not accepted:
            return None, f"{label}: bỏ qua: câu trả lời ngắn không có đáp án được 100% điểm"
        partial = [a for a in answers if a["weight"] not in (0.0, 100.0)]
        if partial:
            notes.append("đáp án được một phần điểm không được nhận: "
                         + ", ".join(f"“{a['text']}” {a['weight']:g}%" for a in partial))
        fields.update(type="short_text", answers=accepted)
    else:
        fields["type"] = "essay"
    if media or fb_media:
        notes.append("đã bỏ hình ảnh, liên kết hoặc tệp đính kèm (chỉ giữ chữ); hãy kiểm tra lại câu")
    return Draft(label=label, fields=fields, key=slugify(name), notes=notes), None


def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """A Moodle XML file -> questions; unsupported types skipped by number and name."""
    if len(data) > options.max_bytes:
        return ReadResult("moodle_xml", None, [BankError(
            f"tệp quá lớn; tối đa {options.max_bytes / (1024 * 1024):g} MB", None, None, filename)])
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        return ReadResult("moodle_xml", None, [BankError(
            "tệp XML chứa khai báo DOCTYPE/ENTITY; tệp Moodle XML thật không có, đã từ chối", None, None, filename)])
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        return ReadResult("moodle_xml", None, [BankError("tệp XML không đúng cú pháp", line, None, filename)])
    except (ValueError, RecursionError):
        return ReadResult("moodle_xml", None, [BankError("tệp XML không đọc được", None, None, filename)])
    if root.tag != "quiz":
        return ReadResult("moodle_xml", None, [BankError(
            "không phải tệp Moodle XML (thẻ ngoài cùng phải là <quiz>)", None, None, filename)])
    drafts, skipped, topic, n = [], [], "", 0
    for q in root.findall("question"):
        if q.get("type") == "category":
            path = _text(q.find("category"))
            topic = nfc(re.sub(r"^\$\w+\$/?", "", path).split("/")[-1]) if path else ""
            if topic in ("top", "Default", "Mặc định"):
                topic = ""
            continue
        n += 1
        draft, why = _question(q, n, topic)
        if draft is None:
            skipped.append(BankError(why, None, None, filename))
        else:
            drafts.append(draft)
    return build_bank("moodle_xml", drafts, skipped, filename, options, prefix="cau")


def _sub(parent, tag: str, text: str | None = None, **attrs):
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        ET.SubElement(el, "text").text = text
    return el


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
                "short_text": "shortanswer", "essay": "essay"}


def dump(questions: list[tuple[str, dict]]) -> bytes:
    """Moodle XML of (key, content) pairs: topics as categories, difficulty and source as tags.

    A question of a type Moodle XML cannot carry is refused by name (InvalidInput), never dropped."""
    check_carried(questions, MOODLE_TYPES, "Moodle XML")
    quiz = ET.Element("quiz")
    topic = None
    for key, c in questions:
        if (c.get("topic") or "") != topic:
            topic = c.get("topic") or ""
            cat = _sub(quiz, "question", type="category")
            _sub(cat, "category", "$course$/top" + (f"/{topic.replace('/', '-')}" if topic else ""))
        spec = c.get("spec") or {}
        qtype = MOODLE_TYPES[c["type"]]
        q = _sub(quiz, "question", type=qtype)
        _sub(q, "name", key)
        _sub(q, "questiontext", c["text"], format="plain_text")
        _sub(q, "generalfeedback", c.get("explanation") or "", format="plain_text")
        ET.SubElement(q, "defaultgrade").text = _num(c.get("points") or 1)
        if c["type"] in ("single", "multiple"):
            ET.SubElement(q, "single").text = "true" if c["type"] == "single" else "false"
            ET.SubElement(q, "shuffleanswers").text = "true"
            right = sum(1 for ch in spec["choices"] if ch.get("correct")) or 1
            for ch in spec["choices"]:
                fraction = (100 if c["type"] == "single" else round(100 / right, 5)) if ch.get("correct") else 0
                _sub(q, "answer", ch["text"], fraction=_num(fraction), format="plain_text")
        elif c["type"] == "true_false":
            _sub(q, "answer", "true", fraction=100 if spec.get("answer") else 0)
            _sub(q, "answer", "false", fraction=0 if spec.get("answer") else 100)
        elif c["type"] == "short_text":
            for answer in spec.get("answers", []):
                _sub(q, "answer", answer, fraction=100)
        tags = ET.SubElement(q, "tags")
        for name, value in (("difficulty", c.get("difficulty") or "medium"),
                            ("source-document", c.get("source_document") or ""),
                            ("source-section", c.get("source_section") or "")):
            _sub(tags, "tag", f"{TAG_PREFIX}{name}:{value}")
        for item in spec.get("rubric") or [] if c["type"] == "essay" else []:
            _sub(tags, "tag", f"{TAG_PREFIX}rubric:{_num(item['points'])}:{item['criterion']}")
        if c["type"] == "short_text" and spec.get("match_diacritics") is False:
            _sub(tags, "tag", f"{TAG_PREFIX}match-diacritics:false")
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8") + b"\n"
