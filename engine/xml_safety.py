"""Parse BPMN XML that came from a user upload.

SpiffWorkflow parses with lxml's default parser and does no hardening of its own, so the
XXE / entity-expansion protection would depend on the installed lxml version and on no other
library replacing lxml's default parser. We therefore parse uploads ourselves and hand the
finished tree to SpiffWorkflow (``parser.add_bpmn_xml(tree, filename=name)``).

BPMN never needs a DTD, so any DOCTYPE is refused outright. Cheap byte-level checks run
before lxml sees the data; a hardened parser and a check of the parsed tree are the second
and third layers. UTF-8 is accepted, and encodings that write ASCII as ASCII (ISO-8859-1,
windows-1252...) are decoded and converted to UTF-8 before the DOCTYPE search; any other
encoding, such as UTF-16 or UTF-7 (``+ADw-!DOCTYPE``), is refused.
"""

import re

from lxml import etree

from engine.errors import DefinitionRejected
from engine.messages import Message

MAX_BPMN_BYTES = 2 * 1024 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
_DOCTYPE = re.compile(rb"<!\s*doctype", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_UTF8 = {"utf-8", "utf8"}
# Encodings that write ASCII as ASCII: a file in one of them is read, then stored as UTF-8.
_ASCII_COMPATIBLE = {
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-15": "iso8859-15",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
}


def parse_untrusted_xml(
    data: bytes, *, name: str = "BPMN", max_bytes: int = MAX_BPMN_BYTES
) -> etree._ElementTree:
    """Parse ``data`` safely or raise DefinitionRejected saying why."""
    return read_untrusted_xml(data, name=name, max_bytes=max_bytes)[0]


def read_untrusted_xml(
    data: bytes, *, name: str = "BPMN", max_bytes: int = MAX_BPMN_BYTES
) -> tuple[etree._ElementTree, str | None]:
    """The parsed tree, and the encoding the file declared when it was not UTF-8 (the
    text was decoded from it; the tree serialises as UTF-8)."""
    data, encoding = _check_raw_bytes(data, name, max_bytes)
    tree = _parse(data, name)
    _check_parsed_tree(tree, name)
    return tree, encoding


def _check_raw_bytes(data, name, max_bytes):
    if not isinstance(data, bytes):
        raise DefinitionRejected(Message("%(file)s: expected the content of a file.", file=name))
    if len(data) > max_bytes:
        raise DefinitionRejected(
            Message(
                "%(file)s: the file is %(size)s bytes, larger than the limit of %(limit)s bytes.",
                file=name,
                size=f"{len(data):,}",
                limit=f"{max_bytes:,}",
            )
        )
    if not data.strip():
        raise DefinitionRejected(Message("%(file)s: the file is empty.", file=name))
    data, encoding = _as_utf8(data, name)
    # Searched after decoding: in the declared encoding's bytes a DOCTYPE could hide.
    if _DOCTYPE.search(data):
        raise DefinitionRejected(
            Message(
                "%(file)s: the file contains a <!DOCTYPE> declaration. BPMN files do not need one, "
                "and DTDs and entities can read server files or exhaust memory.",
                file=name,
            )
        )
    return data, encoding


def _as_utf8(data, name):
    """The file as UTF-8 bytes, and the encoding it was converted from (None for UTF-8)."""
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    if b"\x00" in body:
        raise DefinitionRejected(
            Message(
                "%(file)s: the file contains NUL bytes; it looks like UTF-16/UTF-32 or binary data. "
                "Only UTF-8 encoded XML is accepted.",
                file=name,
            )
        )
    declared = _DECLARED_ENCODING.match(body)
    encoding = declared.group(1).decode("ascii", "replace") if declared else "UTF-8"
    codec = "utf-8" if encoding.lower() in _UTF8 else _ASCII_COMPATIBLE.get(encoding.lower())
    if codec is None:
        raise DefinitionRejected(
            Message(
                "%(file)s: the XML declaration names the encoding %(encoding)s; only UTF-8 is accepted.",
                file=name,
                encoding=encoding,
            )
        )
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as error:
        raise DefinitionRejected(
            Message(
                "%(file)s: the file is not valid UTF-8 text (invalid byte at offset %(offset)s). "
                "Only UTF-8 encoded XML is accepted.",
                file=name,
                offset=error.start,
            )
        ) from None
    if codec == "utf-8" or declared is None:
        return body, None
    start, end = declared.span(1)
    converted = (text[:start] + "UTF-8" + text[end:]).encode("utf-8")
    return converted, encoding


def _hardened_parser():
    # encoding="utf-8" overrides the declaration, a second guard against UTF-7 style tricks.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        encoding="utf-8",
    )


def _parse(data, name):
    try:
        return etree.fromstring(data, _hardened_parser()).getroottree()
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else error.lineno
        # libxml2's own sentence is English library text: the line says where to look.
        raise DefinitionRejected(
            Message("%(file)s: not well-formed XML (line %(line)s).", file=name, line=line)
        ) from None


def _check_parsed_tree(tree, name):
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise DefinitionRejected(
            Message("%(file)s: the parsed document has a DOCTYPE, which is not allowed.", file=name)
        )
