"""Where an instance stands, for the instance viewer: which BPMN elements it has passed,
where it waits, where it failed, and its data. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import store
from engine.errors import NotFound
from engine.messages import Message
from engine.runtime import WorkflowRuntime, waiting_timers
from engine.serializer import load_workflow
from engine.workflow_tasks import all_tasks, newest_data

WAITING_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class InstanceState:
    completed: list[str]  # element ids passed
    current: list[str]  # element ids waiting: tasks for people, timers, joins
    failed: list[str]  # element ids whose script or expression failed
    data: dict
    timers: list[tuple[str, datetime]]  # (element id, due instant) of each timer it waits for


def instance_state(session: Session, runtime: WorkflowRuntime, instance_id: int) -> InstanceState:
    instance = store.load_instance(session, instance_id)
    if instance is None:
        raise NotFound(Message("There is no case %(instance)s.", instance=instance_id))
    compiled = runtime.specs.by_id(session, instance.definition_id)
    workflow = load_workflow(instance.serialization, compiled.spec, compiled.subprocess_specs)
    workflow.script_engine = runtime.script_engine  # never the unrestricted default, even to read
    by_state: dict[str, set[str]] = {"completed": set(), "current": set(), "failed": set()}
    for task in all_tasks(workflow):
        element = task.task_spec.bpmn_id
        if element is None:
            continue
        if task.state == TaskState.COMPLETED:
            by_state["completed"].add(element)
        elif task.state == TaskState.ERROR:
            by_state["failed"].add(element)
        elif task.state & WAITING_STATES:
            by_state["current"].add(element)
    return InstanceState(
        completed=sorted(by_state["completed"]),
        current=sorted(by_state["current"]),
        failed=sorted(by_state["failed"]),
        data=newest_data(workflow),
        timers=sorted(waiting_timers(workflow), key=lambda timer: timer[1]),
    )
