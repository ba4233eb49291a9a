"""Are Moodle GIFT and Aiken files read into the supported types, skipping the rest with line numbers?"""
from __future__ import annotations

from pathlib import Path

from quizapp.services import banks

FIX = Path(__file__).resolve().parent / "fixtures"
SOURCE = ("Tài liệu mẫu của Moodle", "Ví dụ định dạng")


def _bank(name: str):
    bank, errors = banks.parse_file(FIX / name, name, source=SOURCE)
    return bank, errors


def test_gift_fixture_types_and_skips(world):
    """Does Moodle's GIFT fixture give essay, single, multiple, short and true/false, skipping matching and numerical?"""
    bank, errors = _bank("moodle_tests_fixtures_questions.gift.txt")
    assert errors == []
    by_key = {q.key: q for q in bank.questions}
    assert by_key["q8"].type == "essay"
    assert by_key["q2"].type == "single" and sorted(c["text"] for c in by_key["q2"].spec["choices"]) == ["blue", "red", "yellow"]
    assert sum(c["correct"] for c in by_key["colours"].spec["choices"]) == 2
    assert by_key["shortanswer"].spec["answers"] == ["Frog"]  # the 50 % and wildcard answers are not accepted
    assert by_key["q1"].spec == {"answer": False} and "Hitchiker" in by_key["q1"].explanation
    assert [(e.line, e.message) for e in bank.skipped] == [
        (5, "bỏ qua: câu ghép đôi (matching) không được hỗ trợ"),
        (31, "bỏ qua: câu dạng số (numerical) không được hỗ trợ"),
    ]
    assert all(q.source_document == SOURCE[0] for q in bank.questions)


def test_gift_category_becomes_topic_and_html_is_stripped(world):
    """Does $CATEGORY become the topic, and [html] markup become plain text?"""
    bank, _ = _bank("moodle_tests_fixtures_questions_in_category.gift.txt")
    greeting = next(q for q in bank.questions if q.key == "greeting")
    assert greeting.topic == "Default for New Features"
    assert "<a" not in greeting.text and greeting.text.startswith("Listen to this greeting:")


def test_gift_documentation_examples(world):
    """Do the GIFT documentation examples parse, with escapes and missing-word blanks handled?"""
    bank, errors = _bank("moodle_examples.gift.txt")
    assert errors == [] and len(bank.questions) >= 30
    control = next(q for q in bank.questions if q.key == "gift-control-characters")
    assert sorted(c["text"] for c in control.spec["choices"]) == sorted(["~", "=", "#", "{", "}", "\\"])
    assert any(q.text == "Grant is _____ in Grant's tomb." for q in bank.questions)


def test_ordering_only_file_is_refused(world):
    """Is a file holding only an unsupported type refused with a clear message?"""
    bank, errors = _bank("moodle_qtype_ordering_testexport.gift.txt")
    assert bank is None and errors[0].message == "tệp không có câu hỏi nào dùng được"


def test_aiken_good_and_bad_questions(world):
    """Are good Aiken questions read and bad ones skipped, each with its line?"""
    bank, errors = _bank("aiken_questions.aiken.txt")
    first = bank.questions[0].spec["choices"]
    assert errors == [] and [c["text"] for c in first if c["correct"]] == ["Martin Dougiamas"]
    bank, errors = _bank("aiken_errors.aiken.txt")
    assert [q.text for q in bank.questions] == ["A good question", "A second good question"]
    assert [e.line for e in bank.skipped] == [1, 5, 7, 14]
    assert [c["text"] for c in bank.questions[1].spec["choices"] if c["correct"]] == ["Correct (No space)"]


def test_moodle_file_needs_a_source(world):
    """Is a Moodle file without a named source refused (every question must carry one)?"""
    bank, errors = banks.parse_file(FIX / "aiken_questions.aiken.txt", "aiken_questions.aiken.txt")
    assert bank is None and "nguồn" in errors[0].message


def test_cli_convert_then_import(runner, tmp_path, world):
    """Does `flask banks convert` write native YAML that validates and imports?"""
    out = tmp_path / "gift.yaml"
    result = runner.invoke(args=["banks", "convert", str(FIX / "moodle_tests_fixtures_questions.gift.txt"),
                                 "--document", SOURCE[0], "--section", SOURCE[1], "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "bỏ qua: câu ghép đôi" in result.output
    assert banks.validate_file(str(out)) == []
    assert banks.import_bank(str(out)).added == 7


def test_right_answer_position_is_not_the_files(world, tmp_path):
    """Moodle files put the right answer first; are imported choices reordered so its id tells nothing?"""
    gift = "\n\n".join(f"::q{i}:: Câu hỏi số {i}? {{=Đúng {i} ~Sai A{i} ~Sai B{i} ~Sai C{i}}}" for i in range(12))
    path = tmp_path / "right-first.gift.txt"
    path.write_text(gift, encoding="utf-8")
    bank, errors = banks.parse_file(path, path.name, source=SOURCE)
    assert errors == [] and len(bank.questions) == 12
    first_ids = [next(c["id"] for c in q.spec["choices"] if c["correct"]) for q in bank.questions]
    assert len(set(first_ids)) > 1  # the right answer's id varies (all 'a' has odds 4^-11)
