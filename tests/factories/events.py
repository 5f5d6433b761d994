"""Small bundles for the events that happen inside one instance: errors and escalations
thrown in an embedded sub-process, event sub-processes, conditional events and
event-based gateways. A process is drawn as a list of nodes and the flows between
them (``flows``), every node in one lane."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from engine.definitions import Bundle
from factories.bpmn import NAMESPACES, Node
from factories.calls import bundle

# The kinds of flow node a lane lists (every flow node the builders below draw).
_FLOW_NODE = re.compile(
    r"<bpmn:(startEvent|endEvent|userTask|scriptTask|boundaryEvent|intermediateCatchEvent|"
    r'intermediateThrowEvent|exclusiveGateway|eventBasedGateway|subProcess) id="([^"]+)"'
)


def flows(*ids: str) -> str:
    """Sequence flows chaining ``ids`` in order."""
    return "".join(
        f'<bpmn:sequenceFlow id="{source}_to_{target}" sourceRef="{source}" targetRef="{target}"/>'
        for source, target in zip(ids, ids[1:])
    )


def conditional(expression: str) -> str:
    return (
        "<bpmn:conditionalEventDefinition>"
        f'<bpmn:condition xsi:type="bpmn:tFormalExpression">{escape(expression)}</bpmn:condition>'
        "</bpmn:conditionalEventDefinition>"
    )


def event(node_id: str, definition: str = "", kind: str = "endEvent", name: str | None = None) -> Node:
    """A start, end, intermediate catch or throw event with an event definition (none by default)."""
    label = f' name="{escape(name)}"' if name else ""
    return Node(node_id, f'<bpmn:{kind} id="{node_id}"{label}>{definition}</bpmn:{kind}>')


def catch(node_id: str, definition: str, name: str | None = None) -> Node:
    return event(node_id, definition, "intermediateCatchEvent", name)


def throw(node_id: str, definition: str, name: str | None = None) -> Node:
    return event(node_id, definition, "intermediateThrowEvent", name)


def on_boundary(attached_to: str, node_id: str, definition: str, *, interrupting: bool = True) -> Node:
    """A boundary event; draw its outgoing path with ``flows``."""
    cancel = "" if interrupting else ' cancelActivity="false"'
    return Node(
        node_id,
        f'<bpmn:boundaryEvent id="{node_id}" attachedToRef="{attached_to}"{cancel}>'
        f"{definition}</bpmn:boundaryEvent>",
    )


def sub_process(node_id: str, *nodes: Node, start: str = "", interrupting: bool = True) -> Node:
    """An embedded sub-process ``<id>_start -> nodes... -> <id>_end``; with ``start`` (an
    event definition) an event sub-process that this event starts."""
    triggered = ' triggeredByEvent="true"' if start else ""
    interrupt = "" if interrupting else ' isInterrupting="false"'
    chain = [f"{node_id}_start", *(node.id for node in nodes), f"{node_id}_end"]
    return Node(
        node_id,
        f'<bpmn:subProcess id="{node_id}" name="Tiểu trình {node_id}"{triggered}>'
        f'<bpmn:startEvent id="{node_id}_start"{interrupt}>{start}</bpmn:startEvent>'
        f'{"".join(node.xml for node in nodes)}<bpmn:endEvent id="{node_id}_end"/>{flows(*chain)}'
        "</bpmn:subProcess>",
    )


def gateway(node_id: str, kind: str = "eventBasedGateway") -> Node:
    return Node(node_id, f'<bpmn:{kind} id="{node_id}"/>')


def process(key: str, *nodes: Node, paths: str, codes: tuple[str, ...] = (), lane: str = "clerk") -> bytes:
    """A process of ``nodes`` joined by ``paths`` (see ``flows``), every flow node in
    ``lane``; ``codes`` declares the error and escalation codes its events refer to."""
    body = "".join(node.xml for node in nodes)
    refs = "".join(
        f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for _, node_id in _FLOW_NODE.findall(body)
    )
    declared = "".join(
        f'<bpmn:error id="error_{code.lower()}" name="{code}" errorCode="{code}"/>'
        f'<bpmn:escalation id="escalation_{code.lower()}" name="{code}" escalationCode="{code}"/>'
        for code in codes
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" '
        f'targetNamespace="http://talentflow.local/test">{declared}'
        f'<bpmn:process id="{key}" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_{lane}" name="{lane}">{refs}</bpmn:lane>'
        "</bpmn:laneSet>"
        f"{body}{paths}</bpmn:process></bpmn:definitions>"
    ).encode()


def events_bundle(bpmn: bytes, example: dict | None = None) -> Bundle:
    return bundle("probe", bpmn, example)
