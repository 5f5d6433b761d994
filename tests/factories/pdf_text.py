"""What a PDF shows: its text as a reader copies it, the fonts it draws with, and the
characters it draws with no glyph (an empty or .notdef box)."""

from __future__ import annotations

import io
import unicodedata

from fontTools.ttLib import TTFont
from pypdf import PdfReader


def text_of(pdf: bytes) -> str:
    """The PDF's text, NFC-normalised, one space for any run of white space."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _fonts(pdf: bytes):
    """(base name without the subset prefix, font dictionary) of every font of every page."""
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            yield str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1], font


def font_names(pdf: bytes) -> set[str]:
    """ "LiberationSerif-Bold", ...: a character no font of the document has is drawn in a
    fallback font, which shows here."""
    return {name for name, _ in _fonts(pdf)}


def missing_glyphs(pdf: bytes) -> dict[str, set[str]]:
    """For each font, the visible characters it draws with an empty glyph or .notdef: the
    font's ToUnicode map gives each code's character, its embedded program (a TrueType
    subset, as LibreOffice embeds) the glyph the code draws."""
    missing: dict[str, set[str]] = {}
    for name, font in _fonts(pdf):
        descriptor = font.get("/FontDescriptor")
        program = descriptor.get_object().get("/FontFile2") if descriptor is not None else None
        if program is None:
            missing.setdefault(name, set()).add("(not embedded)")
            continue
        truetype = TTFont(io.BytesIO(program.get_object().get_data()))
        glyph_of = truetype["cmap"].tables[0].cmap
        outlines = truetype["glyf"]
        for code, character in _to_unicode(font).items():
            if character.isspace():
                continue
            glyph = glyph_of.get(code)
            if glyph is None or glyph == ".notdef" or outlines[glyph].numberOfContours == 0:
                missing.setdefault(name, set()).add(character)
    return missing


def _to_unicode(font) -> dict[int, str]:
    """The font's ToUnicode CMap (the bfchar entries LibreOffice writes): code -> text."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    mapping: dict[int, str] = {}
    inside = False
    for line in stream.get_object().get_data().decode("latin-1").splitlines():
        line = line.strip()
        if line.endswith("beginbfchar"):
            inside = True
        elif line == "endbfchar":
            inside = False
        elif inside and line.startswith("<"):
            source, target = line.split(">", 1)
            mapping[int(source.strip("<"), 16)] = bytes.fromhex(target.strip().strip("<>")).decode(
                "utf-16-be"
            )
    return mapping
