"""Process definitions: read a bundle (BPMN + forms + process.json), validate it as
untrusted input, and store it as an immutable, content-addressed version."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.defaults import UserTask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import (
    clock,
    connectors as connector_checks,
    contracts as contract_checks,
    inner_events,
    messaging,
)
from engine.business_rules import DecisionTask, result_data
from engine.call_activity import (
    COUNTERS,
    LOOP_COUNTER,
    CallSettings,
    LinkedCallActivity,
    Loop,
    TalentFlowParser,
    names_read,
    script_targets,
)
from engine.connectors import Connector, ConnectorTask
from engine.contracts import BPMN_MODEL, CASE_PROPERTY, FORM_PROPERTY, DecisionUse, ProcessContract, kind_word
from engine.decision_tables import DecisionError, DecisionTable, check_table, parse_table
from engine.errors import BudgetExceeded, DefinitionRejected, EngineError, ScriptRejected
from engine.escalation import EscalationPolicy, parse_policy
from engine.forms import FormValidator, check_form_schema
from engine.helpers import BASE_HELPERS
from engine.messages import Message
from engine.models import ProcessDefinition
from engine.sandbox import RestrictedEnvironment, check_expression, check_script
from engine.xml_safety import parse_untrusted_xml

MAX_FORM_BYTES = 256 * 1024
DECISIONS_FOLDER = "decisions"  # a bundle's DMN files (docs/decision-tables.md)
# Element ids show up in history, projections and outcomes: they must say what they are
# (``draft_proposal``), never what a modeler generated (``Activity_0gnvuqr``).
MEANINGFUL_ID = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")

# Element types the engine runs. Anything else (service tasks, DMN...) is a problem at
# load time rather than a failure at run time.
SUPPORTED_SPECS = {
    "BpmnStartTask",
    "_EndJoin",
    "SimpleBpmnTask",
    "StartEvent",
    "EndEvent",
    "IntermediateCatchEvent",
    "IntermediateThrowEvent",
    "BoundaryEvent",
    "BoundaryEventSplit",
    "BoundaryEventJoin",
    "UserTask",
    "ManualTask",
    "NoneTask",
    "ScriptTask",
    "ExclusiveGateway",
    "ParallelGateway",
    "InclusiveGateway",
    "SubWorkflowTask",
    "LinkedCallActivity",
    "ParallelMultiInstanceTask",
    "SequentialMultiInstanceTask",
    "SendTask",
    "ReceiveTask",
    "EventBasedGateway",
    "DecisionTask",
    "ConnectorTask",
}
# BPMN elements we do not run, by name: when SpiffWorkflow cannot even parse a file (it
# stops at the first element it dislikes), an importer still gets the whole list.
UNSUPPORTED_ELEMENTS = {
    "transaction",
    "complexGateway",
    "compensateEventDefinition",
    "linkEventDefinition",
    "cancelEventDefinition",
    "standardLoopCharacteristics",
    "dataStoreReference",
}
# Of those, what SpiffWorkflow 3.2 parses without a word as a plain event (a link throw
# would end its path): refused even when the file parses.
DROPPED_ELEMENTS = {"compensateEventDefinition", "linkEventDefinition"}
SUPPORTED_EVENTS = {
    "NoneEventDefinition",
    "TimeDateEventDefinition",
    "DurationTimerEventDefinition",
    "CycleTimerEventDefinition",
    "TerminateEventDefinition",
    "ErrorEventDefinition",
    "EscalationEventDefinition",
    # Between instances through the subscription table (engine.messaging).
    "MessageEventDefinition",
    "SignalEventDefinition",
    # Evaluated whenever the instance steps (its data changed).
    "ConditionalEventDefinition",
}


# SpiffWorkflow's spec classes whose BPMN element is not their name with a lower-case
# initial (UserTask: userTask); the word people read comes from contracts.kind_word.
_SPEC_TAGS = {
    "NoneTask": "task",
    "SimpleBpmnTask": "task",
    "SubWorkflowTask": "subProcess",
    "LinkedCallActivity": "callActivity",
    "TransactionSubprocess": "transaction",
    "DecisionTask": "businessRuleTask",
    "ConnectorTask": "serviceTask",
}
TIMER_EVENT = Message("timer event")
MULTI_INSTANCE_TASK = Message("multi-instance task")
UNSUPPORTED = Message("this element type is not supported")
WAITS_FOR_NOBODY = Message(
    "a person cannot complete this task here: make it a user task, with a lane and a form"
)
NOT_YET = Message("this element type is not supported yet; the draft is kept, but it cannot be published")
# Of UNSUPPORTED_ELEMENTS, what no draft may hold (an import of it is refused); the others
# are draft problems until they are supported.
REFUSED_ELEMENTS = {
    "compensateEventDefinition",
    "linkEventDefinition",
    "cancelEventDefinition",
    "transaction",
}
NESTED_EVENT_START = Message("inside a subprocess, an event subprocess can start only on a timer")


class Problem(Message):
    """One reason a definition is refused, naming the BPMN element it is about (so an
    editor can highlight it). ``unsupported`` problems mean the file cannot run here at
    all (an element type we do not run, code the sandbox refuses); the others are
    things an admin completes in the editor (a missing form, an unknown role...)."""

    element: str | None
    unsupported: bool

    def __new__(cls, message: Message, element: str | None = None, unsupported: bool = False) -> Problem:
        problem = cast(Problem, super().__new__(cls, message.template, **message.params))
        problem.element, problem.unsupported = element, unsupported
        return problem

    def __reduce__(self):
        return (Problem, (Message(self.template, **self.params), self.element, self.unsupported))


def about(label: str, kind: Message, problem: str) -> Message:
    """A problem of one element, named by its label (its id when it has none)."""
    return Message(
        "«%(element)s» (%(kind)s): %(problem)s", element=" ".join(label.split()), kind=kind, problem=problem
    )


def spec_kind(task_spec) -> Message:
    """The word for a SpiffWorkflow task spec's element kind, never its class name."""
    name = type(task_spec).__name__
    if name.endswith("MultiInstanceTask"):
        return MULTI_INSTANCE_TASK
    if isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition):
        return TIMER_EVENT
    if inner_events.is_event_subprocess(task_spec):
        return kind_word("eventSubProcess")
    return kind_word(_SPEC_TAGS.get(name, name[:1].lower() + name[1:]))


