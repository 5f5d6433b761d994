"""Diagram interchange (BPMN DI) for processes written without one.

bpmn-js only shows elements that have DI (shapes with bounds, edges with waypoints). Hand-written
BPMN files have none, so ``ensure_diagram`` lays them out:

* columns by rank: the longest path from the start events along sequence flows, with the back
  edges of a depth-first search ignored so that loops do not break the ranking;
* one horizontal band per lane (laneSet order), inside the participant when there is a
  collaboration; nodes in no lane share one extra band;
* rows inside a band so that a node stays on the row of its predecessor when it can;
* orthogonal edges: out of the right side, into the left side, boundary events leave downward,
  backward flows run along a channel below their band.

Expanded sub-processes are drawn collapsed, with their content in a diagram of their own (what
bpmn-js shows when one drills down). The original text is kept byte for byte: the generated DI
is inserted before the closing tag of ``definitions``.
"""

from __future__ import annotations

import bisect
import math
import re
import textwrap
from collections import Counter, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from lxml import etree

from engine.xml_safety import parse_untrusted_xml

MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DI_NSMAP = {"bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}

TASKS = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}

TASK_SIZE = (100, 80)
EVENT_SIZE = (36, 36)
GATEWAY_SIZE = (50, 50)
BOUNDARY_STEP = 44  # centre distance of boundary events sharing one task
BOUNDARY_MARGIN = 8  # from the task's corners to the outermost boundary event

ORIGIN = (100, 60)
POOL_HEADER = 30  # bpmn-js draws a participant's name in its left 30 px
LANE_HEADER = 30  # and a lane's name in the lane's left 30 px
POOL_GAP = 40
BLACK_BOX_POOL = (600, 100)
COLUMN_GAP = 80
PAD_LEFT = 50  # more than COLUMN_GAP / 2: bends before the first column stay inside
PAD_RIGHT = 50
PAD_TOP = 40
PAD_BOTTOM = 30
ROW_GAP = 40
TRACK_GAP = 15  # between the channels of backward flows
MIN_BAND_HEIGHT = 120
LABEL_WIDTH = 90
BOUNDARY_LABEL_WIDTH = 70  # narrow enough to stay clear of the lines in the column gaps
LABEL_GAP = 5
LINE_HEIGHT = 14
CHAR_WIDTH = 7  # generous for bpmn-js's 11 px font, so labels are never too small
DROP = 20  # how far a boundary event's flow goes down before it turns
ROW_SEARCH = 8  # how far from its wished row a node looks for a free one


def ensure_diagram(bpmn: bytes) -> bytes:
    """Return ``bpmn`` unchanged when it already has a diagram with shapes; otherwise the same
    document with a generated diagram added as the last child of ``definitions``.

    Raises engine.errors.DefinitionRejected when ``bpmn`` is not acceptable XML.
    """
    root = parse_untrusted_xml(bpmn).getroot()
    existing = root.findall(_di("BPMNDiagram"))
    if any(diagram.find(f"{_di('BPMNPlane')}/{_di('BPMNShape')}") is not None for diagram in existing):
        return bpmn
    diagrams = _DiagramBuilder(root).build()
    if all(next(diagram.iter(_di("BPMNShape")), None) is None for diagram in diagrams):
        return bpmn  # nothing to draw; adding an empty diagram would only be noise
    if not existing:
        inserted = _insert_as_text(bpmn, root, diagrams)
        if inserted is not None:
            return inserted
    return _replace_with_lxml(bpmn, root, existing, diagrams)


# ------------------------------------------------------------------ writing the result


def _insert_as_text(bpmn: bytes, root, diagrams) -> bytes | None:
    """Insert the serialized diagrams before ``</...definitions>``; None when that tag cannot
    be found for sure (checked by parsing the result)."""
    closing = re.compile(rb"</" + re.escape(_qualified_tag(root).encode()) + rb"\s*>")
    matches = list(closing.finditer(bpmn))
    if not matches:
        return None
    newline = b"\r\n" if b"\r\n" in bpmn else b"\n"
    fragment = b"".join(_serialize(diagram, newline) for diagram in diagrams)
    at = matches[-1].start()
    line_start = bpmn.rfind(b"\n", 0, at) + 1
    if bpmn[line_start:at].strip():
        result = bpmn[:at] + newline + fragment + bpmn[at:]
    else:
        result = bpmn[:line_start] + fragment + bpmn[line_start:]
    return result if _ends_with(result, len(root), diagrams) else None


def _qualified_tag(root) -> str:
    local = etree.QName(root).localname
    return f"{root.prefix}:{local}" if root.prefix else local


