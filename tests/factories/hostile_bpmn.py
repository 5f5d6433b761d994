"""The hostile-BPMN corpus: uploads that try to read server files, exhaust memory or run
code. Shared by the publishing tests (tests/integration/engine/test_hostile_bpmn_publishing.py,
their controls in tests/unit/test_hostile_bpmn.py) and the admin upload form's
(tests/integration/process_admin/test_process_admin.py)."""

from __future__ import annotations

from pathlib import Path

KEY = "hostile"
FORM_FILE = "review.schema.json"
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Xem xét",
    "type": "object",
    "additionalProperties": False,
    "properties": {"approved": {"title": "Đồng ý", "type": "boolean"}},
}
META = {"title": "Quy trình thử", "start_data_example": {"amount": 1}}
NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)
BIG = 20 * 1024 * 1024


def process_xml(
    *,
    prolog: str = "",
    documentation: str = "Bắt đầu",
    before_review: str = "",
    after_review: str = "",
    extra: str = "",
) -> bytes:
    """start -> [before_review] -> review (user task) -> [after_review] -> end.

    ``before_review``/``after_review`` are a node with id "probe" or "" for none."""
    chain = [
        "start",
        *(["probe"] if before_review else []),
        "review",
        *(["probe"] if after_review else []),
        "end",
    ]
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(chain, chain[1:]))
    )
    refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in chain)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<bpmn:definitions {NAMESPACES} id="defs" targetNamespace="http://talentflow.local/test">'
        f'<bpmn:process id="{KEY}" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_clerk" name="clerk">{refs}</bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"><bpmn:documentation>{documentation}</bpmn:documentation>'
        "</bpmn:startEvent>"
        f"{before_review}"
        '<bpmn:userTask id="review" name="Xem xét"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{FORM_FILE}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        f'{after_review}<bpmn:endEvent id="end"/>{flows}{extra}'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def script_task(script: str) -> str:
    return f'<bpmn:scriptTask id="probe" name="Tính"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


def gateway(condition: str) -> str:
    # "probe" is the gateway; its conditional flow and its default flow both reach the end.
    return (
        f'<bpmn:exclusiveGateway id="probe" default="probe_default"/>'
        f'<bpmn:endEvent id="probe_end"/>'
        f'<bpmn:sequenceFlow id="probe_if" sourceRef="probe" targetRef="probe_end">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def boundary_timer(expression: str) -> str:
    return (
        '<bpmn:boundaryEvent id="review_timer" attachedToRef="review">'
        f'<bpmn:timerEventDefinition id="review_timer_def"><bpmn:timeDuration>{expression}'
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="timer_end"/>'
        '<bpmn:sequenceFlow id="timer_flow" sourceRef="review_timer" targetRef="timer_end"/>'
    )


def touch(marker: Path) -> str:
    return f"__import__('os').system('touch {marker}')"


BILLION_LAUGHS_DTD = (
    '<!DOCTYPE bpmn:definitions [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{level} "{("&lol%d;" % (level - 1)) * 10}">\n' for level in range(1, 10))
    + "]>\n"
)


def _gateway_process(marker: Path) -> bytes:
    # The default flow of the gateway goes on to the review task.
    return process_xml(before_review=gateway(touch(marker))).replace(
        b'<bpmn:sequenceFlow id="flow_1" sourceRef="probe" targetRef="review"/>',
        b'<bpmn:sequenceFlow id="probe_default" sourceRef="probe" targetRef="review"/>',
    )


# case id -> (bpmn bytes for a marker path, fragments the rejection must contain)
CASES = {
    "external-entity": (
        lambda marker: process_xml(
            prolog='<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n',
            documentation="Máy chủ: &xxe;",
        ),
        ["hostile.bpmn", "DOCTYPE"],
    ),
    "external-dtd": (
        lambda marker: process_xml(
            prolog='<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
        ),
        ["hostile.bpmn", "DOCTYPE"],
    ),
    "billion-laughs": (
        lambda marker: process_xml(prolog=BILLION_LAUGHS_DTD, documentation="&lol9;"),
        ["hostile.bpmn", "DOCTYPE"],
    ),
    "script-import-os": (
        lambda marker: process_xml(after_review=script_task(touch(marker))),
        ["«Tính» (script task)", "rejected by the sandbox", "__import__"],
    ),
    "gateway-import-os": (
        _gateway_process,
        ["«probe» (exclusive gateway)", "Expression rejected by the sandbox", "__import__"],
    ),
    "timer-import-os": (
        lambda marker: process_xml(extra=boundary_timer(f'{touch(marker)} and "PT0S" or "PT0S"')),
        ["«review_timer» (timer event)", "rejected by the sandbox", "__import__"],
    ),
    "script-subclasses-escape": (
        lambda marker: process_xml(
            after_review=script_task(
                "found = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen']\n"
                f"found[0](['touch', '{marker}'])"
            )
        ),
        ["«Tính» (script task)", "rejected by the sandbox", "__class__"],
    ),
    "twenty-megabytes": (
        lambda marker: process_xml(documentation="a" * BIG),
        ["hostile.bpmn", "larger than the limit"],
    ),
    "not-xml": (lambda marker: b"name,amount\nreview,1\n" * 10, ["hostile.bpmn", "not well-formed XML"]),
    "empty-file": (lambda marker: b"", ["hostile.bpmn", "empty"]),
}
