"""Fonts for ReportLab PDFs, installed as package dependencies (no system fonts needed).

register_sans(): Be Vietnam Pro, shipped as static TTFs.
register_serif(): Noto Serif, shipped only as variable fonts; ReportLab draws a variable font
at its default instance, so static Regular/Bold/Italic/BoldItalic instances are cut once with
fontTools' instancer and cached under FONT_CACHE_DIR.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_lock = threading.Lock()
SANS = "BeVietnamPro"
SERIF = "NotoSerif"
_STYLES = {"": (400, False), "-Bold": (700, False), "-Italic": (400, True), "-BoldItalic": (700, True)}
# What our documents print: Latin with every Vietnamese letter, combining marks, punctuation, ₫, №.
_UNICODES = (set(range(0x20, 0x7F)) | set(range(0xA0, 0x250)) | set(range(0x300, 0x370))
             | set(range(0x1E00, 0x1F00)) | set(range(0x2000, 0x2070)) | {0x20AB, 0x2116, 0x2122, 0x25CF})


def _package_dir(module_name: str) -> Path:
    module = __import__(module_name)
    return Path(module.__file__).resolve().parent / "files"


def _registered(name: str) -> bool:
    return name in pdfmetrics.getRegisteredFontNames()


def _register_family(family: str, files: dict[str, Path]) -> str:
    for suffix, path in files.items():
        pdfmetrics.registerFont(TTFont(family + suffix, str(path)))
    pdfmetrics.registerFontFamily(
        family, normal=family, bold=family + "-Bold", italic=family + "-Italic",
        boldItalic=family + "-BoldItalic",
    )
    addMapping(family, 0, 0, family)
    addMapping(family, 1, 0, family + "-Bold")
    addMapping(family, 0, 1, family + "-Italic")
    addMapping(family, 1, 1, family + "-BoldItalic")
    return family


def register_sans() -> str:
    """Register Be Vietnam Pro (regular, bold, italic, bold italic); returns the family name."""
    with _lock:
        if _registered(SANS):
            return SANS
        base = _package_dir("fontpkg_be_vietnam_pro")
        return _register_family(SANS, {s: base / f"BeVietnamPro-{s.strip('-') or 'Regular'}.ttf" for s in _STYLES})


def _cache_dir() -> Path:
    try:
        from flask import current_app

        return Path(current_app.config["FONT_CACHE_DIR"])
    except RuntimeError:  # no application: the declared default
        from quizapp.config import Config

        return Path(Config.FONT_CACHE_DIR)


def _instance(source: Path, target: Path, weight: int) -> Path:
    """Cut a static instance (wght, wdth 100) of a variable font; atomic rename into the cache."""
    if target.exists():
        return target
    from fontTools import subset
    from fontTools.ttLib import TTFont as FTFont
    from fontTools.varLib import instancer

    target.parent.mkdir(parents=True, exist_ok=True)
    font = FTFont(str(source))
    # Keep only Latin + Vietnamese before instancing: half the time, a quarter of the size.
    options = subset.Options()
    options.layout_features, options.name_IDs, options.notdef_outline = ["*"], ["*"], True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_UNICODES)
    subsetter.subset(font)
    static = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100}, updateFontNames=False)
    _rename(static, target.stem)
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), suffix=".tmp")
    os.close(fd)
    try:
        static.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _rename(font, ps_name: str) -> None:
    """Give the instance its own PostScript/full name: ReportLab shares faces by that name."""
    style = ps_name.split("-", 1)[1] if "-" in ps_name else "Regular"
    style_words = {"Regular": "Regular", "Bold": "Bold", "Italic": "Italic", "BoldItalic": "Bold Italic"}[style]
    family = ps_name.split("-", 1)[0]
    for record in font["name"].names:
        if record.nameID == 2:
            record.string = style_words
        elif record.nameID == 4:
            record.string = f"{family} {style_words}"
        elif record.nameID == 6:
            record.string = ps_name
        elif record.nameID == 3:
            record.string = f"{ps_name};quizapp-instance"


def serif_files(cache_dir: Path | None = None) -> dict[str, Path]:
    """Paths of the cached static Noto Serif instances, creating any that are missing."""
    cache = cache_dir or _cache_dir()
    base = _package_dir("fontpkg_noto_serif")
    upright, italic = base / "NotoSerif[wdth,wght].ttf", base / "NotoSerif-Italic[wdth,wght].ttf"
    out = {}
    for suffix, (weight, is_italic) in _STYLES.items():
        name = f"{SERIF}{suffix or '-Regular'}.ttf"
        # "vi1": the subset/version of the cut; a new cut goes to a new folder.
        out[suffix] = _instance(italic if is_italic else upright, cache / "vi1" / name, weight)
    return out


def register_serif() -> str:
    """Register Noto Serif static instances (regular, bold, italic, bold italic); returns the family."""
    with _lock:
        if _registered(SERIF):
            return SERIF
        return _register_family(SERIF, serif_files())


_coverage: dict[str, frozenset[int]] = {}


def covered(font_name: str) -> frozenset[int]:
    """Code points the registered font `font_name` has glyphs for (cached)."""
    if font_name not in _coverage:
        _coverage[font_name] = frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)
    return _coverage[font_name]


def drop_unprintable(text: str, font_name: str) -> str:
    """`text` without the characters `font_name` cannot draw (they would print as boxes); spaces tidied."""
    if text.isascii():
        return text
    have = covered(font_name)
    kept = "".join(ch for ch in text if ord(ch) in have or ch in "\n\t")
    return re.sub(r" {2,}", " ", kept).strip() if len(kept) != len(text) else text
