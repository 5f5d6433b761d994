"""Process definitions: read a bundle (BPMN + forms + process.json), validate it as
untrusted input, and store it as an immutable, content-addressed version."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import DefinitionRejected, EngineError
from engine.escalation import EscalationPolicy, parse_policy
from engine.forms import FormValidator, check_form_schema
from engine.helpers import BASE_HELPERS
from engine.models import ProcessDefinition
from engine.sandbox import RestrictedEnvironment, check_expression, check_script
from engine.xml_safety import parse_untrusted_xml

MAX_FORM_BYTES = 256 * 1024
FORM_PROPERTY = "formJsonSchemaFilename"

# Element types the engine runs. Anything else (service tasks, DMN, call activities,
# messages, signals...) is refused at load time rather than failing at run time.
SUPPORTED_SPECS = {
    "BpmnStartTask", "_EndJoin", "SimpleBpmnTask", "StartEvent", "EndEvent",
    "IntermediateCatchEvent", "BoundaryEvent", "BoundaryEventSplit", "BoundaryEventJoin",
    "UserTask", "ManualTask", "NoneTask", "ScriptTask", "ExclusiveGateway",
    "ParallelGateway", "InclusiveGateway", "SubWorkflowTask",
}
SUPPORTED_EVENTS = {
    "NoneEventDefinition", "TimeDateEventDefinition", "DurationTimerEventDefinition",
    "CycleTimerEventDefinition", "TerminateEventDefinition",
}


@dataclass(frozen=True)
class Bundle:
    """What an admin or the bpmn/ folder provides for one process key."""

    key: str
    bpmn: bytes
    forms: dict[str, dict]
    meta: dict

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.bpmn)
        digest.update(json.dumps(self.forms, sort_keys=True, ensure_ascii=False).encode())
        digest.update(json.dumps(self.meta, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class UserTaskInfo:
    name: str
    title: str
    lane: str
    form_file: str
    instructions: str
    policy: EscalationPolicy


@dataclass
class CompiledProcess:
    """A parsed, validated definition: what the runtime needs to run instances."""

    key: str
    spec: object
    subprocess_specs: dict
    forms: dict[str, dict]
    meta: dict
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    _validators: dict[str, FormValidator] = field(default_factory=dict)

    def form_for(self, task_name: str) -> dict:
        return self.forms[self.user_tasks[task_name].form_file]

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
        raise DefinitionRejected(f"{directory}: expected a BPMN file named {key}.bpmn")
    forms = {path.name: _read_json(path) for path in sorted((directory / "forms").glob("*.json"))}
    meta_path = directory / "process.json"
    meta = _read_json(meta_path) if meta_path.is_file() else {}
    return Bundle(key=key, bpmn=bpmn_path.read_bytes(), forms=forms, meta=meta)


def _read_json(path: Path) -> dict:
    raw = path.read_bytes()
    if len(raw) > MAX_FORM_BYTES:
        raise DefinitionRejected(f"{path.name}: {len(raw)} bytes is over the {MAX_FORM_BYTES}-byte limit")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise DefinitionRejected(f"{path.name}: not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise DefinitionRejected(f"{path.name}: expected a JSON object")
    return value


def compile_bundle(bundle: Bundle, at: datetime | None = None,
                   helpers: dict | None = None) -> CompiledProcess:
    """Parse and validate; raise DefinitionRejected listing every problem found."""
    tree = parse_untrusted_xml(bundle.bpmn, name=f"{bundle.key}.bpmn")
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(tree, filename=f"{bundle.key}.bpmn")
        if bundle.key not in parser.get_process_ids():
            raise DefinitionRejected(f"{bundle.key}.bpmn has no executable process with id '{bundle.key}'")
        spec = parser.get_spec(bundle.key)
        subprocess_specs = parser.get_subprocess_specs(bundle.key)
    except (ValidationException, SpiffWorkflowException) as error:
        raise DefinitionRejected(f"{bundle.key}.bpmn is not a valid BPMN process: {error}") from None
    compiled = CompiledProcess(bundle.key, spec, subprocess_specs, bundle.forms, bundle.meta)
    problems = _check_specs(compiled, at or clock.SystemClock().now(), BASE_HELPERS if helpers is None else helpers)
    if problems:
        raise DefinitionRejected(f"{bundle.key}.bpmn was refused", problems)
    return compiled


def _all_task_specs(compiled: CompiledProcess):
    for process_spec in [compiled.spec, *compiled.subprocess_specs.values()]:
        yield from process_spec.task_specs.values()


def _check_specs(compiled: CompiledProcess, at: datetime, helpers: dict) -> list[str]:
    problems: list[str] = []
    example = compiled.meta.get("start_data_example", {})
    for task_spec in _all_task_specs(compiled):
        kind = type(task_spec).__name__
        where = f"{task_spec.bpmn_id or task_spec.name} ({kind})"
        if kind not in SUPPORTED_SPECS:
            problems.append(f"{where}: this element type is not supported")
            continue
        problems += _check_code(task_spec, where)
        if isinstance(task_spec, (CatchingEvent, ThrowingEvent)):
            problems += _check_event(task_spec, where, example, at, helpers)
        if isinstance(task_spec, UserTask):
            problems += _check_user_task(task_spec, where, compiled, example, at, helpers)
    return problems


def _check_code(task_spec, where: str) -> list[str]:
    scripts = [getattr(task_spec, "script", None), getattr(task_spec, "prescript", None),
               getattr(task_spec, "postscript", None)]
    conditions = [condition.args[0] for condition, _ in getattr(task_spec, "cond_task_specs", [])
                  if condition is not None]
    problems = []
    for checker, texts in ((check_script, scripts), (check_expression, conditions)):
        for text in filter(None, texts):
            try:
                checker(text)
            except EngineError as error:
                problems.append(f"{where}: {error}")
    return problems


def _check_event(task_spec, where: str, example: dict, at: datetime, helpers: dict) -> list[str]:
    definition = task_spec.event_definition
    if type(definition).__name__ not in SUPPORTED_EVENTS:
        return [f"{where}: {type(definition).__name__} events are not supported"]
    if not isinstance(definition, TimerEventDefinition):
        return []
    try:
        check_expression(definition.expression)
        with clock.pinned(at):
            value = RestrictedEnvironment(helpers).evaluate(definition.expression, dict(example))
            _parse_timer_value(definition, value)
    except Exception as error:  # any failure means the timer could never fire as drawn
        return [f"{where}: timer expression {definition.expression!r} does not evaluate "
                f"to an ISO 8601 value with the example start data: {error}"]
    return []


def _parse_timer_value(definition, value) -> None:
    if not isinstance(value, str):
        raise ValueError(f"got {type(value).__name__}, expected a string")
    if isinstance(definition, TimeDateEventDefinition):
        # A naive date-time would be read in the server's zone at a fixed offset.
        if datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("a date-time needs an explicit UTC offset, e.g. +07:00")
    elif isinstance(definition, DurationTimerEventDefinition):
        TimerEventDefinition.parse_iso_duration(value)
    elif isinstance(definition, CycleTimerEventDefinition):
        TimerEventDefinition.parse_iso_recurring_interval(value)


def _check_user_task(task_spec, where: str, compiled: CompiledProcess, example: dict, at: datetime,
                     helpers: dict) -> list[str]:
    problems = []
    if not task_spec.lane:
        problems.append(f"{where}: a user task must sit in a lane naming the role that performs it")
    properties = task_spec.extensions.get("properties", {})
    form_file = properties.get(FORM_PROPERTY)
    if not form_file:
        problems.append(f"{where}: a user task needs a form (property {FORM_PROPERTY})")
    elif form_file not in compiled.forms:
        problems.append(f"{where}: form {form_file} is missing from forms/")
    else:
        problems += [f"{where}: form {form_file}: {p}" for p in check_form_schema(compiled.forms[form_file])]
    policy, policy_problems = parse_policy(properties, _has_interrupting_timer(task_spec))
    problems += [f"{where}: {problem}" for problem in policy_problems]
    if policy is not None and policy.due:
        problems += _check_due(policy.due, where, example, at, helpers)
    if not problems:
        compiled.user_tasks[task_spec.name] = UserTaskInfo(
            name=task_spec.name, title=task_spec.bpmn_name or task_spec.name, lane=task_spec.lane,
            form_file=form_file, instructions=task_spec.documentation or "", policy=policy)
    return problems


def _has_interrupting_timer(task_spec) -> bool:
    return any(getattr(boundary, "cancel_activity", False)
               and isinstance(getattr(boundary, "event_definition", None), TimerEventDefinition)
               for split in task_spec.inputs for boundary in split.outputs)


def _check_due(expression: str, where: str, example: dict, at: datetime, helpers: dict) -> list[str]:
    try:
        check_expression(expression)
        with clock.pinned(at):
            value = RestrictedEnvironment(helpers).evaluate(expression, dict(example))
        if not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("expected an ISO 8601 date-time with a UTC offset")
    except Exception as error:
        return [f"{where}: due {expression!r} does not evaluate to a date-time with the example start data: {error}"]
    return []


def publish(session: Session, bundle: Bundle, at: datetime,
            helpers: dict | None = None) -> tuple[ProcessDefinition, bool]:
    """Store ``bundle`` as the next version of its key unless the newest version has
    the same content. Returns the version that is current and whether it is new."""
    compile_bundle(bundle, at, helpers)
    latest = latest_definition(session, bundle.key)
    if latest is not None and latest.sha256 == bundle.sha256:
        return latest, False
    definition = ProcessDefinition(
        key=bundle.key, version=(latest.version + 1) if latest else 1, sha256=bundle.sha256,
        bpmn_xml=bundle.bpmn.decode("utf-8"), forms=bundle.forms, meta=bundle.meta, created_at=at)
    session.add(definition)
    session.flush()
    return definition, True


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc()).limit(1)
    ).first()


def bundle_of(definition: ProcessDefinition) -> Bundle:
    return Bundle(definition.key, definition.bpmn_xml.encode("utf-8"), definition.forms, definition.meta)
