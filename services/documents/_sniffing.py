"""What an uploaded file is, told by its content, never by its name: a scan or an
attachment is accepted as a PDF, a PNG or a JPEG only when it starts and ends as every file
of that type does, and a web page dressed as one (a PDF header on an HTML body) is refused
whatever it starts with."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from services.documents._documents import JPEG, PDF, PNG, named_as

# The start and the end every file of each type has (readers look for a PDF's %%EOF in
# its last 1024 bytes).
SIGNATURES = {
    PDF: (b"%PDF-", b"%%EOF"),
    PNG: (b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"),
    JPEG: (b"\xff\xd8\xff", b"\xff\xd9"),
}
SNIFFED = tuple(SIGNATURES)  # the types media_type_of can recognise
TAIL_BYTES = 1024
# A scanned page or a photo holds no markup; a browser would run one that does.
MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg)\b", re.IGNORECASE
)


def holds_markup(content: bytes) -> bool:
    """True if ``content`` holds HTML or script a browser could run."""
    return MARKUP.search(content) is not None


def media_type_of(content: bytes, allowed=SNIFFED) -> str | None:
    """The type of ``allowed`` (PDF, PNG, JPEG) that ``content`` is, or None: also None
    for content holding markup, whatever it starts with."""
    if holds_markup(content):
        return None
    for media_type in allowed:
        start, end = SIGNATURES[media_type]
        if content.startswith(start) and end in content[-TAIL_BYTES:]:
            return media_type
    return None


def clean_filename(filename: str, media_type: str, fallback: str) -> str:
    """The name a file came with, without its folders or control characters, given the
    extension of what it is (``fallback`` when nothing is left of it)."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    # No hidden or dots-only name (".", ".."): nothing to open by mistake.
    name = "".join(char for char in name if char.isprintable()).strip().lstrip(".").strip() or fallback
    return named_as(name, media_type)[-200:]  # the column's size
