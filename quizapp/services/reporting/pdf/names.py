"""Breaking an organization's name into letterhead lines the way a person would (HD 36 / NĐ 30)."""
from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth

from quizapp.vn import nfc

# Words that open a phrase of an organization's name: a person breaks a long name *before*
# them, never after them ("TỈNH" / "ĐỒNG NAI" reads wrong), and never leaves one alone.
_UNIT_WORDS = [
    "ĐẢNG BỘ", "ĐẢNG ỦY", "CHI BỘ", "TỔ ĐẢNG", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH", "BAN", "VĂN PHÒNG",
    "ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "KHỐI", "SỞ", "CỤC", "CHI CỤC", "PHÒNG", "TRƯỜNG",
    "BỆNH VIỆN", "CÔNG TY", "TỈNH", "THÀNH PHỐ", "THỊ XÃ", "XÃ", "PHƯỜNG", "ĐẶC KHU", "HUYỆN", "QUẬN",
    "THỊ TRẤN", "ẤP", "THÔN", "KHU PHỐ", "CÁC CƠ QUAN", "DOANH NGHIỆP",
]
_ORG_PREFIXES = {"ĐẢNG BỘ", "ĐẢNG ỦY", "CHI BỘ", "TỔ ĐẢNG", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH",  # may stand alone
                 "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN"}
_UNIT_SEQS = sorted((w.split() for w in _UNIT_WORDS), key=len, reverse=True)


def _unit_starts(words: list[str]) -> dict[int, int]:
    """Index of each word that opens a unit phrase -> length of its unit word(s)."""
    out, i = {}, 0
    while i < len(words):
        for seq in _UNIT_SEQS:
            if [w.upper() for w in words[i:i + len(seq)]] == seq:
                out[i] = len(seq)
                i += len(seq)
                break
        else:
            i += 1
    return out


def break_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Break an organization's name into lines that fit `width`, the way a person would.

    Best breaks are before a unit word that has a name after it ("ĐẢNG BỘ TỈNH ĐỒNG NAI" /
    "ĐẢNG ỦY XÃ TÂN PHÚ"); forbidden are breaks inside a unit word ("CHI" / "BỘ"), right after
    one ("TỈNH" / "ĐỒNG NAI") and lines holding only a unit word. Among layouts that fit, the
    fewest lines win, then the best breaks, then the most even line lengths.
    """
    words = nfc(text).split()
    if not words:
        return []
    n = len(words)
    starts = _unit_starts(words)
    inside = {i + k for i, ln in starts.items() for k in range(1, ln)}  # words continuing a unit word
    after_unit = {i + ln for i, ln in starts.items()}                    # first word of a unit's name

    def break_cost(k: int) -> float:
        # Cost of breaking before word k.
        if k in inside:
            return 10_000
        if k in starts and k + starts[k] < n:
            return 0
        if k in after_unit:
            return 5_000
        return 60

    def line_cost(i: int, j: int) -> float:
        line = " ".join(words[i:j])
        w = stringWidth(line, font, size)
        if w > width and j - i > 1:
            return float("inf")
        lone_unit = i in starts and starts[i] == j - i and n > j - i
        lone = 0 if not lone_unit else 300 if " ".join(words[i:j]).upper() in _ORG_PREFIXES else 10_000
        return lone + ((width - w) / max(width, 1)) ** 2 * 40

    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n
    for j in range(1, n + 1):
        for i in range(j):
            if best[i][0] == float("inf"):
                continue
            cost = best[i][0] + line_cost(i, j) + (break_cost(i) if i else 0) + 1_000
            if cost < best[j][0]:
                best[j] = (cost, i)
    lines, j = [], n
    while j > 0:
        i = best[j][1]
        lines.append(" ".join(words[i:j]))
        j = i
    return lines[::-1]
