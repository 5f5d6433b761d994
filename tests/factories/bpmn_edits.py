"""Edits of a BPMN file as an admin makes them in the editor: rename an element's id,
delete an element (its flows rerouted around it), add an end event, move a shape."""

from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "default", "bpmnElement")
REFERENCE_TEXTS = ("incoming", "outgoing", "flowNodeRef")


def _tree(xml: str):
    return etree.fromstring(xml.encode("utf-8"))


def _text(root) -> str:
    return etree.tostring(root, encoding="unicode")


def _by_id(root, element_id: str):
    (found,) = root.xpath("//*[@id=$id]", id=element_id)
    return found


def rename(xml: str, old: str, new: str) -> str:
    """What bpmn-js does when the id field changes: every reference follows; the
    diagram shape keeps its own id (``<old>_di``)."""
    root = _tree(xml)
    _by_id(root, old).set("id", new)
    for element in root.iter():
        for attribute in REFERENCES:
            if element.get(attribute) == old:
                element.set(attribute, new)
        if (
            isinstance(element.tag, str)
            and etree.QName(element).localname in REFERENCE_TEXTS
            and (element.text or "").strip() == old
        ):
            element.text = new
    return _text(root)


def delete(xml: str, element_id: str) -> str:
    """Remove the element; a flow that entered it now goes where its first outgoing
    flow went (an end event's incoming flows go with it), boundary events with it."""
    root = _tree(xml)
    flows = root.iter(f"{{{BPMN}}}sequenceFlow")
    incoming = [flow for flow in flows if flow.get("targetRef") == element_id]
    outgoing = [flow for flow in root.iter(f"{{{BPMN}}}sequenceFlow") if flow.get("sourceRef") == element_id]
    boundaries = [
        event for event in root.iter(f"{{{BPMN}}}boundaryEvent") if event.get("attachedToRef") == element_id
    ]
    removed = {element_id} | {event.get("id") for event in boundaries}
    removed_flows = {flow.get("id") for flow in outgoing}
    removed_flows |= {
        flow.get("id")
        for flow in root.iter(f"{{{BPMN}}}sequenceFlow")
        if flow.get("sourceRef") in removed - {element_id}
    }
    if outgoing:
        target = outgoing[0].get("targetRef")
        for flow in incoming:
            flow.set("targetRef", target)
            _by_id(root, target).append(_reference("incoming", flow.get("id")))
    else:
        removed_flows |= {flow.get("id") for flow in incoming}
    for gone in removed | removed_flows:
        for element in root.xpath("//*[@id=$id or @bpmnElement=$id]", id=gone):
            element.getparent().remove(element)
    for element in list(root.iter()):
        if (
            isinstance(element.tag, str)
            and etree.QName(element).localname in REFERENCE_TEXTS
            and (element.text or "").strip() in removed | removed_flows
        ):
            element.getparent().remove(element)
    return _text(root)


def _reference(kind: str, flow_id: str):
    element = etree.Element(f"{{{BPMN}}}{kind}")
    element.text = flow_id
    return element


def add_end_event(xml: str, process_key: str, gateway: str, condition: str, end_id: str, name: str) -> str:
    """Another way out of ``gateway``: a new end event and a flow to it when ``condition``, drawn."""
    root = _tree(xml)
    process = _by_id(root, process_key)
    end = etree.SubElement(process, f"{{{BPMN}}}endEvent", id=end_id, name=name)
    end.append(_reference("incoming", f"to_{end_id}"))
    flow = etree.SubElement(
        process, f"{{{BPMN}}}sequenceFlow", id=f"to_{end_id}", sourceRef=gateway, targetRef=end_id
    )
    etree.SubElement(flow, f"{{{BPMN}}}conditionExpression").text = condition
    _by_id(root, gateway).append(_reference("outgoing", f"to_{end_id}"))
    plane = next(root.iter(f"{{{DI}}}BPMNPlane"))
    shape = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{end_id}_di", bpmnElement=end_id)
    etree.SubElement(shape, f"{{{DC}}}Bounds", x="900", y="600", width="36", height="36")
    return _text(root)


def move(xml: str, element_id: str, dx: int, dy: int) -> str:
    root = _tree(xml)
    for bounds in root.xpath("//*[@bpmnElement=$id]/*[local-name()='Bounds']", id=element_id):
        bounds.set("x", str(float(bounds.get("x")) + dx))
        bounds.set("y", str(float(bounds.get("y")) + dy))
    return _text(root)