def _serialize(diagram, newline: bytes) -> bytes:
    etree.indent(diagram, space="  ", level=1)
    return b"  " + etree.tostring(diagram, encoding="UTF-8").replace(b"\n", newline) + newline


def _ends_with(result: bytes, children_before: int, diagrams) -> bool:
    root = parse_untrusted_xml(result, max_bytes=len(result)).getroot()
    added = list(root)[children_before:]
    return [element.get("id") for element in added] == [diagram.get("id") for diagram in diagrams]


def _replace_with_lxml(bpmn: bytes, root, existing, diagrams) -> bytes:
    # Diagrams without shapes (written by a tool for an empty canvas) would be opened first by
    # bpmn-js and show nothing, so they make way for the generated ones.
    for diagram in existing:
        root.remove(diagram)
    for diagram in diagrams:
        etree.indent(diagram, space="  ", level=1)
        if len(root) and not (root[-1].tail or "").strip():
            root[-1].tail = "\n  "
        diagram.tail = "\n"
        root.append(diagram)
    declaration = bpmn.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"<?xml")
    return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=declaration)


# ------------------------------------------------------------------ the graph of one container


def _bpmn(local: str) -> str:
    return f"{{{MODEL_NS}}}{local}"


def _di(local: str) -> str:
    return f"{{{BPMNDI_NS}}}{local}"


@dataclass
class _Box:
    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def center_x(self) -> int:
        return self.x + self.width // 2

    @property
    def center_y(self) -> int:
        return self.y + self.height // 2

    def is_crossed_by(self, start: tuple[int, int], end: tuple[int, int]) -> bool:
        """Whether an axis-parallel segment passes through the inside of the box."""
        (x1, y1), (x2, y2) = start, end
        left, right = sorted((x1, x2))
        top, bottom = sorted((y1, y2))
        return left < self.right - 1 and right > self.x + 1 and top < self.bottom - 1 and bottom > self.y + 1


@dataclass(eq=False)
class _Node:
    id: str
    kind: str  # task, container, event, gateway or boundary
    element: etree._Element
    order: int
    width: int = 0
    height: int = 0
    host: _Node | None = None
    boundaries: list[_Node] = field(default_factory=list)
    band: int = 0
    rank: int = 0
    row: int = 0
    box: _Box | None = None

    @property
    def name(self) -> str:
        return " ".join((self.element.get("name") or "").split())

    @property
    def ranked(self) -> _Node:
        """The node that stands in a column for this one: a boundary event goes with its task."""
        return self.host or self

    @property
    def placed(self) -> _Box:
        """Its box, once the layout placed it."""
        assert self.box is not None, "every node is placed before labels, routes and shapes"
        return self.box


@dataclass(eq=False)
class _Flow:
    id: str
    element: etree._Element
    source: _Node
    target: _Node
    back: bool = False
    track: int = 0


class _Graph:
    """The flow nodes and sequence flows directly inside one process or sub-process."""

    def __init__(self, container):
        self.nodes: dict[str, _Node] = {}
        for element in container:
            kind = _kind_of(element)
            if kind and element.get("id") and element.get("id") not in self.nodes:
                self.nodes[element.get("id")] = _Node(element.get("id"), kind, element, len(self.nodes))
        self._attach_boundary_events()
        for node in self.nodes.values():
            node.width, node.height = _size_of(node)
        self.flows = [
            _Flow(
                element.get("id"),
                element,
                self.nodes[element.get("sourceRef")],
                self.nodes[element.get("targetRef")],
            )
            for element in container.findall(_bpmn("sequenceFlow"))
            if self._drawable(element)
        ]

    def _drawable(self, flow) -> bool:
        # Flows to unknown nodes or into a boundary event are invalid; validation reports them
        # later, the layout just leaves them out.
        target = self.nodes.get(flow.get("targetRef"))
        return (
            bool(flow.get("id"))
            and flow.get("sourceRef") in self.nodes
            and target is not None
            and target.host is None
        )

    def _attach_boundary_events(self):
        for node in self.nodes.values():
            if node.kind != "boundary":
                continue
            host = self.nodes.get(node.element.get("attachedToRef"))
            if host is None or host.kind == "boundary":
                node.kind = "event"  # nothing to sit on: drawn as a free-standing event
            else:
                node.host = host
                host.boundaries.append(node)

    @property
    def ranked_nodes(self) -> list[_Node]:
        return [node for node in self.nodes.values() if node.host is None]


