"""Running process instances.

Every operation loads the instance from the database, pins one instant on the engine
clock, steps the workflow, and saves in the caller's transaction: the serialized
workflow, the human-task projection and ``next_timer_at`` together, guarded by the
instance's optimistic-lock version. Nothing is kept in memory between operations, so
every scenario passes through a save and a reload.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import clock
from engine.definitions import CompiledProcess, bundle_of, compile_bundle, latest_definition
from engine.errors import ConcurrencyConflict, FormInvalid, NotFound, TaskNotReady
from engine.forms import FieldError, is_reserved_key
from engine.helpers import BASE_HELPERS, as_instant
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.sandbox import build_script_engine
from engine.serializer import dump_workflow, load_workflow

# A timer that comes due while the engine steps runs in the same operation, but a
# model that keeps re-arming due timers must not spin forever.
MAX_STEP_PASSES = 10


@dataclass
class InstanceChange:
    """What one engine operation did to one instance, for listeners and callers."""

    instance: ProcessInstance
    at: datetime
    data: dict
    completed_task: HumanTask | None = None
    opened_tasks: list[HumanTask] = field(default_factory=list)
    closed_tasks: list[HumanTask] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.instance.status == "completed"


Listener = Callable[[Session, InstanceChange], None]


class SpecCache:
    """Parsed specs by definition id. Versions are immutable, so an entry never goes
    stale, and an instance's operation needs no read of its definition row."""

    def __init__(self, helpers: dict[str, Callable]):
        self._helpers = helpers
        self._compiled: dict[int, CompiledProcess] = {}

    def get(self, definition: ProcessDefinition) -> CompiledProcess:
        compiled = self._compiled.get(definition.id)
        if compiled is None:
            compiled = compile_bundle(bundle_of(definition), definition.created_at, self._helpers)
            self._compiled[definition.id] = compiled
        return compiled

    def by_id(self, session: Session, definition_id: int) -> CompiledProcess:
        compiled = self._compiled.get(definition_id)
        return compiled if compiled is not None else self.get(session.get(ProcessDefinition, definition_id))


class WorkflowRuntime:
    def __init__(self, clock_: clock.Clock, helpers: dict[str, Callable] | None = None):
        self.clock = clock_
        self.helpers = {**BASE_HELPERS, **(helpers or {})}
        self.specs = SpecCache(self.helpers)
        self.script_engine = build_script_engine(self.helpers)
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def on_change(self, process_key: str, listener: Listener) -> None:
        """Call ``listener`` in the same transaction after every save of that process."""
        self._listeners[process_key].append(listener)

    # -- use cases -----------------------------------------------------------------

    def start(self, session: Session, process_key: str, data: dict, *, lane_orgs: dict[str, int],
              business_key: str | None = None, parent_id: int | None = None,
              at: datetime | None = None) -> InstanceChange:
        definition = latest_definition(session, process_key)
        if definition is None:
            raise NotFound(f"no process definition named {process_key!r}")
        compiled = self.specs.get(definition)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):
            workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=self.script_engine)
            workflow.task_tree.data.update(_plain_json(data))
            error = self._advance(workflow)
        instance = ProcessInstance(
            definition_id=definition.id, process_key=process_key, business_key=business_key,
            parent_id=parent_id, lane_orgs=lane_orgs, status="running", created_at=at)
        return self._save(session, instance, workflow, compiled, at, error)

    def complete_task(self, session: Session, task_id: str, data: dict, *, user_id: int | None,
                      at: datetime | None = None) -> InstanceChange:
        row = self.ready_task(session, task_id)
        instance = session.get(ProcessInstance, row.instance_id)
        compiled = self._compiled(session, instance)
        errors = compiled.validate_form(row.task_name, data)
        if errors:
            raise FormInvalid(errors)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):
            workflow = self._load(instance, compiled)
            task = workflow.get_task_from_id(UUID(task_id))
            if task.state != TaskState.READY or not isinstance(task.task_spec, UserTask):
                raise TaskNotReady(f"task {task_id} is not waiting for anyone")
            task.data.update(_plain_json(data))
            task.run()
            error = self._advance(workflow)
        row.completed_by = user_id
        row.completed_data = data
        return self._save(session, instance, workflow, compiled, at, error, completed_task=row)

    def fire_timers(self, session: Session, instance: ProcessInstance, at: datetime) -> InstanceChange:
        compiled = self._compiled(session, instance)
        at = clock.as_utc(at)
        with clock.pinned(at):
            workflow = self._load(instance, compiled)
            workflow.refresh_timers()
            error = self._advance(workflow)
        return self._save(session, instance, workflow, compiled, at, error)

    def park_in_error(self, session: Session, instance_id: int, message: str) -> None:
        """Stop an instance that cannot be stepped, so it blocks nobody; an admin retries it."""
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(
            status="error", error_message=message[:4000], next_timer_at=None,
            lock_version=ProcessInstance.lock_version + 1))

    def ready_task(self, session: Session, task_id: str) -> HumanTask:
        row = session.get(HumanTask, task_id)
        if row is None:
            raise NotFound(f"no task {task_id}")
        if row.status != "ready":
            raise TaskNotReady(f"task {task_id} is already {row.status}")
        return row

    def form_for(self, session: Session, row: HumanTask) -> dict:
        instance = session.get(ProcessInstance, row.instance_id)
        return self._compiled(session, instance).form_for(row.task_name)

    # -- internals -----------------------------------------------------------------

    def _compiled(self, session: Session, instance: ProcessInstance) -> CompiledProcess:
        return self.specs.by_id(session, instance.definition_id)

    def _load(self, instance: ProcessInstance, compiled: CompiledProcess) -> BpmnWorkflow:
        if instance.status != "running":
            raise TaskNotReady(f"instance {instance.id} is {instance.status}")
        workflow = load_workflow(instance.serialization, compiled.spec, compiled.subprocess_specs)
        # The script engine is not serialized: without this, a restored workflow would
        # run SpiffWorkflow's default, unrestricted one.
        workflow.script_engine = self.script_engine
        return workflow

    def _advance(self, workflow: BpmnWorkflow) -> str | None:
        """Run engine tasks until only people or future timers can move the workflow.
        Returns the error message if a script or expression failed."""
        try:
            for _ in range(MAX_STEP_PASSES):
                workflow.do_engine_steps()
                if not any(not task.task_spec.manual for task in workflow.get_tasks(state=TaskState.READY)):
                    return None
            return None
        except WorkflowException as error:
            return str(error)

    def _save(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow,
              compiled: CompiledProcess, at: datetime, error: str | None,
              completed_task: HumanTask | None = None) -> InstanceChange:
        new = instance.id is None
        open_rows = [] if new else list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "ready")))
        instance.serialization = dump_workflow(workflow)
        instance.updated_at = at
        instance.next_timer_at = None if error else _next_timer(workflow)
        if error:
            instance.status, instance.error_message = "error", error
        elif workflow.is_completed():
            instance.status, instance.completed_at = "completed", at
        if new:
            session.add(instance)
        instance_id = instance.id  # after a failed flush the object can no longer be read
        try:
            # The optimistic lock first (UPDATE ... WHERE lock_version = <loaded>), so a
            # stale save fails before it writes anything else.
            session.flush()
        except StaleDataError:
            raise ConcurrencyConflict(
                f"instance {instance_id} was changed by someone else; nothing was saved") from None
        opened, closed = _sync_human_tasks(session, instance, workflow, compiled, at, open_rows)
        session.flush()
        data = workflow.data if workflow.is_completed() else (workflow.last_task or workflow.task_tree).data
        change = InstanceChange(instance, at, dict(data), completed_task, opened, closed)
        for listener in self._listeners[instance.process_key]:
            listener(session, change)
        return change


