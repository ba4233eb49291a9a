"""The preview card chat apps show for a shared short link: 1200×630 PNG with title and deadline only."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from quizapp.vn import nfc

WIDTH, HEIGHT = 1200, 630
RED, GOLD, INK, WHITE = (179, 20, 27), (242, 194, 48), (29, 29, 31), (255, 255, 255)


@lru_cache(maxsize=4)
def _font(style: str, size: int) -> ImageFont.FreeTypeFont:
    import fontpkg_be_vietnam_pro  # shipped as a package (no system fonts on the server)

    path = Path(fontpkg_be_vietnam_pro.__file__).resolve().parent / "files" / f"BeVietnamPro-{style}.ttf"
    return ImageFont.truetype(str(path), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] = lines[-1].rstrip() + "…"
    return lines


@lru_cache(maxsize=64)  # anyone may fetch it: drawing once per title and deadline keeps it cheap
def card_png(title: str, deadline: str) -> bytes:
    """A red-banded card: the app's name, the round's title (up to four lines) and its deadline."""
    img = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, WIDTH, 120), fill=RED)
    draw.text((60, 60), "Học tập Nghị quyết · Bài kiểm tra nhận thức", font=_font("Bold", 40), fill=GOLD,
              anchor="lm")
    font = _font("Bold", 60)
    y = 170
    for line in _wrap(draw, nfc(title), font, WIDTH - 120, 4):
        draw.text((60, y), line, font=font, fill=INK)
        y += 76
    if deadline:
        draw.text((60, HEIGHT - 70), f"Hạn làm bài: {deadline}", font=_font("Regular", 40), fill=RED, anchor="lm")
    draw.rectangle((0, HEIGHT - 16, WIDTH, HEIGHT), fill=GOLD)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
