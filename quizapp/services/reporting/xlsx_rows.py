"""Fast data rows for openpyxl write-only workbooks.

openpyxl builds a Cell object, binds and checks its value and streams it through lxml for every
value: about 20 µs a cell, 10 s for a 40,000-member export. Here the data rows are formatted
straight to the XML openpyxl itself writes in write-only mode (same element and attribute order,
inline strings, ASCII output with character references, same number formatting), into a
temporary file, and spliced into the sheet's <sheetData> when the workbook is saved. Everything
else (header rows, column widths, frozen panes, filters, styles.xml) is still written by openpyxl;
cell styles are registered in the workbook's own style table, so ids match.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError

_ESCAPE = re.compile(r"[&<>\r]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_COLUMNS = [get_column_letter(i) for i in range(1, 64)]
_TAILS_KEPT = 4096  # formatted texts kept per sheet (the repeated ones come early; names rarely repeat)


def _text(value: str) -> str:
    """The escaped text of a <t> element, as lxml writes it (non-ASCII made ASCII at the end)."""
    return _ESCAPE.sub(lambda m: _ENTITIES[m.group()], value) if _ESCAPE.search(value) else value


class Styled:
    """A value written with a registered cell style (number format, fill, font)."""

    __slots__ = ("value", "style_id")

    def __init__(self, value, style_id: int):
        self.value, self.style_id = value, style_id


class FastRows:
    """Data rows of one write-only sheet, appended after the rows openpyxl wrote (its header).

    Use `style(...)` to get a style id, `append(values)` per row (None cells skipped, Styled cells
    kept even when empty, as openpyxl does), then `save(wb)` instead of `wb.save`.
    """

    def __init__(self, ws, first_row: int):
        self.ws = ws
        self.row_idx = first_row
        self.epoch = ws.parent.epoch
        self.iso_dates = ws.parent.iso_dates
        self._file = tempfile.TemporaryFile()
        self._chunk: list[str] = []
        self._tails: dict = {}  # (text, style id) -> its cell's XML after the reference

    def style(self, number_format: str | None = None, fill=None, font=None) -> int:
        """Register a cell style in the workbook (as writing a styled cell would) and return its id."""
        cell = WriteOnlyCell(self.ws)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if number_format is not None:
            cell.number_format = number_format
        return cell.style_id

    def _cell(self, ref: str, value, style_id) -> str:
        return f'<c r="{ref}"{self._tail(value, style_id)}'

    def _tail(self, value, style_id) -> str:
        """A cell's XML after `<c r="A1"`: it depends on the value and the style only."""
        s = "" if style_id is None else f' s="{style_id}"'
        if value is None:
            return f'{s} t="n"></c>'
        t = type(value)
        if t is not str and isinstance(value, str):  # a str subclass (e.g. a Phrase): its text
            value, t = str(value), str
        if t is str:
            value = value[:32767]
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
            if len(value) > 1 and value.startswith("="):
                return f'{s}><f>{_text(value[1:])}</f><v></v></c>'
            if value in ERROR_CODES:
                return f'{s} t="e"><v>{_text(value)}</v></c>'
            if value == "":
                return f'{s} t="inlineStr"></c>'
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return f'{s} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
        if t is bool:
            return f'{s} t="b"><v>{safe_string(value)}</v></c>'
        if t in (int, float, Decimal):
            return f'{s} t="n"><v>{safe_string(value)}</v></c>'
        if t in (datetime, date, time, timedelta):
            if getattr(value, "tzinfo", None) is not None:
                raise TypeError("Excel does not support timezones in datetimes.")
            if self.iso_dates and t is not timedelta:
                return f'{s} t="d"><v>{value.isoformat()}</v></c>'
            return f'{s} t="n"><v>{safe_string(to_excel(value, self.epoch))}</v></c>'
        raise ValueError(f"Cannot convert {value!r} to Excel")

    def append(self, values) -> None:
        """One sheet row."""
        r = self.row_idx
        parts = [f'<row r="{r}">']
        tails = self._tails
        for col, value in enumerate(values):
            if type(value) is Styled:
                value, style_id = value.value, value.style_id
            elif value is None:
                continue
            else:
                style_id = None
            if type(value) is str:  # the few texts a column repeats (status, state, yes/no ...): formatted once
                tail = tails.get((value, style_id))
                if tail is None:
                    tail = self._tail(value, style_id)
                    if len(tails) < _TAILS_KEPT:
                        tails[value, style_id] = tail
            else:
                tail = self._tail(value, style_id)
            parts.append(f'<c r="{_COLUMNS[col]}{r}"{tail}')
        parts.append("</row>")
        self._chunk.append("".join(parts))
        self.row_idx += 1
        if len(self._chunk) >= 1000:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            self._file.write("".join(self._chunk).encode("ascii", "xmlcharrefreplace"))
            self._chunk = []

    def close(self) -> None:
        self._file.close()


def save(wb, sheets: list[FastRows]) -> bytes:
    """wb.save, then the fast rows of each sheet spliced at the end of its <sheetData>."""
    buf = io.BytesIO()
    wb.save(buf)
    by_path = {}
    for fr in sheets:
        fr._flush()
        by_path[fr.ws.path.lstrip("/")] = fr
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                fr = by_path.get(info.filename)
                if fr is None:
                    zout.writestr(info, data)
                    continue
                if b"<sheetData/>" in data:
                    head, tail = data.split(b"<sheetData/>", 1)
                    head, tail = head + b"<sheetData>", b"</sheetData>" + tail
                else:
                    cut = data.rindex(b"</sheetData>")
                    head, tail = data[:cut], data[cut:]
                with zout.open(info, "w") as dst:
                    dst.write(head)
                    fr._file.seek(0)
                    shutil.copyfileobj(fr._file, dst, 1 << 20)
                    dst.write(tail)
    finally:
        for fr in sheets:
            fr.close()
    return out.getvalue()