def _plain_json(data: dict) -> dict:
    """A deep copy that is plain JSON without reserved keys: task data must survive
    serialization unchanged (a ``typename`` key would make the instance unloadable)."""
    if not isinstance(data, dict):
        raise FormInvalid([FieldError("", "type", "Dữ liệu phải là một đối tượng JSON.")])
    copy = json.loads(json.dumps(data))
    reserved = sorted(_reserved_keys(copy))
    if reserved:
        raise FormInvalid([FieldError(path, "reserved_key", f"Không được dùng khóa dành riêng «{path}».")
                           for path in reserved])
    return copy


def _reserved_keys(value, path: str = ""):
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if is_reserved_key(key):
                yield where
            yield from _reserved_keys(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _reserved_keys(item, f"{path}[{index}]")


def _sync_human_tasks(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow,
                      compiled: CompiledProcess, at: datetime, open_rows: list[HumanTask]):
    ready = {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, spec_class=UserTask)}
    closed = []
    for row in open_rows:
        if row.id in ready:
            row.due_at = _due_at(ready[row.id])
            continue
        task = workflow.tasks.get(UUID(row.id))
        row.status = "completed" if task is not None and task.state == TaskState.COMPLETED else "cancelled"
        row.completed_at = at
        closed.append(row)
    known = {row.id for row in open_rows}
    opened = []
    for task_id, task in ready.items():
        if task_id in known:
            continue
        info = compiled.user_tasks[task.task_spec.name]
        row = HumanTask(
            id=task_id, instance_id=instance.id, process_key=instance.process_key,
            task_name=info.name, title=info.title, lane=info.lane,
            org_unit_id=instance.lane_orgs.get(info.lane), form_key=info.form_file,
            status="ready", due_at=_due_at(task), created_at=at)
        session.add(row)
        opened.append(row)
    return opened, closed


def _due_at(task) -> datetime | None:
    """The earliest interrupting timer attached to the task: when it stops waiting."""
    split = task.parent
    dues = [_timer_due(sibling) for sibling in (split.children if split else [])
            if isinstance(sibling.task_spec, BoundaryEvent) and sibling.task_spec.cancel_activity
            and sibling.state == TaskState.WAITING]
    return min(filter(None, dues), default=None)


def _timer_due(task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # cycle timers keep their next occurrence
        value = value.get("next")
    return as_instant(value) if value else None


TIMER_EVENT_TYPES = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    dues = [as_instant(event.value) for event in workflow.waiting_events()
            if event.event_type in TIMER_EVENT_TYPES and event.value]
    return min(dues, default=None)
