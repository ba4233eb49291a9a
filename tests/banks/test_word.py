"""Are Word files written the way cadres write them read question by question, choice by choice, key by key?"""
from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.dml import MSO_THEME_COLOR
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import RGBColor

from quizapp.services import banks

SOURCE = ("Nghị quyết 04-NQ/TW", "Toàn văn")


def _docx(*paragraphs, table=None, heading: str | None = None) -> bytes:
    """Paragraphs as strings or lists of (text, mark) runs; mark: u, b, red, blue, hl or None."""
    doc = Document()
    if heading:
        doc.add_heading(heading, level=2)
    for para in paragraphs:
        if para == "TABLE":
            t = doc.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    t.cell(r, c).text = value
            continue
        if isinstance(para, tuple) and para[0] == "HEADING":
            doc.add_heading(para[1], level=1)
            continue
        p = doc.add_paragraph()
        for text, mark in ([(para, None)] if isinstance(para, str) else para):
            run = p.add_run(text)
            if mark == "u":
                run.font.underline = True
            elif mark == "b":
                run.font.bold = True
            elif mark == "red":
                run.font.color.rgb = RGBColor(0xFF, 0, 0)
            elif mark == "blue":
                run.font.color.rgb = RGBColor(0, 0x70, 0xC0)
            elif mark == "hl":
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            elif mark == "theme":
                run.font.color.theme_color = MSO_THEME_COLOR.ACCENT_2
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _read(data: bytes, name: str = "de-thi.docx"):
    return banks.read_file(data, name, source=SOURCE)


def _choices(q) -> list[tuple[str, bool]]:
    return [(c["text"], c["correct"]) for c in q.spec["choices"]]


def test_cau_colon_choices_per_line_key_underlined(world):
    """'Câu 1:' with one choice per line and the right one underlined: every question, choice and key."""
    data = _docx("ĐỀ KIỂM TRA HỌC TẬP NGHỊ QUYẾT",
                 "Câu 1: Nghị quyết 04 bàn về vấn đề gì?",
                 "A. Phát triển kinh tế", [("B. ", None), ("Xây dựng, chỉnh đốn Đảng", "u")],
                 "C. Quốc phòng", "D. Đối ngoại",
                 "Câu 2: Chọn các biểu hiện suy thoái về tư tưởng chính trị.",
                 [("A. Phai nhạt lý tưởng", "u")], "B. Chăm chỉ học tập", [("C. Nói không đi đôi với làm", "u")])
    result = _read(data)
    assert result.format == "docx" and result.errors == [] and result.skipped == []
    q1, q2 = result.bank.questions
    assert (q1.key, q1.type, q1.text) == ("cau-001", "single", "Nghị quyết 04 bàn về vấn đề gì?")
    assert _choices(q1) == [("Phát triển kinh tế", False), ("Xây dựng, chỉnh đốn Đảng", True),
                            ("Quốc phòng", False), ("Đối ngoại", False)]
    assert q2.type == "multiple"
    assert _choices(q2) == [("Phai nhạt lý tưởng", True), ("Chăm chỉ học tập", False),
                            ("Nói không đi đôi với làm", True)]
    assert (q1.source_document, q1.source_section) == SOURCE


def test_several_choices_on_one_line_key_bold(world):
    """'Câu 1.' with choices on one line separated by tabs and spaces, the right one in bold."""
    data = _docx("Câu 1. Đại hội XIII của Đảng họp năm nào?",
                 [("A. 2016\t", None), ("B. 2021", "b"), ("\tC. 2011   D. 2026", None)],
                 "Câu 2. Cơ quan lãnh đạo cao nhất của Đảng là?",
                 [("A. Đại hội đại biểu toàn quốc", "b"), ("    B. Bộ Chính trị", None)])
    result = _read(data)
    assert result.skipped == []
    q1, q2 = result.bank.questions
    assert _choices(q1) == [("2016", False), ("2021", True), ("2011", False), ("2026", False)]
    assert _choices(q2) == [("Đại hội đại biểu toàn quốc", True), ("Bộ Chính trị", False)]


