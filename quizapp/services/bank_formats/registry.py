"""The one list of bank formats: how each is recognized (by content) and read.

Used by the CLI (`flask banks validate|import|convert`) and the web upload alike; nothing else
branches on a format. Order matters: the first format whose `detect` says yes reads the file.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Callable

from quizapp.services.bank_formats import moodle, moodle_xml, native, spreadsheet, vn_text, word
from quizapp.services.bank_formats.common import ReadOptions, ReadResult


@dataclass(frozen=True)
class Format:
    """A readable format: a name, a Vietnamese label, a content test and a reader."""

    name: str
    label: str
    detect: Callable[[bytes, str, str | None], bool]
    read: Callable[[bytes, str, ReadOptions], ReadResult]


def _zip_has(data: bytes, member: str) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        return member in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _native_name(filename: str) -> bool:
    return filename.lower().endswith((".yaml", ".yml"))


def _read_native(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    bank, errors = native.parse(data, filename, max_bytes=options.max_bytes, max_questions=options.max_questions)
    return ReadResult("yaml", bank, errors)


def _looks_native(text: str | None) -> bool:
    import re

    return text is not None and bool(re.search(r"^(format|questions|bank)\s*:", text[:20000], re.M))


def _refuse(message: str):
    def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
        from quizapp.services.bank_formats.schema import BankError

        return ReadResult("", None, [BankError(message, None, None, filename)])
    return read


FORMATS: list[Format] = [
    Format("office_legacy", "Word/Excel đời cũ (.doc, .xls)", lambda d, n, t: d.startswith(b"\xd0\xcf\x11\xe0"),
           _refuse("đây là tệp Word/Excel đời cũ (.doc, .xls): hãy mở bằng Word/Excel và lưu lại dạng .docx/.xlsx")),
    Format("pdf", "PDF", lambda d, n, t: d.startswith(b"%PDF"),
           _refuse("tệp PDF không đọc được câu hỏi: hãy dùng tệp Word (.docx) gốc, hoặc chép nội dung vào ô dán")),
    Format("docx", "Word (.docx)", lambda d, n, t: _zip_has(d, "word/document.xml"), word.read_docx),
    Format("xlsx", "Excel theo mẫu (.xlsx)", lambda d, n, t: _zip_has(d, "xl/workbook.xml"), spreadsheet.read),
    Format("moodle_xml", "Moodle XML", lambda d, n, t: moodle_xml.looks_like(d), moodle_xml.read),
    Format("yaml", "YAML của hệ thống", lambda d, n, t: _native_name(n) or _looks_native(t), _read_native),
    Format("aiken", "Moodle Aiken", lambda d, n, t: t is not None and moodle.looks_like_aiken(t)
           and not moodle.looks_like_gift(t) and not vn_text.looks_like(t),
           lambda d, n, o: moodle.read(d, n, o, aiken=True)),
    Format("gift", "Moodle GIFT", lambda d, n, t: t is not None and moodle.looks_like_gift(t),
           lambda d, n, o: moodle.read(d, n, o, aiken=False)),
    Format("text", "Văn bản “Câu 1: … A. … B. …”", lambda d, n, t: t is not None and vn_text.looks_like(t),
           vn_text.read_text),
]
LABELS = {f.name: f.label for f in FORMATS}


def detect(data: bytes, filename: str = "") -> Format:
    """The format of a file, by its content (a .yaml/.yml name only settles text that is not zip or XML)."""
    text = data[:200000].decode("utf-8-sig", errors="replace")
    for fmt in FORMATS:
        if fmt.detect(data, filename, text):
            return fmt
    return next(f for f in FORMATS if f.name == "yaml")  # native YAML: its reader explains what is wrong


def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """Detect and read: the one entry point for every format."""
    return detect(data, filename).read(data, filename, options)
