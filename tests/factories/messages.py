"""Small bundles for messages and signals between instances: processes drawn as plain
sequences (factories.bpmn.process_xml), with the bpmn:message declarations, their
correlation and their buffer at the definitions level."""

from __future__ import annotations

from engine.definitions import Bundle
from factories.bpmn import NAMESPACES, Node, process_xml
from factories.calls import bundle


def message_declaration(
    name: str,
    payload: str | None = None,
    buffer: str | None = None,
    variable: str = "received",
    receiver: str | None = None,
) -> str:
    """A bpmn:message; ``payload`` is the expression a sender gives, ``variable`` where a
    receiver finds it, ``buffer`` how long a message nothing waits for is kept (ISO 8601),
    ``receiver="outside"`` that it leaves the product."""
    properties = {"buffer": buffer, "receiver": receiver}
    declared = "".join(
        f'<spiffworkflow:property name="{key}" value="{value}"/>'
        for key, value in properties.items()
        if value
    )
    extension = "".join(
        [
            f"<spiffworkflow:messagePayload>{payload}</spiffworkflow:messagePayload>" if payload else "",
            f"<spiffworkflow:messageVariable>{variable}</spiffworkflow:messageVariable>",
            f"<spiffworkflow:properties>{declared}</spiffworkflow:properties>" if declared else "",
        ]
    )
    return (
        f'<bpmn:message id="msg_{name}" name="{name}">'
        f"<bpmn:extensionElements>{extension}</bpmn:extensionElements></bpmn:message>"
    )


def correlation(key: str, prop: str, *messages: str) -> str:
    """A collaboration's correlation key on one property, read as ``prop`` from each message."""
    expressions = "".join(
        f'<bpmn:correlationPropertyRetrievalExpression messageRef="msg_{message}">'
        f"<bpmn:formalExpression>{prop}</bpmn:formalExpression>"
        "</bpmn:correlationPropertyRetrievalExpression>"
        for message in messages
    )
    return (
        f'<bpmn:collaboration id="collab"><bpmn:correlationKey name="{key}">'
        f"<bpmn:correlationPropertyRef>{prop}</bpmn:correlationPropertyRef></bpmn:correlationKey>"
        f'</bpmn:collaboration><bpmn:correlationProperty id="{prop}" name="{prop}">{expressions}'
        "</bpmn:correlationProperty>"
    )


def with_declarations(bpmn: bytes, *declarations: str) -> bytes:
    """A process_xml with definitions-level declarations (messages, correlation, signals)."""
    text = bpmn.decode()
    head = 'targetNamespace="http://talentflow.local/test">'
    return text.replace(head, head + "".join(declarations), 1).encode()


def throw(node_id: str, message: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:intermediateThrowEvent id="{node_id}" name="Gửi {message}">'
        f'<bpmn:messageEventDefinition messageRef="msg_{message}"/></bpmn:intermediateThrowEvent>',
    )


def catch(node_id: str, message: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:intermediateCatchEvent id="{node_id}" name="Chờ {message}">'
        f'<bpmn:messageEventDefinition messageRef="msg_{message}"/></bpmn:intermediateCatchEvent>',
    )


def signal_declaration(name: str) -> str:
    return f'<bpmn:signal id="sig_{name}" name="{name}"/>'


def signal_throw(node_id: str, signal: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:intermediateThrowEvent id="{node_id}" name="Phát {signal}">'
        f'<bpmn:signalEventDefinition signalRef="sig_{signal}"/></bpmn:intermediateThrowEvent>',
    )


def signal_catch(node_id: str, signal: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:intermediateCatchEvent id="{node_id}" name="Chờ {signal}">'
        f'<bpmn:signalEventDefinition signalRef="sig_{signal}"/></bpmn:intermediateCatchEvent>',
    )


def message_bundle(
    key: str, *nodes: Node, declarations: tuple[str, ...] = (), example: dict | None = None
) -> Bundle:
    return bundle(key, with_declarations(process_xml(*nodes, key=key), *declarations), example)


def message_ref(message: str) -> str:
    return f'<bpmn:messageEventDefinition messageRef="msg_{message}"/>'


def signal_ref(signal: str) -> str:
    return f'<bpmn:signalEventDefinition signalRef="sig_{signal}"/>'


def starting_on(bpmn: bytes, definition: str) -> bytes:
    """The process with its start event catching ``definition`` (message_ref, signal_ref)."""
    return bpmn.replace(
        b'<bpmn:startEvent id="start"/>',
        f'<bpmn:startEvent id="start">{definition}</bpmn:startEvent>'.encode(),
        1,
    )


def ending_with(bpmn: bytes, definition: str) -> bytes:
    """The process with its end event throwing ``definition``."""
    return bpmn.replace(
        b'<bpmn:endEvent id="end"/>', f'<bpmn:endEvent id="end">{definition}</bpmn:endEvent>'.encode(), 1
    )


def send_task(node_id: str, message: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:sendTask id="{node_id}" name="Gửi {message}" messageRef="msg_{message}"/>',
    )


def receive_task(node_id: str, message: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:receiveTask id="{node_id}" name="Nhận {message}" messageRef="msg_{message}"/>',
    )


def event_gateway(key: str, message: str, wait: str, declarations: tuple[str, ...]) -> bytes:
    """start -> event-based gateway -> the message (end "by_message") or a timer of
    ``wait`` (end "by_timer"), whichever comes first."""
    refs = "".join(
        f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>"
        for node in ("start", "gateway", "on_message", "on_timer", "by_message", "by_timer")
    )
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{source}_{target}" sourceRef="{source}" targetRef="{target}"/>'
        for source, target in (
            ("start", "gateway"),
            ("gateway", "on_message"),
            ("gateway", "on_timer"),
            ("on_message", "by_message"),
            ("on_timer", "by_timer"),
        )
    )
    body = (
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_clerk" name="clerk">{refs}</bpmn:lane></bpmn:laneSet>'
        '<bpmn:startEvent id="start"/><bpmn:eventBasedGateway id="gateway" name="Chờ"/>'
        f'<bpmn:intermediateCatchEvent id="on_message" name="Trả lời">{message_ref(message)}'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:intermediateCatchEvent id="on_timer" name="Hết hạn"><bpmn:timerEventDefinition>'
        f'<bpmn:timeDuration>"{wait}"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="by_message"/><bpmn:endEvent id="by_timer"/>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs" '
        f'targetNamespace="http://talentflow.local/test">{"".join(declarations)}'
        f'<bpmn:process id="{key}" isExecutable="true">{body}{flows}</bpmn:process></bpmn:definitions>'
    ).encode()


def due_timer(node_id: str = "due") -> Node:
    """An intermediate timer due at the instance's ``deadline``."""
    return Node(
        node_id,
        f'<bpmn:intermediateCatchEvent id="{node_id}" name="Đến hạn"><bpmn:timerEventDefinition>'
        "<bpmn:timeDate>deadline</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
    )
