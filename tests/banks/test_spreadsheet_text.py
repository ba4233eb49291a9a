"""Does the Excel template round-trip, and does pasted text in the 'Câu 1: … A. …' convention import?"""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from quizapp.services import banks
from quizapp.services.bank_formats import spreadsheet

SOURCE = ("Nghị quyết 04-NQ/TW", "Toàn văn")


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(spreadsheet.HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_template_has_vietnamese_headers_and_its_samples_import(world):
    """Is the downloadable template read back as one question of each type, with automatic codes?"""
    data = spreadsheet.template_workbook()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Mã câu", "Chủ đề", "Loại", "Câu hỏi", "Đáp án A", "Đáp án B",
                                           "Đáp án C", "Đáp án D", "Đáp án E", "Đáp án F", "Đáp án đúng", "Điểm",
                                           "Giải thích", "Nguồn"]
    result = banks.read_file(data, "mau.xlsx", source=SOURCE)
    assert result.format == "xlsx" and result.errors == [] and result.skipped == []
    qs = result.bank.questions
    assert [q.type for q in qs] == ["single", "multiple", "true_false", "short_text", "essay"]
    assert [q.key for q in qs] == ["cau-001", "cau-002", "cau-003", "cau-004", "cau-005"]
    assert [c["correct"] for c in qs[0].spec["choices"]] == [False, True, False, False]
    assert (qs[0].source_document, qs[0].source_section) == (SOURCE[0], "Mục III")
    assert qs[3].spec["answers"] == ["2021", "năm 2021"] and qs[4].points == 5.0


def test_bank_written_as_template_reads_back_the_same(world):
    """Does a bank written in the template layout read back as the same questions?"""
    rows = [["nq-1", "Chủ đề A", "Một lựa chọn", "Câu một?", "x", "y", "z", "", "", "", "C", 2, "Vì z", ""],
            ["", "", "", "Câu hai?", "p", "q", "", "", "", "", "A; B", "", "", "NQ khác; Mục 9"],
            ["", "", "Đúng/Sai", "Câu ba?", "", "", "", "", "", "", "Sai", "", "", "Mục 3"]]
    first = banks.read_file(_xlsx(rows), "ds.xlsx", source=SOURCE)
    assert first.skipped == [] and [q.key for q in first.bank.questions] == ["nq-1", "cau-002", "cau-003"]
    assert first.bank.questions[1].type == "multiple"
    assert (first.bank.questions[1].source_document, first.bank.questions[1].source_section) == ("NQ khác", "Mục 9")
    again = banks.read_file(spreadsheet.write_bank([(q.key, q.content()) for q in first.bank.questions]), "lai.xlsx")
    assert again.errors == [] and [q.content() for q in again.bank.questions] == [
        q.content() for q in first.bank.questions]


def test_bad_rows_are_skipped_with_their_row_number(world):
    """Is each bad row reported by row number with the text it saw, the good rows kept?"""
    rows = [["", "", "", "Tốt?", "x", "y", "", "", "", "", "A", "", "", ""],
            ["", "", "", "Thiếu đáp án đúng?", "x", "y", "", "", "", "", "", "", "", ""],
            ["", "", "Loại lạ", "Loại sai?", "", "", "", "", "", "", "", "", "", ""],
            ["", "", "", "Chữ cái ngoài phương án?", "x", "y", "", "", "", "", "E", "", "", ""]]
    result = banks.read_file(_xlsx(rows), "ds.xlsx", source=SOURCE)
    assert [q.text for q in result.bank.questions] == ["Tốt?"]
    assert [(s.line, s.message.split(":")[0]) for s in result.skipped] == [(3, "Dòng 3"), (4, "Dòng 4"), (5, "Dòng 5")]
    assert "Thiếu đáp án đúng?" in result.skipped[0].message and "Loại lạ" in result.skipped[1].message


PASTED = """ĐỀ KIỂM TRA NGHỊ QUYẾT 04
Chủ đề 1: Quan điểm
Câu 1: Nghị quyết 04 bàn về vấn đề gì?
A. Kinh tế    B. Xây dựng Đảng
C. Quốc phòng\tD. Đối ngoại
Đáp án: B
Giải thích: Xem phần mở đầu.
Câu 2. Chọn các biểu hiện suy thoái
*A. Phai nhạt lý tưởng
B. Gương mẫu
*C. Nói không đi đôi với làm
Câu 3) Đảng viên phải học nghị quyết.
A. Đúng
B. Sai
Câu 4 (Tự luận): Liên hệ bản thân.
Câu 5: Thiếu đáp án
A. Một
B. Hai
ĐÁP ÁN
3-A
"""


