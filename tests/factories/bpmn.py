"""BPMN processes in tests: the bundles the repository ships, small bundles built in a test
(a minimal executable process with one lane), and an instance's stored workflow read back."""

from __future__ import annotations

import dataclasses
import zlib
from xml.sax.saxutils import escape

from engine.definitions import Bundle
from factories import REPO_ROOT

# The process bundles the repository ships (one folder each), all loaded by every test.
BUNDLES = sorted(path.name for path in (REPO_ROOT / "bpmn").iterdir() if path.is_dir())

KEY = "probe"
FORM_FILE = "probe.schema.json"
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Phiếu thử",
    "type": "object",
    "additionalProperties": False,
    "required": ["note"],
    "properties": {"note": {"title": "Ghi chú", "type": "string", "maxLength": 200}},
}
NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)


@dataclasses.dataclass(frozen=True)
class Node:
    id: str
    xml: str


def user_task(node_id: str, form: str | None = FORM_FILE, **policy: str) -> Node:
    """A user task; ``policy`` adds extension properties (due, reminders, escalation...)."""
    values = ({"formJsonSchemaFilename": form} if form else {}) | policy
    properties = (
        ""
        if not values
        else (
            "<bpmn:extensionElements><spiffworkflow:properties>"
            + "".join(
                f'<spiffworkflow:property name="{name}" value="{value}"/>' for name, value in values.items()
            )
            + "</spiffworkflow:properties></bpmn:extensionElements>"
        )
    )
    return Node(node_id, f'<bpmn:userTask id="{node_id}" name="Việc {node_id}">{properties}</bpmn:userTask>')


def service_task(node_id: str) -> Node:
    # What a SpiffArena modeller writes for an HTTP call: a connector nobody registers here.
    return Node(
        node_id,
        f'<bpmn:serviceTask id="{node_id}"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="http/GetRequest" resultVariable="response"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>",
    )


def script_task(node_id: str, script: str, name: str | None = None) -> Node:
    return Node(
        node_id,
        f'<bpmn:scriptTask id="{node_id}" name="{escape(name or node_id)}">'
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>",
    )


def boundary_timer(attached_to: str, kind: str, expression: str, then: Node | None = None) -> str:
    """An interrupting timer on ``attached_to`` that leads to its own end event, through
    ``then`` if given."""
    event = f"{attached_to}_timer"
    path = [event, *([then.id] if then else []), f"{event}_end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="{event}_flow{i or ""}" sourceRef="{source}" targetRef="{target}"/>'
        for i, (source, target) in enumerate(zip(path, path[1:]))
    )
    return (
        f'<bpmn:boundaryEvent id="{event}" attachedToRef="{attached_to}">'
        f'<bpmn:timerEventDefinition id="{event}_def"><bpmn:{kind}>{expression}</bpmn:{kind}>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        f'{then.xml if then else ""}<bpmn:endEvent id="{event}_end"/>{flows}'
    )


def process_xml(
    *nodes: Node,
    key: str = KEY,
    lanes: bool = True,
    outside_lane: tuple[str, ...] = (),
    extra: str = "",
    lane: str = "clerk",
) -> bytes:
    """A minimal executable process: start -> nodes... -> end, every node in ``lane``
    (unless ``lanes`` is False or its id is in ``outside_lane``), plus ``extra`` XML."""
    nodes = nodes or (user_task("task"),)
    chain = ["start", *(node.id for node in nodes), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{source}" targetRef="{target}"/>'
        for i, (source, target) in enumerate(zip(chain, chain[1:]))
    )
    lane_set = ""
    if lanes:
        refs = "".join(
            f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>"
            for node_id in chain
            if node_id not in outside_lane
        )
        lane_set = (
            f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_{lane}" name="{lane}">{refs}</bpmn:lane>'
            "</bpmn:laneSet>"
        )
    body = "".join(node.xml for node in nodes)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs" '
        f'targetNamespace="http://talentflow.local/test"><bpmn:process id="{key}" isExecutable="true">'
        f'{lane_set}<bpmn:startEvent id="start"/>{body}<bpmn:endEvent id="end"/>{flows}{extra}'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def probe_bundle(bpmn: bytes | None = None, forms: dict | None = None, key: str = KEY) -> Bundle:
    return Bundle(
        key=key,
        bpmn=bpmn if bpmn is not None else process_xml(),
        forms=forms if forms is not None else {FORM_FILE: FORM},
        meta={"title": "Quy trình thử", "start_data_example": {"deadline": "2026-01-14T12:00:00+07:00"}},
    )


def stored_text(serialization: bytes) -> str:
    """The stored workflow as text (it is zlib-compressed JSON): a substring search on
    the compressed bytes would prove nothing."""
    return zlib.decompress(serialization).decode("utf-8")
