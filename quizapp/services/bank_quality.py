"""Quality help while writing questions: pure checks on question content, no database, no request.

Each question is a plain mapping with `key`, `type`, `text` and `spec` (the stored version fields).
Every check returns `QualityWarning` items with a Vietnamese message; none of them blocks saving — they
point at the ways a member could guess the answer without having studied the document:

- the correct choice much longer than every distractor (long_key);
- two questions giving each other's answers away (give_away): a distinctive phrase of one's key —
  at least four consecutive content words, diacritics folded — appears in another's text;
- a multi-select with the same shape (number right of number of choices) as most others (shape);
- a short-text prompt that shows quote marks the accepted answers lack (quotes);
- a correct choice contained in a distractor, or a distractor in a correct choice (nested).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from quizapp.services.question_types import REGISTRY
from quizapp.vn import nfc, strip_diacritics

#: The correct choice is "much longer" when both hold.
LONG_RATIO = 1.5
LONG_EXTRA_CHARS = 20
#: A distinctive phrase: this many consecutive content words.
PHRASE_WORDS = 4
#: A phrase used by more questions than this is the bank's common vocabulary, not a give-away.
COMMON_IN_QUESTIONS = 3
#: The shape rule needs this many multi-select questions in the bank before it says anything.
SHAPE_MIN_QUESTIONS = 4
QUOTES = "\"“”«»„‟"

#: Function words that do not make a phrase distinctive (diacritics folded).
STOP_WORDS = frozenset("""
va cua la cac nhung co duoc trong cho voi de theo ve nay do mot khong thi ma tu den ra vao khi da se
dang bi nen hay hoac nhu tren duoi tai o cung con rat nhat moi phai can ai gi nao sao bao nhieu
""".split())

_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class QualityWarning:
    """One piece of quality help: which question, which rule, what to look at (Vietnamese)."""

    key: str
    rule: str
    message: str
    other: str | None = None


def fold(text: str) -> str:
    """Lower case, NFC, diacritics removed (đ -> d)."""
    return strip_diacritics(nfc(text or "").lower())


def content_words(text: str) -> list[str]:
    """The folded words of a text, function words left out."""
    return [w for w in _WORD_RE.findall(fold(text)) if w not in STOP_WORDS and not w.isdigit()]


def _choices(q: Mapping) -> list[dict]:
    return list((q.get("spec") or {}).get("choices") or [])


def _is(q: Mapping, capability: str) -> bool:
    """Whether the question's type has a capability (choice_based, multi_answer, …)."""
    qtype = REGISTRY.get(q.get("type"))
    return bool(qtype is not None and getattr(qtype, capability))


def key_texts(q: Mapping) -> list[str]:
    """The texts that make up a question's answer: correct choices or accepted typed answers."""
    qtype = REGISTRY.get(q.get("type"))
    return qtype.key_texts(q.get("spec") or {}) if qtype is not None else []


def long_key(q: Mapping) -> list[QualityWarning]:
    """A correct choice more than 1.5 times as long as the longest distractor and 20 characters longer."""
    if not _is(q, "choice_based"):
        return []
    choices = _choices(q)
    wrong = [len(nfc(c.get("text", ""))) for c in choices if not c.get("correct")]
    if not wrong:
        return []
    longest = max(wrong)
    out = []
    for c in choices:
        n = len(nfc(c.get("text", "")))
        if c.get("correct") and n > LONG_RATIO * longest and n - longest > LONG_EXTRA_CHARS:
            out.append(QualityWarning(q["key"], "long_key",
                               f"Phương án đúng dài hơn hẳn mọi phương án sai ({n} so với tối đa {longest} ký tự); "
                               "người làm có thể đoán theo độ dài. Hãy viết các phương án dài tương đương."))
            break
    return out


def _contains_words(haystack: list[str], needle: list[str]) -> bool:
    if not needle or len(needle) > len(haystack):
        return False
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def nested(q: Mapping) -> list[QualityWarning]:
    """A correct choice whose words appear whole inside a distractor, or the reverse."""
    if not _is(q, "choice_based"):
        return []
    choices = [(c, _WORD_RE.findall(fold(c.get("text", "")))) for c in _choices(q)]
    for c, words in choices:
        if not c.get("correct") or not words:
            continue
        for d, dwords in choices:
            if d.get("correct") or not dwords:
                continue
            if _contains_words(dwords, words) or _contains_words(words, dwords):
                return [QualityWarning(q["key"], "nested",
                                f"Phương án đúng “{c.get('text', '')}” và phương án sai “{d.get('text', '')}” "
                                "chứa nhau; người làm dễ loại trừ hoặc đoán. Hãy viết lại một trong hai.")]
    return []


