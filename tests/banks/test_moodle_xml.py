"""Is Moodle XML read (supported types kept, the rest reported) and does export then import give the same questions?"""
from __future__ import annotations

from pathlib import Path

from quizapp.extensions import db
from quizapp.models import Bank
from quizapp.services import banks
from quizapp.services.bank_formats import moodle_xml
from tests.banks.helpers import bank_yaml

FIX = Path(__file__).resolve().parent / "fixtures"
SOURCE = ("Nghị quyết 04-NQ/TW", "Toàn văn")


def test_moodle_xml_types_topics_notes_and_skips(world):
    """Are multichoice, truefalse, shortanswer and essay read with the category as topic, the rest reported?"""
    result = banks.read_file(FIX / "moodle_export.xml", "export.xml", source=SOURCE)
    assert result.format == "moodle_xml" and result.errors == []
    by_key = {q.key: q for q in result.bank.questions}
    one = by_key["cau-hoi-1"]
    assert (one.type, one.text, one.points, one.topic) == ("single", "Nghị quyết 04 bàn về vấn đề gì?", 2.0,
                                                          "Nghị quyết 04")
    assert one.explanation == "Xem phần mở đầu."
    assert sorted((c["text"], c["correct"]) for c in one.spec["choices"]) == [
        ("Kinh tế", False), ("Xây dựng, chỉnh đốn Đảng", True), ("Đối ngoại", False)]
    many = by_key["nhieu-lua-chon"]
    assert many.type == "multiple" and sorted(c["text"] for c in many.spec["choices"] if c["correct"]) == [
        "Nói không đi đôi với làm", "Phai nhạt lý tưởng"]
    assert by_key["dung-sai"].spec == {"answer": True}
    assert by_key["nam-ban-hanh"].spec["answers"] == ["2021"]
    assert by_key["lien-he"].type == "essay"
    notes = {(n.question, n.message.split(": ", 1)[1][:20]) for n in result.notes}
    assert ("nhieu-lua-chon", "trọng số Moodle “Pha") in notes
    assert any(n.question == "nhieu-lua-chon" and "đã bỏ hình ảnh" in n.message for n in result.notes)
    assert any(n.question == "nam-ban-hanh" and "“năm 21” 50%" in n.message for n in result.notes)
    assert [s.message for s in result.skipped] == [
        "Câu thứ 6 “Ghep doi”: bỏ qua: loại câu ghép đôi (matching) không được hỗ trợ",
        "Câu thứ 7 “So”: bỏ qua: loại câu dạng số (numerical) không được hỗ trợ",
        "Câu thứ 8 “Mo ta”: bỏ qua: loại câu mô tả (không có câu trả lời) không được hỗ trợ"]


def test_export_then_import_gives_the_same_questions(world, runner, tmp_path):
    """Export a bank as Moodle XML, read it back: same keys, types, texts, choices, keys, topics, sources?"""
    yaml_text = bank_yaml("nq04").decode() + """  - id: tu-luan
    type: essay
    topic: "Liên hệ"
    difficulty: hard
    points: 4
    text: "Liên hệ bản thân"
    rubric: [{criterion: "Nêu đúng", points: 3}, {criterion: "Liên hệ", points: 1}]
    source: {document: "Nghị quyết 04-NQ/TW", section: "Mục 4"}
  - id: nam
    type: short_text
    text: "Năm ban hành?"
    answers: ["2021", "năm 2021"]
    match_diacritics: false
    explanation: "Ngày 25/10/2021"
    source: {document: "Nghị quyết 04-NQ/TW", section: "Mở đầu"}
  - id: dung-sai
    type: true_false
    text: "Đảng viên phải học"
    answer: false
    source: {document: "Nghị quyết 04-NQ/TW", section: "Mục 1"}
  - id: nhieu
    type: multiple
    text: "Chọn hai"
    choices: [{text: "Một", correct: true}, {text: "Hai"}, {text: "Ba", correct: true}]
    source: {document: "Nghị quyết 04-NQ/TW", section: "Mục 2"}
"""
    original, errors = banks.parse_file(yaml_text.encode(), "nq04.yaml")
    assert errors == []
    data = moodle_xml.dump([(q.key, q.content()) for q in original.questions])
    again = banks.read_file(data, "nq04.xml")  # no source given: the tags carry it
    assert again.errors == [] and again.skipped == [] and again.notes == []
    assert [q.key for q in again.bank.questions] == [q.key for q in original.questions]
    for a, b in zip(original.questions, again.bank.questions):
        ca, cb = a.content(), b.content()
        if a.type in ("single", "multiple"):
            ca["spec"] = sorted((c["text"], c["correct"]) for c in ca["spec"]["choices"])
            cb["spec"] = sorted((c["text"], c["correct"]) for c in cb["spec"]["choices"])
        assert ca == cb, a.key

    banks.import_bank(yaml_text.encode(), filename="nq04.yaml")
    out = tmp_path / "nq04.xml"
    result = runner.invoke(args=["banks", "export", "nq04", "--format", "moodle-xml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert banks.read_file(out).bank.questions[0].text == "Câu hỏi một?"


def test_web_export_as_moodle_xml(client, world, login_as):
    """Does the bank page offer the Moodle XML download?"""
    banks.import_bank(bank_yaml("xml-web"), filename="b.yaml")
    bank = db.session.query(Bank).filter_by(slug="xml-web").one()
    login_as(world.admin)
    resp = client.get(f"/manage/banks/{bank.id}/export.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert b"<quiz>" in resp.data and "Câu hỏi một?".encode() in resp.data


def test_xml_with_entities_or_doctype_is_refused(world):
    """Is an XML entity bomb or external entity refused before expansion, with a clear message?"""
    bomb = ('<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            '<quiz><question type="essay"><name><text>&b;</text></name></question></quiz>').encode()
    result = banks.read_file(bomb, "bomb.xml", source=SOURCE)
    assert result.bank is None and "DOCTYPE/ENTITY" in result.errors[0].message
    broken = banks.read_file(b"<?xml version='1.0'?><quiz><question>", "x.xml", source=SOURCE)
    assert broken.bank is None and "cú pháp" in broken.errors[0].message
