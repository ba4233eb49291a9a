"""Are Moodle GIFT and Aiken files read into the supported types, skipping the rest with line numbers?"""
from __future__ import annotations

from pathlib import Path

import pytest

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


# ------------------------------------------------------------------ read by content, every question accounted for
def _read_text(text: str, name: str = "moodle.txt"):
    return banks.read_file(text.encode("utf-8"), name, source=SOURCE)


@pytest.mark.parametrize("name, fmt, kept, skipped", [
    ("aiken_errors.txt", "aiken", 2, 4), ("aiken_questions.aiken.txt", "aiken", 2, 0),
    ("moodle_examples.txt", "gift", 32, 11), ("moodle_tests_fixtures_questions.gift.txt", "gift", 7, 2),
    ("moodle_tests_fixtures_questions_in_category.gift.txt", "gift", 3, 1),
    ("moodle_qtype_ordering_testexport.gift.txt", "gift", 0, 1),
])
def test_fixtures_as_exported_are_recognized_by_content(world, name, fmt, kept, skipped):
    """Moodle exports GIFT and Aiken as .txt: is the format found from the content, every question kept or reported?"""
    result = banks.read_file(FIX / name, name.split(".")[0] + ".txt", source=SOURCE)
    assert result.format == fmt
    assert (len(result.bank.questions) if result.bank else 0, len(result.skipped)) == (kept, skipped)
    assert all("bỏ qua: " in s.message and s.line for s in result.skipped)


def test_cloze_file_reports_its_question_and_is_refused(world):
    """Is the cloze (multianswer) fixture refused with its question reported, not silently emptied?"""
    name = "moodle_multianswer_cloze_questions.multianswer.txt"
    result = banks.read_file(FIX / name, name, source=SOURCE)
    assert result.bank is None and result.errors[0].message == "tệp không có câu hỏi nào dùng được"
    assert [s.message for s in result.skipped] == [
        "bỏ qua: câu điền nhiều chỗ trống (cloze/multianswer) không được hỗ trợ"]


def test_cli_lists_every_skip_reason_when_nothing_is_usable(runner, world):
    """When every question is skipped, does the CLI still print each reason (not only 'no usable question')?"""
    result = runner.invoke(args=["banks", "convert", str(FIX / "moodle_qtype_ordering_testexport.gift.txt"),
                                 "--document", SOURCE[0], "--section", SOURCE[1]])
    assert result.exit_code == 1
    assert "câu sắp xếp thứ tự (ordering) không được hỗ trợ" in result.output
    assert "tệp không có câu hỏi nào dùng được" in result.output


def test_gift_essay_with_general_feedback_is_an_essay(world):
    """Is '{####feedback}' an essay with its feedback as explanation (not a numerical question)?"""
    result = _read_text("::e1:: Trình bày suy nghĩ của đồng chí. {####[html]<p>Nêu được <b>ba</b> ý.</p>}")
    q = result.bank.questions[0]
    assert (q.type, q.explanation) == ("essay", "Nêu được ba ý.")


def test_html_tag_does_not_leak_into_general_feedback(world):
    """Does a '[html]' tag at the start of '####' feedback disappear, markup stripped?"""
    result = _read_text("::q:: Thủ đô? {=Hà Nội ~Huế ####[html]<i>Hà Nội</i> là thủ đô.}")
    assert result.bank.questions[0].explanation == "Hà Nội là thủ đô."


def test_arrow_inside_a_choice_is_not_matching(world):
    """Is a choice containing '->' in a normal multiple-choice question kept, not taken for matching?"""
    result = _read_text("::q:: Quy trình nào đúng? {=Đề xuất -> thảo luận -> biểu quyết ~Biểu quyết -> đề xuất}")
    q = result.bank.questions[0]
    assert q.type == "single" and ("Đề xuất -> thảo luận -> biểu quyết", True) in [
        (c["text"], c["correct"]) for c in q.spec["choices"]]


def test_unmarked_first_answer_is_reported_not_dropped(world):
    """Is an answer written without '=' or '~' before it reported (the question skipped), not silently dropped?"""
    result = _read_text("::a:: Một? {Hà Nội ~Huế ~Đà Nẵng}\n\n::b:: Hai? {=Có ~Không}")
    assert [q.key for q in result.bank.questions] == ["b"]
    assert "“Hà Nội” thiếu dấu = (đúng) hoặc ~ (sai)" in result.skipped[0].message


def test_multiline_aiken_question_text_is_whole(world):
    """Is an Aiken question written over several lines read in full?"""
    result = _read_text("Nghị quyết Trung ương 4\nkhóa XIII bàn về vấn đề gì?\nA. Kinh tế\nB. Xây dựng Đảng\n"
                        "ANSWER: B\n", "aiken.txt")
    assert result.format == "aiken"
    assert result.bank.questions[0].text == "Nghị quyết Trung ương 4 khóa XIII bàn về vấn đề gì?"


def test_one_bad_question_does_not_reject_the_file(world):
    """Is a question the validator refuses skipped with its reason while the others are kept?"""
    long_text = "x" * 6000
    result = _read_text(f"::ok:: Một? {{=Có ~Không}}\n\n::dai:: {long_text} {{=Có ~Không}}")
    assert [q.key for q in result.bank.questions] == ["ok"] and result.errors == []
    assert "dài quá 5000 ký tự" in result.skipped[0].message and result.skipped[0].line == 3


def test_partial_and_negative_weights_are_noted_per_question(world):
    """Are Moodle weights that cannot be kept noted on the question they belong to?"""
    bank_result = banks.read_file(FIX / "moodle_tests_fixtures_questions.gift.txt", "q.gift.txt", source=SOURCE)
    notes = {n.question: n.message for n in bank_result.notes}
    assert "“red” -100%" in notes["colours"] and "“yellow” 50%" in notes["colours"]
    assert "“Cat” 50%" in notes["shortanswer"]
    assert "q2" not in notes


def test_removed_media_is_noted(world):
    """Is a picture or link removed from a question noted on that question?"""
    result = _read_text('::img:: [html]Xem ảnh <img src="@@PLUGINFILE@@/a.png"> rồi chọn {=Có ~Không}')
    assert result.bank.questions[0].text == "Xem ảnh rồi chọn"
    assert "đã bỏ hình ảnh" in result.notes[0].message and result.notes[0].question == "img"
