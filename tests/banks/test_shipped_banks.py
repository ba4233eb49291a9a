"""Do the banks that ship with the product validate, import completely and follow the exam-author
rules (no key guessable from its form or from another question)?"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Question, QuestionVersion
from quizapp.services import banks
from quizapp.services.question_types import REGISTRY

BANK_DIR = Path(__file__).resolve().parents[2] / "question_banks"
SHIPPED = sorted(BANK_DIR.glob("*.yaml"))


def test_three_banks_ship():
    """Are the three document banks present?"""
    assert len(SHIPPED) == 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_bank_is_valid_and_rich(path):
    """Does each shipped bank validate with >= 30 questions and carry a source on every question?"""
    parsed, errors = banks.parse_file(path)
    assert errors == []
    assert len(parsed.questions) >= 30
    assert all(q.source_document and q.source_section for q in parsed.questions)
    assert len({q.key for q in parsed.questions}) == len(parsed.questions)


def test_all_five_types_appear_across_shipped_banks():
    """Are all five question types represented in every shipped bank?"""
    for path in SHIPPED:
        parsed, _ = banks.parse_file(path)
        assert {q.type for q in parsed.questions} == set(REGISTRY), path.name


def test_shipped_banks_import_in_one_go(world):
    """Does importing the three files create every question once, with version 1 current?"""
    results = banks.import_many([str(p) for p in SHIPPED])
    total = sum(r.added for r in results)
    assert all(r.created for r in results)
    assert total == db.session.scalar(select(func.count()).select_from(Question)) >= 90
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == total
    # A second import of the same files changes nothing.
    again = banks.import_many([str(p) for p in SHIPPED])
    assert [r.unchanged for r in again] == [r.added for r in results]
    assert sum(r.added + r.updated_in_place + r.new_versions + r.deactivated for r in again) == 0


# --------------------------------------------------------------------------- exam-author rules
# Small pure checks that hold the shipped banks to the rules an exam author applies by hand: the
# key must not be guessable from its form (contained in a distractor, much longer than every
# distractor, a multi-select shape that repeats) nor from another question's wording.

# Vietnamese function words (one syllable each) that carry no content of their own.
STOP_WORDS = frozenset("""
và của các những là được trong với về theo cho có không để tại từ một này đó đây thì mà nào gì
ai sau đã sẽ bị ra vào như nhất hay hoặc cũng đều mỗi ở bởi do trên đến khi nêu
""".split())
RUN = 5  # consecutive content words of a key that must not appear in another question's text


def _load(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def _fold(word: str) -> str:
    """Lower case, without diacritics (đ → d)."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    """All words of a text, folded."""
    return [_fold(w) for w in re.findall(r"\w+", unicodedata.normalize("NFC", text.lower()))]


def _content_words(text: str) -> list[str]:
    """Words of a text without stop words, folded; a document number or date ("21-KL/TW",
    "25/10/2021") counts as one word."""
    return [_fold(w) for w in re.findall(r"\w+(?:[-/.]\w+)*", unicodedata.normalize("NFC", text.lower()))
            if w not in STOP_WORDS]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Is the word sequence `needle` a contiguous part of `haystack`?"""
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def _keys(q: dict) -> list[str]:
    """The texts a member must produce or pick: correct choices, accepted short answers."""
    if q["type"] in ("single", "multiple"):
        return [c["text"] for c in q["choices"] if c.get("correct")]
    if q["type"] == "short_text":
        return [str(a) for a in q["answers"]]
    return []


def _distractors(q: dict) -> list[str]:
    return [c["text"] for c in q.get("choices", []) if not c.get("correct")]


def key_inside_distractor(q: dict) -> list[str]:
    """Pairs where a key's words appear inside a distractor's, or a distractor's inside a key's."""
    found = []
    for key in _keys(q):
        for wrong in _distractors(q):
            k, w = _words(key), _words(wrong)
            if _contains(w, k) or _contains(k, w):
                found.append(f"{q['id']}: «{key}» / «{wrong}»")
    return found