def _kind_of(element) -> str | None:
    if not isinstance(element.tag, str) or etree.QName(element).namespace != MODEL_NS:
        return None
    local = etree.QName(element).localname
    if local in TASKS:
        return "task"
    if local in CONTAINERS:
        return "container"
    if local in EVENTS:
        return "event"
    if local == "boundaryEvent":
        return "boundary"
    if local in GATEWAYS:
        return "gateway"
    return None


def _size_of(node: _Node) -> tuple[int, int]:
    if node.kind in ("event", "boundary"):
        return EVENT_SIZE
    if node.kind == "gateway":
        return GATEWAY_SIZE
    width, height = TASK_SIZE
    # Several boundary events must fit side by side on the bottom edge without overlapping.
    needed = (len(node.boundaries) - 1) * BOUNDARY_STEP + EVENT_SIZE[0] + 2 * BOUNDARY_MARGIN
    return max(width, needed), height


# ------------------------------------------------------------------ ranks and rows


def _rank(graph: _Graph) -> None:
    """Columns: the longest path from the start nodes, back edges ignored."""
    _mark_back_edges(graph)
    incoming = Counter(flow.target for flow in graph.flows if not flow.back)
    outgoing: dict[_Node, list[_Node]] = {node: [] for node in graph.ranked_nodes}
    for flow in graph.flows:
        if not flow.back:
            outgoing[flow.source.ranked].append(flow.target)
    ready = deque(node for node in graph.ranked_nodes if incoming[node] == 0)
    while ready:
        node = ready.popleft()
        for target in outgoing[node]:
            target.rank = max(target.rank, node.rank + 1)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    for node in graph.nodes.values():
        if node.host is not None:
            node.rank = node.host.rank


def _mark_back_edges(graph: _Graph) -> None:
    """Depth-first search from the start nodes (iterative: untrusted files may be deep)."""
    successors: dict[_Node, list[_Flow]] = {node: [] for node in graph.ranked_nodes}
    has_incoming: set[_Node] = set()
    for flow in graph.flows:
        successors[flow.source.ranked].append(flow)
        has_incoming.add(flow.target)
    starts = [
        node
        for node in graph.ranked_nodes
        if etree.QName(node.element).localname == "startEvent" or node not in has_incoming
    ]
    on_path, done = set(), set()
    for root in starts + graph.ranked_nodes:
        if root in on_path or root in done:
            continue
        on_path.add(root)
        stack = [(root, iter(successors[root]))]
        while stack:
            node, pending = stack[-1]
            for flow in pending:
                target = flow.target
                if target in on_path:
                    flow.back = True
                elif target not in done:
                    on_path.add(target)
                    stack.append((target, iter(successors[target])))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                done.add(node)


def _assign_rows(graph: _Graph) -> None:
    """Rows inside each band: a node keeps its predecessor's row when it is free (flows from a
    boundary event prefer the row below, where the event's flow goes). Among nodes wanting the
    same row, the one with the longest way ahead gets it, so the main path stays straight."""
    ahead = _steps_ahead(graph)
    preferred_by_flows: dict[_Node, list[tuple[_Node, int]]] = {}
    for flow in graph.flows:
        if not flow.back:
            shift = 1 if flow.source.host is not None else 0
            preferred_by_flows.setdefault(flow.target, []).append((flow.source.ranked, shift))
    taken: dict[tuple[int, int], set[int]] = {}
    columns: dict[int, list[_Node]] = {}
    for node in graph.ranked_nodes:
        columns.setdefault(node.rank, []).append(node)
    for rank in sorted(columns):
        column = columns[rank]
        wishes = {node: _preferred_row(node, preferred_by_flows.get(node, [])) for node in column}
        for node in sorted(column, key=lambda node: (wishes[node], -ahead[node], node.order)):
            used = taken.setdefault((node.band, rank), set())
            node.row = _nearest_free(wishes[node], used)
            used.add(node.row)
    _compact_rows(graph)
    for node in graph.nodes.values():
        if node.host is not None:
            node.band, node.row = node.host.band, node.host.row


def _steps_ahead(graph: _Graph) -> dict[_Node, int]:
    """The longest forward path from each node to an end (ranks give the reverse topological order)."""
    ahead = {node: 0 for node in graph.ranked_nodes}
    for flow in sorted((flow for flow in graph.flows if not flow.back), key=lambda flow: -flow.target.rank):
        source = flow.source.ranked
        ahead[source] = max(ahead[source], ahead[flow.target] + 1)
    return ahead


def _preferred_row(node: _Node, predecessors: list[tuple[_Node, int]]) -> int:
    rows = [source.row + shift for source, shift in predecessors if source.band == node.band]
    return min(rows) if rows else 0


