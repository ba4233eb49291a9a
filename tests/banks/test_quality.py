"""Quality help while writing: each rule warns on the bad case and stays quiet on the fair one."""
from __future__ import annotations

from quizapp.services import bank_quality as qa


def _choice(key, text, choices, qtype="single"):
    return {"key": key, "type": qtype, "text": text,
            "spec": {"choices": [{"id": chr(97 + i), "text": t, "correct": ok} for i, (t, ok) in enumerate(choices)]}}


def _short(key, text, answers):
    return {"key": key, "type": "short_text", "text": text, "spec": {"answers": answers, "match_diacritics": True}}


def _rules(warnings):
    return [w.rule for w in warnings]


def test_long_key_warns_when_the_right_choice_is_much_longer():
    """Is a correct choice 1.5x and 20+ characters longer than every distractor flagged?"""
    q = _choice("a-1", "Nhiệm vụ trọng tâm là gì?", [
        ("Xây dựng, chỉnh đốn Đảng và hệ thống chính trị trong sạch, vững mạnh toàn diện", True),
        ("Phát triển kinh tế", False), ("Mở rộng đối ngoại", False)])
    assert _rules(qa.long_key(q)) == ["long_key"]


def test_long_key_quiet_when_lengths_are_close():
    """Are choices of comparable length left alone (ratio or margin not met)?"""
    q = _choice("a-2", "Chọn đáp án đúng", [("Phát triển kinh tế nhanh, bền vững", True),
                                            ("Mở rộng quan hệ đối ngoại", False), ("Giữ vững quốc phòng", False)])
    assert qa.long_key(q) == []
    # 1.5x longer but only 12 characters more: short choices are not flagged
    q2 = _choice("a-3", "?", [("Tự phê bình và phê", True), ("Kỷ luật", False)])
    assert qa.long_key(q2) == []


def test_give_away_finds_a_key_phrase_in_another_question_folded():
    """Does a 4-content-word phrase of one key, typed without accents elsewhere, flag both questions?"""
    a = _choice("g-1", "Đâu là biểu hiện suy thoái?", [("Phai nhạt lý tưởng cách mạng", True), ("Chăm chỉ học tập", False)])
    b = _short("g-2", "Việc phai nhat ly tuong cach mang dẫn tới điều gì?", ["tự diễn biến"])
    found = qa.give_away([a, b])
    assert {(w.key, w.other) for w in found} == {("g-2", "g-1"), ("g-1", "g-2")}


def test_give_away_needs_four_consecutive_content_words():
    """Are three shared words, or words split by others, not enough?"""
    a = _choice("g-3", "Câu hỏi?", [("Phai nhạt lý tưởng cách mạng", True), ("Khác hẳn", False)])
    b = _short("g-4", "Lý tưởng của người cách mạng phai nhạt khi nào?", ["khi xa dân"])
    c = _short("g-5", "Phai nhạt lý tưởng là gì?", ["không rõ"])
    assert qa.give_away([a, b, c]) == []


def test_shape_warns_when_most_multi_selects_look_alike():
    """With 4 of 5 multi-selects being '2 right of 4', are those four flagged and the odd one not?"""
    two_of_four = [("A", True), ("B", True), ("C", False), ("D", False)]
    bank = [_choice(f"m-{i}", f"Câu {i}", two_of_four, "multiple") for i in range(4)]
    odd = _choice("m-9", "Câu lẻ", [("A", True), ("B", False), ("C", False)], "multiple")
    report = qa.bank_report(bank + [odd])
    assert sorted(k for k, ws in report.items() if "shape" in _rules(ws)) == ["m-0", "m-1", "m-2", "m-3"]
    assert "m-9" not in report