def reason(error: Exception) -> Message | str:
    """What a failure says: the engine's message, or Python's own text as data."""
    if isinstance(error, EngineError):
        return error.message
    found = error.args[0] if error.args else ""
    return found if isinstance(found, Message) else str(error)


def unsupported_problems(error: DefinitionRejected) -> list[str]:
    """What makes a refused file impossible to import at all: unsafe or unparseable
    XML (plain messages) and unsupported problems."""
    return [problem for problem in error.problems if getattr(problem, "unsupported", True)]


@dataclass(frozen=True)
class Bundle:
    """What an admin or the bpmn/ folder provides for one process key."""

    key: str
    bpmn: bytes
    forms: dict[str, dict]
    meta: dict
    decisions: dict[str, str] = field(default_factory=dict)  # decisions/<file>.dmn -> its XML

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.bpmn)
        digest.update(json.dumps(self.forms, sort_keys=True, ensure_ascii=False).encode())
        digest.update(json.dumps(self.meta, sort_keys=True, ensure_ascii=False).encode())
        if self.decisions:  # so that a bundle without tables keeps the hash it always had
            digest.update(json.dumps(self.decisions, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class UserTaskInfo:
    name: str
    title: str
    lane: str
    form_file: str
    instructions: str
    policy: EscalationPolicy
    case_file: str | None = None  # what the person decides on, shown above the form


@dataclass
class CompiledProcess:
    """A parsed, validated definition: what the runtime needs to run instances."""

    key: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, dict]
    meta: dict
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    decisions: dict[str, DecisionTable] = field(default_factory=dict)  # by decision id
    version: int | None = None  # of a stored definition
    # What a version published before its contracts has that they do not name (see WorkflowRuntime).
    unknown_elements: frozenset[str] = frozenset()
    _validators: dict[str, FormValidator] = field(default_factory=dict)

    def form_for(self, task_name: str) -> dict:
        return self.forms[self.user_tasks[task_name].form_file]

    def case_for(self, task_name: str) -> dict | None:
        """The JSON Schema of the case the task decides on (its properties: the case data
        shown, their titles and the words of their choices), if the BPMN declares one."""
        case_file = self.user_tasks[task_name].case_file
        return self.forms[case_file] if case_file else None

    def call_settings(self, element: str) -> CallSettings:
        """The settings of the call activity ``element`` (see engine.call_activity)."""
        for task_spec in all_task_specs(self):
            if isinstance(task_spec, LinkedCallActivity) and task_spec.bpmn_id == element:
                return task_spec.settings
        raise KeyError(element)

    def validate_form(self, task_name: str, data) -> list:
        """Field errors of ``data`` for the task's form; each validator is built once."""
        validator = self._validators.get(task_name)
        if validator is None:
            validator = self._validators[task_name] = FormValidator(self.form_for(task_name))
        return validator.validate(data)


def read_bundle(directory: Path) -> Bundle:
    key = directory.name
    bpmn_path = directory / f"{key}.bpmn"
    if not bpmn_path.is_file():
        raise DefinitionRejected(
            Message(
                "%(folder)s: expected a BPMN file named %(file)s", folder=str(directory), file=f"{key}.bpmn"
            )
        )
    forms = {path.name: _read_json(path) for path in sorted((directory / "forms").glob("*.json"))}
    meta_path = directory / "process.json"
    meta = _read_json(meta_path) if meta_path.is_file() else {}
    decisions = {
        path.name: _checked_size(path, path.read_bytes()).decode("utf-8", errors="replace")
        for path in sorted((directory / DECISIONS_FOLDER).glob("*.dmn"))
    }
    return Bundle(key=key, bpmn=bpmn_path.read_bytes(), forms=forms, meta=meta, decisions=decisions)


def _checked_size(path: Path, raw: bytes) -> bytes:
    if len(raw) > MAX_FORM_BYTES:
        raise DefinitionRejected(
            Message(
                "%(file)s: %(size)d bytes is over the %(limit)d-byte limit",
                file=path.name,
                size=len(raw),
                limit=MAX_FORM_BYTES,
            )
        )
    return raw


def _read_json(path: Path) -> dict:
    raw = _checked_size(path, path.read_bytes())
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise DefinitionRejected(Message("%(file)s: not valid JSON", file=path.name)) from None
    if not isinstance(value, dict):
        raise DefinitionRejected(Message("%(file)s: expected a JSON object", file=path.name))
    return value


def compile_bundle(
    bundle: Bundle,
    at: datetime | None = None,
    helpers: dict | None = None,
    roles: set[str] | None = None,
    contracts: Iterable[ProcessContract] = (),
    previous: bytes | None = None,
    decision_uses: Iterable[DecisionUse] = (),
    connectors: Mapping[str, Connector] | None = None,
) -> CompiledProcess:
    """Parse and validate; raise DefinitionRejected listing every problem found. With
    ``roles``, every user task's lane must name one of them; with ``contracts``, the
    bundle must keep what the code needs of it (``previous``, the BPMN of the version it
    replaces, names what it lost). ``decision_uses`` say what data the code evaluates
    tables with, without checking the rest of the contracts (a stored version). With
    ``connectors``, every service task must name one of them with its parameters."""
    contracts = list(contracts)
    file = f"{bundle.key}.bpmn"
    tree = parse_untrusted_xml(bundle.bpmn, name=file)
    broken = contract_problems(bundle, tree, contracts, previous)
    parser = TalentFlowParser()
    try:
        parser.add_bpmn_xml(tree, filename=file)
        if bundle.key not in parser.get_process_ids():
            raise DefinitionRejected(
                Message("%(file)s has no executable process with id «%(key)s»", file=file, key=bundle.key)
            )
        spec = parser.get_spec(bundle.key)
        subprocess_specs = parser.get_subprocess_specs(bundle.key)
    except (ValidationException, SpiffWorkflowException) as error:
        unsupported = _unsupported_elements(tree)
        if unsupported:  # the parser stops at the first; an importer wants the whole list
            raise DefinitionRejected(
                Message("%(file)s uses elements that cannot run here", file=file), unsupported + broken
            ) from None
        problem = _parser_problem(error, file)
        raise DefinitionRejected(problem, [problem, *broken]) from None
    inner_events.prepare_specs(tree, [spec, *subprocess_specs.values()])
    compiled = CompiledProcess(bundle.key, spec, subprocess_specs, bundle.forms, bundle.meta)
    context = _CheckContext(
        compiled.meta.get("start_data_example", {}),
        at or clock.SystemClock().now(),
        BASE_HELPERS if helpers is None else helpers,
        roles,
        frozenset(known_data(compiled)),
    )
    problems = _attach_decisions(compiled, bundle, contracts, decision_uses, context.helpers)
    problems += _check_specs(compiled, context) + _unsupported_elements(tree, DROPPED_ELEMENTS) + broken
    if connectors is not None:
        problems += _connector_problems(compiled, connectors)
    problems += [
        Problem(about(label, kind_word("eventSubProcess"), NESTED_EVENT_START), element, unsupported=True)
        for element, label in inner_events.nested_event_starts(tree)
    ]
    problems += [
        Problem(
            Message(
                "the message «%(message)s» keeps unreceived messages for «%(value)s», which is not "
                "an ISO 8601 duration (for example P7D)",
                message=name,
                value=value,
            )
        )
        for name, value in messaging.invalid_buffers(tree)
    ]
    if problems:
        raise DefinitionRejected(Message("%(file)s was refused", file=file), problems)
    return compiled


def _attach_decisions(
    compiled: CompiledProcess,
    bundle: Bundle,
    contracts: list[ProcessContract],
    decision_uses: Iterable[DecisionUse],
    helpers: dict,
) -> list[Problem]:
    """Read the bundle's decision tables, give each business-rule task its table, and say
    what is wrong: a table that cannot be read (unsafe XML refuses the bundle whole), two
    files with one decision id, a table whose cells name unknown data or can never match,
    one that a business-rule task or the code needs and that is missing or lacks an output
    the code reads (docs/decision-tables.md)."""
    problems: list[Problem] = []
    sources: dict[str, str] = {}
    files: dict[str, str] = {}  # decision id -> decisions/<file>.dmn, to name it in problems
    for file, source in bundle.decisions.items():
        where = f"{DECISIONS_FOLDER}/{file}"
        try:
            table = parse_table(source.encode("utf-8"), where)
        except DecisionError as error:
            problems.append(Problem(Message("%(file)s: %(problem)s", file=where, problem=error.message)))
            continue
        if table.id in compiled.decisions:
            problems.append(
                Problem(
                    Message(
                        "%(file)s: the decision id «%(id)s» is already used by another file",
                        file=where,
                        id=table.id,
                    )
                )
            )
            continue
        compiled.decisions[table.id], sources[table.id], files[table.id] = table, source, where
    uses = [*decision_uses, *(use for c in contracts if c.key == bundle.key for use in c.decisions)]
    for task_spec in all_task_specs(compiled):
        if isinstance(task_spec, DecisionTask) and task_spec.decision_id in compiled.decisions:
            task_spec.attach(compiled.decisions[task_spec.decision_id], sources[task_spec.decision_id])
    data = known_data(compiled)
    for table in compiled.decisions.values():
        given = {name for use in uses if use.id == table.id for name in use.inputs}
        problems += [
            Problem(Message("%(file)s: %(problem)s", file=files[table.id], problem=problem))
            for problem in check_table(table, data | given, helpers)
        ]
    for contract in contracts:
        if contract.key == bundle.key:
            problems += _decision_contract_problems(compiled, contract)
    return list(dict.fromkeys(problems))


def _decision_contract_problems(compiled: CompiledProcess, contract: ProcessContract) -> list[Problem]:
    problems = []
    who = {"needed_by": contract.needed_by, "capability": contract.capability}
    for use in contract.decisions:
        table = compiled.decisions.get(use.id)
        if table is None:
            problems.append(
                Problem(
                    Message(
                        "the decision table «%(id)s» (a .dmn file in decisions/) is needed: %(needed_by)s "
                        "(%(capability)s) evaluates it.",
                        id=use.id,
                        **who,
                    )
                )
            )
            continue
        have = {output.name for output in table.outputs}
        missing = [name for name in use.outputs if name not in have]
        if missing:
            problems.append(
                Problem(
                    Message(
                        "Decision «%(decision)s» must keep its outputs %(names)s: %(needed_by)s "
                        "(%(capability)s) reads them.",
                        decision=table.label,
                        names=", ".join(missing),
                        **who,
                    )
                )
            )
    return problems


def contract_problems(
    bundle: Bundle, tree, contracts: Iterable[ProcessContract], previous: bytes | None = None
) -> list[Problem]:
    """What the bundle breaks of the contracts the code declares for its process."""
    previous_tree = parse_untrusted_xml(previous, name="previous version") if previous else None
    return [
        Problem(violation.message, violation.element)
        for violation in contract_checks.check(
            tree, bundle.key, bundle.forms, bundle.meta, contracts, previous_tree
        )
    ]


# What SpiffWorkflow's parser says (English, with its own words for elements), as we say
# it; anything else is told without the parser's text, naming the element.
_PARSER_TEXTS = (
    (re.compile(r"No start event found"), Message("the process has no start event")),
    (re.compile(r"Process .* is not executable"), Message("the process is not marked executable")),
    (re.compile(r"Duplicate process ID"), Message("two processes have the same id")),
    (
        re.compile(r"Exactly one start event is required"),
        Message("a subprocess needs exactly one start event"),
    ),
    (re.compile(r"SubWorkflow Must contain an End event"), Message("a subprocess needs an end event")),
    (re.compile(r"Time Specification"), Message("the timer has no valid time")),
    (
        re.compile(r"Cannot resolve data(Input|Output)Association"),
        Message("a data association names no data"),
    ),
    (
        re.compile(r"Non-default exclusive outgoing sequence flow without condition"),
        Message("a flow leaving this gateway has no condition and is not the default flow"),
    ),
    (
        re.compile(r"Multiple outgoing flows are not supported"),
        Message("this element has several outgoing flows; add a gateway after it"),
    ),
    (re.compile(r"Service Task must have an operator"), Message("the service task names no operation")),
    (re.compile(r"No Script Provided"), Message("the script task has no script")),
    (re.compile(r"multiinstance task must specify"), Message("the multi-instance task names no collection")),
    (
        re.compile(r"loop (input|output) data reference is missing"),
        Message("the multi-instance task names data it does not have"),
    ),
    (
        re.compile(r"loopMaximum or loopCondition"),
        Message("the loop needs a maximum or a condition"),
    ),
    (
        re.compile(
            r"(Message|Signal|Error|Escalation|Correlation) identifier is missing|Expected an? \w+ node"
        ),
        Message("the event names a message, signal, error or escalation that the file does not define"),
    ),
    (
        re.compile(r"Could not find messageRef|Message identifier is missing from correlation"),
        Message("the event names a message that the file does not define"),
    ),
    (
        re.compile(r"missing correlation property retrieval"),
        Message("a correlation property does not say where to read its value in the message"),
    ),
    (re.compile(r"Data Store"), Message("the data store is not defined")),
    (
        re.compile(r"Conditional event definition with missing condition"),
        Message("the event has no condition"),
    ),
    (
        re.compile(r"Cancel Events may only be used with transactions"),
        Message("a cancel event is only allowed in a transaction"),
    ),
    (
        re.compile(r"[Aa]d hoc subprocess"),
        Message("this kind of ad hoc subprocess is not supported"),
    ),
    (re.compile(r"No \"calledElement\""), Message("the call activity does not name the process it calls")),
    (re.compile(r"The process '.*' was not found"), Message("the called process is not in the file")),
    (re.compile(r"no support implemented for this task type"), UNSUPPORTED),
    (
        re.compile(r"When looking for a task spec"),
        Message("two elements have the same id"),
    ),
)


def _parser_problem(error: Exception, file: str) -> Problem:
    text = str(getattr(error, "message", None) or error)
    said = next((message for pattern, message in _PARSER_TEXTS if pattern.search(text)), None)
    said = said or Message("the diagram cannot be read here; check this element's settings and connections")
    element = getattr(error, "id", None) or None
    if element is None:
        return Problem(
            Message("%(file)s is not a valid BPMN process: %(problem)s", file=file, problem=said), None, True
        )
    tag = str(getattr(error, "tag", "")).removeprefix("bpmn:")
    # An element's problem is corrected in the editor (the draft is kept); a process the
    # parser cannot read at all (no start event...) is refused.
    return Problem(
        about(getattr(error, "name", None) or element, kind_word(tag), said),
        element,
        unsupported=tag == "process",
    )


def _unsupported_elements(tree, kinds: set[str] = UNSUPPORTED_ELEMENTS) -> list[Problem]:
    problems = []
    for element in tree.iter(f"{{{BPMN_MODEL}}}*"):
        kind = element.tag.rsplit("}", 1)[1]
        if kind in kinds:
            # An event definition or a loop marker is part of the element to highlight.
            owner = (
                element.getparent() if kind.endswith(("EventDefinition", "LoopCharacteristics")) else element
            )
            owner_id = owner.get("id") or None
            label = owner.get("name") or owner_id or kind
            refused = kind in REFUSED_ELEMENTS
            said = UNSUPPORTED if refused else NOT_YET
            problems.append(Problem(about(label, kind_word(kind), said), owner_id, unsupported=refused))
    return problems


def all_task_specs(compiled: CompiledProcess):
    for process_spec in [compiled.spec, *compiled.subprocess_specs.values()]:
        yield from process_spec.task_specs.values()


@dataclass(frozen=True)
class _CheckContext:
    example: dict  # process.json's start_data_example, what expressions are tried with
    at: datetime
    helpers: dict
    roles: set[str] | None
    # What the process assigns itself (a script, a form, a connector's answer): a timer
    # reading it cannot be tried with the start data alone, and is checked when it runs.
    assigned: frozenset[str] = frozenset()


def _check_specs(compiled: CompiledProcess, context: _CheckContext) -> list[Problem]:
    problems: list[Problem] = []
    if not MEANINGFUL_ID.fullmatch(compiled.key):
        problems.append(
            Problem(Message("process id «%(key)s» must be a meaningful snake_case name", key=compiled.key))
        )
    for task_spec in all_task_specs(compiled):
        problems += _check_task_spec(task_spec, compiled, context)
    return problems


def _check_task_spec(task_spec, compiled: CompiledProcess, context: _CheckContext) -> list[Problem]:
    element = task_spec.bpmn_id
    label, kind = task_spec.bpmn_name or element or task_spec.name, spec_kind(task_spec)

    def problem(message: str, unsupported: bool = False) -> Problem:
        return Problem(about(label, kind, message), element, unsupported)

    if type(task_spec).__name__ not in SUPPORTED_SPECS:
        return [problem(UNSUPPORTED, unsupported=True)]
    found = [problem(message, unsupported=True) for message in _code_problems(task_spec, context)]
    if element is not None and not MEANINGFUL_ID.fullmatch(element):
        found.append(
            problem(
                Message(
                    "the id %(id)s must be a meaningful snake_case name such as draft_proposal, "
                    "not a generated one",
                    id=element,
                )
            )
        )
    if isinstance(task_spec, (CatchingEvent, ThrowingEvent)):
        found += _check_event(task_spec, context, problem)
    if isinstance(task_spec, UserTask):
        found += _check_user_task(task_spec, compiled, context, problem)
    elif getattr(task_spec, "manual", False) and not isinstance(task_spec, LinkedCallActivity):
        # A plain or manual task waits for a person, but only user tasks reach an inbox.
        found.append(problem(WAITS_FOR_NOBODY))
    if isinstance(task_spec, LinkedCallActivity):
        found += _check_call(task_spec, problem)
    if isinstance(task_spec, DecisionTask):
        found += _check_decision_task(task_spec, compiled, problem)
    if (
        type(task_spec).__name__ == "SequentialMultiInstanceTask"
        and task_spec.input_item
        and not task_spec.output_item
    ):
        # SpiffWorkflow 3.2 fails on the second instance otherwise (the item already exists).
        found.append(problem(Message("a sequential multi-instance with an input item needs an output item")))
    return found


def _connector_problems(compiled: CompiledProcess, registered: Mapping[str, Connector]) -> list[Problem]:
    problems = []
    for task_spec in all_task_specs(compiled):
        if isinstance(task_spec, ConnectorTask):
            label = task_spec.bpmn_name or task_spec.bpmn_id
            problems += [
                Problem(about(label, spec_kind(task_spec), message), task_spec.bpmn_id)
                for message in connector_checks.task_problems(task_spec, registered)
            ]
    return problems


def _check_decision_task(task_spec: DecisionTask, compiled: CompiledProcess, problem) -> list[Problem]:
    if not task_spec.decision_id:
        return [problem(Message("a business rule task must name the decision table it evaluates"))]
    if task_spec.decision_id not in compiled.decisions:
        return [
            problem(
                Message(
                    "the decision table «%(id)s» is not in the process's decision tables (decisions/)",
                    id=task_spec.decision_id,
                )
            )
        ]
    if task_spec.result_variable and not task_spec.result_variable.isidentifier():
        return [
            problem(
                Message(
                    "«%(name)s» is not a data name (letters, digits and _)", name=task_spec.result_variable
                )
            )
        ]
    return []


def _check_call(task_spec: LinkedCallActivity, problem) -> list[Problem]:
    """What a call activity can be refused for without the processes it calls (those
    are checked at publish time, see ``call_problems``)."""
    settings = task_spec.settings
    problems = (
        [] if settings.called_key else [problem(Message("a call activity must name the process it calls"))]
    )
    for expression in settings.expressions():
        try:
            check_expression(expression)
        except EngineError as error:
            problems.append(problem(_refused(expression, error), unsupported=True))
    for name in [*settings.inputs, *settings.outputs]:
        if not name.isidentifier():
            problems.append(
                problem(Message("«%(name)s» is not a data name (letters, digits and _)", name=name))
            )
    return problems


def known_data(compiled: CompiledProcess) -> set[str]:
    """The data names a process can hold: what it starts with (process.json's
    start_data_example), its forms' fields, what its scripts assign, what its call
    activities and multi-instance tasks give back."""
    names = set(compiled.meta.get("start_data_example", {})) | {LOOP_COUNTER, *COUNTERS}
    for form in compiled.forms.values():
        names |= set(form.get("properties", {}))
    for task_spec in all_task_specs(compiled):
        for script in (
            getattr(task_spec, attribute, None) for attribute in ("script", "prescript", "postscript")
        ):
            names |= script_targets(script or "")
        if isinstance(task_spec, LinkedCallActivity):
            loop = task_spec.settings.loop
            names |= set(task_spec.settings.outputs)
            names |= {loop.output_collection, loop.input_item} - {None} if loop else set()
        if isinstance(task_spec, ConnectorTask):
            names.add(task_spec.result_variable or f"{task_spec.bpmn_id}_result")
        if isinstance(task_spec, DecisionTask) and task_spec.table is not None:
            names |= set(
                result_data(task_spec.table, task_spec.decision_id or "", task_spec.result_variable, None)
            )
        for attribute in ("data_output", "input_item", "output_item"):
            reference = getattr(task_spec, attribute, None)
            if reference is not None:
                names.add(reference.bpmn_id)
    return names


def call_problems(
    session: Session, compiled: CompiledProcess, helpers: dict, contracts: Iterable[ProcessContract] = ()
) -> list[Problem]:
    """Each call activity's called process must be published (its pinned version, if
    pinned) and the mappings must name real data: what the caller reads exists in the
    caller, what the child starts with is what the called process declares it takes
    (its start_data_example), what is read back exists in the called process."""
    problems: list[Problem] = []
    caller_data = known_data(compiled) | set(helpers)
    for task_spec in all_task_specs(compiled):
        if not isinstance(task_spec, LinkedCallActivity):
            continue
        settings, element = task_spec.settings, task_spec.bpmn_id
        label, kind = task_spec.bpmn_name or element, spec_kind(task_spec)
        called = _called_version(session, settings.called_key, settings.version)
        if called is None:
            missing = (
                Message(
                    "version %(version)s of the called process «%(key)s» is not published",
                    version=settings.version,
                    key=settings.called_key,
                )
                if settings.version
                else Message("the called process «%(key)s» is not published", key=settings.called_key)
            )
            problems.append(Problem(about(label, kind, missing), element))
            continue
        callee = bundle_of(called)
        callee_compiled = (
            compiled if called.key == compiled.key else _compile_published(called, helpers, contracts)
        )
        takes = set(callee.meta.get("start_data_example", {}))
        child_data = known_data(callee_compiled) | set(helpers)
        lanes = {spec.lane for spec in all_task_specs(callee_compiled) if getattr(spec, "lane", None)}
        problems += [
            Problem(about(label, kind, message), element)
            for message in _mapping_problems(settings, caller_data, takes, child_data, lanes)
        ]
    return problems


def _mapping_problems(settings: CallSettings, caller_data: set, takes: set, child_data: set, lanes: set):
    loop = settings.loop
    in_scope = caller_data | ({loop.input_item} if loop and loop.input_item else set())
    called = settings.called_key
    for name, expression in settings.inputs.items():
        if name not in takes:
            yield Message(
                "in.%(name)s: %(called)s does not take «%(name)s» (its start data: %(takes)s)",
                name=name,
                called=called,
                takes=", ".join(sorted(takes)) or Message("none declared"),
            )
        for unknown in sorted(names_read(expression) - in_scope):
            yield Message(
                "in.%(name)s: «%(unknown)s» is not data of this process", name=name, unknown=unknown
            )
    for name, expression in settings.outputs.items():
        for unknown in sorted(names_read(expression) - child_data):
            yield Message(
                "out.%(name)s: «%(unknown)s» is not data of %(called)s",
                name=name,
                unknown=unknown,
                called=called,
            )
    for lane, expression in settings.lanes.items():
        if lane not in lanes:
            yield Message("lane.%(lane)s: %(called)s has no lane «%(lane)s»", lane=lane, called=called)
        for unknown in sorted(names_read(expression) - in_scope):
            yield Message(
                "lane.%(lane)s: «%(unknown)s» is not data of this process", lane=lane, unknown=unknown
            )
    if loop is not None:
        yield from _loop_problems(settings, loop, caller_data, child_data)


def _loop_problems(settings: CallSettings, loop: Loop, caller_data: set, child_data: set):
    if loop.collection and loop.collection not in caller_data:
        yield Message("the input collection «%(name)s» is not data of this process", name=loop.collection)
    gives = set(settings.outputs) if settings.outputs else child_data
    if loop.output_item and loop.output_item not in gives:
        yield Message(
            "the output item «%(name)s» is not among what %(called)s gives back",
            name=loop.output_item,
            called=settings.called_key,
        )


def _called_version(session: Session, key: str, version: int | None) -> ProcessDefinition | None:
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    return session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()


def _compile_published(
    definition: ProcessDefinition, helpers: dict, contracts: Iterable[ProcessContract]
) -> CompiledProcess:
    """A stored version, as it runs: the tables the code evaluates get their data from it."""
    uses = [use for contract in contracts if contract.key == definition.key for use in contract.decisions]
    return compile_bundle(bundle_of(definition), definition.created_at, helpers, decision_uses=uses)


def publishing_order(bundles: list[Bundle]) -> list[Bundle]:
    """Bundles in an order where each is published after the ones it calls (a cycle
    keeps the given order for what remains)."""
    by_key = {bundle.key: bundle for bundle in bundles}
    calls = {bundle.key: _called_keys(bundle) & set(by_key) - {bundle.key} for bundle in bundles}
    ordered: list[Bundle] = []
    while calls:
        ready = [key for key, called in calls.items() if not called] or [next(iter(calls))]
        for key in ready:
            ordered.append(by_key[key])
            del calls[key]
        for called in calls.values():
            called -= set(ready)
    return ordered


def _called_keys(bundle: Bundle) -> set[str]:
    tree = parse_untrusted_xml(bundle.bpmn, name=f"{bundle.key}.bpmn")
    return {node.get("calledElement") for node in tree.iter(f"{{{BPMN_MODEL}}}callActivity")} - {None}


def _code_problems(task_spec, context: _CheckContext) -> list[str]:
    """Scripts and conditions the sandbox refuses, or that blow their budget when tried
    with the example start data: the file cannot run here at all. Any other failure with
    the example data is not a problem: the data a script reads may come from later forms."""
    scripts = [
        getattr(task_spec, "script", None),
        getattr(task_spec, "prescript", None),
        getattr(task_spec, "postscript", None),
    ]
    conditions = [
        condition.args[0]
        for condition, _ in getattr(task_spec, "cond_task_specs", [])
        if condition is not None
    ] + _event_conditions(task_spec)
    environment = RestrictedEnvironment(context.helpers)
    problems: list[str] = []
    for checker, run, texts in (
        (check_script, environment.execute, scripts),
        (check_expression, environment.evaluate, conditions),
    ):
        for text in filter(None, texts):
            try:
                checker(text)
                with clock.pinned(context.at):
                    run(text, dict(context.example))
            except ScriptRejected as error:
                problems.append(error.message)
            except BudgetExceeded as error:
                problems.append(
                    Message(
                        "with the example start data, «%(code)s» was stopped: %(reason)s",
                        code=text.strip()[:80],
                        reason=error.message,
                    )
                )
            except Exception:  # noqa: BLE001 - see the docstring
                continue
    return problems


def _event_conditions(task_spec) -> list[str]:
    """The expressions of a conditional event (or of an event-based gateway's)."""
    definition = getattr(task_spec, "event_definition", None)
    return [
        item.expression
        for item in getattr(definition, "event_definitions", [definition])
        if isinstance(item, ConditionalEventDefinition)
    ]


def _check_event(task_spec, context: _CheckContext, problem) -> list[Problem]:
    definition = task_spec.event_definition
    if not isinstance(definition, MultipleEventDefinition):
        return _check_definition(definition, context, problem)
    if not isinstance(task_spec, EventBasedGateway):
        return [problem(Message("an event with several event definitions is not supported here"), True)]
    items = definition.event_definitions
    problems = [found for item in items for found in _check_definition(item, context, problem)]
    if any(
        sum(isinstance(item, kind) for item in items) > 1
        for kind in (TimerEventDefinition, ConditionalEventDefinition)
    ):
        # SpiffWorkflow 3.2 keeps one due instant per gateway (both timers would fire at the
        # first) and tells two conditions apart by their class (the first would always win).
        problems.append(
            problem(Message("an event-based gateway can wait for one timer and one condition at most"), True)
        )
    return problems


def _check_definition(definition, context: _CheckContext, problem) -> list[Problem]:
    name = type(definition).__name__
    if name not in SUPPORTED_EVENTS:
        event = kind_word(name[:1].lower() + name[1:])
        return [problem(Message("a %(event)s is not supported here", event=event), unsupported=True)]
    if not isinstance(definition, TimerEventDefinition):
        return []
    try:
        check_expression(definition.expression)
    except EngineError as error:
        return [problem(_refused(definition.expression, error), unsupported=True)]
    try:
        with clock.pinned(context.at):
            value = RestrictedEnvironment(context.helpers).evaluate(
                definition.expression, dict(context.example)
            )
            _parse_timer_value(definition, value)
    except Exception as error:  # any failure means the timer could never fire as drawn...
        if isinstance(error, NameError) and error.name in context.assigned:
            return []  # ...but data the process assigns itself exists only when it runs
        return [
            problem(
                Message(
                    "timer expression «%(expression)s» does not evaluate to an ISO 8601 value "
                    "with the example start data: %(reason)s",
                    expression=definition.expression,
                    reason=reason(error),
                )
            )
        ]
    return []


def _refused(expression: str, error: EngineError) -> Message:
    return Message("«%(expression)s»: %(reason)s", expression=expression, reason=error.message)


def _parse_timer_value(definition, value) -> None:
    if not isinstance(value, str):
        raise ValueError(Message("it gives %(value)s, not a text", value=repr(value)[:80]))
    if isinstance(definition, TimeDateEventDefinition):
        # A naive date-time would be read in the server's zone at a fixed offset.
        if datetime.fromisoformat(value).tzinfo is None:
            raise ValueError(Message("a date-time needs an explicit UTC offset, e.g. +07:00"))
    elif isinstance(definition, DurationTimerEventDefinition):
        TimerEventDefinition.parse_iso_duration(value)
    elif isinstance(definition, CycleTimerEventDefinition):
        TimerEventDefinition.parse_iso_recurring_interval(value)


def _check_user_task(task_spec, compiled: CompiledProcess, context: _CheckContext, problem) -> list[Problem]:
    problems = []
    if not task_spec.lane:
        problems.append(problem(Message("a user task must sit in a lane naming the role that performs it")))
    elif context.roles is not None and task_spec.lane not in context.roles:
        problems.append(
            problem(
                Message(
                    "lane «%(lane)s» is not a known role (known: %(roles)s)",
                    lane=task_spec.lane,
                    roles=", ".join(sorted(context.roles)),
                )
            )
        )
    properties = task_spec.extensions.get("properties", {})
    form_file = properties.get(FORM_PROPERTY)
    if not form_file:
        problems.append(problem(Message("a user task needs a form (property %(name)s)", name=FORM_PROPERTY)))
    elif form_file not in compiled.forms:
        problems.append(problem(Message("form %(file)s is missing from forms/", file=form_file)))
    else:
        problems += [
            problem(Message("form %(file)s: %(problem)s", file=form_file, problem=p))
            for p in check_form_schema(compiled.forms[form_file])
        ]
    case_file = properties.get(CASE_PROPERTY)
    if case_file and case_file not in compiled.forms:
        problems.append(problem(Message("case %(file)s is missing from forms/", file=case_file)))
    elif case_file:
        problems += [
            problem(Message("case %(file)s: %(problem)s", file=case_file, problem=p))
            for p in check_form_schema(compiled.forms[case_file])
        ]
    policy, policy_problems = parse_policy(properties, _has_interrupting_timer(task_spec))
    problems += [problem(message) for message in policy_problems]
    if policy is not None and policy.due:
        problems += _check_due(policy.due, context, problem)
    if not problems and policy is not None:  # parse_policy gives a policy when it finds no problem
        # By element id: a multi-instance's tasks have a spec of their own ("vote [child]").
        element = task_spec.bpmn_id
        compiled.user_tasks[element] = UserTaskInfo(
            name=element,
            title=task_spec.bpmn_name or element,
            lane=task_spec.lane,
            form_file=form_file,
            instructions=task_spec.documentation or "",
            policy=policy,
            case_file=case_file,
        )
    return problems


def _has_interrupting_timer(task_spec) -> bool:
    return any(
        getattr(boundary, "cancel_activity", False)
        and isinstance(getattr(boundary, "event_definition", None), TimerEventDefinition)
        for split in task_spec.inputs
        for boundary in split.outputs
    )


def _check_due(expression: str, context: _CheckContext, problem) -> list[Problem]:
    try:
        check_expression(expression)
    except EngineError as error:
        return [problem(_refused(expression, error), unsupported=True)]
    try:
        with clock.pinned(context.at):
            value = RestrictedEnvironment(context.helpers).evaluate(expression, dict(context.example))
        if not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is None:
            raise ValueError(Message("expected an ISO 8601 date-time with a UTC offset"))
    except Exception as error:
        return [
            problem(
                Message(
                    "due «%(expression)s» does not evaluate to a date-time with the example start data: "
                    "%(reason)s",
                    expression=expression,
                    reason=reason(error),
                )
            )
        ]
    return []


def publish(
    session: Session,
    bundle: Bundle,
    at: datetime,
    helpers: dict | None = None,
    roles: set[str] | None = None,
    contracts: Iterable[ProcessContract] = (),
    connectors: Mapping[str, Connector] | None = None,
) -> tuple[ProcessDefinition, bool]:
    """Store ``bundle`` as the next version of its key unless the newest version has
    the same content. Returns the version that is current and whether it is new."""
    latest = latest_definition(session, bundle.key)
    previous = latest.bpmn_xml.encode("utf-8") if latest else None
    registered = {} if connectors is None else connectors  # none registered: no service task runs
    compiled = compile_bundle(bundle, at, helpers, roles, contracts, previous, connectors=registered)
    problems = call_problems(session, compiled, BASE_HELPERS if helpers is None else helpers, contracts)
    if problems:
        raise DefinitionRejected(Message("%(file)s was refused", file=f"{bundle.key}.bpmn"), problems)
    if latest is not None and latest.sha256 == bundle.sha256:
        return latest, False
    definition = ProcessDefinition(
        key=bundle.key,
        version=(latest.version + 1) if latest else 1,
        sha256=bundle.sha256,
        bpmn_xml=bundle.bpmn.decode("utf-8"),
        forms=bundle.forms,
        meta=bundle.meta,
        decisions=bundle.decisions,
        created_at=at,
    )
    session.add(definition)
    session.flush()
    return definition, True


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()


def bundle_of(definition: ProcessDefinition) -> Bundle:
    return Bundle(
        definition.key,
        definition.bpmn_xml.encode("utf-8"),
        definition.forms,
        definition.meta,
        definition.decisions or {},
    )
