"""The Excel (.xlsx) question template: one question per row, Vietnamese headers; write and read.

Columns: Mã câu (optional, automatic codes when empty), Chủ đề, Loại, Câu hỏi, Đáp án A…F,
Đáp án đúng, Điểm, Giải thích, Nguồn. Headers are matched without regard to case or diacritics.
"""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from quizapp.services.bank_formats.common import Draft, ReadOptions, ReadResult, build_bank, check_carried, check_zip, fold, skip
from quizapp.services.bank_formats.schema import BankError
from quizapp.vn import nfc

LETTERS = "ABCDEF"
HEADERS = ["Mã câu", "Chủ đề", "Loại", "Câu hỏi", *(f"Đáp án {x}" for x in LETTERS), "Đáp án đúng", "Điểm",
           "Giải thích", "Nguồn"]
TYPE_WORDS = {
    "single": "Một lựa chọn", "multiple": "Nhiều lựa chọn", "true_false": "Đúng/Sai",
    "short_text": "Trả lời ngắn", "essay": "Tự luận",
}
_TYPES = {fold(v): k for k, v in TYPE_WORDS.items()} | {k: k for k in TYPE_WORDS} | {
    "dung sai": "true_false", "dung/sai": "true_false", "mot dap an": "single", "nhieu dap an": "multiple",
    "trac nghiem": None, "": None}
MAX_ROWS = 20001
NOTES = [
    ("Mã câu", ("Không bắt buộc. Chữ thường không dấu, số, gạch ngang (ví dụ nq04-001). Để trống: hệ thống tự đánh "
               "mã theo số dòng. Nhập lại cùng tệp sẽ cập nhật câu theo mã.")),
    ("Chủ đề", "Không bắt buộc. Dùng để chọn câu theo chủ đề khi ra đề."),
    ("Loại", ("Một lựa chọn, Nhiều lựa chọn, Đúng/Sai, Trả lời ngắn hoặc Tự luận. Để trống: có phương án thì là "
             "một/nhiều lựa chọn theo số đáp án đúng; đáp án Đúng/Sai thì là câu đúng/sai.")),
    ("Câu hỏi", "Bắt buộc."),
    ("Đáp án A…F", "Các phương án, điền từ A trở đi, tối thiểu hai phương án cho câu lựa chọn."),
    ("Đáp án đúng", ("Chữ cái phương án đúng: B; nhiều đáp án: A, C. Câu đúng/sai: Đúng hoặc Sai. Câu trả lời "
                    "ngắn: các đáp án được chấp nhận, cách nhau bằng dấu chấm phẩy. Câu tự luận: để trống.")),
    ("Điểm", "Không bắt buộc (mặc định 1)."),
    ("Giải thích", "Không bắt buộc. Hiện cho người làm sau khi nộp bài (nếu bài kiểm tra cho xem)."),
    ("Nguồn", ("Mục, điều của văn bản nguồn; hoặc “Văn bản; Mục” để ghi cả văn bản. Để trống: dùng văn bản và "
              "mục nhập ở trang tải lên (hoặc --document, --section).")),
]