@pytest.mark.parametrize("mark", ["red", "blue", "theme", "hl"])
def test_numbered_lowercase_choices_key_coloured_or_highlighted(world, mark):
    """'1.' numbering, 'a)' choices, the right one in a colour or highlighted."""
    data = _docx("1. Chi bộ sinh hoạt thường kỳ mấy lần một tháng?",
                 "a) Hai lần", [("b) Một lần", mark)], "c) Ba lần",
                 "2. Đảng viên dự bị có quyền biểu quyết không?",
                 [("a) Có", None), ("\tb) Không", mark)])
    result = _read(data)
    assert result.skipped == [] and [q.key for q in result.bank.questions] == ["cau-001", "cau-002"]
    assert _choices(result.bank.questions[0]) == [("Hai lần", False), ("Một lần", True), ("Ba lần", False)]
    assert _choices(result.bank.questions[1]) == [("Có", False), ("Không", True)]


def test_answer_lines_true_false_explanation_and_topics(world):
    """'Đáp án: B' / 'Đáp án: A, C' lines, Đúng/Sai, 'Giải thích:'/'Hướng dẫn:', headings and 'Phần' lines as topics."""
    data = _docx(("HEADING", "Quan điểm chỉ đạo"),
                 "Câu 1: Nghị quyết được ban hành năm nào?", "A. 2020", "B. 2021", "C. 2022", "Đáp án: B",
                 "Giải thích: Nghị quyết ban hành ngày 25/10/2021.",
                 "Câu 2: Những nội dung nào là nhiệm vụ?", "A. Học tập", "B. Nghỉ ngơi", "C. Nêu gương",
                 "Đáp án: A, C",
                 "Phần II. Liên hệ thực tiễn",
                 "Câu 3: Đảng viên phải gương mẫu chấp hành nghị quyết.", "A. Đúng\tB. Sai", "Đáp án: A",
                 "Hướng dẫn: Điều lệ Đảng quy định.",
                 "Câu 4: Chi bộ được miễn học nghị quyết.", "Đáp án: Sai")
    result = _read(data)
    assert result.skipped == []
    q1, q2, q3, q4 = result.bank.questions
    assert q1.topic == q2.topic == "Quan điểm chỉ đạo" and q3.topic == q4.topic == "Phần II. Liên hệ thực tiễn"
    assert [c["correct"] for c in q1.spec["choices"]] == [False, True, False]
    assert q1.explanation == "Nghị quyết ban hành ngày 25/10/2021."
    assert q2.type == "multiple" and [c["correct"] for c in q2.spec["choices"]] == [True, False, True]
    assert (q3.type, q3.spec, q3.explanation) == ("true_false", {"answer": True}, "Điều lệ Đảng quy định.")
    assert (q4.type, q4.spec) == ("true_false", {"answer": False})


def test_answer_list_at_the_end(world):
    """An answer list at the end ('ĐÁP ÁN' then '1-B, 2-A, 3-A,C') gives the keys."""
    data = _docx("Câu 1: Một?", "A. x", "B. y", "Câu 2: Hai?", "A. x", "B. y",
                 "Câu 3: Ba?", "A. x", "B. y", "C. z", "BẢNG ĐÁP ÁN", "1-B, 2-A, 3-A,C")
    result = _read(data)
    assert result.skipped == [] and result.notes == []
    assert [[c["correct"] for c in q.spec["choices"]] for q in result.bank.questions] == [
        [False, True], [True, False], [True, False, True]]


@pytest.mark.parametrize("table", [
    [["Câu", "Đáp án", "Câu", "Đáp án"], ["1", "C", "2", "A"]],
    [["Câu", "1", "2"], ["Đáp án", "C", "A"]],
])
def test_answer_table_in_columns_or_rows(world, table):
    """A Word table with Câu/Đáp án columns (or rows) gives the keys."""
    data = _docx("Câu 1: Một?", "A. x", "B. y", "C. z", "Câu 2: Hai?", "A. x", "B. y", "TABLE", table=table)
    result = _read(data)
    assert result.skipped == []
    assert [[c["correct"] for c in q.spec["choices"]] for q in result.bank.questions] == [
        [False, False, True], [True, False]]


