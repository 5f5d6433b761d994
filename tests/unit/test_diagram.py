"""Generated diagram interchange (BPMN DI): what bpmn-js needs to show a hand-written process.

Every check reads the generated DI back as a viewer would: shapes and edges by bpmnElement,
bounds and waypoints as numbers."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict

import pytest
from factories import REPO_ROOT
from factories.bpmn import KEY, NAMESPACES, boundary_timer, probe_bundle, process_xml, user_task
from lxml import etree

from engine.definitions import compile_bundle, read_bundle
from engine.diagram import ensure_diagram
from engine.errors import DefinitionRejected

BPMN_DIR = REPO_ROOT / "bpmn"
COMMITTED = ["unit_proposal", "commune_campaign"]
SHIPPED = sorted(path.name for path in BPMN_DIR.iterdir() if path.is_dir())
MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {
    "bpmn": MODEL,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
ACTIVITIES = {"task", "callActivity", "subProcess", "transaction", "adHocSubProcess"}


# ------------------------------------------------------------------ reading a diagram back


def local(element) -> str:
    return etree.QName(element).localname


def is_flow_node(element) -> bool:
    if not isinstance(element.tag, str) or etree.QName(element).namespace != MODEL:
        return False
    return local(element).endswith(("Task", "Event", "Gateway")) or local(element) in ACTIVITIES


@dataclasses.dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    @classmethod
    def of(cls, shape) -> Rect:
        bounds = shape.find("dc:Bounds", NS)
        return cls(*(float(bounds.get(name)) for name in ("x", "y", "width", "height")))

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    def contains(self, other: Rect) -> bool:
        return (
            self.x <= other.x
            and other.right <= self.right
            and self.y <= other.y
            and other.bottom <= self.bottom
        )

    def overlaps(self, other: Rect) -> bool:
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )

    def is_crossed_by(self, start, end) -> bool:
        (x1, y1), (x2, y2) = start, end
        return (
            min(x1, x2) < self.right - 1
            and max(x1, x2) > self.x + 1
            and min(y1, y2) < self.bottom - 1
            and max(y1, y2) > self.y + 1
        )


class Drawing:
    def __init__(self, data: bytes):
        self.root = etree.fromstring(data)
        self.elements = {
            element.get("id"): element
            for element in self.root.iter()
            if isinstance(element.tag, str) and element.get("id")
        }
        self.shapes, self.edges = defaultdict(list), defaultdict(list)
        for plane in self.root.iterfind("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS):
            for shape in plane.iterfind("bpmndi:BPMNShape", NS):
                self.shapes[shape.get("bpmnElement")].append((plane, shape))
            for edge in plane.iterfind("bpmndi:BPMNEdge", NS):
                self.edges[edge.get("bpmnElement")].append((plane, edge))

    def flow_nodes(self) -> list:
        return [element for element in self.root.iter() if is_flow_node(element)]

    def shape(self, element_id: str):
        ((_, shape),) = self.shapes[element_id]
        return shape

    def rect(self, element_id: str) -> Rect:
        return Rect.of(self.shape(element_id))

    def plane_of(self, element_id: str):
        ((plane, _),) = self.shapes[element_id] or self.edges[element_id]
        return plane

    def waypoints(self, flow_id: str) -> list[tuple[float, float]]:
        ((_, edge),) = self.edges[flow_id]
        return [(float(point.get("x")), float(point.get("y"))) for point in edge.iterfind("di:waypoint", NS)]

    def diagram_count(self) -> int:
        return len(self.root.findall("bpmndi:BPMNDiagram", NS))


def strip_diagrams(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for diagram in root.findall("bpmndi:BPMNDiagram", NS):
        root.remove(diagram)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------ what a readable diagram is


def assert_readable(data: bytes) -> Drawing:
    drawing = Drawing(data)
    assert_every_node_and_flow_drawn_once(drawing)
    assert_standard_sizes(drawing)
    assert_edges_orthogonal_and_attached(drawing)
    assert_edges_avoid_other_shapes(drawing)
    assert_no_overlaps(drawing)
    assert_boundary_events_on_bottom_edge(drawing)
    assert_lanes_and_participants_hold_their_nodes(drawing)
    assert_subprocesses_collapsed_with_own_diagram(drawing)
    return drawing


def assert_every_node_and_flow_drawn_once(drawing: Drawing):
    for node in drawing.flow_nodes():
        assert len(drawing.shapes[node.get("id")]) == 1, node.get("id")
    for flow in drawing.root.iter(f"{{{MODEL}}}sequenceFlow"):
        assert len(drawing.edges[flow.get("id")]) == 1, flow.get("id")
        assert len(drawing.waypoints(flow.get("id"))) >= 2, flow.get("id")


def assert_standard_sizes(drawing: Drawing):
    for node in drawing.flow_nodes():
        rect = drawing.rect(node.get("id"))
        if local(node).endswith("Event"):
            assert (rect.width, rect.height) == (36, 36), node.get("id")
        elif local(node).endswith("Gateway"):
            assert (rect.width, rect.height) == (50, 50), node.get("id")
        else:  # wider only when more than two boundary events must fit under it
            assert rect.height == 80 and rect.width >= 100, node.get("id")
        if local(node) == "exclusiveGateway":
            assert drawing.shape(node.get("id")).get("isMarkerVisible") == "true"


def assert_edges_orthogonal_and_attached(drawing: Drawing):
    for flow in drawing.root.iter(f"{{{MODEL}}}sequenceFlow"):
        points = drawing.waypoints(flow.get("id"))
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            assert x1 == x2 or y1 == y2, (flow.get("id"), points)
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        assert drawing.plane_of(flow.get("id")) is drawing.plane_of(source) is drawing.plane_of(target)
        source_rect, target_rect = drawing.rect(source), drawing.rect(target)
        (start_x, start_y), (end_x, end_y) = points[0], points[-1]
        if local(drawing.elements[source]) == "boundaryEvent":
            assert (start_x, start_y) == (source_rect.center[0], source_rect.bottom), flow.get("id")
            assert points[1][0] == start_x and points[1][1] > start_y, (
                "a boundary event's flow leaves downward"
            )
        else:
            assert start_x == source_rect.right and source_rect.y <= start_y <= source_rect.bottom, flow.get(
                "id"
            )
        assert end_x == target_rect.x and target_rect.y <= end_y <= target_rect.bottom, flow.get("id")


def assert_edges_avoid_other_shapes(drawing: Drawing):
    for flow in drawing.root.iter(f"{{{MODEL}}}sequenceFlow"):
        source = drawing.elements[flow.get("sourceRef")]
        ends = {flow.get("sourceRef"), flow.get("targetRef"), source.get("attachedToRef")}
        plane = drawing.plane_of(flow.get("id"))
        points = drawing.waypoints(flow.get("id"))
        for element_id, shapes in drawing.shapes.items():
            for shape_plane, shape in shapes:
                if (
                    shape_plane is plane
                    and element_id not in ends
                    and is_flow_node(drawing.elements[element_id])
                ):
                    assert not any(Rect.of(shape).is_crossed_by(a, b) for a, b in zip(points, points[1:])), (
                        flow.get("id"),
                        element_id,
                    )


def assert_no_overlaps(drawing: Drawing):
    by_plane = defaultdict(list)
    for node in drawing.flow_nodes():
        by_plane[drawing.plane_of(node.get("id"))].append(node)
    for nodes in by_plane.values():
        for one, other in itertools.combinations(nodes, 2):
            if one.get("id") in (other.get("attachedToRef"),) or other.get("id") in (
                one.get("attachedToRef"),
            ):
                continue  # a boundary event sits on its task's edge by design
            assert not drawing.rect(one.get("id")).overlaps(drawing.rect(other.get("id"))), (
                one.get("id"),
                other.get("id"),
            )


def assert_boundary_events_on_bottom_edge(drawing: Drawing):
    for event in drawing.root.iter(f"{{{MODEL}}}boundaryEvent"):
        rect, host = drawing.rect(event.get("id")), drawing.rect(event.get("attachedToRef"))
        center_x, center_y = rect.center
        assert center_y == host.bottom, event.get("id")
        assert host.x <= rect.x and rect.right <= host.right, event.get("id")


def assert_lanes_and_participants_hold_their_nodes(drawing: Drawing):
    assert_lanes_hold_their_nodes(drawing)
    assert_participants_hold_their_nodes(drawing)


def assert_lanes_hold_their_nodes(drawing: Drawing):
    for lane in drawing.root.iter(f"{{{MODEL}}}lane"):
        lane_rect = drawing.rect(lane.get("id"))
        for reference in lane.iterfind("bpmn:flowNodeRef", NS):
            node_id = reference.text.strip()
            if drawing.plane_of(node_id) is drawing.plane_of(lane.get("id")):
                assert lane_rect.contains(drawing.rect(node_id)), (lane.get("id"), node_id)
    for lane_set in itertools.chain(
        drawing.root.iter(f"{{{MODEL}}}laneSet"), drawing.root.iter(f"{{{MODEL}}}childLaneSet")
    ):
        rects = [drawing.rect(lane.get("id")) for lane in lane_set.iterfind("bpmn:lane", NS)]
        for upper, lower in zip(rects, rects[1:]):
            assert upper.bottom <= lower.y, "lanes are stacked in lane-set order"


def assert_participants_hold_their_nodes(drawing: Drawing):
    for participant in drawing.root.iter(f"{{{MODEL}}}participant"):
        pool = drawing.rect(participant.get("id"))
        assert drawing.shape(participant.get("id")).get("isHorizontal") == "true"
        process = drawing.elements[participant.get("processRef")]
        for element in process.iterchildren(tag=etree.Element):
            if is_flow_node(element) or local(element) == "laneSet":
                for drawn in [element, *element.iter(f"{{{MODEL}}}lane")]:
                    if drawn.get("id") in drawing.shapes:
                        assert pool.contains(drawing.rect(drawn.get("id"))), drawn.get("id")


def assert_subprocesses_collapsed_with_own_diagram(drawing: Drawing):
    for subprocess in drawing.root.iter(f"{{{MODEL}}}subProcess"):
        assert drawing.shape(subprocess.get("id")).get("isExpanded") == "false"
        (plane,) = drawing.root.iterfind(
            f"bpmndi:BPMNDiagram/bpmndi:BPMNPlane[@bpmnElement='{subprocess.get('id')}']", NS
        )
        for child in filter(is_flow_node, subprocess):
            assert drawing.plane_of(child.get("id")) is plane


# ------------------------------------------------------------------ a hand-written process


def review_process() -> bytes:
    """Two lanes in a participant, a loop back from a gateway and a boundary timer."""
    fill, review = user_task("fill_form"), user_task("review_form")
    lanes = {
        "clerk": ["start", "fill_form", "fill_form_timer", "fill_form_timer_end"],
        "head": ["review_form", "decision", "accepted_end"],
    }
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{name}" name="{name}">'
        + "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in nodes)
        + "</bpmn:lane>"
        for name, nodes in lanes.items()
    )
    flows = [
        ("to_fill", "start", "fill_form", ""),
        ("to_review", "fill_form", "review_form", ""),
        ("to_decision", "review_form", "decision", ""),
        ("accepted", "decision", "accepted_end", ' name="Đồng ý"'),
    ]
    flow_xml = "".join(
        f'<bpmn:sequenceFlow id="{flow}"{name} sourceRef="{source}" targetRef="{target}"/>'
        for flow, source, target, name in flows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="review_definitions" '
        'targetNamespace="http://talentflow.local/test">\n'
        '  <bpmn:collaboration id="review_collaboration">'
        f'<bpmn:participant id="review_participant" name="Thử" processRef="{KEY}"/></bpmn:collaboration>\n'
        "  <!-- written by hand, without a diagram -->\n"
        f'  <bpmn:process id="{KEY}" isExecutable="true">\n'
        f'    <bpmn:laneSet id="lanes">{lane_xml}</bpmn:laneSet>\n'
        '    <bpmn:startEvent id="start" name="Bắt đầu"/>\n'
        f"    {fill.xml}{boundary_timer('fill_form', 'timeDate', 'deadline')}\n"
        f"    {review.xml}\n"
        '    <bpmn:exclusiveGateway id="decision" name="Đồng ý?" default="accepted"/>\n'
        '    <bpmn:endEvent id="accepted_end" name="Xong"/>\n'
        f"    {flow_xml}\n"
        '    <bpmn:sequenceFlow id="returned" name="Trả lại" sourceRef="decision" targetRef="fill_form">'
        "<bpmn:conditionExpression>note == 'again'</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
        "  </bpmn:process>\n"
        "</bpmn:definitions>\n"
    ).encode()


def with_boundary_events(count: int) -> bytes:
    events = "".join(
        f'<bpmn:boundaryEvent id="reminder_{index}" name="Nhắc lần {index}" cancelActivity="false" '
        f'attachedToRef="task"><bpmn:timerEventDefinition id="reminder_{index}_timer">'
        f'<bpmn:timeDuration>"PT{index}H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        f'<bpmn:endEvent id="reminded_{index}"/>'
        f'<bpmn:sequenceFlow id="reminder_{index}_flow" sourceRef="reminder_{index}" '
        f'targetRef="reminded_{index}"/>'
        for index in range(1, count + 1)
    )
    return process_xml(extra=events, outside_lane=tuple(f"reminded_{index}" for index in range(1, count + 1)))


# ------------------------------------------------------------------ the committed processes


@pytest.mark.parametrize("key", COMMITTED)
def test_committed_process_carries_a_diagram_and_is_left_unchanged(key):
    bundle = read_bundle(BPMN_DIR / key)
    assert Drawing(bundle.bpmn).shapes, "the committed file has diagram interchange"
    assert ensure_diagram(bundle.bpmn) == bundle.bpmn
    compile_bundle(bundle)


@pytest.mark.parametrize("key", SHIPPED)
def test_every_shipped_process_carries_its_diagram_so_that_the_editor_opens_it(key):
    bpmn = read_bundle(BPMN_DIR / key).bpmn
    assert Drawing(bpmn).shapes and ensure_diagram(bpmn) == bpmn


@pytest.mark.parametrize("key", COMMITTED)
def test_committed_process_laid_out_afresh_is_readable_and_runs(key):
    bundle = read_bundle(BPMN_DIR / key)
    without = strip_diagrams(bundle.bpmn)
    assert not Drawing(without).shapes

    generated = ensure_diagram(without)

    drawing = assert_readable(generated)
    assert drawing.root.find("bpmn:collaboration", NS) is not None
    compile_bundle(dataclasses.replace(bundle, bpmn=generated))
    assert ensure_diagram(generated) == generated


def test_unit_proposal_keeps_its_main_path_on_one_line_and_loops_below():
    drawing = Drawing(ensure_diagram(strip_diagrams(read_bundle(BPMN_DIR / "unit_proposal").bpmn)))
    main_path = ["approve_proposal", "head_decision", "received_on_time", "has_demand"]
    assert len({drawing.rect(node).center[1] for node in main_path}) == 1
    lowest = max(y for _, y in drawing.waypoints("head_returned"))
    assert lowest > max(drawing.rect("head_decision").bottom, drawing.rect("draft_proposal").bottom)


# ------------------------------------------------------------------ a hand-written process


def test_hand_written_process_with_loop_lanes_and_boundary_timer():
    source = review_process()

    generated = ensure_diagram(source)

    drawing = assert_readable(generated)
    columns = [
        drawing.rect(node).x for node in ["start", "fill_form", "review_form", "decision", "accepted_end"]
    ]
    assert columns == sorted(columns) and len(set(columns)) == len(columns), (
        "one column per rank, loop ignored"
    )
    returned = drawing.waypoints("returned")
    assert max(y for _, y in returned) > drawing.rect("decision").bottom, "the loop back runs below"
    assert drawing.rect("fill_form_timer_end").x > drawing.rect("fill_form").right
    assert drawing.rect("lane_clerk").bottom <= drawing.rect("lane_head").y
    compile_bundle(probe_bundle(generated))
    assert ensure_diagram(generated) == generated


def test_only_the_diagram_is_added_to_the_original_text():
    source = review_process()
    closing = source.index(b"</bpmn:definitions>")

    generated = ensure_diagram(source)

    assert generated.startswith(source[:closing]) and generated.endswith(source[closing:])
    added = generated[closing : len(generated) - len(source) + closing]
    assert added.startswith(b"  <bpmndi:BPMNDiagram ") and added.endswith(b"</bpmndi:BPMNDiagram>\n")
    assert b"<!-- written by hand, without a diagram -->" in generated


def test_windows_line_endings_are_kept():
    source = review_process().replace(b"\n", b"\r\n")

    generated = ensure_diagram(source)

    assert b"\n" not in generated.replace(b"\r\n", b"")
    assert_readable(generated)


def test_process_without_collaboration_is_drawn_on_the_process_plane_with_its_lanes():
    source = process_xml(user_task("fill"), user_task("check"), outside_lane=("end",))

    drawing = assert_readable(ensure_diagram(source))

    (plane,) = drawing.root.iterfind("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == KEY
    assert drawing.rect("end").y >= drawing.rect("lane_clerk").bottom, (
        "a node in no lane gets a band of its own"
    )


@pytest.mark.parametrize("count", [1, 2, 3])
def test_boundary_events_are_spread_along_the_bottom_edge(count):
    drawing = assert_readable(ensure_diagram(with_boundary_events(count)))

    centers = {drawing.rect(f"reminder_{index}").center[0] for index in range(1, count + 1)}
    assert len(centers) == count
    if count <= 2:
        assert drawing.rect("task").width == 100


def test_a_wide_fan_out_and_a_flow_skipping_a_column_cross_no_shape():
    branches = 30
    body = (
        '<bpmn:parallelGateway id="split"/><bpmn:parallelGateway id="join"/>'
        + "".join(
            f'<bpmn:manualTask id="branch_{index}"/>'
            f'<bpmn:sequenceFlow id="to_branch_{index}" sourceRef="split" targetRef="branch_{index}"/>'
            f'<bpmn:sequenceFlow id="from_branch_{index}" sourceRef="branch_{index}" targetRef="join"/>'
            for index in range(branches)
        )
        + '<bpmn:sequenceFlow id="skip" sourceRef="split" targetRef="join"/>'
    )
    source = (
        process_xml(lanes=False, extra=body)
        .replace(b'sourceRef="task" targetRef="end"', b'sourceRef="task" targetRef="split"')
        .replace(
            b"</bpmn:process>",
            b'<bpmn:sequenceFlow id="to_end" sourceRef="join" targetRef="end"/></bpmn:process>',
        )
    )

    drawing = assert_readable(ensure_diagram(source))

    assert len({drawing.rect(f"branch_{index}").y for index in range(branches)}) == branches
    assert len(drawing.waypoints("skip")) > 2, "the straight line would run through a branch"


def test_a_boundary_event_flow_does_not_drop_through_the_task_below():
    # branch_0 and branch_1 share a column; the timer's end lands two rows down in the next one,
    # so dropping straight down from the timer would cut through branch_1.
    body = (
        '<bpmn:parallelGateway id="split"/><bpmn:parallelGateway id="join"/>'
        + "".join(
            f'<bpmn:manualTask id="branch_{index}"/><bpmn:manualTask id="check_{index}"/>'
            f'<bpmn:sequenceFlow id="to_branch_{index}" sourceRef="split" targetRef="branch_{index}"/>'
            f'<bpmn:sequenceFlow id="to_check_{index}" sourceRef="branch_{index}" targetRef="check_{index}"/>'
            f'<bpmn:sequenceFlow id="from_check_{index}" sourceRef="check_{index}" targetRef="join"/>'
            for index in range(2)
        )
        + boundary_timer("branch_0", "timeDuration", '"PT1H"')
    )
    source = (
        process_xml(lanes=False, extra=body)
        .replace(b'sourceRef="task" targetRef="end"', b'sourceRef="task" targetRef="split"')
        .replace(
            b"</bpmn:process>",
            b'<bpmn:sequenceFlow id="to_end" sourceRef="join" targetRef="end"/></bpmn:process>',
        )
    )

    drawing = assert_readable(ensure_diagram(source))

    assert drawing.rect("branch_0_timer_end").y > drawing.rect("branch_1").bottom


def test_nested_lanes_span_their_child_lanes():
    nested = (
        '<bpmn:laneSet id="lanes"><bpmn:lane id="lane_unit" name="unit">'
        "<bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>task</bpmn:flowNodeRef>"
        '<bpmn:childLaneSet id="unit_lanes">'
        '<bpmn:lane id="lane_officer" name="officer"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>'
        '<bpmn:lane id="lane_head" name="head"><bpmn:flowNodeRef>task</bpmn:flowNodeRef>'
        "<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>"
        "</bpmn:childLaneSet></bpmn:lane></bpmn:laneSet>"
    )
    source = process_xml(lanes=False).replace(
        b'isExecutable="true">', b'isExecutable="true">' + nested.encode()
    )

    drawing = assert_readable(ensure_diagram(source))

    parent = drawing.rect("lane_unit")
    assert parent.contains(drawing.rect("lane_officer")) and parent.contains(drawing.rect("lane_head"))
    assert drawing.rect("lane_officer").x > parent.x


# ------------------------------------------------------------------ files that already have a diagram


def test_a_file_with_a_diagram_is_returned_byte_for_byte():
    drawn = review_process().replace(
        b"</bpmn:definitions>",
        (
            b'<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
            b'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="drawn">'
            b'<bpmndi:BPMNPlane id="drawn_plane" bpmnElement="review_collaboration">'
            b'<bpmndi:BPMNShape id="start_shape"  bpmnElement="start">'
            b'<dc:Bounds x="1" y="2" width="36" height="36"/>'
            b"</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn:definitions>"
        ),
    )

    assert ensure_diagram(drawn) == drawn


def test_a_diagram_without_shapes_is_replaced_by_a_generated_one():
    empty = review_process().replace(
        b"</bpmn:definitions>",
        (
            b'<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="BPMNDiagram_1">'
            b'<bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="review_collaboration"/></bpmndi:BPMNDiagram>\n'
            b"</bpmn:definitions>"
        ),
    )

    generated = ensure_diagram(empty)

    drawing = assert_readable(generated)
    assert drawing.diagram_count() == 1 and "BPMNDiagram_1" not in drawing.elements
    assert b"<!-- written by hand, without a diagram -->" in generated
    assert ensure_diagram(generated) == generated


def test_a_closing_tag_quoted_in_a_trailing_comment_does_not_mislead():
    source = review_process() + b"<!-- ends with </bpmn:definitions> -->\n"

    generated = ensure_diagram(source)

    drawing = assert_readable(generated)
    assert local(drawing.root[-1]) == "BPMNDiagram"
    assert generated.rstrip().endswith(b"<!-- ends with </bpmn:definitions> -->")


def test_broken_references_are_left_out_instead_of_failing():
    # Uploads are drawn before they are validated; validation names these problems later.
    broken = (
        boundary_timer("task", "timeDate", "deadline")
        + '<bpmn:sequenceFlow id="into_boundary" sourceRef="start" targetRef="task_timer"/>'
        '<bpmn:sequenceFlow id="to_nowhere" sourceRef="start" targetRef="missing"/>'
        '<bpmn:boundaryEvent id="orphan" attachedToRef="missing"/>'
    )

    drawing = Drawing(ensure_diagram(process_xml(extra=broken)))

    assert not drawing.edges["into_boundary"] and not drawing.edges["to_nowhere"]
    assert len(drawing.shapes["orphan"]) == 1 and len(drawing.edges["task_timer_flow"]) == 1


def test_untrusted_xml_is_refused():
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        + review_process()[38:]
    )
    with pytest.raises(DefinitionRejected):
        ensure_diagram(hostile)
