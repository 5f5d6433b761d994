"""A .bpmn file from elsewhere (Camunda Modeler, bpmn.io, a text editor) made ready to
become a process of ours: one process, executable, named by its key, with a diagram.
Whether it can run is decided afterwards by the definition checks."""

from __future__ import annotations

from lxml import etree

from engine.definitions import MEANINGFUL_ID
from engine.diagram import ensure_diagram
from engine.errors import DefinitionRejected
from engine.messages import Message
from engine.xml_safety import parse_untrusted_xml

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Attributes that refer to a process by its id, and must follow a rename.
PROCESS_REFERENCES = ("processRef", "bpmnElement")


def prepare_import(data: bytes, key: str | None, filename: str = "upload.bpmn") -> tuple[str, bytes]:
    """The process key and the file as we store it. ``key`` renames the process when
    given; otherwise the process id must already be a meaningful name."""
    tree = parse_untrusted_xml(data, name=filename)
    process = _the_process(tree, filename)
    old_id = process.get("id", "")
    key = key or old_id
    if not MEANINGFUL_ID.fullmatch(key):
        raise DefinitionRejected(
            Message(
                "%(file)s: the process id «%(id)s» is not a meaningful snake_case name; "
                "give the process a key such as hiring_review",
                file=filename,
                id=old_id,
            )
        )
    changed = process.get("isExecutable") != "true" or key != old_id
    if changed:
        process.set("isExecutable", "true")
        _rename(tree, old_id, key)
        data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    return key, ensure_diagram(data)


def _the_process(tree, filename: str):
    processes = tree.getroot().findall(f"{{{BPMN_MODEL}}}process")
    drawn = [process for process in processes if len(process)] or processes
    if len(drawn) != 1:
        raise DefinitionRejected(
            Message(
                "%(file)s: expected exactly one process (pool), found %(count)s; "
                "split the file into one file per process",
                file=filename,
                count=len(drawn),
            )
        )
    return drawn[0]


def _rename(tree, old_id: str, new_id: str) -> None:
    for element in tree.iter():
        if element.get("id") == old_id:
            element.set("id", new_id)
        for attribute in PROCESS_REFERENCES:
            if element.get(attribute) == old_id:
                element.set(attribute, new_id)