def template_workbook() -> bytes:
    """The question template: 'Câu hỏi' sheet with headers and one sample row per type, and 'Hướng dẫn'."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Câu hỏi"
    ws.append(HEADERS)
    ws.append(["", "Nhiệm vụ, giải pháp", "Một lựa chọn", "Nghị quyết đề ra mấy nhóm nhiệm vụ, giải pháp?",
               "Ba", "Bốn", "Năm", "Sáu", "", "", "B", 1, "Xem Mục III của Nghị quyết.", "Mục III"])
    ws.append(["", "Nhiệm vụ, giải pháp", "Nhiều lựa chọn", "Những nội dung nào thuộc nhóm giải pháp về tư tưởng?",
               "Tăng cường giáo dục chính trị", "Mở rộng sản xuất", "Nêu gương của cán bộ, đảng viên", "", "", "",
               "A, C", 1, "", "Mục III.1"])
    ws.append(["", "Quan điểm", "Đúng/Sai", "Nghị quyết áp dụng cho mọi tổ chức đảng.", "", "", "", "", "", "",
               "Đúng", 1, "", "Mục I"])
    ws.append(["", "Quan điểm", "Trả lời ngắn", "Nghị quyết được ban hành năm nào?", "", "", "", "", "", "",
               "2021; năm 2021", 1, "", "Phần mở đầu"])
    ws.append(["", "Liên hệ bản thân", "Tự luận", "Đồng chí hãy liên hệ việc thực hiện Nghị quyết ở chi bộ mình.",
               "", "", "", "", "", "", "", 5, "", "Mục IV"])
    bold = Font(bold=True)
    for idx, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="FDE7E8")
        ws.column_dimensions[get_column_letter(idx)].width = 48 if header == "Câu hỏi" else max(12, len(header) + 4)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("Hướng dẫn")
    notes.append(["Cột", "Cách điền"])
    for row in NOTES:
        notes.append(list(row))
    notes["A1"].font = bold
    notes["B1"].font = bold
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 100
    for row in notes.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_bank(questions: list[tuple[str, dict]]) -> bytes:
    """A bank's questions in the template layout (so a bank can be edited in Excel and uploaded again)."""
    check_carried(questions, TYPE_WORDS, "Excel")
    wb = Workbook()
    ws = wb.active
    ws.title = "Câu hỏi"
    ws.append(HEADERS)
    for key, c in questions:
        spec = c.get("spec") or {}
        choices = [ch["text"] for ch in spec.get("choices", [])][:6]
        if c["type"] in ("single", "multiple"):
            right = ", ".join(LETTERS[i] for i, ch in enumerate(spec["choices"][:6]) if ch.get("correct"))
        elif c["type"] == "true_false":
            right = "Đúng" if spec.get("answer") else "Sai"
        elif c["type"] == "short_text":
            right = "; ".join(spec.get("answers", []))
        else:
            right = ""
        points = float(c.get("points") or 1)
        ws.append([key, c.get("topic") or "", TYPE_WORDS[c["type"]], c["text"], *choices, *[""] * (6 - len(choices)),
                   right, int(points) if points.is_integer() else points, c.get("explanation") or "",
                   f"{c.get('source_document') or ''}; {c.get('source_section') or ''}"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _column_map(header: list) -> dict[str, int]:
    wanted = {fold(h): h for h in HEADERS}
    found = {}
    for i, cell in enumerate(header):
        name = wanted.get(fold(str(cell or "")))
        if name and name not in found:
            found[name] = i
    return found


def _cell(row: tuple, cols: dict, name: str) -> str:
    i = cols.get(name)
    if i is None or i >= len(row) or row[i] is None:
        return ""
    value = row[i]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _row(row: tuple, cols: dict, number: int) -> tuple[Draft | None, str | None]:
    text = _cell(row, cols, "Câu hỏi")
    choices = [_cell(row, cols, f"Đáp án {x}") for x in LETTERS]
    while choices and not choices[-1]:
        choices.pop()
    if "" in choices:
        return None, f"phương án {LETTERS[choices.index('')]} để trống giữa các phương án"
    kind_raw = _cell(row, cols, "Loại")
    if fold(kind_raw) not in _TYPES:
        return None, f"loại câu “{kind_raw}” không rõ (chỉ nhận: {', '.join(TYPE_WORDS.values())})"
    kind = _TYPES[fold(kind_raw)]
    right = _cell(row, cols, "Đáp án đúng")
    fields: dict = {"text": text}
    for name, key in (("Chủ đề", "topic"), ("Giải thích", "explanation")):
        if _cell(row, cols, name):
            fields[key] = _cell(row, cols, name)
    points = _cell(row, cols, "Điểm")
    if points:
        try:
            fields["points"] = float(points.replace(",", "."))
        except ValueError:
            return None, f"điểm “{points}” không phải là số"
    source = _cell(row, cols, "Nguồn")
    if source:
        doc, sep, sec = source.partition(";")
        if sep and nfc(doc) and nfc(sec):
            fields["source"] = {"document": nfc(doc), "section": nfc(sec)}
        elif not sep:
            fields["_section"] = source
    letters = [p.strip().upper() for p in right.replace(";", ",").split(",") if p.strip()]
    if kind is None:
        if choices:
            kind = "single" if len(letters) == 1 else "multiple"
        elif fold(right) in ("dung", "sai"):
            kind = "true_false"
        else:
            return None, "không rõ loại câu: hãy điền cột Loại"
    if kind in ("single", "multiple"):
        if len(choices) < 2:
            return None, "câu lựa chọn cần ít nhất hai phương án (Đáp án A, Đáp án B)"
        bad = [x for x in letters if len(x) != 1 or x not in LETTERS[:len(choices)]]
        if not letters or bad:
            return None, f"cột Đáp án đúng “{right}” phải là chữ cái của phương án đã điền (A…{LETTERS[len(choices) - 1]})"
        fields.update(type=kind, choices=[{"text": t, "correct": LETTERS[i] in letters} for i, t in enumerate(choices)])
    elif kind == "true_false":
        if fold(right) not in ("dung", "sai"):
            return None, "câu đúng/sai cần cột Đáp án đúng là “Đúng” hoặc “Sai”"
        fields.update(type="true_false", answer=fold(right) == "dung")
    elif kind == "short_text":
        fields.update(type="short_text", answers=[nfc(a) for a in right.split(";") if nfc(a)])
    else:
        fields["type"] = "essay"
    return Draft(label=f"Dòng {number}", fields=fields, line=number, key=_cell(row, cols, "Mã câu")), None


def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """The template workbook -> questions; a bad row is skipped with its row number and reason."""
    problems = check_zip(data, filename, "Excel (.xlsx)")
    if problems:
        return ReadResult("xlsx", None, problems)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for broken packages; all mean "unreadable"
        return ReadResult("xlsx", None, [BankError(
            "không đọc được tệp Excel; hãy mở bằng Excel, lưu lại dạng .xlsx rồi thử lại", None, None, filename)])
    drafts, skipped = [], []
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a stale <dimension> would silently cut the rows short (read-only mode)
        rows = ws.iter_rows(values_only=True, max_col=40)
        cols = _column_map(list(next(rows, ()) or ()))
        if "Câu hỏi" not in cols:
            return ReadResult("xlsx", None, [BankError(
                "dòng 1 phải là tiêu đề cột theo tệp mẫu (cần ít nhất cột “Câu hỏi”)", 1, None, filename)])
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS:
                return ReadResult("xlsx", None, [BankError(f"quá nhiều dòng; tối đa {MAX_ROWS - 1} câu hỏi",
                                                           None, None, filename)])
            if not any(v not in (None, "") for v in row):
                continue
            draft, why = _row(row, cols, number)
            if draft is None:
                skipped.append(skip(f"Dòng {number}", why, _cell(row, cols, "Câu hỏi"), number, filename))
                continue
            section = draft.fields.pop("_section", None)
            if section and nfc(options.source_document):
                draft.fields["source"] = {"document": nfc(options.source_document), "section": section}
            drafts.append(draft)
    except Exception:  # a cell openpyxl cannot read
        return ReadResult("xlsx", None, [BankError("không đọc được nội dung tệp Excel; hãy lưu lại theo mẫu",
                                                   None, None, filename)])
    finally:
        wb.close()
    return build_bank("xlsx", drafts, skipped, filename, options, prefix="cau")
