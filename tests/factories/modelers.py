"""Files as other modelers export them (tests/fixtures/modelers/, see its README): the manifest
of what each must become, what an admin does to finish an imported draft (a role for every lane,
a form for every user task, conditions for gateways drawn without any) and driving the published
processes to their end in simulated time."""

from __future__ import annotations

import json
import re

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.contracts import FORM_PROPERTY, SPIFF
from engine.models import HumanTask, ProcessInstance
from engine.serializer import load_workflow
from engine.workflow_tasks import all_tasks
from factories import FIXTURES
from services.identity import COUNCIL_MEMBER, TALENT, task_roles
from services.process_admin import draft_of, publish_draft, save_draft

CORPUS = FIXTURES / "modelers"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_FILE = "modelers.schema.json"
# The smallest form an admin gives a task drawn elsewhere: one optional note.
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Phiếu xử lý",
    "type": "object",
    "additionalProperties": False,
    "properties": {"ghi_chu": {"title": "Ghi chú", "type": "string", "maxLength": 200}},
}
DATA = {"ghi_chu": "Đã xem"}
# Lanes become roles that people hold in their unit (council members and talents are personal).
ROLES = [role for role in task_roles() if role not in (COUNCIL_MEMBER, TALENT)]
# Top-level children of a process that are not flow nodes (no lane holds them).
NOT_FLOW_NODES = {
    "sequenceFlow",
    "laneSet",
    "extensionElements",
    "documentation",
    "association",
    "textAnnotation",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "ioSpecification",
    "property",
}
BARE_DURATION = re.compile(r"P[0-9YMWDTHS.]+")


def _q(tag: str) -> str:
    return f"{{{BPMN}}}{tag}"


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


# ------------------------------------------------------------------ finishing a draft


def finished_bpmn(bpmn: str) -> str:
    """The draft as an admin completes it in the editor, nothing else changed."""
    root = etree.fromstring(bpmn.encode("utf-8"))
    for process in root.iter(_q("process")):
        for task in process.iter(_q("task"), _q("manualTask")):  # a person does it: a user task
            task.tag = _q("userTask")
        _lanes(process)
        for task in process.iter(_q("userTask")):
            _form(task)
        for gateway in process.iter(_q("exclusiveGateway"), _q("inclusiveGateway")):
            _conditions(gateway)
        for expression in process.iter(_q("timeDuration"), _q("timeDate"), _q("timeCycle")):
            if expression.text and BARE_DURATION.fullmatch(expression.text.strip()):
                expression.text = f'"{expression.text.strip()}"'  # a Python string (bpmn/README.md)
    return etree.tostring(root, encoding="unicode")


def _lanes(process) -> None:
    lane_set = process.find(_q("laneSet"))
    if lane_set is None:
        lane_set = etree.Element(_q("laneSet"), id=f"{process.get('id')}_lanes")
        process.insert(0, lane_set)
    lanes = lane_set.findall(_q("lane"))
    if not lanes:
        lanes = [etree.SubElement(lane_set, _q("lane"), id=f"{process.get('id')}_lane")]
    for index, lane in enumerate(lanes):
        lane.set("name", ROLES[index % len(ROLES)])
    held = {ref.text for ref in lane_set.iter(_q("flowNodeRef"))}
    for node in process:
        if _local(node) not in NOT_FLOW_NODES and node.get("id") and node.get("id") not in held:
            etree.SubElement(lanes[0], _q("flowNodeRef")).text = node.get("id")


def _form(task) -> None:
    extensions = task.find(_q("extensionElements"))
    if extensions is None:
        extensions = etree.Element(_q("extensionElements"))
        documentation = task.find(_q("documentation"))
        task.insert(0 if documentation is None else 1, extensions)
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    for prop in properties.findall(f"{{{SPIFF}}}property"):
        if prop.get("name") == FORM_PROPERTY:
            properties.remove(prop)
    etree.SubElement(properties, f"{{{SPIFF}}}property", name=FORM_PROPERTY, value=FORM_FILE)


def _conditions(gateway) -> None:
    """A gateway drawn without conditions: its first flow becomes the default, the others
    are never taken."""
    flows = [
        flow
        for flow in gateway.getparent().findall(_q("sequenceFlow"))
        if flow.get("sourceRef") == gateway.get("id")
    ]
    if (
        len(flows) < 2
        or gateway.get("default")
        or any(flow.find(_q("conditionExpression")) is not None for flow in flows)
    ):
        return
    gateway.set("default", flows[0].get("id"))
    for flow in flows[1:]:
        etree.SubElement(flow, _q("conditionExpression")).text = "False"


