"""Vietnamese conventions: text normalization, name order, numbers and dates."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from vn_collate import collate_key

_SPACES = re.compile(r"\s+")


def strip_invisible(text: str | None) -> str:
    """Drop invisible format characters (Unicode category Cf: U+200B-U+200D, U+2060, U+FEFF, U+00AD,
    bidi controls ...): pasted from chat apps and word processors, they split words for matching and
    sorting and print as gaps or boxes."""
    if not text:
        return "" if text is None else str(text)
    text = str(text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def nfc(text: str | None) -> str:
    """NFC-normalize, drop invisible format characters and collapse whitespace; None becomes ''."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", strip_invisible(text))).strip()


def symbols_in_name(text: str | None) -> list[str]:
    """Characters a person's name cannot hold: emoji and other symbols (Unicode So, private-use,
    unassigned, or beyond the Basic Multilingual Plane). The document fonts have no glyph for them,
    so they would print as boxes on result sheets and login slips."""
    out = []
    for ch in nfc(text):
        if ord(ch) > 0xFFFF or unicodedata.category(ch) in {"So", "Cs", "Co", "Cn"}:
            if ch not in out:
                out.append(ch)
    return out


def clean_filter(value):
    """WTForms filter: a text field's value through nfc() (None and non-strings pass through)."""
    return nfc(value) if isinstance(value, str) else value


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


def format_number(value: float | int, decimals: int = 0) -> str:
    """Vietnamese number format: '.' for thousands, ',' for decimals (35.599; 99,16)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(value: float, decimals: int = 2) -> str:
    """A percentage in Vietnamese format: 99,16%."""
    return f"{format_number(value, decimals)}%"


def truncate_rate(value: float, decimals: int = 2) -> float:
    """A rate cut (never rounded) to `decimals` places: 97,995 % stays below 98 %.

    Cutting toward zero keeps a rate on the same side of any threshold written with at most
    `decimals` places (98 %, 97,5 %), so a shortfall never prints as "đạt 98,00%". A tiny
    tolerance absorbs binary float error (e.g. 28.999999999999996 for 29 %): real rates are
    fractions of at most millions of members, far coarser than 1e-9.
    """
    from decimal import ROUND_FLOOR, Decimal

    exact = Decimal(repr(round(float(value), 9)))
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR))


def format_rate(value: float | None, decimals: int = 2) -> str:
    """A participation (or any threshold-compared) rate: truncated, Vietnamese format, e.g. 97,99%.

    The one formatting of rates used by every PDF, page and export."""
    if value is None:
        return ""
    return format_percent(truncate_rate(value, decimals), decimals)


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