def _nearest_free(wish: int, used: set[int]) -> int:
    """The free row nearest to ``wish`` (upwards first: keeps bands low); when the rows around
    it are all taken, the row below the last one, so that a wide fan-out costs no more than
    a few steps per node."""
    for distance in range(ROW_SEARCH):
        for row in (wish - distance, wish + distance):
            if row >= 0 and row not in used:
                return row
    return max(used) + 1


def _compact_rows(graph: _Graph) -> None:
    """Renumber each band's rows 0, 1, 2... so that no empty row leaves a hole."""
    used: dict[int, set[int]] = {}
    for node in graph.ranked_nodes:
        used.setdefault(node.band, set()).add(node.row)
    renumber = {band: {row: index for index, row in enumerate(sorted(rows))} for band, rows in used.items()}
    for node in graph.ranked_nodes:
        node.row = renumber[node.band][node.row]


# ------------------------------------------------------------------ bands and lanes


@dataclass(eq=False)
class _Lane:
    element: etree._Element
    depth: int
    leaf: bool = True
    bands: list[int] = field(default_factory=list)  # the bands of the leaf lanes it covers
    box: _Box | None = None

    @property
    def id(self) -> str:
        return self.element.get("id")

    @property
    def placed(self) -> _Box:
        """Its box, once the layout placed it."""
        assert self.box is not None, "every lane is placed before it is drawn"
        return self.box


@dataclass(eq=False)
class _Band:
    label: str
    rows: list[tuple[int, int]] = field(default_factory=list)  # (above, below) the centre line
    tracks: int = 0
    top: int = 0
    height: int = 0
    row_centers: list[int] = field(default_factory=list)
    rows_bottom: int = 0


def _lanes_of(process) -> list[_Lane]:
    """Every lane in depth-first order; leaves get one band each, parents span their leaves."""
    lanes: list[_Lane] = []
    next_band = 0

    def visit(parent, depth: int, lane_set_tag: str) -> list[int]:
        nonlocal next_band
        covered = []
        for lane_set in parent.findall(_bpmn(lane_set_tag)):
            for element in lane_set.findall(_bpmn("lane")):
                if not element.get("id"):
                    continue
                lane = _Lane(element, depth)
                lanes.append(lane)
                children = visit(element, depth + 1, "childLaneSet")
                lane.leaf = not children
                if lane.leaf:
                    children, next_band = [next_band], next_band + 1
                lane.bands = children
                covered.extend(children)
        return covered

    visit(process, 0, "laneSet")
    return lanes


def _assign_bands(graph: _Graph, lanes: list[_Lane]) -> list[_Band]:
    leaves = [lane for lane in lanes if lane.leaf]
    bands = [_Band(leaf.element.get("name") or leaf.id) for leaf in leaves]
    band_of = _declared_bands(lanes)
    unplaced = []
    for node in graph.ranked_nodes:
        band = band_of.get(node.id)
        if band is None and node.kind == "container":
            band = _band_of_content(node, band_of)
        if band is None:
            unplaced.append(node)
        else:
            node.band = band
    if unplaced or not bands:
        bands.append(_Band(""))
        for node in unplaced:
            node.band = len(bands) - 1
    return bands


def _declared_bands(lanes: list[_Lane]) -> dict[str, int]:
    """flowNodeRef -> band; the deepest lane that names a node wins."""
    band_of: dict[str, int] = {}
    depth_of: dict[str, int] = {}
    for lane in lanes:
        for reference in lane.element.findall(_bpmn("flowNodeRef")):
            node_id = (reference.text or "").strip()
            if node_id and lane.depth >= depth_of.get(node_id, -1):
                band_of[node_id], depth_of[node_id] = lane.bands[0], lane.depth
    return band_of


def _band_of_content(node: _Node, band_of: dict[str, int]) -> int | None:
    # A sub-process is rarely put in a lane itself, but its tasks are: use their most common lane.
    counts = Counter(
        band_of[element.get("id")]
        for element in node.element.iter()
        if element is not node.element and element.get("id") in band_of
    )
    if not counts:
        return None
    most = max(counts.values())
    return min(band for band, count in counts.items() if count == most)


# ------------------------------------------------------------------ labels