def test_essay_only_when_marked_and_unreadable_questions_reported(world):
    """'(Tự luận)' makes an essay; a question without choices or key, and conflicting keys, are reported by number."""
    data = _docx("Câu 1 (Tự luận, 5 điểm): Liên hệ bản thân.",
                 "Câu 2 (Tự luận) (5 điểm): Liên hệ chi bộ.",
                 "Câu 3: Thủ đô của Việt Nam?",
                 "Câu 4: Chọn một?", [("A. Một", "u")], [("B. Hai", "red")],
                 "Câu 5: Chọn hai?", [("A. Một", "u")], "B. Hai", "Đáp án: B",
                 "Câu 6: Không đánh dấu?", "A. Một", "B. Hai",
                 "Câu 7: Đúng đáp án?", "A. Một", [("B. Hai", "u")], "Đáp án: B")
    result = _read(data)
    by_key = {q.key: q for q in result.bank.questions}
    assert by_key["cau-001"].type == "essay" and by_key["cau-001"].points == 5.0
    assert by_key["cau-001"].text == "Liên hệ bản thân."
    assert by_key["cau-002"].type == "essay" and by_key["cau-002"].points == 5.0
    assert by_key["cau-002"].text == "Liên hệ chi bộ."
    assert _choices(by_key["cau-007"]) == [("Một", False), ("Hai", True)]
    skipped = [s.message for s in result.skipped]
    assert len(skipped) == 4, skipped
    assert skipped[0].startswith("Câu 3: bỏ qua: không có phương án nào") and "Thủ đô của Việt Nam?" in skipped[0]
    assert skipped[1].startswith("Câu 4: bỏ qua: các cách đánh dấu đáp án không khớp nhau")
    assert skipped[2].startswith("Câu 5: bỏ qua: các nguồn đáp án không khớp nhau")
    assert skipped[3].startswith("Câu 6: bỏ qua: không tìm thấy đáp án đúng")


def test_bold_letters_on_every_choice_are_style_not_key(world):
    """Every choice letter in bold is a style: the underlined choice is the key, nothing conflicts."""
    data = _docx("Câu 1: Chọn?", [("A.", "b"), (" Một", None)], [("B.", "b"), (" Hai", "u")],
                 [("C.", "b"), (" Ba", None)])
    result = _read(data)
    assert result.skipped == [] and _choices(result.bank.questions[0]) == [("Một", False), ("Hai", True),
                                                                         ("Ba", False)]


def test_word_file_imports_and_needs_a_source(world):
    """Does a Word file import straight into a bank, and is one without a source refused?"""
    data = _docx("Câu 1: Một?", "A. x", [("B. y", "u")])
    refused = banks.read_file(data, "de.docx")
    assert refused.bank is None and "nguồn" in refused.errors[0].message
    result = banks.import_bank(("de-thi-nq04.docx", data), source=SOURCE)
    assert result.added == 1 and result.slug == "de-thi-nq04"


def test_file_name_does_not_decide_the_format(world):
    """A Word file renamed .txt is still read as Word."""
    data = _docx("Câu 1: Một?", "A. x", [("B. y", "u")])
    assert _read(data, "tai-lieu.txt").format == "docx"


