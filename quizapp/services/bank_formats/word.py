"""Read a Word (.docx) file written in the "Câu 1: … A. … B. …" convention (see vn_text.py).

Each paragraph becomes lines whose characters carry the marks Word users put on a right answer:
underline ("u"), bold ("b"), a font colour other than black ("c"), a highlight ("h"). Paragraphs
styled as headings give topics; tables are either the answer table (Câu / Đáp án) or read cell by
cell. Word's automatic numbering ("Câu %1:", "%2." levels) is turned back into the text it shows.
The zip is checked (size, members, no DOCTYPE) before python-docx opens it.
"""
from __future__ import annotations

import io

from quizapp.services.bank_formats.common import ReadOptions, ReadResult, check_zip
from quizapp.services.bank_formats.schema import BankError
from quizapp.services.bank_formats.vn_text import Line, Table, parse_items

_BLACKISH = 0x40


def _colour(run) -> bool:
    """A font colour other than black: a theme colour (the theme wins over the stored RGB) or an RGB value."""
    color = run.font.color
    if color is None or color.type is None:
        return False
    theme = str(getattr(color, "theme_color", None) or "")
    if theme:
        return not any(t in theme for t in ("TEXT_1", "DARK_1", "TEXT1", "DARK1"))
    try:
        rgb = color.rgb
    except (ValueError, AttributeError):
        return False
    return rgb is not None and max(rgb[0], rgb[1], rgb[2]) >= _BLACKISH


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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        text = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return text if fmt == "upperLetter" else text.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        out = ""
        for value, letters in _ROMAN:
            while n >= value:
                out, n = out + letters, n - value
        return out if fmt == "upperRoman" else out.lower()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Word's automatic numbering ("Câu 1.", "A." typed by Word, not by the user) turned back into text."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(f"{_W}abstractNumId"): a for a in root.findall(f"{_W}abstractNum")}
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            base = abstract.get(ref.get(f"{_W}val")) if ref is not None else None
            if base is None:
                continue
            for lvl in base.findall(f"{_W}lvl"):
                fmt, text, start = lvl.find(f"{_W}numFmt"), lvl.find(f"{_W}lvlText"), lvl.find(f"{_W}start")
                self.levels[(num.get(f"{_W}numId"), int(lvl.get(f"{_W}ilvl", "0")))] = (
                    fmt.get(f"{_W}val") if fmt is not None else "decimal",
                    text.get(f"{_W}val") if text is not None else "",
                    int(start.get(f"{_W}val")) if start is not None else 1)

    def prefix(self, paragraph) -> str:
        """The number Word shows before this paragraph ('Câu 3.', 'B.'), or ''."""
        num_pr = None
        for holder in (paragraph._p.pPr, getattr(paragraph.style, "element", None)):
            pr = holder if holder is None or holder.tag == f"{_W}pPr" else holder.find(f"{_W}pPr")
            if pr is not None and pr.find(f"{_W}numPr") is not None:
                num_pr = pr.find(f"{_W}numPr")
                break
        if num_pr is None:
            return ""
        num_el, lvl_el = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
        num_id = num_el.get(f"{_W}val") if num_el is not None else None
        ilvl = int(lvl_el.get(f"{_W}val")) if lvl_el is not None else 0
        if (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        fmt, text, start = self.levels[(num_id, ilvl)]
        if fmt in ("bullet", "none"):
            return ""
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        for level in range(ilvl + 1):
            lf, _t, ls = self.levels.get((num_id, level), ("decimal", "", 1))
            text = text.replace(f"%{level + 1}", _format_number(counters.get(level, ls), lf))
        return f"{text} " if text.strip() else ""


def _lines(paragraph, counter: list[int], numbering: _Numbering | None = None) -> list[Line]:
    """A paragraph as lines (split at manual line breaks), each character with its marks."""
    prefix = numbering.prefix(paragraph) if numbering is not None else ""
    chars: list[str] = list(prefix)
    marks: list[frozenset] = [frozenset()] * len(prefix)
    for run in _runs(paragraph):
        text = run.text or ""
        m = _marks(run)
        chars.extend(text)
        marks.extend([m] * len(text))
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = style.lower().startswith(("heading", "title")) or style.startswith("Tiêu đề")
    media = bool(paragraph._p.xpath(".//w:drawing | .//w:pict | .//w:object"))
    out, start = [], 0
    text = "".join(chars)
    for piece in text.split("\n"):
        counter[0] += 1
        out.append(Line(text=piece, marks=marks[start:start + len(piece)], heading=heading, media=media))
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
        numbering = _Numbering(document)
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                items.extend(_lines(block, counter, numbering))
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
