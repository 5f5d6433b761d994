"""A .bpmn file from elsewhere (Camunda Modeler, bpmn.io, Signavio, Bizagi, spiff-arena...)
made ready to become processes of ours: generated ids become meaningful snake_case names,
each executable pool of a collaboration becomes a process of its own, and what
SpiffWorkflow cannot read as drawn is normalised. Whether a process can run is decided
afterwards by the definition checks (engine.definitions)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml import etree

from engine.contracts import SPIFF, kind_word
from engine.definitions import MEANINGFUL_ID, REFUSED_ELEMENTS, UNSUPPORTED, Problem, about
from engine.diagram import ensure_diagram
from engine.errors import DefinitionRejected
from engine.messages import Message
from engine.messaging import OUTSIDE, RECEIVER
from engine.text import fold
from engine.xml_safety import read_untrusted_xml

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN_DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_B = f"{{{BPMN_MODEL}}}"
# Attributes typed IDREF or QName-of-an-element in the BPMN 2.0 / BPMN DI schemas.
REFERENCE_ATTRIBUTES = frozenset(
    (
        "sourceRef targetRef default attachedToRef processRef messageRef signalRef errorRef "
        "escalationRef calledElement bpmnElement sourceElement targetElement dataObjectRef "
        "dataStoreRef itemSubjectRef operationRef inMessageRef outMessageRef categoryValueRef "
        "correlationKeyRef partitionElementRef participantRef definitionalCollaborationRef "
        "choreographyRef interfaceRef activityRef conditionRef labelStyle evaluatesToTypeRef "
        "parameterRef resourceRef"
    ).split()
)
# Elements whose text is an IDREF in the BPMN 2.0 schema.
REFERENCE_ELEMENTS = frozenset(
    (
        "incoming outgoing sourceRef targetRef flowNodeRef dataInputRefs dataOutputRefs "
        "optionalInputRefs optionalOutputRefs whileExecutingInputRefs whileExecutingOutputRefs "
        "inputSetRefs outputSetRefs correlationPropertyRef eventDefinitionRef supportedInterfaceRef "
        "participantRef innerParticipantRef outerParticipantRef messageFlowRef interfaceRef "
        "resourceRef categoryValueRef processRef innerMessageFlowRef outerMessageFlowRef "
        "correlationKeyRef"
    ).split()
)
FLOW_NODE_KINDS = ("Task", "task", "Event", "Gateway", "subProcess", "SubProcess", "callActivity")
COMPENSATION_TASK = Message("compensation task")
MAX_ID_LENGTH = 40


@dataclass(frozen=True)
class Renaming:
    old: str
    new: str
    label: str
    kind: str


@dataclass(frozen=True)
class ImportedProcess:
    key: str
    bpmn: bytes
    title: str


@dataclass(frozen=True)
class ImportPlan:
    processes: list[ImportedProcess]
    renamed: list[Renaming]
    notes: list[Message]
    collaboration: str | None


def prepare_import(data: bytes, key: str | None, filename: str = "upload.bpmn") -> ImportPlan:
    """What an uploaded file becomes; raises DefinitionRejected for what stays refused
    (unsafe XML, not BPMN, compensation, link events, transactions)."""
    tree, encoding = read_untrusted_xml(data, name=filename)
    notes: list[Message] = []
    if encoding is not None:
        notes.append(
            Message("The file was encoded as %(encoding)s; it was converted to UTF-8.", encoding=encoding)
        )
    root = tree.getroot()
    if root.tag != f"{_B}definitions" or root.find(f"{_B}process") is None:
        raise DefinitionRejected(
            Message("%(file)s is not a BPMN file: it has no BPMN process.", file=filename)
        )
    _refuse_what_cannot_run(root, filename)
    pools = _executable_pools(root)
    names = _process_names(root, pools, key, filename)
    renamed = _rename_ids(root, names)
    notes += _normalise(root)
    notes += _messages_leaving(root, pools)
    collaboration = root.find(f"{_B}collaboration")
    several = len(pools) > 1
    processes = [_one_process(tree, process, title) for process, title in _with_titles(root, pools)]
    label = (collaboration.get("name") or "") if several and collaboration is not None else None
    return ImportPlan(processes, renamed, notes, label)


def _refuse_what_cannot_run(root, filename: str) -> None:
    problems = []
    for element in root.iter(f"{_B}*"):
        kind = etree.QName(element).localname
        # An event definition is part of its event, which the admin knows by its label.
        owner = element.getparent() if kind.endswith("EventDefinition") else element
        label = " ".join((owner.get("name") or "").split()) or owner.get("id") or ""
        if kind in REFUSED_ELEMENTS:  # nothing here runs them: refused
            word = kind_word(kind)
        elif element.get("isForCompensation") == "true":
            word = COMPENSATION_TASK
        else:
            continue
        problems.append(Problem(about(label, word, UNSUPPORTED), owner.get("id"), unsupported=True))
    if problems:
        raise DefinitionRejected(
            Message("%(file)s uses elements that cannot run here", file=filename), problems
        )


def _has_flow_nodes(process) -> bool:
    return any(etree.QName(child).localname.endswith(FLOW_NODE_KINDS) for child in process)


def _executable_pools(root) -> list:
    """The processes to import: those with flow nodes; when some say isExecutable="true"
    and others "false", only the true ones."""
    drawn = [process for process in root.findall(f"{_B}process") if _has_flow_nodes(process)]
    drawn = drawn or root.findall(f"{_B}process")[:1]
    marked = [process for process in drawn if process.get("isExecutable") == "true"]
    if marked and any(process.get("isExecutable") == "false" for process in drawn):
        return marked
    return drawn


def _with_titles(root, pools):
    participants = {p.get("processRef"): p for p in root.iter(f"{_B}participant")}
    for process in pools:
        participant = participants.get(process.get("id"))
        title = (participant.get("name") if participant is not None else None) or process.get("name") or ""
        yield process, " ".join(title.split())


def _process_names(root, pools, key: str | None, filename: str) -> dict[str, str]:
    """The id each imported process gets: its key (from the pool's name, else the file's)."""
    if len(pools) == 1 and key:
        return {pools[0].get("id"): key}
    names: dict[str, str] = {}
    # Not a name an element already has (a task called like its pool).
    taken = {
        element.get("id")
        for element in root.iter(f"{_B}*")
        if element.tag != f"{_B}process" and MEANINGFUL_ID.fullmatch(element.get("id") or "")
    }
    for process, title in _with_titles(root, pools):
        old = process.get("id")
        if MEANINGFUL_ID.fullmatch(old or "") and len(pools) == 1:
            names[old] = old
        else:
            stem = filename.rsplit("/", 1)[-1].removesuffix(".bpmn")
            names[old] = _unique(_snake(title) or _snake(stem) or "process", taken)
        taken.add(names[old])
    return names


def _snake(label: str) -> str:
    words = "".join(char if char.isalnum() and char.isascii() else " " for char in fold(label)).split()
    name = ""
    for word in words:
        if len(name) + len(word) + 1 > MAX_ID_LENGTH:
            break
        name = f"{name}_{word}" if name else word
    if name and not name[0].isalpha():
        name = f"n_{name}"
    return name[:MAX_ID_LENGTH] if MEANINGFUL_ID.fullmatch(name[:MAX_ID_LENGTH]) else ""


def _kind_name(kind: str) -> str:
    """userTask -> user_task, BPMNDiagram -> bpmn_diagram."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", kind).lower()


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def _rename_ids(root, names: dict[str, str]) -> list[Renaming]:
    """Give every generated id a meaningful name and rewrite every reference to it."""
    with_ids = [element for element in root.iter() if isinstance(element.tag, str) and element.get("id")]
    keep = {element.get("id") for element in with_ids if MEANINGFUL_ID.fullmatch(element.get("id"))}
    keep -= set(names)
    taken = keep | set(names.values())
    mapping = dict(names)
    flows, shapes = [], []
    for element in with_ids:
        old = element.get("id")
        if old in keep or old in mapping:
            continue
        namespace = etree.QName(element).namespace
        if element.get("bpmnElement") is not None and namespace != BPMN_MODEL:
            shapes.append(element)
        elif element.get("sourceRef") is not None and not element.get("name"):
            flows.append(element)
        else:
            kind = _kind_name(etree.QName(element).localname)
            mapping[old] = _unique(_snake(element.get("name") or "") or kind, taken)
            taken.add(mapping[old])
    for flow in flows:  # named after their ends, once those have their names
        ends = [mapping.get(flow.get(side), flow.get(side)) for side in ("sourceRef", "targetRef")]
        name = _snake(f"flow from {ends[0]} to {ends[1]}") or "flow"
        mapping[flow.get("id")] = _unique(name, taken)
        taken.add(mapping[flow.get("id")])
    for shape in shapes:
        target = mapping.get(shape.get("bpmnElement"), shape.get("bpmnElement"))
        mapping[shape.get("id")] = _unique(f"{target}_di", taken)
        taken.add(mapping[shape.get("id")])
    renamed = []
    for element in with_ids:
        old = element.get("id")
        if mapping.get(old, old) != old:
            element.set("id", mapping[old])
            renamed.append(
                Renaming(
                    old,
                    mapping[old],
                    " ".join((element.get("name") or "").split()),
                    etree.QName(element).localname,
                )
            )
    _rewrite_references(root, mapping)
    return renamed


