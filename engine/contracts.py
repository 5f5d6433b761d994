"""What Python code needs from a process's BPMN, declared as data and checked.

Each capability in ``services/`` declares, next to its code, one ``ProcessContract`` per
process it reads: the process key, the elements it reacts to or reads (id and kind), the
form fields of a user task it reads and the values it acts on, the start data it passes,
and how each end event of the process maps to an outcome. ``check`` compares a bundle
with those declarations; it reads the XML and the forms only, so a file SpiffWorkflow
cannot even parse (an element deleted with its flows) still gets a refusal that names
the element. The check runs when ``bpmn/`` is loaded, when a draft is saved and when it
is published (``engine.definitions.compile_bundle``); the runtime uses the same data for
versions published before a contract existed (see ``WorkflowRuntime``). The tables of
``bpmn/README.md`` are generated from these declarations (``talentflow contracts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.messages import Message

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN_DI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTY = "formJsonSchemaFilename"
# A user task's case: a JSON Schema in forms/ naming the case data shown, read-only, above its form.
CASE_PROPERTY = "caseSchemaFilename"

# Element kinds, as BPMN names the elements, and the word for each shown to people.
USER_TASK, SCRIPT_TASK, END_EVENT = "userTask", "scriptTask", "endEvent"
KIND_WORDS = {
    USER_TASK: Message("user task"),
    SCRIPT_TASK: Message("script task"),
    END_EVENT: Message("end event"),
    "startEvent": Message("start event"),
    "exclusiveGateway": Message("exclusive gateway"),
    "parallelGateway": Message("parallel gateway"),
    "inclusiveGateway": Message("inclusive gateway"),
    "intermediateCatchEvent": Message("intermediate event"),
    "boundaryEvent": Message("boundary event"),
    "subProcess": Message("subprocess"),
    "manualTask": Message("manual task"),
    "task": Message("task"),
    "businessRuleTask": Message("business rule task"),
    "serviceTask": Message("service task"),
    "callActivity": Message("call activity"),
    "intermediateThrowEvent": Message("intermediate event"),
    "eventBasedGateway": Message("event-based gateway"),
}
# Kinds that are drawn but never run here (engine.definitions refuses them); only named.
OTHER_KIND_WORDS = {
    "process": Message("process"),
    "sendTask": Message("send task"),
    "receiveTask": Message("receive task"),
    "transaction": Message("transaction"),
    "complexGateway": Message("complex gateway"),
    "messageEventDefinition": Message("message event"),
    "signalEventDefinition": Message("signal event"),
    "compensateEventDefinition": Message("compensation event"),
    "conditionalEventDefinition": Message("conditional event"),
    "eventSubProcess": Message("event subprocess"),
    "errorEventDefinition": Message("error event"),
    "escalationEventDefinition": Message("escalation event"),
    "timerEventDefinition": Message("timer event"),
    "terminateEventDefinition": Message("terminate event"),
    "linkEventDefinition": Message("link event"),
    "cancelEventDefinition": Message("cancel event"),
    "standardLoopCharacteristics": Message("loop"),
    "dataStoreReference": Message("data store"),
}
ELEMENT = Message("element")
_FLOW_NODES = frozenset(KIND_WORDS)


def kind_word(kind: str) -> Message:
    """The word for a BPMN element kind (``userTask``), never the raw tag."""
    return KIND_WORDS.get(kind) or OTHER_KIND_WORDS.get(kind) or ELEMENT


@dataclass(frozen=True)
class Field:
    """A key of a user task's form that Python reads (``lines[].field`` inside an array),
    and the values it acts on (each must stay a choice of the field)."""

    path: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Element:
    id: str
    kind: str
    meaning: str  # what Python does with it (English, for bpmn/README.md)
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class DecisionUse:
    """A decision table of the bundle (``decisions/*.dmn``) that Python evaluates itself
    (``inputs``: the data it gives) or whose result a business-rule task leaves for it
    (no ``inputs``), and the outputs it reads (docs/decision-tables.md)."""

    id: str
    meaning: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageUse:
    """A message the code delivers to the process's waiting instances (``name``), and the
    correlation key those instances wait on with the properties the code fills in."""

    name: str
    meaning: str
    correlation_key: str
    properties: tuple[str, ...]


@dataclass(frozen=True)
class ProcessContract:
    """What one capability needs from one process.

    ``outcomes`` maps each end event of the process to the outcome the capability
    records; when given, an end event it does not map is refused (the capability would
    not know what the instance ended as). ``None``: the capability does not read how the
    instance ends."""

    key: str
    capability: str  # the package or module that reads the process: services/campaigns
    needed_by: str  # what needs it, a Message: shown to the admin whose change is refused
    elements: tuple[Element, ...] = ()
    outcomes: Mapping[str, str] | None = None
    start_data: tuple[str, ...] = ()
    decisions: tuple[DecisionUse, ...] = ()
    messages: tuple[MessageUse, ...] = ()

    def element(self, element_id: str) -> Element | None:
        return next((element for element in self.elements if element.id == element_id), None)

    @property
    def element_ids(self) -> frozenset[str]:
        return frozenset(element.id for element in self.elements) | frozenset(self.outcomes or ())


def user_task(element_id: str, meaning: str, *fields: str | Field) -> Element:
    return Element(
        element_id,
        USER_TASK,
        meaning,
        tuple(Field(item) if isinstance(item, str) else item for item in fields),
    )


def script_task(element_id: str, meaning: str) -> Element:
    return Element(element_id, SCRIPT_TASK, meaning)


def business_rule_task(element_id: str, meaning: str) -> Element:
    return Element(element_id, "businessRuleTask", meaning)


@dataclass(frozen=True)
class Violation:
    """One way a bundle breaks a contract: a message for the admin and the element to mark."""

    message: Message
    element: str | None


@dataclass(frozen=True)
class _Node:
    kind: str
    label: str
    top_level: bool  # a direct child of the process, not inside a sub-process
    form_file: str | None


@dataclass
class DrawnProcess:
    """The elements of one process as drawn, read from its XML."""

    nodes: dict[str, _Node] = field(default_factory=dict)
    di_of: dict[str, str] = field(default_factory=dict)  # the diagram shape's id -> the element it draws

    @classmethod
    def read(cls, tree, key: str) -> DrawnProcess:
        drawn = cls()
        process = next(
            (element for element in tree.iter(f"{{{BPMN_MODEL}}}process") if element.get("id") == key), None
        )
        if process is not None:
            for element in process.iter(f"{{{BPMN_MODEL}}}*"):
                kind = element.tag.rsplit("}", 1)[1]
                if kind in _FLOW_NODES and element.get("id"):
                    drawn.nodes[element.get("id")] = _Node(
                        kind,
                        " ".join((element.get("name") or "").split()),
                        element.getparent() is process,
                        _form_file(element),
                    )
        for shape in tree.iter(f"{{{BPMN_DI}}}BPMNShape"):
            if shape.get("id") and shape.get("bpmnElement"):
                drawn.di_of[shape.get("id")] = shape.get("bpmnElement")
        return drawn

    def label(self, element_id: str) -> str:
        node = self.nodes.get(element_id)
        return node.label if node is not None and node.label else element_id

    def end_events(self) -> list[str]:
        return [
            element_id for element_id, node in self.nodes.items() if node.kind == END_EVENT and node.top_level
        ]


def _form_file(element) -> str | None:
    for prop in element.iter(f"{{{SPIFF}}}property"):
        if prop.get("name") == FORM_PROPERTY:
            return prop.get("value")
    return None


def check(
    tree,
    key: str,
    forms: Mapping[str, dict],
    meta: Mapping,
    contracts: Iterable[ProcessContract],
    previous_tree=None,
) -> list[Violation]:
    """How the process ``key`` drawn in ``tree`` breaks the contracts; [] when it keeps
    them all. ``previous_tree`` is the version being replaced: its labels name an element
    that the new drawing lost, and find it again under a new id."""
    contracts = [contract for contract in contracts if contract.key == key]
    if not contracts:
        return []
    drawn = DrawnProcess.read(tree, key)
    previous = DrawnProcess.read(previous_tree, key) if previous_tree is not None else DrawnProcess()
    violations: list[Violation] = []
    for contract in contracts:
        for element in contract.elements:
            violations += _element_violations(contract, element, drawn, previous, forms)
        if contract.outcomes is not None:
            violations += _outcome_violations(contract, contract.outcomes, drawn, previous)
        violations += [v for use in contract.messages if (v := _message_violation(contract, use, tree))]
        example = meta.get("start_data_example", {}) if isinstance(meta, Mapping) else {}
        missing = [name for name in contract.start_data if name not in example]
        if missing:
            violations.append(
                Violation(
                    Message(
                        "process.json: «start_data_example» must have %(names)s: %(needed_by)s "
                        "(%(capability)s) passes these data when it starts the process.",
                        names=", ".join(missing),
                        **_who(contract),
                    ),
                    None,
                )
            )
    return list(dict.fromkeys(violations))


def _message_violation(contract: ProcessContract, use: MessageUse, tree) -> Violation | None:
    """The message must stay drawn under its name, and its correlation key must keep the
    properties the code fills in (their ids), or deliveries would find no instance."""
    if not any(drawn.get("name") == use.name for drawn in tree.iter(f"{{{BPMN_MODEL}}}message")):
        return Violation(
            Message(
                "Do not delete the message «%(name)s» or rename it: %(needed_by)s (%(capability)s) sends it.",
                name=use.name,
                **_who(contract),
            ),
            None,
        )
    key = next(
        (
            drawn
            for drawn in tree.iter(f"{{{BPMN_MODEL}}}correlationKey")
            if drawn.get("name") == use.correlation_key
        ),
        None,
    )
    kept = (
        {(ref.text or "").strip() for ref in key.iter(f"{{{BPMN_MODEL}}}correlationPropertyRef")}
        if key is not None
        else set()
    )
    if set(use.properties) <= kept:
        return None
    return Violation(
        Message(
            "The correlation key «%(key)s» must keep the properties %(names)s: %(needed_by)s "
            "(%(capability)s) finds the instance waiting for the message «%(name)s» by them.",
            key=use.correlation_key,
            names=", ".join(use.properties),
            name=use.name,
            **_who(contract),
        ),
        None,
    )


def _element_violations(
    contract: ProcessContract,
    element: Element,
    drawn: DrawnProcess,
    previous: DrawnProcess,
    forms: Mapping[str, dict],
) -> list[Violation]:
    needs = Message("%(needed_by)s (%(capability)s) needs this element", **_who(contract))
    node = drawn.nodes.get(element.id)
    if node is None:
        return [_lost(element.id, element.kind, needs, drawn, previous)]
    named = f"«{drawn.label(element.id)}» ({element.id})"
    if node.kind != element.kind:
        return [
            Violation(
                Message(
                    "%(named)s must be a %(kind)s, not a %(drawn)s: %(needs)s.",
                    named=named,
                    kind=kind_word(element.kind),
                    drawn=kind_word(node.kind),
                    needs=needs,
                ),
                element.id,
            )
        ]
    if not element.fields:
        return []
    form = forms.get(node.form_file or "")
    if not isinstance(form, dict):
        return []  # a missing form is refused by the definition's own checks
    violations = []
    for field_ in element.fields:
        schema = _field_schema(form, field_.path)
        if schema is None:
            violations.append(
                Violation(
                    Message(
                        "The form of %(named)s must keep the field «%(field)s»: %(needed_by)s "
                        "(%(capability)s) reads this field.",
                        named=named,
                        field=field_.path,
                        **_who(contract),
                    ),
                    element.id,
                )
            )
            continue
        missing = [value for value in field_.values if value not in _choices(schema)]
        if missing:
            violations.append(
                Violation(
                    Message(
                        "The field «%(field)s» of %(named)s must keep the choices %(choices)s: "
                        "%(needed_by)s (%(capability)s) acts on these choices.",
                        field=field_.path,
                        named=named,
                        choices=", ".join(map(str, missing)),
                        **_who(contract),
                    ),
                    element.id,
                )
            )
    return violations


def _who(contract: ProcessContract) -> dict[str, str]:
    """Who needs an element, for a message's parameters (``needed_by`` is a Message)."""
    return {"needed_by": contract.needed_by, "capability": contract.capability}


def _lost(
    element_id: str, kind: str, needs: Message, drawn: DrawnProcess, previous: DrawnProcess
) -> Violation:
    """A contracted element that is not drawn any more: renamed (found again by its label
    or its diagram shape, and marked under its new id) or deleted."""
    label = previous.label(element_id)
    renamed = drawn.di_of.get(f"{element_id}_di")
    if renamed is None or renamed in previous.nodes or renamed not in drawn.nodes:
        renamed = next(
            (
                other
                for other, node in drawn.nodes.items()
                if node.kind == kind and node.label and node.label == label and other not in previous.nodes
            ),
            None,
        )
    if renamed is not None:
        return Violation(
            Message(
                "«%(label)s» had its id changed from %(old)s to %(new)s: %(needs)s. "
                "Set the id back to %(old)s.",
                label=drawn.label(renamed),
                old=element_id,
                new=renamed,
                needs=needs,
            ),
            renamed,
        )
    shown = f"«{label}» ({element_id})" if label != element_id else element_id
    return Violation(
        Message(
            "Do not delete the %(kind)s %(shown)s or change its id: %(needs)s.",
            kind=kind_word(kind),
            shown=shown,
            needs=needs,
        ),
        None,
    )


def _outcome_violations(
    contract: ProcessContract, outcomes: Mapping[str, str], drawn: DrawnProcess, previous: DrawnProcess
) -> list[Violation]:
    """``outcomes`` is the contract's own ``outcomes``, known to be given."""
    violations = []
    for end in outcomes:
        if end not in drawn.nodes and contract.element(end) is None:
            violations.append(
                _lost(
                    end,
                    END_EVENT,
                    Message(
                        "%(needed_by)s (%(capability)s) records the outcome «%(outcome)s» at this event",
                        outcome=outcomes[end],
                        **_who(contract),
                    ),
                    drawn,
                    previous,
                )
            )
        elif end in drawn.nodes and drawn.nodes[end].kind != END_EVENT:
            violations.append(
                Violation(
                    Message(
                        "%(named)s must be an end event: %(needed_by)s (%(capability)s) records "
                        "the outcome there.",
                        named=f"«{drawn.label(end)}» ({end})",
                        **_who(contract),
                    ),
                    end,
                )
            )
    renamed = {violation.element for violation in violations}
    for end in drawn.end_events():
        if end not in outcomes and end not in renamed:
            violations.append(
                Violation(
                    Message(
                        "The end event %(named)s matches no outcome that %(needed_by)s (%(capability)s) "
                        "knows: the process may end only at %(ends)s.",
                        named=f"«{drawn.label(end)}» ({end})",
                        ends=", ".join(outcomes),
                        **_who(contract),
                    ),
                    end,
                )
            )
    return violations


def _field_schema(form: dict, path: str) -> dict | None:
    node = form
    for part in path.split("."):
        child = (node.get("properties") or {}).get(part.removesuffix("[]"))
        if part.endswith("[]"):
            child = child.get("items") if isinstance(child, dict) else None
        if not isinstance(child, dict):
            return None
        node = child
    return node


def _choices(schema: dict) -> set:
    values = set(schema.get("enum") or ())
    values |= {option.get("const") for option in schema.get("oneOf") or () if isinstance(option, dict)}
    if schema.get("type") == "boolean":
        values |= {True, False}
    return values


def unknown_elements(tree, key: str, contracts: Iterable[ProcessContract]) -> frozenset[str]:
    """Where a version published before its contracts existed stands apart from them:
    its end events that no outcome maps, and, of each kind of element it lost (a
    contracted user task renamed...), the elements of that kind the contracts do not
    name (where the lost one now stands). Reaching one at run time is refused; the rest
    of such a version runs as it always did."""
    contracts = [contract for contract in contracts if contract.key == key]
    drawn = DrawnProcess.read(tree, key)
    lost_kinds = {
        element.kind
        for contract in contracts
        for element in contract.elements
        if element.id not in drawn.nodes or drawn.nodes[element.id].kind != element.kind
    }
    named = frozenset().union(*(contract.element_ids for contract in contracts))
    unknown = {
        element_id
        for element_id, node in drawn.nodes.items()
        if node.kind in lost_kinds and element_id not in named
    }
    for contract in contracts:
        if contract.outcomes is not None:
            unknown |= {end for end in drawn.end_events() if end not in contract.outcomes}
    return frozenset(unknown)


def describe(contracts: Iterable[ProcessContract]) -> str:
    """The contracts as Markdown tables, one per process (bpmn/README.md shows them)."""
    by_key: dict[str, list[ProcessContract]] = {}
    for contract in contracts:
        by_key.setdefault(contract.key, []).append(contract)
    parts = []
    for key, held in by_key.items():
        rows = ["| element | kind | read by | what the code does with it |", "|---|---|---|---|"]
        for contract in held:
            for element in contract.elements:
                fields = ", ".join(
                    f"`{f.path}`" + (f" ({'/'.join(map(str, f.values))})" if f.values else "")
                    for f in element.fields
                )
                rows.append(
                    f"| `{element.id}` | {element.kind} | `{contract.capability}` | {element.meaning}"
                    + (f"; reads {fields}" if fields else "")
                    + " |"
                )
            for decision in contract.decisions:
                given = (
                    f"; evaluates it with {', '.join(f'`{n}`' for n in decision.inputs)}"
                    if decision.inputs
                    else ""
                )
                reads = ", ".join(f"`{name}`" for name in decision.outputs)
                rows.append(
                    f"| `{decision.id}` | decision table | `{contract.capability}` | "
                    f"{decision.meaning}{given}; reads {reads} |"
                )
            for use in contract.messages:
                rows.append(
                    f"| `{use.name}` | message | `{contract.capability}` | {use.meaning}; correlation key "
                    f"`{use.correlation_key}`: {', '.join(f'`{name}`' for name in use.properties)} |"
                )
            for end_event, outcome in (contract.outcomes or {}).items():
                rows.append(
                    f"| `{end_event}` | {END_EVENT} | `{contract.capability}` | the outcome `{outcome}` |"
                )
        starts = sorted({name for contract in held for name in contract.start_data})
        every_end = [contract.capability for contract in held if contract.outcomes is not None]
        notes = [f"Start data: {', '.join(f'`{name}`' for name in starts)}."] if starts else []
        if every_end:
            notes.append(
                f"Every end event must be one of these outcomes ({', '.join(f'`{c}`' for c in every_end)})."
            )
        parts.append("\n".join([f"### `{key}`", "", *rows, "", *notes]).rstrip())
    return "\n\n".join(parts) + "\n"


TABLES_BEGIN = "<!-- contracts: generated by `talentflow bpmn contracts --write`; do not edit by hand -->"
TABLES_END = "<!-- end of contracts -->"


def with_tables(readme: str, contracts: Iterable[ProcessContract]) -> str:
    """``readme`` with the text between the two markers replaced by ``describe``."""
    head, found, rest = readme.partition(TABLES_BEGIN)
    if not found or TABLES_END not in rest:
        raise ValueError("the README has no contracts section (its two markers)")
    return f"{head}{TABLES_BEGIN}\n\n{describe(contracts)}\n{TABLES_END}{rest.partition(TABLES_END)[2]}"