def key_too_long(q: dict) -> str | None:
    """Is a key longer than 1.6 × the longest distractor + 20 characters?"""
    wrong = _distractors(q)
    if not wrong or q["type"] not in ("single", "multiple"):
        return None
    limit = 1.6 * max(len(w) for w in wrong) + 20
    longest = max(_keys(q), key=len)
    return f"{q['id']}: {len(longest)} > {limit:.0f}" if len(longest) > limit else None


def multiple_shapes(questions: list[dict]) -> Counter:
    """(correct, choices) of every multi-select question."""
    return Counter((sum(bool(c.get("correct")) for c in q["choices"]), len(q["choices"]))
                   for q in questions if q["type"] == "multiple")


def keys_given_away(questions: list[dict]) -> list[str]:
    """Questions whose key has RUN consecutive content words that another question's text states."""
    texts = {q["id"]: _content_words(q["text"]) for q in questions}
    found = []
    for q in questions:
        for key in _keys(q):
            words = _content_words(key)
            for i in range(len(words) - RUN + 1):
                run = words[i:i + RUN]
                for other, text in texts.items():
                    if other != q["id"] and _contains(text, run):
                        found.append(f"{q['id']} «{key}» stated in {other}: {' '.join(run)}")
    return sorted(set(found))


def test_rule_checks_catch_what_they_should():
    """Do the pure checks flag a made-up bad question and pass a good one?"""
    bad = {"id": "x-1", "type": "single", "text": "Ai?", "choices": [
        {"text": "Chi bộ Sở, các đoàn thể, Văn phòng Sở"}, {"text": "Văn phòng", "correct": True}]}
    assert key_inside_distractor(bad) and not key_inside_distractor(
        {**bad, "choices": [{"text": "Khóa XII"}, {"text": "Khóa XI", "correct": True}]})
    long = {"id": "x-2", "type": "single", "text": "?", "choices": [
        {"text": "Ngắn"}, {"text": "Một phương án đúng dài hơn hẳn mọi phương án sai", "correct": True}]}
    assert key_too_long(long) and not key_too_long(bad)
    pair = [{"id": "a", "type": "single", "text": "Nội dung?", "choices": [
                {"text": "Đẩy mạnh học tập và làm theo tư tưởng, đạo đức", "correct": True}]},
            {"id": "b", "type": "true_false", "text": "Chỉ thị về đẩy mạnh học tập và làm theo tư tưởng."}]
    assert keys_given_away(pair) and not keys_given_away(pair[:1])
    assert multiple_shapes([{"type": "multiple", "choices": [{"text": "a", "correct": True}, {"text": "b"}]}]) \
        == Counter({(1, 2): 1})


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_key_inside_a_distractor(path):
    """Is no key contained in one of its own distractors (or a distractor in the key)?"""
    assert [f for q in _load(path) for f in key_inside_distractor(q)] == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_key_much_longer_than_distractors(path):
    """Is no key longer than 1.6 × its longest distractor + 20 characters?"""
    assert [f for q in _load(path) if (f := key_too_long(q))] == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_multiple_select_shapes_vary(path):
    """Does no single (correct, choices) shape hold more than 40 % of a bank's multi-selects?"""
    shapes = multiple_shapes(_load(path))
    total = sum(shapes.values())
    assert total >= 3
    assert {s: n for s, n in shapes.items() if n > 0.4 * total} == {}, shapes


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_question_states_another_questions_key(path):
    """Does no question's text repeat five consecutive content words of the key of another
    question of the same bank (a round draws its paper from one bank)?"""
    assert keys_given_away(_load(path)) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_question_cites_a_source(path):
    """Does every question name its document and section, and the file cite no path outside
    the repository?"""
    for q in _load(path):
        source = q.get("source") or {}
        assert str(source.get("document", "")).strip() and str(source.get("section", "")).strip(), q["id"]
    assert "shared/" not in path.read_text(encoding="utf-8")