def _renamed(value: str, mapping: dict[str, str]) -> str:
    # QName references may carry a namespace prefix (tns:Message_1).
    prefix, _, local = value.rpartition(":")
    if local in mapping:
        return f"{prefix}:{mapping[local]}" if prefix else mapping[local]
    return value


def _rewrite_references(root, mapping: dict[str, str]) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in REFERENCE_ATTRIBUTES.intersection(element.attrib):
            element.set(attribute, _renamed(element.get(attribute), mapping))
        if etree.QName(element).localname in REFERENCE_ELEMENTS and element.text and len(element) == 0:
            element.text = _renamed(element.text.strip(), mapping)


def _normalise(root) -> list[Message]:
    notes = []
    for process in root.iter(f"{_B}process"):
        if process.get("isExecutable") != "true" and _has_flow_nodes(process):
            process.set("isExecutable", "true")
            notes.append(
                Message(
                    "«%(process)s» was marked executable.", process=process.get("name") or process.get("id")
                )
            )
    taken = {element.get("id") for element in root.iter() if isinstance(element.tag, str)}
    shapes = {shape.get("bpmnElement"): shape for shape in root.iter(f"{{{BPMN_DI}}}BPMNShape")}
    for container in [*root.iter(f"{_B}process"), *root.iter(f"{_B}subProcess")]:
        notes += _split_outgoing(container, taken, shapes)
    return notes


