"""The answer sheet (phiếu trả lời) layout, in millimetres from the page's bottom-left corner.

One definition for the printer (services.paper_pdf) and for a later photo reader: four solid
corner squares to find and straighten the page, a QR code naming member, round and variant,
and a grid of bubbles (question number, then A–F) filled column by column. Change a number
here and both sides move together; `bubble_center` is the one place positions are computed.
"""
from __future__ import annotations

from dataclasses import dataclass

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0  # A4 portrait
MARGIN_MM = 10.0

# Corner alignment squares: solid black, MARK_MM wide, their outer edges MARGIN_MM from the page edges.
MARK_MM = 8.0

# Header band (names, variant, QR) below the top marks.
HEADER_TOP_MM = PAGE_H_MM - MARGIN_MM - MARK_MM - 2.0
QR_MM = 30.0
QR_X_MM = PAGE_W_MM - MARGIN_MM - QR_MM  # QR's left edge
QR_Y_MM = HEADER_TOP_MM - 4.0 - QR_MM  # QR's bottom edge (4 mm clear of the top-right mark)

# The bubble grid.
LETTERS = "ABCDEF"
GRID_TOP_MM = 200.0  # centre line of the first row
GRID_LEFT_MM = 20.0  # left edge of the first column's number
COLUMNS = 4
ROWS_PER_COLUMN = 25  # 100 questions per sheet at most
COLUMN_W_MM = 43.0
ROW_H_MM = 6.6
NUMBER_W_MM = 9.0  # room for the question number before bubble A
BUBBLE_PITCH_MM = 5.6  # centre to centre, A to B
BUBBLE_R_MM = 2.1
MAX_QUESTIONS = COLUMNS * ROWS_PER_COLUMN


@dataclass(frozen=True)
class Mark:
    """One solid corner square: bottom-left corner and size, in mm."""

    x: float
    y: float
    size: float = MARK_MM


def corner_marks() -> list[Mark]:
    """The four alignment squares: top-left, top-right, bottom-left, bottom-right."""
    left, right = MARGIN_MM, PAGE_W_MM - MARGIN_MM - MARK_MM
    bottom, top = MARGIN_MM, PAGE_H_MM - MARGIN_MM - MARK_MM
    return [Mark(left, top), Mark(right, top), Mark(left, bottom), Mark(right, bottom)]


def row_origin(question: int) -> tuple[float, float]:
    """(x of the number's left edge, y of the row's centre line) for question 1..MAX_QUESTIONS."""
    if not 1 <= question <= MAX_QUESTIONS:
        raise ValueError(f"question {question} outside 1..{MAX_QUESTIONS}")
    column, row = divmod(question - 1, ROWS_PER_COLUMN)
    return GRID_LEFT_MM + column * COLUMN_W_MM, GRID_TOP_MM - row * ROW_H_MM


def bubble_center(question: int, letter_index: int) -> tuple[float, float]:
    """Centre (x, y) in mm of bubble `letter_index` (0 = A) of a question."""
    if not 0 <= letter_index < len(LETTERS):
        raise ValueError(f"letter index {letter_index} outside 0..{len(LETTERS) - 1}")
    x, y = row_origin(question)
    return x + NUMBER_W_MM + BUBBLE_R_MM + letter_index * BUBBLE_PITCH_MM, y


def describe() -> dict:
    """The layout as plain data (for a reader, or to print alongside a scan)."""
    return {
        "page_mm": [PAGE_W_MM, PAGE_H_MM], "margin_mm": MARGIN_MM,
        "marks": [[m.x, m.y, m.size] for m in corner_marks()],
        "qr_mm": [QR_X_MM, QR_Y_MM, QR_MM], "letters": LETTERS,
        "grid": {"columns": COLUMNS, "rows_per_column": ROWS_PER_COLUMN, "top_mm": GRID_TOP_MM,
                 "left_mm": GRID_LEFT_MM, "column_w_mm": COLUMN_W_MM, "row_h_mm": ROW_H_MM,
                 "number_w_mm": NUMBER_W_MM, "bubble_pitch_mm": BUBBLE_PITCH_MM, "bubble_r_mm": BUBBLE_R_MM},
    }
