"""Text as people search it."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, spaces collapsed: officers type "truong" or "Trường"
    and both find "Trường" (đ is a letter of its own, not an accent: it becomes d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.lower().split())
