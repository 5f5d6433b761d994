"""Versions of the probe process (factories.bpmn) that instances are moved between: the
version they start on, a safe change of it, and the nodes those versions are built of."""

from __future__ import annotations

import copy

from factories.bpmn import FORM, Node, boundary_timer, process_xml, user_task
from factories.dates import local

T0 = local(2026, 1, 10, 9, 0)
DEADLINE = '"2026-01-14T12:00:00+07:00"'
LATER_DEADLINE = '"2026-01-16T12:00:00+07:00"'
RELABELLED_FORM = copy.deepcopy(FORM)
RELABELLED_FORM["properties"]["note"]["title"] = "Nội dung đề xuất"


def titled(node: Node, title: str) -> Node:
    """``node`` (a user task of factories.bpmn) with another display name."""
    return Node(node.id, node.xml.replace(f'name="Việc {node.id}"', f'name="{title}"', 1))


def timer_wait(node_id: str, duration: str) -> Node:
    return Node(
        node_id,
        f'<bpmn:intermediateCatchEvent id="{node_id}"><bpmn:timerEventDefinition '
        f'id="{node_id}_def"><bpmn:timeDuration>{duration}</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
    )


def v1_bpmn(**options) -> bytes:
    """draft (with a deadline timer) -> end: the version instances start on."""
    return process_xml(
        titled(user_task("draft"), "Soạn đề xuất"),
        extra=boundary_timer("draft", "timeDate", DEADLINE),
        **options,
    )


def v2_bpmn() -> bytes:
    """The safe change: draft retitled with its deadline two days later, and a review
    step added after it (the form's label changes in the bundle's forms)."""
    return process_xml(
        titled(user_task("draft"), "Soạn và gửi đề xuất"),
        user_task("review"),
        extra=boundary_timer("draft", "timeDate", LATER_DEADLINE),
    )