def test_shape_quiet_when_varied_or_too_few():
    """Are varied shapes, or fewer than four multi-selects, left alone?"""
    varied = [_choice(f"v-{i}", "?", [("A", True)] * 1 + [("B", i % 2 == 0), ("C", False), (f"D{i}", i > 1)], "multiple")
              for i in range(4)]
    assert qa.common_shape(varied) is None
    few = [_choice(f"f-{i}", "?", [("A", True), ("B", True), ("C", False)], "multiple") for i in range(3)]
    assert qa.common_shape(few) is None


def test_quotes_warns_when_prompt_has_quotes_the_answers_lack():
    """Is a short-text prompt with “…” and answers without quote marks flagged, and not the reverse?"""
    assert _rules(qa.quotes(_short("s-1", "Điền vào chỗ trống: “Đảng phải … thường xuyên”", ["tự đổi mới"]))) == ["quotes"]
    assert qa.quotes(_short("s-2", "Điền vào chỗ trống: “…”", ["“tự đổi mới”"])) == []
    assert qa.quotes(_short("s-3", "Đảng phải làm gì?", ["tự đổi mới"])) == []


def test_nested_warns_when_key_and_distractor_contain_each_other():
    """Is a correct choice inside a distractor (or the reverse) flagged, but not a shared word?"""
    inside = _choice("n-1", "?", [("Dân chủ", True), ("Dân chủ hình thức", False), ("Tập trung", False)])
    reverse = _choice("n-2", "?", [("Tập trung dân chủ", True), ("dân chủ", False)])
    fair = _choice("n-3", "?", [("Dân chủ trực tiếp", True), ("Chủ quyền quốc gia", False)])
    assert _rules(qa.nested(inside)) == ["nested"]
    assert _rules(qa.nested(reverse)) == ["nested"]
    assert qa.nested(fair) == []


def test_question_warnings_checks_one_question_against_its_bank():
    """Does question_warnings report the give-away for the question itself, naming the other one?"""
    other = _short("o-1", "Nghị quyết nêu nhiệm vụ kiên quyết đấu tranh ngăn chặn đẩy lùi gì?", ["suy thoái"])
    q = _choice("o-2", "Nhiệm vụ nào đúng?", [("Kiên quyết đấu tranh ngăn chặn đẩy lùi", True), ("Buông lỏng quản lý, kỷ luật đảng viên", False)])
    warnings = qa.question_warnings(q, [other])
    assert [(w.rule, w.other) for w in warnings] == [("give_away", "o-1")]


def test_give_away_ignores_the_banks_common_vocabulary():
    """Is a phrase that many questions use (the document's name) not treated as a give-away,
    nor a phrase the answering question's own text already shows?"""
    name = "Hội nghị Trung ương bốn khóa mười hai"
    a = _choice("c-1", "Văn bản nào?", [(f"{name} ban hành", True), ("Chỉ thị khác hẳn", False)])
    others = [_short(f"c-{i}", f"{name} câu thứ {i}?", ["đáp án"]) for i in range(2, 6)]
    assert qa.give_away([a, *others]) == []
    own = _choice("c-9", "Phai nhạt lý tưởng cách mạng là gì?", [("Phai nhạt lý tưởng cách mạng", True), ("Khác", False)])
    echo = _short("c-10", "Vì sao phai nhạt lý tưởng cách mạng?", ["không rõ"])
    assert qa.give_away([own, echo]) == []


def test_cli_quality_lists_warnings_of_a_file(runner, tmp_path):
    """Does `flask banks quality` print each warning with file and question code, and a count?"""
    from tests.banks.helpers import bank_yaml

    path = tmp_path / "nh.yaml"
    data = bank_yaml("cli", {"q-001": "Câu một?"}).decode().replace(
        '"Đúng là A"', '"Đúng là A và còn rất nhiều chữ nữa cho dài hẳn ra"')
    path.write_text(data, encoding="utf-8")
    result = runner.invoke(args=["banks", "quality", str(path)])
    assert result.exit_code == 0
    assert f"{path}: q-001: [long_key]" in result.output and f"{path}: 1/1 câu có gợi ý" in result.output
