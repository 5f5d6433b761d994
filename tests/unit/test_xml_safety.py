import time

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import xml_safety
from engine.errors import DefinitionRejected
from engine.xml_safety import MAX_BPMN_BYTES, parse_untrusted_xml

VALID_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 11)
    )
    + b"]>\n<lolz>&lol10;</lolz>"
)


def rejected(data, **kwargs):
    with pytest.raises(DefinitionRejected) as caught:
        parse_untrusted_xml(data, name="upload.bpmn", **kwargs)
    message = str(caught.value)
    assert "upload.bpmn" in message
    return message


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]><x>&xxe;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><x/>',
        b'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]><x/>',
        BILLION_LAUGHS,
        b"<!doctype x><x/>",
        b'<?xml version="1.0"?>\n<!   DocType\tx [ <!ENTITY a "b"> ]><x>&a;</x>',
        b"\xef\xbb\xbf  <!-- a comment first -->\n<!DOCTYPE x><x/>",
    ],
    ids=[
        "external-entity",
        "external-dtd",
        "parameter-entity",
        "billion-laughs",
        "lower-case",
        "odd-spacing",
        "after-bom-and-comment",
    ],
)
def test_any_doctype_is_refused(data):
    assert "DOCTYPE" in rejected(data)


def test_utf16_with_doctype_is_refused():
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]><x>&e;</x>'
    for encoded in (doc.encode("utf-16"), doc.encode("utf-16-le"), doc.encode("utf-16-be")):
        assert "UTF-8" in rejected(encoded)


def test_utf7_hidden_doctype_is_refused():
    # '+ADw-+ACE-' is '<!' in UTF-7, invisible to a byte search; lxml would decode it.
    data = b'<?xml version="1.0" encoding="UTF-7"?>+ADw-+ACE-DOCTYPE x +AFs-+AF0-+AD4-+ADw-x/+AD4-'
    message = rejected(data)
    assert "UTF-7" in message and "only UTF-8" in message


def test_oversized_file_is_refused_before_parsing(monkeypatch):
    def parser_must_not_be_built():
        raise AssertionError("the parser ran on an oversized file")

    monkeypatch.setattr(xml_safety, "_hardened_parser", parser_must_not_be_built)
    padding = b"<!--" + b"x" * (20 * 1024 * 1024) + b"-->"
    data = VALID_BPMN.replace(b"<bpmn:process", padding + b"<bpmn:process", 1)
    started = time.perf_counter()
    message = rejected(data)
    assert time.perf_counter() - started < 0.5
    assert f"{len(data):,}" in message and f"{MAX_BPMN_BYTES:,}" in message


def test_custom_size_limit():
    assert "limit of 100 bytes" in rejected(VALID_BPMN, max_bytes=100)


def test_not_xml_is_refused_with_line_number():
    message = rejected(b"hello")
    assert "not well-formed XML" in message and "line 1" in message
    assert "line 3" in rejected(b"<a>\n<b>\n</a>")


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n\xff\xd8\xc3(", bytes(range(256))], ids=["invalid-utf8", "nul-bytes"]
)
def test_binary_garbage_is_refused(data):
    assert "Only UTF-8 encoded XML is accepted" in rejected(data)


@pytest.mark.parametrize("data", [b"", b"  \n\t "])
def test_empty_file_is_refused(data):
    assert "empty" in rejected(data)


@pytest.mark.parametrize("data", ["<x/>", bytearray(b"<x/>"), None])
def test_non_bytes_input_is_refused(data):
    assert "expected the content of a file" in rejected(data)


def test_valid_bpmn_parses_and_spiffworkflow_accepts_the_tree():
    tree = parse_untrusted_xml(VALID_BPMN, name="valid.bpmn")
    assert tree.getroot().get("id") == "d"
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(tree, filename="valid.bpmn")
    assert parser.get_process_ids() == ["p"]


def test_utf8_bom_and_comments_are_fine():
    tree = parse_untrusted_xml(b"\xef\xbb\xbf<!-- exported by a modeler -->" + VALID_BPMN.split(b"?>", 1)[1])
    assert tree.getroot().tag.endswith("definitions")
