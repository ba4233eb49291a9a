"""Vietnamese conventions: text normalization, name order, numbers and dates."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from vn_collate import collate_key

_SPACES = re.compile(r"\s+")


def nfc(text: str | None) -> str:
    """NFC-normalize and collapse whitespace; None becomes ''."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and letter marks (đ -> d), for accent-insensitive matching."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def name_sort_key(full_name: str) -> bytes:
    """Roster order: given name (last word), then middle names, then family name, Vietnamese collation."""
    words = nfc(full_name).lower().split(" ")
    if len(words) > 1:
        words = [words[-1], *words[1:-1], words[0]]
    # One full key per word, so the given name decides completely (tones included)
    # before the middle name is looked at; b"\x00" sorts below every weight.
    return b"\x00".join(bytes.fromhex(collate_key(w)) for w in words)


def sort_people(items, name=lambda p: p.full_name):
    """Sort any iterable of people (or rows) in Vietnamese roster order."""
    return sorted(items, key=lambda p: name_sort_key(name(p)))


def format_number(value: float | int, decimals: int = 0) -> str:
    """Vietnamese number format: '.' for thousands, ',' for decimals (35.599; 99,16)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(value: float, decimals: int = 2) -> str:
    """A percentage in Vietnamese format: 99,16%."""
    return f"{format_number(value, decimals)}%"


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy as used in tables."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """HH:MM dd/mm/yyyy (value already in local time)."""
    if value is None:
        return ""
    return value.strftime("%H:%M %d/%m/%Y")


def date_in_words(value: date, place: str | None = None) -> str:
    """'Đồng Xoài, ngày 05 tháng 02 năm 2026': leading zero for days 1–9 and months 1–2."""
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    text = f"ngày {value.day:02d} tháng {month} năm {value.year}"
    return f"{place}, {text}" if place else text
