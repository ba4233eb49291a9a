"""Read a generated PDF back with positions: words (text, x0, x1, top, bottom, font, size), text
lines, rules and grid lines — what the document-format tests check against HD 36 and NĐ 30."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pdfplumber


@dataclass
class Line:
    """Words sharing a baseline (within 2 pt), left to right."""

    words: list[dict]

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    @property
    def x0(self) -> float:
        return min(w["x0"] for w in self.words)

    @property
    def x1(self) -> float:
        return max(w["x1"] for w in self.words)

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)


def open_pages(pdf: bytes) -> list:
    """pdfplumber pages of the document."""
    return list(pdfplumber.open(io.BytesIO(pdf)).pages)


def words(page) -> list[dict]:
    """Words with font name and size."""
    return page.extract_words(extra_attrs=["fontname", "size"], x_tolerance=1.5)


def text_lines(page, x_min: float = -1, x_max: float = 1e9) -> list[Line]:
    """Lines of words whose left edge lies in [x_min, x_max), top to bottom (columns split by x)."""
    rows: list[list[dict]] = []
    for w in sorted(words(page), key=lambda w: (round(w["bottom"]), w["x0"])):
        if not (x_min <= w["x0"] < x_max):
            continue
        if rows and abs(rows[-1][0]["bottom"] - w["bottom"]) < 2:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [Line(sorted(r, key=lambda w: w["x0"])) for r in rows]


def page_text(page) -> str:
    """The page's text with whitespace collapsed."""
    return re.sub(r"\s+", " ", page.extract_text() or "")


def find_line(page, starts: str, **kw) -> Line:
    """The first line whose text starts with `starts`."""
    for line in text_lines(page, **kw):
        if line.text.startswith(starts):
            return line
    raise AssertionError(f"no line starting {starts!r} on page {page.page_number}")


def horizontal_rules(page) -> list[dict]:
    """Horizontal strokes (lines and thin rectangles)."""
    return [e for e in page.edges if e["orientation"] == "h"]


def vertical_rules(page) -> list[dict]:
    """Vertical strokes (table grid lines)."""
    return [e for e in page.edges if e["orientation"] == "v"]


def words_crossing_grid(pdf: bytes) -> tuple[list[tuple], int]:
    """(words that a table's vertical grid line runs through, number of words checked)."""
    bad, checked = [], 0
    for page in open_pages(pdf):
        grid = vertical_rules(page)
        if not grid:
            continue
        for w in page.extract_words(x_tolerance=1.5):
            mid = (w["top"] + w["bottom"]) / 2
            rules = [e for e in grid if e["top"] - 0.5 <= mid <= e["bottom"] + 0.5]
            if not rules:
                continue
            checked += 1
            bad += [(w["text"], round(w["x0"], 1), round(w["x1"], 1), round(e["x0"], 1))
                    for e in rules if w["x0"] + 0.3 < e["x0"] < w["x1"] - 0.3]
    return bad, checked
