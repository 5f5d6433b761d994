"""Parse BPMN XML that came from a user upload.

SpiffWorkflow parses with lxml's default parser and does no hardening of its own, so the
XXE / entity-expansion protection would depend on the installed lxml version and on no other
library replacing lxml's default parser. We therefore parse uploads ourselves and hand the
finished tree to SpiffWorkflow (``parser.add_bpmn_xml(tree, filename=name)``).

BPMN never needs a DTD, so any DOCTYPE is refused outright. Cheap byte-level checks run
before lxml sees the data; a hardened parser and a check of the parsed tree are the second
and third layers. Only UTF-8 (or plain ASCII) is accepted: in any other encoding, such as
UTF-16 or UTF-7 (``+ADw-!DOCTYPE``), a DOCTYPE is not visible in the raw bytes.
"""

import re

from lxml import etree

from engine.errors import DefinitionRejected
from engine.messages import Message

MAX_BPMN_BYTES = 2 * 1024 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
_DOCTYPE = re.compile(rb"<!\s*doctype", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_ALLOWED_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}


def parse_untrusted_xml(
    data: bytes, *, name: str = "BPMN", max_bytes: int = MAX_BPMN_BYTES
) -> etree._ElementTree:
    """Parse ``data`` safely or raise DefinitionRejected saying why."""
    _check_raw_bytes(data, name, max_bytes)
    tree = _parse(data, name)
    _check_parsed_tree(tree, name)
    return tree


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
    _check_encoding(data, name)
    if _DOCTYPE.search(data):
        raise DefinitionRejected(
            Message(
                "%(file)s: the file contains a <!DOCTYPE> declaration. BPMN files do not need one, "
                "and DTDs and entities can read server files or exhaust memory.",
                file=name,
            )
        )


def _check_encoding(data, name):
    # A DOCTYPE in another encoding would not show up in the byte search above.
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    if b"\x00" in body:
        raise DefinitionRejected(
            Message(
                "%(file)s: the file contains NUL bytes; it looks like UTF-16/UTF-32 or binary data. "
                "Only UTF-8 encoded XML is accepted.",
                file=name,
            )
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DefinitionRejected(
            Message(
                "%(file)s: the file is not valid UTF-8 text (invalid byte at offset %(offset)s). "
                "Only UTF-8 encoded XML is accepted.",
                file=name,
                offset=error.start,
            )
        ) from None
    declared = _DECLARED_ENCODING.match(body)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _ALLOWED_ENCODINGS:
        raise DefinitionRejected(
            Message(
                "%(file)s: the XML declaration names the encoding %(encoding)s; only UTF-8 is accepted.",
                file=name,
                encoding=declared.group(1).decode("ascii", "replace"),
            )
        )


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
