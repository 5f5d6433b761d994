"""The message catalogs hold every text the code gives people (docs/languages.md): each
``_()``, ``gettext``, ``ngettext`` and ``Message`` template found by the same extraction as
``make messages`` has an entry in every catalog, and a translation with the same
placeholders in every language but English (where an empty translation is the English
msgid itself); no msgid is defined twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("vi", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "Message": None}
METHODS = [
    ("web/**.py", "python"),
    ("services/**.py", "python"),
    ("engine/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _extracted() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural's key is its singular
        if msgid:
            found.setdefault(msgid, filename)
    return found


EXTRACTED = _extracted()


def _po_path(language: str) -> Path:
    return ROOT / "web" / "translations" / language / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_msgid_is_defined_twice(language):
    msgids = re.findall(r'^msgid "(.*)"$', _po_path(language).read_text(encoding="utf-8"), re.M)
    assert msgids, "empty catalog"
    # A multi-line msgid starts with msgid "" and is not a duplicate of the header.
    duplicated = sorted({m for m in msgids if m and msgids.count(m) > 1})
    assert not duplicated, f"{language}: defined twice: {duplicated}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_with_its_placeholders(language):
    with _po_path(language).open("rb") as file:
        catalog = read_po(file)
    missing, broken = [], []
    for msgid, where in sorted(EXTRACTED.items()):
        entry = catalog.get(msgid)
        untranslated = entry is not None and (
            not entry.string or (isinstance(entry.string, tuple) and not all(entry.string))
        )
        if entry is None or (untranslated and language != "en"):
            missing.append(f"{where}: {msgid!r}")
            continue
        if entry.fuzzy:
            missing.append(f"{where}: {msgid!r} (fuzzy)")
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(PLACEHOLDER.findall(msgid if isinstance(entry.id, str) else entry.id[0]))
        for translation in filter(None, translations):
            if set(PLACEHOLDER.findall(translation)) != expected:
                broken.append(f"{msgid!r} -> {translation!r}")
    assert not missing, f"{language}: {len(missing)} texts without a translation:\n" + "\n".join(missing)
    assert not broken, f"{language}: placeholders differ:\n" + "\n".join(broken)
