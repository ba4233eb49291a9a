"""Questions written the way cadres write them in Word or type them: "Câu 1: …", "A. … B. …".

Read from plain text (pasted, or a .txt file) and from Word documents (`word.py` turns a .docx
into the same lines, each character carrying its marks: underline, bold, colour, highlight).

The convention, in its common variants:
- a question starts with "Câu 1:", "Câu 1.", "Câu 1)" or "1." / "1)"; "(Tự luận)" after the
  number, or a heading containing "Tự luận" above it, makes a question without choices an
  essay; "(2 điểm)" sets its points;
- choices "A." / "A)" / "a." each on a line, or several on one line separated by tabs/spaces;
  a "*" right before the letter ("*B.") marks a right answer in plain text;
- the right answer(s) marked by underline, bold, colour or highlight on the choice, or given by a
  line "Đáp án: B" / "Đáp án: A, C" / "Đáp án: Đúng", or by an answer list at the end
  ("ĐÁP ÁN" then "1-B, 2-A, …") or a Word table with Câu / Đáp án columns (or rows);
- choices "Đúng" and "Sai" (or no choices and "Đáp án: Đúng/Sai") make a true/false question;
- "Giải thích:" / "Hướng dẫn:" / "Lời giải:" starts the explanation;
- Word headings, and lines "Phần I …", "Chủ đề …", "Chương …", become the topic of what follows.

Nothing is guessed: a question whose key cannot be read, or whose markings disagree, is skipped
with its number, the reason and the text that was read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizapp.services.bank_formats import native
from quizapp.services.bank_formats.common import Draft, ReadOptions, ReadResult, build_bank, fold, skip, slugify
from quizapp.vn import nfc

LETTERS = "ABCDEF"
MARK_NAMES = {"u": "gạch chân", "b": "in đậm", "c": "tô màu chữ", "h": "tô nền (highlight)", "*": "dấu *"}

_QUESTION = re.compile(r"^\s*(?:câu(?:\s+hỏi)?\s*(\d{1,4})\s*[.:)\-–]?|(\d{1,4})\s*[.)])\s*(.*)$", re.I | re.S)
_CHOICE_AT = re.compile(r"(\*?)([A-Fa-f])\s*[.)]\s*")
_ANSWER = re.compile(r"^\s*(?:đáp\s*án(?:\s*đúng)?|đa|trả\s*lời)\s*[:.\-–]\s*(.*)$", re.I | re.S)
_EXPLAIN = re.compile(r"^\s*(?:giải\s*thích|hướng\s*dẫn(?:\s*giải)?|lời\s*giải)\s*[:.\-–]\s*(.*)$", re.I | re.S)
_HEADING = re.compile(r"^\s*(?:(?:phần|chương)\s+(?:[IVXLC]+|\d+)\b|(?:chủ|chuyên)\s*đề\b)", re.I)
_KEY_TITLE = re.compile(r"^\s*(?:bảng\s+)?đáp\s*án(?:\s+(?:các\s+câu|trắc\s+nghiệm))?\s*:?\s*$", re.I)
_KEY_PAIR = re.compile(r"(\d{1,4})\s*[-.:)–]?\s*((?:[A-Fa-f](?![^\W\d_]))(?:\s*[,;&]\s*[A-Fa-f](?![^\W\d_]))*|đúng|sai)",
                       re.I)
_KEY_ONLY = re.compile(r"^(?:[A-Fa-f](?:\s*[,;&]\s*[A-Fa-f])*|đúng|sai)\.?$", re.I)
_ESSAY = re.compile(r"\(\s*tự\s*luận\s*(?:[,;:\-–]\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:điểm|đ)\s*)?\)|^\s*\[\s*tự\s*luận\s*\]|^\s*tự\s*luận\s*[:.]", re.I)
_POINTS = re.compile(r"\(\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:điểm|đ)\s*\)", re.I)
_TRUE, _FALSE = {"dung", "d", "true", "t"}, {"sai", "s", "false", "f"}


@dataclass
class Line:
    """One line as read: its text, the marks on each character, and whether Word styled it a heading."""

    text: str
    marks: list[frozenset] | None = None
    heading: bool = False
    number: int | None = None
    media: bool = False  # a picture or drawing Word showed on this line (not imported)

    def mark(self, i: int) -> frozenset:
        return self.marks[i] if self.marks and i < len(self.marks) else frozenset()


@dataclass
class Table:
    """A Word table: rows of cell texts, and the paragraphs of its cells as lines."""

    rows: list[list[str]]
    lines: list[Line] = field(default_factory=list)


@dataclass
class _Choice:
    letter: str
    text: str
    marker: str = ""
    star: bool = False
    letter_marks: frozenset = frozenset()
    body_marks: dict = field(default_factory=dict)  # mark -> share of body characters carrying it


@dataclass
class _Question:
    number: int
    header: str
    line: int | None
    topic: str
    text: list[str] = field(default_factory=list)
    choices: list[_Choice] = field(default_factory=list)
    answer: str | None = None
    answer_lines: int = 0
    explanation: list[str] = field(default_factory=list)
    in_explanation: bool = False
    media: bool = False

    @property
    def label(self) -> str:
        return f"Câu {self.number}"

    def seen_text(self) -> str:
        return " ".join([self.header, *self.text, *(f"{c.letter}. {c.text}" for c in self.choices)])


def _body_marks(line: Line, start: int, end: int) -> dict:
    chars = [i for i in range(start, end) if not line.text[i].isspace()]
    if not chars:
        return {}
    counts: dict = {}
    for i in chars:
        for m in line.mark(i):
            counts[m] = counts.get(m, 0) + 1
    return {m: n / len(chars) for m, n in counts.items()}


def _split_choices(line: Line, expected: int) -> list[_Choice] | None:
    """Choices starting this line (letters in order from `expected`), or None if it starts none."""
    text = line.text
    first = _CHOICE_AT.match(text, len(text) - len(text.lstrip()))
    if expected >= len(LETTERS) or not first or first.group(2).upper() != LETTERS[expected]:
        return None
    starts = [first]
    pos = first.end()
    while expected + len(starts) < len(LETTERS):
        want = LETTERS[expected + len(starts)]
        nxt = None
        for m in _CHOICE_AT.finditer(text, pos):
            if m.group(2).upper() != want:
                continue
            gap = text[max(0, m.start() - 2):m.start()] if m.start() > 0 else ""
            # a tab or spaces before the next letter, written in the same case as the first one
            if "\t" in gap or (gap.endswith(" ") and m.group(2).isupper() == first.group(2).isupper()):
                nxt = m
                break
        if nxt is None:
            break
        starts.append(nxt)
        pos = nxt.end()
    choices = []
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
        body_start = m.end()
        while end > body_start and text[end - 1].isspace():
            end -= 1
        letter_at = m.start(2)
        choices.append(_Choice(letter=m.group(2).upper(), text=nfc(text[body_start:end]), marker=nfc(m.group(0)),
                               star=bool(m.group(1)),
                               letter_marks=line.mark(letter_at), body_marks=_body_marks(line, body_start, end)))
    return choices


def _parse_key(value: str, choices: list[_Choice]) -> tuple[set[str] | str | None, str | None]:
    """'B' / 'A, C' / 'Đúng' -> (letters or 'true'/'false' or the text, None) or (None, why)."""
    value = nfc(value).rstrip(".")
    lead = re.match(r"^([A-Fa-f])\s*[.)]\s+\S", value)
    if lead and choices:
        return {lead.group(1).upper()}, None
    folded = fold(value)
    if folded in _TRUE:
        return "true", None
    if folded in _FALSE:
        return "false", None
    parts = [p for p in re.split(r"[\s,;&]+|\bvà\b", value) if p]
    if parts and all(len(p) == 1 and p.upper() in LETTERS for p in parts):
        return {p.upper() for p in parts}, None
    if choices:
        return None, f"dòng đáp án “{value}” không phải chữ cái phương án (A, B, …)"
    return value, None


def _key_from_marks(q: _Question) -> tuple[set[str] | None, str | None]:
    """Right choices from formatting; (None, None) if nothing marks them; (None, why) if markings disagree."""
    found: dict[frozenset, list[str]] = {}
    stars = frozenset(c.letter for c in q.choices if c.star)
    if stars:
        found.setdefault(stars, []).append(MARK_NAMES["*"])
    for mark in "uchb":
        body = frozenset(c.letter for c in q.choices if c.body_marks.get(mark, 0) >= 0.6)
        letter = frozenset(c.letter for c in q.choices if mark in c.letter_marks)
        chosen = body if 0 < len(body) < len(q.choices) else letter if 0 < len(letter) < len(q.choices) else None
        if chosen:
            found.setdefault(chosen, []).append(MARK_NAMES[mark])
    if not found:
        return None, None
    if len(found) > 1:
        desc = "; ".join(f"{', '.join(names)}: {', '.join(sorted(s))}" for s, names in found.items())
        return None, f"các cách đánh dấu đáp án không khớp nhau ({desc})"
    return set(next(iter(found))), None


def _resolve(q: _Question, table_key: dict[int, str], ambiguous: set[int]) -> tuple[dict | None, list[str], str | None]:
    """(native fields, notes, None) or (None, [], why it is skipped)."""
    header = q.header
    text = nfc(" ".join([header, *q.text]) if header else " ".join(q.text))
    essay = _ESSAY.search(text)
    # "(Tự luận)" after the number, or a heading such as "PHẦN II. TỰ LUẬN" above the question
    is_essay = bool(essay) or "tu luan" in fold(q.topic)
    text = nfc(_ESSAY.sub(" ", text))
    fields: dict = {"topic": q.topic} if q.topic else {}
    points = _POINTS.search(text)
    if points or (essay and essay.group(1)):
        fields["points"] = float((points.group(1) if points else essay.group(1)).replace(",", "."))
        text = nfc(_POINTS.sub(" ", text))
    text = re.sub(r"^[\s:.)\-–]+", "", text)
    if not text:
        return None, [], "câu hỏi không có nội dung"
    fields["text"] = text
    if q.explanation:
        fields["explanation"] = nfc(" ".join(q.explanation))
    if q.answer_lines > 1:
        return None, [], "có hơn một dòng “Đáp án”"

    keys: list[tuple[str, object]] = []
    if q.answer is not None:
        key, why = _parse_key(q.answer, q.choices)
        if why:
            return None, [], why
        keys.append(("dòng “Đáp án”", key))
    if q.number in table_key and q.number not in ambiguous:
        key, why = _parse_key(table_key[q.number], q.choices)
        if why:
            return None, [], f"bảng đáp án: {why}"
        keys.append(("bảng đáp án", key))
    marked, why = _key_from_marks(q) if q.choices else (None, None)
    if why:
        return None, [], why
    if marked:
        keys.append(("định dạng phương án", marked))

    tf_choices = [fold(c.text) for c in q.choices]
    is_tf = len(q.choices) == 2 and set(tf_choices) == {"dung", "sai"}
    if is_tf:  # the letter of "Đúng" or "Sai" -> true/false
        by_letter = {c.letter: ("true" if fold(c.text) == "dung" else "false") for c in q.choices}
        keys = [(src, by_letter.get(next(iter(k)), k) if isinstance(k, set) and len(k) == 1 else k)
                for src, k in keys]
    values = []
    for _src, k in keys:
        if k not in values:
            values.append(k)
    if len(values) > 1:
        desc = "; ".join(f"{src}: {', '.join(sorted(k)) if isinstance(k, set) else k}" for src, k in keys)
        return None, [], f"các nguồn đáp án không khớp nhau ({desc})"
    key = values[0] if values else None

    if q.choices:
        if is_tf:
            if key not in ("true", "false"):
                return None, [], "câu Đúng/Sai chưa cho biết đáp án"
            fields.update(type="true_false", answer=key == "true")
            return fields, [], None
        if len(q.choices) < 2:
            return None, [], "chỉ đọc được một phương án"
        if key is None and q.number in table_key:
            return None, [], f"số câu {q.number} xuất hiện nhiều lần nên không biết đáp án ở bảng cuối thuộc câu nào"
        if key is None:
            return None, [], ("không tìm thấy đáp án đúng (gạch chân, in đậm, tô màu phương án, "
                              "hoặc dòng “Đáp án: B”)")
        if key in ("true", "false") or not isinstance(key, set):
            return None, [], f"đáp án “{key}” không phải chữ cái phương án"
        letters = {c.letter for c in q.choices}
        if not key <= letters:
            return None, [], f"đáp án {', '.join(sorted(key - letters))} không có trong các phương án"
        fields["type"] = "single" if len(key) == 1 else "multiple"
        fields["choices"] = [{"text": c.text, "correct": c.letter in key} for c in q.choices]
        return fields, [], None
    if key in ("true", "false"):
        fields.update(type="true_false", answer=key == "true")
        return fields, [], None
    if isinstance(key, str):
        fields.update(type="short_text", answers=[nfc(a) for a in key.split(";") if nfc(a)])
        return fields, [], None
    if isinstance(key, set):
        return None, [], "có đáp án nhưng không đọc được phương án A., B., … nào"
    if is_essay:
        fields["type"] = "essay"
        return fields, [], None
    return None, [], "không có phương án nào; nếu là câu tự luận hãy ghi “(Tự luận)” sau số câu"


def _table_pairs(rows: list[list[str]]) -> dict[int, str] | None:
    """An answer table (Câu/Đáp án as columns or as rows) -> {number: key}; None if it is not one."""
    folded = [[fold(c) for c in row] for row in rows]
    pairs: dict[int, str] = {}
    # rows: "Câu | 1 | 2 …" then "Đáp án | B | A …"
    heads = [r[0] if r else "" for r in folded]
    if any(h == "cau" for h in heads) and any(h.startswith("dap an") for h in heads):
        for i, h in enumerate(heads):
            if h == "cau" and i + 1 < len(rows) and heads[i + 1].startswith("dap an"):
                for num, ans in zip(rows[i][1:], rows[i + 1][1:]):
                    if nfc(num).isdigit() and nfc(ans):
                        pairs[int(nfc(num))] = nfc(ans)
        return pairs
    if not rows or not any(c == "cau" for c in folded[0]) or not any(c.startswith("dap an") for c in folded[0]):
        return None
    cols = [(i, i + 1) for i, c in enumerate(folded[0]) if c == "cau" and i + 1 < len(folded[0])
            and folded[0][i + 1].startswith("dap an")]
    for row in rows[1:]:
        for a, b in cols:
            if b < len(row) and nfc(row[a]).isdigit() and nfc(row[b]):
                pairs[int(nfc(row[a]))] = nfc(row[b])
    return pairs


def _part_code(topic: str) -> str:
    """'PHẦN II. TỰ LUẬN' -> 'phan-ii'; 'Chủ đề 3: …' -> 'chu-de-3'; other topics -> a short slug."""
    m = re.match(r"^\s*((?:phần|chương|chủ\s*đề|chuyên\s*đề)\s+(?:[IVXLC]+|\d+))\b", topic, re.I)
    return slugify(m.group(1) if m else topic, 20)


def parse_items(items: list, filename: str, options: ReadOptions, fmt: str) -> ReadResult:
    """Lines and tables in document order -> questions, skips and notes."""
    questions: list[_Question] = []
    table_key: dict[int, str] = {}
    skipped = []
    topic, current, in_key, style = "", None, False, None

    def lines_of(item):
        if isinstance(item, Table):
            pairs = _table_pairs(item.rows)
            if pairs is not None:
                table_key.update(pairs)
                return []
            return item.lines
        return [item]

    for item in items:
        for line in lines_of(item):
            raw = line.text
            stripped = nfc(raw)
            if line.media and current is not None:
                current.media = True
            if not stripped:
                continue
            if in_key or _KEY_TITLE.match(stripped):
                pairs = _KEY_PAIR.findall(stripped)
                if in_key == "line" and not pairs and _KEY_ONLY.match(stripped) and current is not None:
                    # "Đáp án:" alone, its letters on the next line: this question's answer line
                    current.answer, current.answer_lines, in_key = stripped, current.answer_lines + 1, False
                    continue
                if _KEY_TITLE.match(stripped) or pairs:
                    in_key = "line" if _KEY_TITLE.match(stripped) and current is not None and not pairs else True
                    for num, ans in pairs:
                        table_key[int(num)] = ans
                    continue
                in_key = False
            answer = _ANSWER.match(raw)
            if answer and _KEY_PAIR.search(answer.group(1)) and len(_KEY_PAIR.findall(answer.group(1))) > 1:
                for num, ans in _KEY_PAIR.findall(answer.group(1)):
                    table_key[int(num)] = ans
                in_key = True
                continue
            start = _QUESTION.match(raw)
            if start and style and (style == "cau") != bool(start.group(1)):
                start = None  # "Câu 1" documents: a "1." line is part of a question, not a new one
            if (line.heading or _HEADING.match(raw)) and not start:
                topic, current = stripped[:200], None
                continue
            if start:
                style = style or ("cau" if start.group(1) else "num")
                current = _Question(number=int(start.group(1) or start.group(2)), header=nfc(start.group(3)),
                                    line=line.number, topic=topic)
                questions.append(current)
                continue
            if current is None:
                continue  # the title and anything before the first question
            if answer:
                current.answer, current.in_explanation = answer.group(1), False
                current.answer_lines += 1
                continue
            explain = _EXPLAIN.match(raw)
            if explain:
                current.explanation.append(explain.group(1))
                current.in_explanation = True
                continue
            if current.in_explanation:
                current.explanation.append(stripped)
                continue
            new = _split_choices(line, len(current.choices))
            restart = _split_choices(line, 0) if current.choices and not new else None
            if restart:
                # a second "A." list: the first one ("a) …, b) …") was part of the question text
                current.text.extend(f"{c.marker} {c.text}" for c in current.choices)
                current.choices = restart
            elif new:
                current.choices.extend(new)
            elif current.choices:
                current.choices[-1].text = nfc(f"{current.choices[-1].text} {stripped}")
            else:
                current.text.append(stripped)

    numbers = [q.number for q in questions]
    ambiguous = {n for n in numbers if numbers.count(n) > 1}
    drafts = []
    for q in questions:
        fields, notes, why = _resolve(q, table_key, ambiguous)
        if fields is not None and q.media:
            notes = [*notes, "có hình ảnh trong tệp Word; hình không được nhập, hãy kiểm tra câu còn đủ ý không"]
        if fields is None:
            skipped.append(skip(q.label, why, q.seen_text() or q.header, q.line, filename))
            continue
        key = f"cau-{q.number:03d}"
        if q.number in ambiguous:
            # numbering restarts in each part ("Phần I" câu 1…, "Phần II" câu 1…): the part names the key
            part = _part_code(q.topic)
            if part and [(x.number, _part_code(x.topic)) for x in questions].count((q.number, part)) == 1:
                key = f"{part}-{key}"
            else:
                key = ""
                notes = [*notes, f"số câu {q.number} bị trùng trong tệp; mã câu được đánh tự động"]
        drafts.append(Draft(label=q.label, fields=fields, line=q.line, notes=notes, key=key))
    unused = sorted(set(table_key) - set(numbers))
    result = build_bank(fmt, drafts, skipped, filename, options)
    if unused and result.bank is not None:
        from quizapp.services.bank_formats.schema import BankError

        result.notes.append(BankError(f"bảng đáp án có câu {', '.join(map(str, unused))} nhưng tệp không có "
                                      "câu hỏi mang số đó", None, None, filename))
    return result


def looks_like(text: str) -> bool:
    """Does this text follow the convention (a numbered question followed by A./B. choices or an essay)?"""
    head = text[:20000]
    return bool(re.search(r"^\s*câu(?:\s+hỏi)?\s*\d{1,4}(?!\d)", head, re.I | re.M)) or (
        bool(re.search(r"^\s*\d{1,4}\s*[.)]\s+\S", head, re.M))
        and bool(re.search(r"^\s*\*?[Aa]\s*[.)]\s*\S", head, re.M))
        and bool(re.search(r"(^|\s)\*?[Bb]\s*[.)]\s*\S", head, re.M)))


def read_text(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """Plain text (a .txt file or text pasted on the upload page) in the Word convention."""
    text, errors = native.decode(data, filename, options.max_bytes)
    if text is None:
        return ReadResult("text", None, errors)
    lines = [Line(text=line, number=n) for n, line in enumerate(text.splitlines(), start=1)]
    return parse_items(lines, filename, options, "text")