def quotes(q: Mapping) -> list[QualityWarning]:
    """A short-text prompt with quote marks while no accepted answer has any."""
    if _is(q, "choice_based") or not key_texts(q):  # typed answers only
        return []
    text = nfc(q.get("text", ""))
    if not any(ch in text for ch in QUOTES):
        return []
    answers = (q.get("spec") or {}).get("answers") or []
    if any(ch in a for a in answers for ch in QUOTES):
        return []
    return [QualityWarning(q["key"], "quotes",
                    "Đề bài có dấu ngoặc kép nhưng đáp án được chấp nhận thì không; kiểm tra xem người làm "
                    "có cần chép cả phần trong ngoặc không, và đáp án có đủ chưa.")]


def _phrases(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + PHRASE_WORDS]) for i in range(len(words) - PHRASE_WORDS + 1)}


def give_away(questions: Iterable[Mapping]) -> list[QualityWarning]:
    """Pairs where a distinctive phrase of one question's answer appears in another question's text.

    A phrase is distinctive when the answering question's own text does not contain it and at most
    `COMMON_IN_QUESTIONS` questions use it anywhere (text or choices): a document's name or a
    slogan repeated across the bank is common vocabulary, not a give-away.
    """
    items = list(questions)
    texts = [(q, _phrases(content_words(q.get("text", "")))) for q in items]
    seen_in: Counter = Counter()
    for q, phrases in texts:
        everywhere = set(phrases)
        for choice in _choices(q):
            everywhere |= _phrases(content_words(choice.get("text", "")))
        for answer in key_texts(q):
            everywhere |= _phrases(content_words(answer))
        seen_in.update(everywhere)
    out = []
    for q, own in texts:
        phrases = set()
        for answer in key_texts(q):
            phrases |= _phrases(content_words(answer))
        phrases = {p for p in phrases - own if seen_in[p] <= COMMON_IN_QUESTIONS}
        if not phrases:
            continue
        for other, other_phrases in texts:
            if other is q or other.get("key") == q.get("key"):
                continue
            if phrases & other_phrases:
                out.append(QualityWarning(other["key"], "give_away",
                                   f"Nội dung câu này chứa nguyên cụm từ là đáp án của câu {q['key']}; "
                                   "làm câu này là biết đáp án câu kia. Hãy diễn đạt lại một trong hai câu.",
                                   other=q["key"]))
                out.append(QualityWarning(q["key"], "give_away",
                                   f"Đáp án của câu này xuất hiện nguyên văn trong nội dung câu {other['key']}; "
                                   "người làm có thể chép đáp án từ câu đó.", other=other["key"]))
    return out


def shape_of(q: Mapping) -> tuple[int, int]:
    """(number of correct choices, number of choices) of a multi-select."""
    choices = _choices(q)
    return sum(1 for c in choices if c.get("correct")), len(choices)


def common_shape(questions: Iterable[Mapping]) -> tuple[int, int] | None:
    """The shape more than half of the bank's multi-selects share (with enough of them), else None."""
    shapes = Counter(shape_of(q) for q in questions if _is(q, "multi_answer"))
    total = sum(shapes.values())
    if total < SHAPE_MIN_QUESTIONS:
        return None
    shape, count = shapes.most_common(1)[0]
    return shape if count * 2 > total else None


def shape(q: Mapping, common: tuple[int, int] | None) -> list[QualityWarning]:
    """A multi-select shaped like most others in the bank: members learn 'always 2 of 4'."""
    if not _is(q, "multi_answer") or common is None or shape_of(q) != common:
        return []
    right, total = common
    return [QualityWarning(q["key"], "shape",
                    f"Câu nhiều lựa chọn này có {right} phương án đúng trên {total}, giống phần lớn các câu nhiều "
                    "lựa chọn khác trong ngân hàng; người làm có thể đoán theo quy luật. Hãy thay đổi số phương án đúng.")]


def question_warnings(q: Mapping, others: Iterable[Mapping] = ()) -> list[QualityWarning]:
    """Warnings for one question, checked also against the other questions of its bank."""
    others = [o for o in others if o.get("key") != q.get("key")]
    out = long_key(q) + nested(q) + quotes(q)
    out += shape(q, common_shape([q, *others]))
    out += [w for w in give_away([q, *others]) if w.key == q.get("key")]
    return out


def bank_report(questions: Iterable[Mapping]) -> dict[str, list[QualityWarning]]:
    """Every warning of a bank, by question key, in the order given; questions without any are left out."""
    items = list(questions)
    common = common_shape(items)
    report: dict[str, list[QualityWarning]] = {}
    for q in items:
        found = long_key(q) + nested(q) + quotes(q) + shape(q, common)
        if found:
            report.setdefault(q["key"], []).extend(found)
    for w in give_away(items):
        report.setdefault(w.key, []).append(w)
    return {q["key"]: report[q["key"]] for q in items if q["key"] in report}