def test_cli_import_dry_run_then_import_and_template(runner, tmp_path, world):
    """`flask banks import` reads a Word file, lists what it skipped, imports only without --dry-run."""
    from sqlalchemy import func, select

    from quizapp.extensions import db
    from quizapp.models import Question

    path = tmp_path / "de-cli.docx"
    path.write_bytes(_docx("Câu 1: Một?", "A. x", [("B. y", "u")], "Câu 2: Hai?", "A. x", "B. y"))
    args = ["banks", "import", str(path), "--document", SOURCE[0], "--section", SOURCE[1]]
    result = runner.invoke(args=[*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "định dạng Word (.docx), đọc được 1 câu hỏi, bỏ qua 1" in result.output
    assert "Câu 2: bỏ qua: không tìm thấy đáp án đúng" in result.output
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "Đã tạo ngân hàng 'de-cli'" in result.output
    assert db.session.scalar(select(func.count()).select_from(Question)) == 1
    refused = runner.invoke(args=["banks", "import", str(path)])
    assert refused.exit_code == 1 and "không ghi nguồn văn bản" in refused.output
    out = tmp_path / "mau.xlsx"
    assert runner.invoke(args=["banks", "template", str(out)]).exit_code == 0
    assert banks.read_file(out, source=SOURCE).bank is not None


def _numbered_docx() -> bytes:
    """Questions numbered by Word itself ('Câu %1:' level 0) and choices lettered by Word ('%2.' level 1)."""
    from docx.oxml import parse_xml

    doc = Document()
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = doc.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {ns} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Câu %1:"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {ns} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for text, level, mark in [("Nghị quyết 04 bàn về gì?", 0, None), ("Kinh tế", 1, None),
                              ("Xây dựng Đảng", 1, "u"), ("Đối ngoại", 1, None),
                              ("Ai lãnh đạo Nhà nước?", 0, None), ("Đảng Cộng sản Việt Nam", 1, "b"),
                              ("Quốc hội", 1, None)]:
        p = doc.add_paragraph()
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
        run = p.add_run(text)
        run.font.underline = mark == "u" or None
        run.font.bold = mark == "b" or None
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_word_automatic_numbering_is_read(world):
    """Are 'Câu 1:' and 'A.' produced by Word's automatic numbering read like typed ones?"""
    result = _read(_numbered_docx())
    assert result.skipped == []
    q1, q2 = result.bank.questions
    assert (q1.key, q1.text) == ("cau-001", "Nghị quyết 04 bàn về gì?")
    assert _choices(q1) == [("Kinh tế", False), ("Xây dựng Đảng", True), ("Đối ngoại", False)]
    assert q2.key == "cau-002" and _choices(q2) == [("Đảng Cộng sản Việt Nam", True), ("Quốc hội", False)]


def test_picture_in_a_question_is_noted(world):
    """Is a question whose paragraph holds a picture imported with a note that the picture is not?"""
    from docx.oxml import parse_xml

    doc = Document()
    doc.add_paragraph("Câu 1: Đây là trụ sở nào?")
    pic = doc.add_paragraph()
    pic._p.append(parse_xml('<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                            '<w:drawing/></w:r>'))
    doc.add_paragraph("A. Trụ sở Tỉnh ủy")
    doc.add_paragraph("B. Trụ sở UBND")
    doc.add_paragraph("Đáp án: A")
    doc.add_paragraph("Câu 2: Không hình?")
    doc.add_paragraph("A. x\tB. y")
    doc.add_paragraph("Đáp án: B")
    buf = io.BytesIO()
    doc.save(buf)
    result = _read(buf.getvalue())
    assert [q.key for q in result.bank.questions] == ["cau-001", "cau-002"]
    assert [(n.question, n.message.startswith("Câu 1: có hình ảnh")) for n in result.notes] == [("cau-001", True)]


@pytest.mark.parametrize("kind", ["docx", "xlsx", "xml", "text", "aiken"])
def test_cli_convert_reads_every_format_whatever_the_name(runner, tmp_path, world, kind):
    """Does `flask banks convert` read each format by content (all saved as .dat) into YAML that imports?"""
    from quizapp.services.bank_formats import moodle_xml, spreadsheet

    data = {
        "docx": lambda: _docx("Câu 1: Một?", "A. x", [("B. y", "u")]),
        "xlsx": spreadsheet.template_workbook,
        "xml": lambda: moodle_xml.dump([("q1", {"type": "true_false", "text": "Đúng không?", "spec": {"answer": True},
                                                "points": 1, "source_document": "A", "source_section": "B"})]),
        "text": lambda: "Câu 1: Một?\nA. x\nB. y\nĐáp án: B\n".encode(),
        "aiken": lambda: b"Mot?\nA) x\nB) y\nANSWER: B\n",
    }[kind]()
    path, out = tmp_path / "cau-hoi.dat", tmp_path / "out.yaml"
    path.write_bytes(data)
    result = runner.invoke(args=["banks", "convert", str(path), "--document", SOURCE[0], "--section", SOURCE[1],
                                 "--title", "Chuyển đổi", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert banks.validate_file(str(out)) == []
    assert banks.import_bank(str(out)).slug == "chuyen-doi"
