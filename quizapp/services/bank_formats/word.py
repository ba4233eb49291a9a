"""Read a Word (.docx) file written in the "Câu 1: … A. … B. …" convention (see vn_text.py).

Each paragraph becomes lines whose characters carry the marks Word users put on a right answer:
underline ("u"), bold ("b"), a font colour other than black ("c"), a highlight ("h"). Paragraphs
styled as headings give topics; tables are either the answer table (Câu / Đáp án) or read cell by
cell. The zip is checked (size, members, no DOCTYPE) before python-docx opens it.
"""
from __future__ import annotations

import io

from quizapp.services.bank_formats.common import ReadOptions, ReadResult, check_zip
from quizapp.services.bank_formats.schema import BankError
from quizapp.services.bank_formats.vn_text import Line, Table, parse_items

_BLACKISH = 0x40


def _colour(run) -> bool:
    color = run.font.color
    if color is None or color.type is None:
        return False
    try:
        rgb = color.rgb
    except (ValueError, AttributeError):
        rgb = None
    if rgb is not None:
        r, g, b = rgb[0], rgb[1], rgb[2]
        return max(r, g, b) >= _BLACKISH
    theme = str(getattr(color, "theme_color", "") or "")
    return bool(theme) and not any(t in theme for t in ("TEXT_1", "DARK_1", "TEXT1", "DARK1"))


def _marks(run) -> frozenset:
    marks = set()
    font = run.font
    if font.underline not in (None, False) and str(font.underline) not in ("NONE", "WD_UNDERLINE.NONE (0)"):
        marks.add("u")
    if font.bold:
        marks.add("b")
    if _colour(run):
        marks.add("c")
    if font.highlight_color not in (None, 0) and "NONE" not in str(font.highlight_color):
        marks.add("h")
    return frozenset(marks)


def _runs(paragraph):
    for part in paragraph.iter_inner_content():
        if hasattr(part, "runs") and not hasattr(part, "font"):  # a hyperlink holds runs
            yield from part.runs
        else:
            yield part


def _lines(paragraph, counter: list[int]) -> list[Line]:
    """A paragraph as lines (split at manual line breaks), each character with its marks."""
    chars: list[str] = []
    marks: list[frozenset] = []
    for run in _runs(paragraph):
        text = run.text or ""
        m = _marks(run)
        chars.extend(text)
        marks.extend([m] * len(text))
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = style.lower().startswith(("heading", "title")) or style.startswith("Tiêu đề")
    out, start = [], 0
    text = "".join(chars)
    for piece in text.split("\n"):
        counter[0] += 1
        out.append(Line(text=piece, marks=marks[start:start + len(piece)], heading=heading))
        start += len(piece) + 1
    return out


def read_docx(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """A .docx in the Word convention -> questions, with every unreadable one skipped by number."""
    problems = check_zip(data, filename, "Word (.docx)")
    if problems:
        return ReadResult("docx", None, problems)
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        items: list = []
        counter = [0]
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                items.extend(_lines(block, counter))
            elif isinstance(block, DocxTable):
                rows, lines = [], []
                for row in block.rows:
                    cells = []
                    for cell in row.cells:
                        cells.append(cell.text)
                        for p in cell.paragraphs:
                            lines.extend(_lines(p, counter))
                    rows.append(cells)
                items.append(Table(rows=rows, lines=lines))
    except Exception:  # python-docx raises many types for broken packages; all mean "unreadable"
        return ReadResult("docx", None, [BankError(
            "không đọc được tệp Word; hãy mở bằng Word, lưu lại dạng .docx rồi thử lại", None, None, filename)])
    return parse_items(items, filename, options, "docx")
