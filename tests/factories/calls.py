"""Small bundles for call activities: a caller and the processes it calls, drawn as
plain sequences with optional boundary events, error and escalation events."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from engine.definitions import Bundle
from factories.bpmn import FORM, FORM_FILE, NAMESPACES, Node, user_task

SCORE_FORM_FILE = "score.schema.json"
SCORE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Chấm điểm",
    "type": "object",
    "additionalProperties": False,
    "required": ["score"],
    "properties": {"score": {"title": "Điểm", "type": "integer", "minimum": 0, "maximum": 100}},
}
FORMS = {FORM_FILE: FORM, SCORE_FORM_FILE: SCORE_FORM}


def call_activity(
    node_id: str,
    called: str,
    inputs: dict[str, str] | None = None,
    outputs: dict[str, str] | None = None,
    loop: str = "",
    version: int | None = None,
    lanes: dict[str, str] | None = None,
) -> Node:
    """A call activity; ``loop`` is a multi-instance's inner XML (see ``loop_xml``)."""
    properties = {
        **{f"in.{name}": value for name, value in (inputs or {}).items()},
        **{f"out.{name}": value for name, value in (outputs or {}).items()},
        **{f"lane.{name}": value for name, value in (lanes or {}).items()},
        **({"calledVersion": str(version)} if version else {}),
    }
    extension = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        + "".join(
            f"<spiffworkflow:property name={quoteattr(name)} value={quoteattr(value)}/>"
            for name, value in properties.items()
        )
        + "</spiffworkflow:properties></bpmn:extensionElements>"
        if properties
        else ""
    )
    return Node(
        node_id,
        f'<bpmn:callActivity id="{node_id}" name="Gọi {node_id}" calledElement="{called}">'
        f"{extension}{loop}</bpmn:callActivity>",
    )


def loop_xml(
    *,
    sequential: bool = False,
    cardinality: str | None = None,
    collection: str | None = None,
    item: str | None = None,
    output_collection: str | None = None,
    output_item: str | None = None,
    condition: str | None = None,
) -> str:
    parts = [
        f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>" if cardinality else "",
        f"<bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef>" if collection else "",
        f"<bpmn:loopDataOutputRef>{output_collection}</bpmn:loopDataOutputRef>" if output_collection else "",
        f'<bpmn:inputDataItem id="{item}" name="{item}"/>' if item else "",
        f'<bpmn:outputDataItem id="{output_item}" name="{output_item}"/>' if output_item else "",
        f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition else "",
    ]
    sequential_attribute = ' isSequential="true"' if sequential else ""
    tag = "bpmn:multiInstanceLoopCharacteristics"
    return f"<{tag}{sequential_attribute}>{''.join(parts)}</{tag}>"


def scored_task(node_id: str, loop: str = "") -> Node:
    """A user task whose form asks for a score; ``loop`` makes it multi-instance."""
    task = user_task(node_id, SCORE_FORM_FILE)
    return Node(node_id, task.xml.replace("</bpmn:userTask>", f"{loop}</bpmn:userTask>"))


def boundary(attached_to: str, name: str, definition: str, *, interrupting: bool = True, then: Node) -> Node:
    """A boundary event on ``attached_to`` leading through ``then`` to an end of its own."""
    cancel = "" if interrupting else ' cancelActivity="false"'
    return Node(
        name,
        f'<bpmn:boundaryEvent id="{name}" attachedToRef="{attached_to}"{cancel}>'
        f"{definition}</bpmn:boundaryEvent>"
        f'{then.xml}<bpmn:endEvent id="{name}_end"/>'
        f'<bpmn:sequenceFlow id="{name}_in" sourceRef="{name}" targetRef="{then.id}"/>'
        f'<bpmn:sequenceFlow id="{name}_out" sourceRef="{then.id}" targetRef="{name}_end"/>',
    )


def timer(duration: str) -> str:
    duration_xml = f'<bpmn:timeDuration>"{duration}"</bpmn:timeDuration>'
    return f"<bpmn:timerEventDefinition>{duration_xml}</bpmn:timerEventDefinition>"


def error_catch(code: str) -> str:
    return f'<bpmn:errorEventDefinition errorRef="error_{code.lower()}"/>'


def escalation_catch(code: str) -> str:
    return f'<bpmn:escalationEventDefinition escalationRef="escalation_{code.lower()}"/>'


def process(
    key: str,
    *nodes: Node,
    end: str = '<bpmn:endEvent id="end"/>',
    side: tuple[Node, ...] = (),
    codes: tuple[str, ...] = (),
    lane: str = "clerk",
) -> bytes:
    """start -> nodes... -> the end event ``end`` (whose id must be "end"), plus ``side``
    nodes (boundary events and their paths); every node in one lane. ``codes`` declares
    the error and escalation codes the events refer to."""
    chain = ["start", *(node.id for node in nodes), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{source}" targetRef="{target}"/>'
        for i, (source, target) in enumerate(zip(chain, chain[1:]))
    )
    side_ids = [
        node_id
        for kind, node_id in re.findall(r'<bpmn:(\w+) id="([^"]+)"', "".join(node.xml for node in side))
        if kind in ("boundaryEvent", "userTask", "scriptTask", "endEvent")
    ]
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id in chain + side_ids)
    declared = "".join(
        f'<bpmn:error id="error_{code.lower()}" name="{code}" errorCode="{code}"/>'
        f'<bpmn:escalation id="escalation_{code.lower()}" name="{code}" escalationCode="{code}"/>'
        for code in codes
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs" '
        f'targetNamespace="http://talentflow.local/test">{declared}'
        f'<bpmn:process id="{key}" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_{lane}" name="{lane}">{refs}</bpmn:lane>'
        "</bpmn:laneSet>"
        f'<bpmn:startEvent id="start"/>{"".join(node.xml for node in nodes)}{end}'
        f"{''.join(node.xml for node in side)}{flows}"
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def error_end(code: str) -> str:
    return f'<bpmn:endEvent id="end" name="Từ chối">{error_catch(code)}</bpmn:endEvent>'


def escalation_throw(node_id: str, code: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:intermediateThrowEvent id="{node_id}" name="Báo chậm">{escalation_catch(code)}'
        "</bpmn:intermediateThrowEvent>",
    )


def bundle(key: str, bpmn: bytes, example: dict | None = None) -> Bundle:
    return Bundle(
        key=key,
        bpmn=bpmn,
        forms=dict(FORMS),
        meta={"title": f"Quy trình {key}", "start_data_example": example or {}},
    )