def test_pasted_text_imports(world):
    """Does text pasted in the Word convention give every question, choice and key, reporting the unreadable one?"""
    result = banks.read_file(PASTED.encode(), "", source=SOURCE, title="Kiểm tra NQ 04")
    assert result.format == "text" and result.errors == []
    q1, q2, q3, q4 = result.bank.questions
    assert result.bank.slug == "kiem-tra-nq-04" and q1.topic == "Chủ đề 1: Quan điểm"
    assert [(c["text"], c["correct"]) for c in q1.spec["choices"]] == [
        ("Kinh tế", False), ("Xây dựng Đảng", True), ("Quốc phòng", False), ("Đối ngoại", False)]
    assert q1.explanation == "Xem phần mở đầu."
    assert q2.type == "multiple" and [c["correct"] for c in q2.spec["choices"]] == [True, False, True]
    assert (q3.type, q3.spec) == ("true_false", {"answer": True})
    assert (q4.type, q4.text) == ("essay", "Liên hệ bản thân.")
    assert len(result.skipped) == 1 and result.skipped[0].message.startswith("Câu 5: bỏ qua: không tìm thấy đáp án")
    imported = banks.import_bank(result.bank)
    assert imported.added == 4


def test_answer_word_alone_then_letters_on_the_next_line(world):
    """'Đáp án:' on its own line with the letter below is that question's key, not text of a choice."""
    text = "Câu 1: Một?\nA. x\nB. y\nĐáp án:\nB\nCâu 2: Hai?\nA. x\nB. y\nĐÁP ÁN\n2-A\n"
    result = banks.read_file(text.encode(), "", source=SOURCE, title="Thử")
    assert result.skipped == []
    assert [[c["correct"] for c in q.spec["choices"]] for q in result.bank.questions] == [[False, True], [True, False]]
    assert [c["text"] for c in result.bank.questions[0].spec["choices"]] == ["x", "y"]


def test_lettered_items_inside_the_question_are_text_when_choices_follow(world):
    """'a) …, b) …' items in the question followed by 'A. … B. …' choices: the items stay question text."""
    text = "Câu 1: Cho các ý sau:\na) Học tập\nb) Làm theo\nChọn đáp án đúng:\nA. Chỉ a\nB. Cả a và b\nĐáp án: B\n"
    result = banks.read_file(text.encode(), "", source=SOURCE, title="Thử")
    q = result.bank.questions[0]
    assert q.text == "Cho các ý sau: a) Học tập b) Làm theo Chọn đáp án đúng:"
    assert [(c["text"], c["correct"]) for c in q.spec["choices"]] == [("Chỉ a", False), ("Cả a và b", True)]


def test_old_office_and_pdf_files_get_advice(world):
    """Is an old .doc/.xls or a PDF refused with advice on what to upload instead (not a YAML error)?"""
    doc = banks.read_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "de.doc", source=SOURCE)
    assert doc.bank is None and ".docx" in doc.errors[0].message
    pdf = banks.read_file(b"%PDF-1.7\n%\xe2\xe3\n", "de.pdf", source=SOURCE)
    assert pdf.bank is None and "PDF" in pdf.errors[0].message


def test_essays_only_text_is_recognized(world):
    """Is text of essays only ('Câu 1 (Tự luận) …' without a colon) still read as the Word convention?"""
    text = "Câu 1 (Tự luận) Liên hệ bản thân.\nCâu 2 (Tự luận, 3 điểm) Liên hệ chi bộ.\n"
    result = banks.read_file(text.encode(), "", source=SOURCE, title="Tự luận")
    assert result.format == "text"
    assert [(q.type, q.text, q.points) for q in result.bank.questions] == [
        ("essay", "Liên hệ bản thân.", 1.0), ("essay", "Liên hệ chi bộ.", 3.0)]


def test_essay_section_heading_makes_essays(world):
    """Under 'PHẦN II. TỰ LUẬN', is a question without choices an essay (and outside it, reported)?"""
    text = ("PHẦN I. TRẮC NGHIỆM\nCâu 1: Một?\nA. x\nB. y\nĐáp án: A\nCâu 2: Không phương án?\n"
            "PHẦN II. TỰ LUẬN\nCâu 1 (3 điểm): Liên hệ bản thân.\n")
    result = banks.read_file(text.encode(), "", source=SOURCE, title="Đề")
    assert [(q.type, q.topic) for q in result.bank.questions] == [
        ("single", "PHẦN I. TRẮC NGHIỆM"), ("essay", "PHẦN II. TỰ LUẬN")]
    assert result.bank.questions[1].points == 3.0
    assert [q.key for q in result.bank.questions] == ["phan-i-cau-001", "phan-ii-cau-001"]
    assert result.notes == []
    assert [s.message.split(":")[0] for s in result.skipped] == ["Câu 2"]


def test_answer_list_with_repeated_numbers_is_not_guessed(world):
    """With 'Câu 1' in two parts, an end list '1-B' is not applied to either; a marked key still counts."""
    text = ("Phần I\nCâu 1: Một?\nA. x\nB. y\nPhần II\nCâu 1: Hai?\nA. x\n*B. y\nĐÁP ÁN\n1-B\n")
    result = banks.read_file(text.encode(), "", source=SOURCE, title="Đề")
    assert [q.key for q in result.bank.questions] == ["phan-ii-cau-001"]
    assert "xuất hiện nhiều lần" in result.skipped[0].message and result.skipped[0].message.startswith("Câu 1")
