"""Are bad bank files rejected with clear, line-numbered Vietnamese errors, writing nothing?"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Bank, Question
from quizapp.services import banks
from quizapp.services.exceptions import InvalidInput
from tests.banks.helpers import bank_yaml


def _messages(data: bytes, name: str = "bad.yaml") -> list[str]:
    return [str(e) for e in banks.validate_file(data, name)]


def _nothing_written():
    assert db.session.scalar(select(func.count()).select_from(Bank)) == 0
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def test_latin1_bytes_are_refused_with_line(world):
    """Is a Latin-1 file refused as not UTF-8, naming the first bad line?"""
    latin = 'format: 1\nbank:\n  slug: thu\n  title: "Caf\u00e9"\n'.encode("latin-1")
    errors = banks.validate_file(latin, "latin.yaml")
    assert len(errors) == 1 and "UTF-8" in errors[0].message
    assert errors[0].line == 4


def test_utf16_file_is_refused(world):
    """Is a UTF-16 file (as Windows Notepad may save it) refused with a clear message?"""
    assert "UTF-16" in _messages(bank_yaml().decode().encode("utf-16"))[0]


def test_not_yaml_is_refused_with_line(world):
    """Is text that is not YAML refused with the line where parsing broke?"""
    msgs = _messages(b"format: 1\nbank: [\n  - a: b\n  c\n")
    assert len(msgs) == 1 and msgs[0].startswith("Dòng ") and "YAML" in msgs[0]


@pytest.mark.parametrize("c_loader", [True, False], ids=["libyaml", "pure-python"])
def test_alias_bomb_is_refused_before_expansion(world, monkeypatch, c_loader):
    """Is a 'billion laughs' alias bomb refused without expanding it, with or without libyaml?"""
    from quizapp.services.bank_formats import native

    if not c_loader:
        monkeypatch.setattr(native, "_FAST_LOADER", None)
    bomb = b'format: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 10):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" .encode() + b",".join([f"*{chr(96 + i)}".encode()] * 9) + b"]\n"
    msgs = _messages(bomb)
    assert msgs == ["Dòng 2: không được dùng neo/bí danh YAML (&neo, *bí danh)"]


def test_merge_key_alias_is_refused(world):
    """Is a YAML merge key (<<: *alias) refused, since it is an alias?"""
    data = bank_yaml().decode().replace("    topic: \"Chủ đề 1\"\n", "    topic: &t \"Chủ đề 1\"\n", 1)
    data = data.replace("id: q-002\n", "id: q-002\n    explanation: *t\n")
    msgs = _messages(data.encode())
    assert len(msgs) == 1 and "bí danh YAML" in msgs[0] and msgs[0].startswith("Dòng 9")


def test_deep_nesting_is_refused(world):
    """Is absurdly deep nesting refused with a message instead of crashing?"""
    msgs = _messages(b"format: 1\nbank: " + b"[" * 5000 + b"]" * 5000 + b"\n")
    assert len(msgs) == 1 and ("YAML" in msgs[0])


def test_missing_keys_are_each_reported(world):
    """Are a missing text and a missing source each reported with the question's line and id?"""
    data = bank_yaml().decode().replace('    text: "Câu hỏi một?"\n', "")
    data = data.replace('    source: {document: "Nghị quyết 04-NQ/TW", section: "Mục 1"}\n  - id: q-002', "  - id: q-002")
    msgs = _messages(data.encode())
    assert "Dòng 7, câu 'q-001': thiếu 'text'" in msgs
    assert any("câu 'q-001'" in m and "thiếu nguồn 'source'" in m for m in msgs)


def test_duplicate_ids_point_to_both_lines(world):
    """Is a duplicate question id reported at the second use, naming the first?"""
    data = bank_yaml(questions={"q-001": "Một?", "q-002": "Hai?"}).decode().replace("id: q-002", "id: q-001")
    msgs = _messages(data.encode())
    assert msgs == ["Dòng 17, câu 'q-001': mã câu hỏi bị trùng (đã dùng ở dòng 7)"]