def _messages_leaving(root, pools) -> list[Message]:
    """A message flow to a pool that is not imported (a black box: the citizen, another
    agency) carries a message nothing here receives: its bpmn:message is declared as
    leaving the product, so that sending it does not refuse the sender (engine.messaging)."""
    imported = {process.get("id") for process in pools}
    owner = {}  # element id -> the process id it belongs to, or the black-box participant's id
    for participant in root.iter(f"{_B}participant"):
        owner[participant.get("id")] = participant.get("processRef") or participant.get("id")
    for process in root.iter(f"{_B}process"):
        owner.update({node.get("id"): process.get("id") for node in process.iter() if node.get("id")})
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    notes = []
    for flow in root.iter(f"{_B}messageFlow"):
        if owner.get(flow.get("targetRef")) in imported:
            continue
        source = by_id.get(flow.get("sourceRef"))
        sent = [flow.get("messageRef")] if flow.get("messageRef") else []
        if source is not None:
            sent += [node.get("messageRef") for node in source.iter() if node.get("messageRef")]
        receiver = by_id.get(flow.get("targetRef"))
        for message in (by_id.get(ref) for ref in sent):
            if message is not None and message.tag == f"{_B}message" and _declare_leaving(message):
                notes.append(
                    Message(
                        "«%(message)s» goes to «%(receiver)s», which has no process here: "
                        "sending it does not wait for anyone.",
                        message=message.get("name") or message.get("id"),
                        receiver=(receiver.get("name") if receiver is not None else None)
                        or flow.get("targetRef"),
                    )
                )
    return notes


def _declare_leaving(message) -> bool:
    extensions = message.find(f"{_B}extensionElements")
    if extensions is None:
        extensions = etree.SubElement(message, f"{_B}extensionElements")
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    if any(prop.get("name") == RECEIVER for prop in properties):
        return False
    etree.SubElement(properties, f"{{{SPIFF}}}property", name=RECEIVER, value=OUTSIDE)
    return True