def finish_and_publish(services, actor_id: int, keys: list[str]) -> None:
    """Each imported draft finished, saved without a problem left, and published."""
    for key in keys:
        with services.db.transaction() as session:
            draft = draft_of(session, key)
            problems = save_draft(
                session,
                services.runtime,
                actor_id,
                key,
                finished_bpmn(draft.bpmn),
                {**draft.forms, FORM_FILE: FORM},
                draft.meta,
                services.clock.now(),
            )
        assert not problems, f"{key}: problems left after finishing the draft: {[str(p) for p in problems]}"
        with services.db.transaction() as session:
            publish_draft(session, services.runtime, actor_id, key, services.clock.now())


# ------------------------------------------------------------------ running to the end


def _definitions(services, keys: list[str]) -> list:
    with services.db.read() as session:
        return [
            etree.fromstring(services.runtime.latest(session, key).bpmn_xml.encode("utf-8")) for key in keys
        ]


def startable(services, keys: list[str]) -> list[str]:
    """The processes an officer starts: those with a start event that waits for nothing."""
    found = []
    for key, root in zip(keys, _definitions(services, keys), strict=True):
        for process in root.iter(_q("process")):
            starts = process.findall(_q("startEvent"))
            if any(not any(_local(child).endswith("EventDefinition") for child in start) for start in starts):
                found.append(key)
    return found


def messages_from_outside(services, keys: list[str]) -> list[str]:
    """The names of the messages some process waits for and none of them sends: they come
    from outside (a black-box pool, another system)."""
    caught, thrown = set(), set()
    for root in _definitions(services, keys):
        names = {
            message.get("id"): message.get("name") or message.get("id")
            for message in root.iter(_q("message"))
        }
        for definition in root.iter(_q("messageEventDefinition")):
            event = _local(definition.getparent())
            side = thrown if event in ("intermediateThrowEvent", "endEvent") else caught
            side.add(names.get(definition.get("messageRef"), definition.get("messageRef")))
        for task in root.iter(_q("sendTask"), _q("receiveTask")):
            side = thrown if _local(task) == "sendTask" else caught
            side.add(names.get(task.get("messageRef"), task.get("messageRef")))
    return sorted(name for name in caught - thrown if name)


def run_to_end(services, keys: list[str], rounds: int = 30) -> None:
    """Start what an officer starts, then each round: complete every ready task, deliver the
    inbox; when nothing moved, send the messages that come from outside (once), else move
    the clock a day and fire the due timers; until every instance of ``keys`` is completed."""
    for key in startable(services, keys):
        with services.db.transaction() as session:
            services.runtime.start(session, key, {}, lane_orgs={}, at=services.clock.now())
    outside, sent = messages_from_outside(services, keys), False
    for _round in range(rounds):
        moved = _complete_ready_tasks(services, keys) + services.deliver_inbox(services.clock.now()).delivered
        instances = _instances(services, keys)
        failed = [row for row in instances if row.status == "error"]
        assert not failed, _state(services, keys)
        if instances and all(row.status == "completed" for row in instances):
            return
        if moved:
            continue
        if outside and not sent:
            for name in outside:
                with services.db.transaction() as session:
                    services.runtime.send_message(session, name, {}, {}, at=services.clock.now())
            sent = True
            continue
        services.clock.advance(days=1)
        services.fire_timers(services.clock.now())
    raise AssertionError(f"not completed after {rounds} rounds\n" + _state(services, keys))


def _complete_ready_tasks(services, keys: list[str]) -> int:
    with services.db.read() as session:
        ready = list(
            session.scalars(
                select(HumanTask.id)
                .where(HumanTask.process_key.in_(keys), HumanTask.status == "ready")
                .order_by(HumanTask.instance_id, HumanTask.task_name)
            )
        )
    for task_id in ready:
        with services.db.transaction() as session:
            services.runtime.complete_task(
                session, task_id, dict(DATA), user_id=None, at=services.clock.now()
            )
    return len(ready)


def _instances(services, keys: list[str]) -> list[ProcessInstance]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(ProcessInstance)
                .where(ProcessInstance.process_key.in_(keys))
                .order_by(ProcessInstance.id)
            )
        )


def _state(services, keys: list[str]) -> str:
    """Each instance: its status, error, task rows and the workflow's unfinished elements."""
    lines = []
    with services.db.read() as session:
        for row in _instances(services, keys):
            compiled = services.runtime.specs.by_id(session, row.definition_id)
            workflow = load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs)
            waiting = sorted(
                f"{task.task_spec.bpmn_name or task.task_spec.name}: {TaskState.get_name(task.state)}"
                for task in all_tasks(workflow)
                if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.ERROR)
            )
            tasks = session.execute(
                select(HumanTask.task_name, HumanTask.status).where(HumanTask.instance_id == row.id)
            ).all()
            lines.append(
                f"- {row.process_key} #{row.id}: {row.status} {row.error_message or ''}\n"
                f"  task rows: {tasks}\n  unfinished: {waiting}"
            )
    return "\n".join(lines) or "no instance started"