def test_single_choice_with_two_correct(world):
    """Does a single-choice question with two correct answers get the documented message and line?"""
    data = bank_yaml(questions={"kh-007": "Một?"}).decode().replace('      - text: "Phương án B"', '      - text: "Phương án B"\n        correct: true')
    msgs = _messages(data.encode())
    assert msgs == ["Dòng 12, câu 'kh-007': câu một lựa chọn phải có đúng một phương án đúng"]


def test_unknown_keys_and_wrong_types(world):
    """Are unknown keys, wrong-type keys and bad values reported, each at its own line?"""
    data = bank_yaml(questions={"q-001": "Một?"}).decode()
    data = data.replace("    difficulty: easy\n", "    difficulty: rất khó\n    points: -2\n    answer: true\n    colour: red\n")
    msgs = _messages(data.encode())
    assert "Dòng 10, câu 'q-001': 'difficulty' chỉ nhận: easy, medium, hard" in msgs
    assert "Dòng 11, câu 'q-001': 'points' phải là số dương (tối đa 100)" in msgs
    assert "Dòng 12, câu 'q-001': khóa 'answer' không dùng cho loại câu 'single'" in msgs
    assert "Dòng 13, câu 'q-001': khóa 'colour' không được hỗ trợ" in msgs


def test_huge_file_is_refused_before_parsing(app, world):
    """Is a file over MAX_CONTENT_LENGTH refused with a size message, before any parsing?"""
    huge = b"# " + b"x" * app.config["MAX_CONTENT_LENGTH"] + b"\n"
    msgs = _messages(huge)
    assert len(msgs) == 1 and "quá lớn" in msgs[0]


def test_import_of_bad_file_writes_nothing(world):
    """Does importing a good file together with a bad one write nothing at all?"""
    good = ("good.yaml", bank_yaml("good"))
    bad = ("bad.yaml", bank_yaml("bad").replace(b"type: single", b"type: ordering", 1))
    with pytest.raises(InvalidInput) as info:
        banks.import_many([good, bad])
    assert info.value.details[0]["file"] == "bad.yaml"
    assert "loại câu hỏi 'ordering' không hợp lệ" in info.value.details[0]["message"]
    _nothing_written()


@pytest.mark.parametrize("field,value", [
    ("difficulty", "[1, 2]"), ("difficulty", "{a: 1}"), ("type", "[single]"), ("type", "{x: 1}"),
    ("id", "[a]"), ("id", "12"), ("points", "true"), ("points", "'2'"), ("points", ".nan"), ("text", "[a, b]"),
    ("text", "true"), ("choices", "abc"), ("choices", "[[1], 2]"), ("choices", "[{text: [1]}, {text: b}]"),
    ("choices", "[{text: a, correct: yes-ish}, {text: b}]"), ("source", "abc"), ("source", "[1]"),
    ("source", "{document: [1], section: {a: 1}}"), ("explanation", "{a: b}"), ("topic", "[x]"),
    ("answer", "1"), ("rubric", "x"), ("answers", "{a: 1}"), ("match_diacritics", "[1]"),
])
def test_wrong_types_never_crash(world, field, value):
    """Does any wrong-typed field give a line-numbered error instead of an exception?"""
    data = bank_yaml(questions={"q-001": "Một?"}).decode()
    lines = [ln for ln in data.splitlines() if not ln.startswith(f"    {field}:")]
    lines.insert(7, f"    {field}: {value}")
    errors = banks.validate_file(("\n".join(lines) + "\n").encode(), "fuzz.yaml")
    assert errors and all(e.line for e in errors)


@pytest.mark.parametrize("text", [
    "", "[]", "- 1\n- 2", "format: 1", "format: 1\nbank: x\nquestions: x", "format: 2\nbank: {}\nquestions: [1]",
    "format: 1\nbank: {slug: A B, title: [1], document: d, document_date: hôm qua}\nquestions: [null]",
    "? [a]\n: b", "format: 1\n1: 2", "!!python/object:os.system {}", "format: !!binary aGVsbG8=",
    "null", "Null", "~",  # YAML's empty value: a document with nothing in it
])
def test_odd_documents_never_crash(world, text):
    """Do empty, scalar, list-shaped or tagged documents each get a clear error, never an exception?"""
    errors = banks.validate_file(text.encode(), "odd.yaml")
    assert errors and all(e.message for e in errors)