def _label_height(text: str, width: int) -> int:
    lines = textwrap.wrap(text, width=max(1, width // CHAR_WIDTH)) or [""]
    return len(lines) * LINE_HEIGHT


def _external_label(node: _Node) -> _Box | None:
    """Events and gateways carry their name below them, as bpmn-js does by default."""
    if not node.name or node.kind not in ("event", "gateway", "boundary"):
        return None
    box = node.placed
    if node.host is not None:  # a boundary event (one with nothing to sit on is a free event)
        # Beside the line that leaves the event downward, on the outer side. A lone event's
        # label goes left: its line turns right, and bpmn-js puts a collapsed sub-process's
        # drill-down button at the bottom right.
        width = BOUNDARY_LABEL_WIDTH
        siblings = node.host.boundaries
        on_right = len(siblings) > 1 and siblings.index(node) >= len(siblings) / 2
        x = box.center_x + LABEL_GAP if on_right else box.center_x - LABEL_GAP - width
        return _Box(x, box.bottom + 3, width, _label_height(node.name, width))
    return _Box(
        box.center_x - LABEL_WIDTH // 2,
        box.bottom + LABEL_GAP,
        LABEL_WIDTH,
        _label_height(node.name, LABEL_WIDTH),
    )


def _extent_below(node: _Node) -> int:
    below = node.height // 2
    if node.name and node.kind in ("event", "gateway"):
        below += LABEL_GAP + _label_height(node.name, LABEL_WIDTH)
    for boundary in node.boundaries:
        label = _label_height(boundary.name, BOUNDARY_LABEL_WIDTH) + 3 if boundary.name else 0
        below = max(below, node.height // 2 + EVENT_SIZE[1] // 2 + max(DROP, label) + 10)
    return below


def _flow_label(name: str, points: list[tuple[int, int]]) -> _Box | None:
    """Above the longest horizontal segment (the last one of equal length)."""
    if not name:
        return None
    segments = [
        (abs(b[0] - a[0]), index, a, b)
        for index, (a, b) in enumerate(zip(points, points[1:]))
        if a[1] == b[1]
    ]
    if not segments:
        return None
    length, _, start, end = max(segments)
    width = min(LABEL_WIDTH, max(50, length - 10))
    height = _label_height(name, width)
    middle = (start[0] + end[0]) // 2
    return _Box(middle - width // 2, start[1] - 4 - height, width, height)


# ------------------------------------------------------------------ layout of one container


class _ContainerLayout:
    """Places the flow nodes of one process or sub-process and routes its sequence flows."""

    def __init__(self, container, *, with_lanes: bool):
        self.container = container
        self.graph = _Graph(container)
        self.lanes = _lanes_of(container) if with_lanes else []
        self.bands = _assign_bands(self.graph, self.lanes)
        _rank(self.graph)
        _assign_rows(self.graph)
        self._allocate_tracks()
        self.box: _Box | None = None
        self.column_left: list[int] = []
        self.column_width: list[int] = []
        self.routes: dict[_Flow, list[tuple[int, int]]] = {}

    @property
    def lane_levels(self) -> int:
        return 1 + max((lane.depth for lane in self.lanes), default=-1)

    def place(self, x: int, y: int, *, pool_header: bool) -> _Box:
        inset = (POOL_HEADER if pool_header else 0) + self.lane_levels * LANE_HEADER
        self._place_columns(x + inset + PAD_LEFT)
        self._place_bands(y)
        self._place_nodes()
        right = self.column_left[-1] + self.column_width[-1] + PAD_RIGHT
        self.box = _Box(x, y, right - x, sum(band.height for band in self.bands))
        self._place_lanes(x + (POOL_HEADER if pool_header else 0), self.box.right)
        shapes = _ShapeIndex(list(self.graph.nodes.values()), self.column_left, self.column_width)
        self.routes = {flow: self._route(flow, shapes) for flow in self.graph.flows}
        return self.box

    # -- geometry

    def _allocate_tracks(self):
        for flow in self.graph.flows:
            if flow.back:
                band = self.bands[max(flow.source.band, flow.target.band)]
                flow.track = band.tracks
                band.tracks += 1

    def _place_columns(self, left: int):
        count = 1 + max((node.rank for node in self.graph.ranked_nodes), default=0)
        self.column_width = [EVENT_SIZE[0]] * count
        for node in self.graph.ranked_nodes:
            self.column_width[node.rank] = max(self.column_width[node.rank], node.width)
        self.column_left = []
        for width in self.column_width:
            self.column_left.append(left)
            left += width + COLUMN_GAP

    def _place_bands(self, top: int):
        extents: dict[int, dict[int, tuple[int, int]]] = {index: {} for index in range(len(self.bands))}
        for node in self.graph.ranked_nodes:
            rows = extents[node.band]
            above, below = rows.get(node.row, (0, 0))
            rows[node.row] = (max(above, node.height // 2), max(below, _extent_below(node)))
        for index, band in enumerate(self.bands):
            rows = extents[index]
            band.rows = [rows[row] for row in sorted(rows)]
            content = (
                PAD_TOP
                + sum(above + below for above, below in band.rows)
                + ROW_GAP * max(0, len(band.rows) - 1)
                + band.tracks * TRACK_GAP
                + PAD_BOTTOM
            )
            label_room = len(band.label) * CHAR_WIDTH + 20  # the lane's name is written vertically
            band.top, band.height = top, max(content, MIN_BAND_HEIGHT, label_room)
            self._place_rows(band, band.top + PAD_TOP + (band.height - content) // 2)
            top += band.height

    @staticmethod
    def _place_rows(band: _Band, y: int):
        band.row_centers = []
        for above, below in band.rows:
            band.row_centers.append(y + above)
            y += above + below + ROW_GAP
        band.rows_bottom = y - ROW_GAP if band.rows else y

    def _place_nodes(self):
        for node in self.graph.ranked_nodes:
            center_y = self.bands[node.band].row_centers[node.row]
            x = self.column_left[node.rank] + (self.column_width[node.rank] - node.width) // 2
            node.box = _Box(x, center_y - node.height // 2, node.width, node.height)
            self._place_boundaries(node)

    @staticmethod
    def _place_boundaries(host: _Node):
        size = EVENT_SIZE[0]
        first_center = host.placed.center_x - BOUNDARY_STEP * (len(host.boundaries) - 1) // 2
        for index, boundary in enumerate(host.boundaries):
            center_x = first_center + index * BOUNDARY_STEP
            boundary.box = _Box(center_x - size // 2, host.placed.bottom - size // 2, size, size)

    def _place_lanes(self, x: int, right: int):
        for lane in self.lanes:
            first, last = self.bands[lane.bands[0]], self.bands[lane.bands[-1]]
            left = x + lane.depth * LANE_HEADER
            lane.box = _Box(left, first.top, right - left, last.top + last.height - first.top)

    # -- routes

    def _route(self, flow: _Flow, shapes: _ShapeIndex) -> list[tuple[int, int]]:
        """The first candidate route that crosses no shape, else the one crossing fewest."""
        ends = {flow.source, flow.target, flow.source.host}
        best: list[tuple[int, int]] | None = None
        fewest: float = math.inf
        for points in map(_simplified, self._candidates(flow)):
            crossings = sum(shapes.crossed_by(a, b, ends) for a, b in zip(points, points[1:]))
            if crossings < fewest:
                best, fewest = points, crossings
            if fewest == 0:
                break
        assert best is not None, "every flow has candidate routes"
        return best

    def _candidates(self, flow: _Flow) -> list[list[tuple[int, int]]]:
        source, target = flow.source, flow.target
        end = (target.placed.x, target.placed.center_y)
        after_source = self._gap_after(source.ranked.rank)
        before_target = self._gap_before(target.rank)
        if source.host is not None:
            start = (source.placed.center_x, source.placed.bottom)
            turn = start[1] + DROP
            if flow.back:
                channel = self._channel(flow)
                return [
                    [start, (start[0], channel), (before_target, channel), (before_target, end[1]), end],
                    [
                        start,
                        (start[0], turn),
                        (after_source, turn),
                        (after_source, channel),
                        (before_target, channel),
                        (before_target, end[1]),
                        end,
                    ],
                ]
            routes = [[start, (start[0], end[1]), end]] if end[1] > turn else []
            return routes + [
                [start, (start[0], turn), (before_target, turn), (before_target, end[1]), end],
                [start, (start[0], turn), (after_source, turn), (after_source, end[1]), end],
            ]
        start = (source.placed.right, source.placed.center_y)
        if flow.back:
            channel = self._channel(flow)
            return [
                [
                    start,
                    (after_source, start[1]),
                    (after_source, channel),
                    (before_target, channel),
                    (before_target, end[1]),
                    end,
                ]
            ]
        routes = [[start, end]] if start[1] == end[1] else []
        routes += [
            [start, (after_source, start[1]), (after_source, end[1]), end],
            [start, (before_target, start[1]), (before_target, end[1]), end],
        ]
        for detour in self._gaps_around_row(source):
            routes.append(
                [
                    start,
                    (after_source, start[1]),
                    (after_source, detour),
                    (before_target, detour),
                    (before_target, end[1]),
                    end,
                ]
            )
        return routes

    def _gap_after(self, rank: int) -> int:
        return self.column_left[rank] + self.column_width[rank] + COLUMN_GAP // 2

    def _gap_before(self, rank: int) -> int:
        return self.column_left[rank] - COLUMN_GAP // 2

    def _channel(self, flow: _Flow) -> int:
        band = self.bands[max(flow.source.band, flow.target.band)]
        return band.rows_bottom + PAD_BOTTOM // 2 + flow.track * TRACK_GAP

    def _gaps_around_row(self, node: _Node) -> tuple[int, int]:
        band = self.bands[node.band]
        above, below = band.rows[node.row]
        center = band.row_centers[node.row]
        return center - above - ROW_GAP // 2, center + below + ROW_GAP // 2


def _simplified(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Without repeated points and without middle points of straight runs."""
    unique = [point for index, point in enumerate(points) if index == 0 or point != points[index - 1]]
    kept = [unique[0]]
    for index in range(1, len(unique) - 1):
        before, point, after = kept[-1], unique[index], unique[index + 1]
        if not (before[0] == point[0] == after[0] or before[1] == point[1] == after[1]):
            kept.append(point)
    kept.append(unique[-1])
    return kept


class _ShapeIndex:
    """Finds the shapes an axis-parallel segment passes through without looking at all of them
    (an upload of 2 MB can hold thousands). Shapes stand in columns, and in rows of a band that
    do not overlap each other vertically, so a horizontal segment can only meet the shapes of one
    row and a vertical one only those of one column."""

    def __init__(self, nodes: list[_Node], column_left: list[int], column_width: list[int]):
        self.column_left = column_left
        self.column_right = [left + width for left, width in zip(column_left, column_width)]
        self.tallest = max((node.height for node in nodes), default=0)
        self.widest = max((node.width for node in nodes), default=0)
        self.columns = _sorted_groups(nodes, key=lambda node: node.ranked.rank, start=lambda box: box.y)
        rows = _sorted_groups(
            nodes, key=lambda node: (node.ranked.band, node.ranked.row), start=lambda box: box.x
        )
        self.rows = sorted(rows.values(), key=lambda row: min(node.placed.y for node in row[0]))
        self.row_tops = [min(node.placed.y for node in row) for row, _ in self.rows]
        self.row_bottoms = [max(node.placed.bottom for node in row) for row, _ in self.rows]

    def crossed_by(self, start: tuple[int, int], end: tuple[int, int], ends: set) -> int:
        nearby = self._near_horizontal(start, end) if start[1] == end[1] else self._near_vertical(start, end)
        return sum(1 for node in nearby if node not in ends and node.placed.is_crossed_by(start, end))

    def _near_horizontal(self, start, end) -> list[_Node]:
        y, left, right = start[1], min(start[0], end[0]), max(start[0], end[0])
        index = bisect.bisect_right(self.row_tops, y) - 1
        if index < 0 or y >= self.row_bottoms[index]:
            return []
        return _window(*self.rows[index], left - self.widest, right)

    def _near_vertical(self, start, end) -> list[_Node]:
        x, top, bottom = start[0], min(start[1], end[1]), max(start[1], end[1])
        rank = bisect.bisect_right(self.column_left, x) - 1
        if rank < 0 or x >= self.column_right[rank] or rank not in self.columns:
            return []
        return _window(*self.columns[rank], top - self.tallest, bottom)


_Key = TypeVar("_Key", bound=Hashable)


def _sorted_groups(
    nodes: list[_Node], key: Callable[[_Node], _Key], start: Callable[[_Box], int]
) -> dict[_Key, tuple[list[_Node], list[int]]]:
    """Nodes grouped by ``key``, each group sorted by where its boxes start, with those starts."""
    groups: dict[_Key, list[_Node]] = {}
    for node in nodes:
        groups.setdefault(key(node), []).append(node)
    return {
        name: (
            sorted(group, key=lambda node: start(node.placed)),
            sorted(start(node.placed) for node in group),
        )
        for name, group in groups.items()
    }


def _window(nodes: list[_Node], starts: list[int], low: int, high: int) -> list[_Node]:
    """The nodes whose start coordinate lies between ``low`` and ``high`` (``starts`` is sorted)."""
    return nodes[bisect.bisect_left(starts, low) : bisect.bisect_right(starts, high)]


# ------------------------------------------------------------------ the DI elements


class _Ids:
    """Ids unique in the document: ``<element id>_di``, numbered only if that is taken."""

    def __init__(self, root):
        self.used = {element.get("id") for element in root.iter() if element.get("id")}

    def allocate(self, wanted: str) -> str:
        candidate, number = wanted, 1
        while candidate in self.used:
            number += 1
            candidate = f"{wanted}_{number}"
        self.used.add(candidate)
        return candidate


class _DiagramBuilder:
    """One diagram for the collaboration (or each process), one per sub-process."""

    def __init__(self, root):
        self.root = root
        self.ids = _Ids(root)
        self.processes = {
            process.get("id"): process for process in root.findall(_bpmn("process")) if process.get("id")
        }
        self.containers: list[_Node] = []  # sub-processes still to draw in diagrams of their own

    def build(self) -> list[etree._Element]:
        diagrams: list[etree._Element] = []
        drawn: set[str] = set()
        collaboration = self.root.find(_bpmn("collaboration"))
        if collaboration is not None and collaboration.get("id"):
            diagrams.append(self._collaboration_diagram(collaboration, drawn))
        for process_id, process in self.processes.items():
            if process_id not in drawn:
                diagram, plane = self._new_diagram(process_id)
                layout = _ContainerLayout(process, with_lanes=True)
                layout.place(*ORIGIN, pool_header=False)
                self._draw(plane, layout)
                diagrams.append(diagram)
        while self.containers:
            container = self.containers.pop(0)
            diagram, plane = self._new_diagram(container.id)
            layout = _ContainerLayout(container.element, with_lanes=False)
            layout.place(*ORIGIN, pool_header=False)
            self._draw(plane, layout)
            diagrams.append(diagram)
        return diagrams

    def _new_diagram(self, element_id: str):
        diagram = etree.Element(
            _di("BPMNDiagram"), nsmap=DI_NSMAP, id=self.ids.allocate(f"{element_id}_diagram")
        )
        plane = etree.SubElement(
            diagram, _di("BPMNPlane"), id=self.ids.allocate(f"{element_id}_plane"), bpmnElement=element_id
        )
        return diagram, plane

    def _collaboration_diagram(self, collaboration, drawn: set[str]):
        diagram, plane = self._new_diagram(collaboration.get("id"))
        x, y = ORIGIN
        pools_without_process = []
        widest = BLACK_BOX_POOL[0]
        for participant in collaboration.findall(_bpmn("participant")):
            if not participant.get("id"):
                continue
            process_id = participant.get("processRef")
            if process_id not in self.processes or process_id in drawn:
                pools_without_process.append(participant)
                continue
            drawn.add(process_id)
            layout = _ContainerLayout(self.processes[process_id], with_lanes=True)
            box = layout.place(x, y, pool_header=True)
            self._shape(plane, participant.get("id"), box, isHorizontal="true")
            self._draw(plane, layout)
            widest = max(widest, box.width)
            y = box.bottom + POOL_GAP
        for participant in pools_without_process:
            self._shape(
                plane, participant.get("id"), _Box(x, y, widest, BLACK_BOX_POOL[1]), isHorizontal="true"
            )
            y += BLACK_BOX_POOL[1] + POOL_GAP
        return diagram

    def _draw(self, plane, layout: _ContainerLayout):
        for lane in layout.lanes:
            self._shape(plane, lane.id, lane.placed, isHorizontal="true")
        for node in layout.graph.ranked_nodes:
            self._draw_node(plane, node)
            for boundary in node.boundaries:
                self._draw_node(plane, boundary)
        for flow, points in layout.routes.items():
            self._edge(plane, flow, points)

    def _draw_node(self, plane, node: _Node):
        attributes = {}
        if node.kind == "container":
            attributes["isExpanded"] = "false"
            self.containers.append(node)
        local = etree.QName(node.element).localname
        if local == "exclusiveGateway":
            attributes["isMarkerVisible"] = "true"
        shape = self._shape(plane, node.id, node.placed, **attributes)
        label = _external_label(node)
        if label is not None:
            _bounds(etree.SubElement(shape, _di("BPMNLabel")), label)

    def _shape(self, plane, element_id: str, box: _Box, **attributes):
        shape = etree.SubElement(
            plane,
            _di("BPMNShape"),
            id=self.ids.allocate(f"{element_id}_di"),
            bpmnElement=element_id,
            **attributes,
        )
        _bounds(shape, box)
        return shape

    def _edge(self, plane, flow: _Flow, points: list[tuple[int, int]]):
        edge = etree.SubElement(
            plane, _di("BPMNEdge"), id=self.ids.allocate(f"{flow.id}_di"), bpmnElement=flow.id
        )
        for x, y in points:
            etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=str(x), y=str(y))
        label = _flow_label(" ".join((flow.element.get("name") or "").split()), points)
        if label is not None:
            _bounds(etree.SubElement(edge, _di("BPMNLabel")), label)


def _bounds(parent, box: _Box):
    etree.SubElement(
        parent, f"{{{DC_NS}}}Bounds", x=str(box.x), y=str(box.y), width=str(box.width), height=str(box.height)
    )


__all__ = ["ensure_diagram"]