def _split_outgoing(container, taken: set, shapes: dict) -> list[Message]:
    """SpiffWorkflow refuses a task or event with several outgoing flows: a parallel
    gateway (inclusive when a flow has a condition) takes them after it."""
    flows: dict[str, list] = {}
    for flow in container.findall(f"{_B}sequenceFlow"):
        flows.setdefault(flow.get("sourceRef"), []).append(flow)
    notes = []
    for node in list(container):
        kind = etree.QName(node).localname
        outgoing = flows.get(node.get("id"), [])
        if len(outgoing) < 2 or kind.endswith("Gateway"):
            continue
        conditional = any(flow.find(f"{_B}conditionExpression") is not None for flow in outgoing)
        gateway_kind = "inclusiveGateway" if conditional else "parallelGateway"
        gateway_id = _unique(f"{node.get('id')}_split", taken)
        flow_id = _unique(f"flow_from_{node.get('id')}_to_split", taken)
        taken |= {gateway_id, flow_id}
        gateway = etree.Element(f"{_B}{gateway_kind}", id=gateway_id)
        etree.SubElement(gateway, f"{_B}incoming").text = flow_id
        for flow in outgoing:
            flow.set("sourceRef", gateway_id)
            etree.SubElement(gateway, f"{_B}outgoing").text = flow.get("id")
            if node.get("default") == flow.get("id"):
                gateway.set("default", flow.get("id"))
        node.attrib.pop("default", None)
        for reference in node.findall(f"{_B}outgoing"):
            node.remove(reference)
        etree.SubElement(node, f"{_B}outgoing").text = flow_id
        node.addnext(gateway)
        link = etree.Element(f"{_B}sequenceFlow", id=flow_id, sourceRef=node.get("id"), targetRef=gateway_id)
        gateway.addnext(link)
        _draw_gateway(shapes.get(node.get("id")), gateway_id, flow_id)
        label = node.get("name") or node.get("id")
        notes.append(
            Message(
                "A gateway was added after «%(element)s», which had several outgoing flows.", element=label
            )
        )
    return notes


def _draw_gateway(shape, gateway_id: str, flow_id: str) -> None:
    bounds = shape.find(f"{{{DC}}}Bounds") if shape is not None else None
    if shape is None or bounds is None:
        return  # no diagram to add to: ensure_diagram draws one
    x = float(bounds.get("x", 0)) + float(bounds.get("width", 0)) + 10
    y = float(bounds.get("y", 0)) + float(bounds.get("height", 0)) / 2 - 18
    gateway = etree.Element(f"{{{BPMN_DI}}}BPMNShape", id=f"{gateway_id}_di", bpmnElement=gateway_id)
    etree.SubElement(gateway, f"{{{DC}}}Bounds", x=str(x), y=str(y), width="36", height="36")
    edge = etree.Element(f"{{{BPMN_DI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    for point_x in (x - 10, x):
        etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(point_x), y=str(y + 18))
    shape.addnext(gateway)
    gateway.addnext(edge)


def _keep_participant(document, collaboration, key: str) -> None:
    """The collaboration with the participant of process ``key`` only (none: no collaboration)."""
    ours = [p for p in collaboration.findall(f"{_B}participant") if p.get("processRef") == key]
    for child in list(collaboration):
        kind = etree.QName(child).localname
        if kind in ("messageFlow", "conversation", "conversationLink") or (
            kind == "participant" and child not in ours
        ):
            collaboration.remove(child)
    if not ours:
        document.remove(collaboration)


def _one_process(tree, process, title: str) -> ImportedProcess:
    """A copy of the document with this process only, the collaboration reduced to its
    participant (its correlation keys kept, so message correlation still works) and the
    diagram reduced to its shapes. Only what is kept is copied: a file of many pools stays fast."""
    root, key = tree.getroot(), process.get("id")
    document = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
    diagrams = []
    for child in root:
        if not isinstance(child.tag, str) or (child.tag == f"{_B}process" and child is not process):
            continue
        if child.tag == f"{{{BPMN_DI}}}BPMNDiagram":
            diagrams.append(child)
        else:
            document.append(copy.deepcopy(child))
    for collaboration in document.findall(f"{_B}collaboration"):
        _keep_participant(document, collaboration, key)
    ids = {element.get("id") for element in document.iter() if isinstance(element.tag, str)}
    for diagram in diagrams:
        document.append(_diagram_of(diagram, ids, key))
    data = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return ImportedProcess(key, ensure_diagram(data), title)


def _diagram_of(diagram, ids: set, key: str):
    """A copy of ``diagram`` with the shapes and edges of ``ids`` only."""
    copied = etree.Element(diagram.tag, dict(diagram.attrib))
    for plane in diagram:
        if not isinstance(plane.tag, str):
            continue
        kept = etree.SubElement(copied, plane.tag, dict(plane.attrib))
        if kept.get("bpmnElement") not in ids:
            kept.set("bpmnElement", key)
        for child in plane:
            if isinstance(child.tag, str) and (
                child.get("bpmnElement") in ids or child.get("bpmnElement") is None
            ):
                kept.append(copy.deepcopy(child))
    return copied
