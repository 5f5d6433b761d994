"""Versions of a process side by side, and moving a running instance from one to another.

``diff_versions`` says what changed between two versions, by BPMN element id. It is
built on SpiffWorkflow's ``SpecDiff`` (which compares the serialized task specs) plus
what SpecDiff cannot see because it lives outside the spec: the content of a user
task's form, its lane as a role, its escalation policy, and a timer's expression.

The rest serves ``WorkflowRuntime.plan_migration`` and ``migrate``: why an instance
cannot move (``blocking_reasons``), what it will see if it does (``instance_changes``),
and the move itself (``apply_migration``), which keeps the timers an instance is
waiting on armed as they were unless the new version changed them.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_task_spec import BpmnTaskSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import (
    SpecDiff,
    WorkflowDiff,
    diff_dependencies,
    diff_workflow,
    migrate_workflow,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from engine.business_rules import DecisionTask, DecisionTaskConverter
from engine.call_activity import LinkedCallActivity, LinkedCallActivityConverter
from engine.connectors import ConnectorTask, ConnectorTaskConverter
from engine.definitions import CompiledProcess, spec_kind
from engine.helpers import as_instant
from engine.messages import Message
from engine.workflow_tasks import all_tasks, find_task

# SpecDiff compares task specs through a serializer registry; the spec converters are
# the same whatever the workflow converter, so the stock Spiff configuration serves.
SPEC_REGISTRY = BpmnWorkflowSerializer.configure(
    {
        **SPIFF_CONFIG,
        LinkedCallActivity: LinkedCallActivityConverter,
        DecisionTask: DecisionTaskConverter,
        ConnectorTask: ConnectorTaskConverter,
    }
)
FORM, LANE, ESCALATION, TIMER = "form", "lane", "escalation", "timer"  # our layers of a change
# Tasks an instance still has to run. ERROR counts: a retry runs the failed task again.
STILL_TO_RUN = TaskState.NOT_FINISHED_MASK | TaskState.ERROR
# Where a task stands, for reasons and changes, most pressing first.
_STANDING = (
    (TaskState.ERROR, Message("failed")),
    (TaskState.STARTED, Message("running")),
    (TaskState.READY, Message("waiting")),
    (TaskState.WAITING, Message("waiting for its event")),
    (TaskState.FUTURE | TaskState.PREDICTED_MASK, Message("ahead")),
)
OPEN, AHEAD = Message("open"), _STANDING[-1][1]
# What changed in an element that is not a user task, by SpiffWorkflow's attribute name.
SETTINGS = Message("its settings change")
_SETTING_WORDS = {
    "script": Message("its script changes"),
    "prescript": Message("its script changes"),
    "postscript": Message("its script changes"),
    "cond_task_specs": Message("its conditions change"),
    "default_task_spec": Message("its conditions change"),
    "table_digest": Message("its decision table changes"),
    "decision_id": Message("its decision table changes"),
}
# Spec attributes that change whenever a neighbour is added or removed: not news.
_WIRING = {"inputs", "outputs", LANE}


@dataclass
class VersionDiff:
    """What changed from one version to the next, by BPMN element id."""

    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]  # element id -> SpecDiff attributes and our layers


@dataclass
class MigrationPlan:
    """Whether an instance can move to a version, why not, and what it will see."""

    instance_id: int
    from_version: int
    to_version: int
    safe: bool
    reasons: list[Message]
    changes: list[Message]


@dataclass
class InstanceDiff:
    """SpiffWorkflow's view of one instance against a new version: the top workflow,
    and each sub-process by its parent task id (None: its process is gone)."""

    top: WorkflowDiff
    subprocesses: dict[UUID, WorkflowDiff | None]


# -- versions ------------------------------------------------------------------------


def diff_versions(old: CompiledProcess, new: CompiledProcess) -> VersionDiff:
    return _compare(old, new)[0]


def _compare(old: CompiledProcess, new: CompiledProcess) -> tuple[VersionDiff, dict[str, BpmnTaskSpec]]:
    """The diff, and the new spec each old element id is aligned with. SpecDiff aligns
    by id first, then by position: a task renamed in place is the same task, changed."""
    added: set[str] = set()
    removed: set[str] = set()
    changed: dict[str, set[str]] = defaultdict(set)
    alignment: dict[str, BpmnTaskSpec] = {}
    sub_diffs, new_subprocesses = diff_dependencies(SPEC_REGISTRY, old.subprocess_specs, new.subprocess_specs)
    pairs = [(old.spec, SpecDiff(SPEC_REGISTRY, old.spec, new.spec))]
    pairs += [(old.subprocess_specs[name], spec_diff) for name, spec_diff in sub_diffs.items()]
    for old_process, spec_diff in pairs:
        if spec_diff is None:  # the whole sub-process is gone
            removed |= _element_ids(old_process.task_specs.values())
            continue
        added |= _element_ids(spec_diff.added)
        removed |= _element_ids(spec_diff.removed)
        for old_spec, attributes in spec_diff.changed.items():
            if old_spec.bpmn_id:
                changed[old_spec.bpmn_id] |= set(attributes)
        for old_spec, new_spec in spec_diff.alignment.items():
            if new_spec is not None and old_spec.bpmn_id:
                alignment[old_spec.bpmn_id] = new_spec
                changed[old_spec.bpmn_id] |= _layer_changes(old, new, old_spec, new_spec)
    for name in new_subprocesses:
        added |= _element_ids(new.subprocess_specs[name].task_specs.values())
    diff = VersionDiff(
        sorted(added),
        sorted(removed),
        {element: sorted(kinds) for element, kinds in sorted(changed.items()) if kinds},
    )
    return diff, alignment


def _element_ids(specs) -> set[str]:
    """BPMN ids only: the engine's own specs (Start, End, boundary splits) have none."""
    return {spec.bpmn_id for spec in specs if spec.bpmn_id}


def _layer_changes(old: CompiledProcess, new: CompiledProcess, old_spec, new_spec) -> set[str]:
    found = set()
    old_task, new_task = old.user_tasks.get(old_spec.name), new.user_tasks.get(new_spec.name)
    if old_task is not None and new_task is not None:
        if old.form_for(old_spec.name) != new.form_for(new_spec.name):
            found.add(FORM)
        if old_task.lane != new_task.lane:
            found.add(LANE)
        if old_task.policy != new_task.policy:
            found.add(ESCALATION)
    if _timer_of(old_spec) != _timer_of(new_spec):
        found.add(TIMER)
    return found


def _timer_of(spec) -> tuple[str, str] | None:
    definition = getattr(spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    return type(definition).__name__, definition.expression


# -- one instance against a new version ---------------------------------------------


def diff_instance(workflow: BpmnWorkflow, new: CompiledProcess) -> InstanceDiff:
    top, subprocesses = diff_workflow(SPEC_REGISTRY, workflow, new.spec, new.subprocess_specs)
    return InstanceDiff(top, subprocesses)


def blocking_reasons(
    workflow: BpmnWorkflow, diff: InstanceDiff, new: CompiledProcess, lane_orgs: dict, to_version: int
) -> list[Message]:
    """Why the instance cannot move: a task it still has to run (waiting, ahead, or
    failed) whose element the new version removed, a running sub-process whose process
    is gone, or a waiting task moved to a lane nobody acts in for this instance."""
    blocked: dict[str, tuple[int, Message]] = {}
    for workflow_diff in [diff.top, *filter(None, diff.subprocesses.values())]:
        for task in workflow_diff.removed:
            if task.state & STILL_TO_RUN:
                rank, standing = _standing(task.state)
                label = _label(task.task_spec)
                blocked.setdefault(
                    label,
                    (
                        rank,
                        Message(
                            "%(element)s (%(standing)s in this instance) does not exist in "
                            "version %(version)s",
                            element=label,
                            standing=standing,
                            version=to_version,
                        ),
                    ),
                )
    for subprocess_id, workflow_diff in diff.subprocesses.items():
        subprocess = workflow.subprocesses[subprocess_id]
        if workflow_diff is None and not subprocess.is_completed():
            blocked.setdefault(
                f"subprocess {subprocess.spec.name}",
                (
                    0,
                    Message(
                        "the subprocess «%(name)s» is running in this instance and does not exist in "
                        "version %(version)s",
                        name=subprocess.spec.name,
                        version=to_version,
                    ),
                ),
            )
    reasons = [reason for _, reason in sorted(blocked.values())]
    return reasons + _orphaned_tasks(workflow, diff, new, lane_orgs)


def _orphaned_tasks(
    workflow: BpmnWorkflow, diff: InstanceDiff, new: CompiledProcess, lane_orgs: dict
) -> list[Message]:
    """A waiting task whose new lane has no organisation unit in this instance would
    sit in nobody's inbox."""
    reasons = []
    for task, new_spec in _waiting_user_tasks(workflow, diff):
        old_lane, new_lane = task.task_spec.lane, new.user_tasks[new_spec.bpmn_id].lane
        if old_lane != new_lane and old_lane in lane_orgs and new_lane not in lane_orgs:
            reasons.append(
                Message(
                    "%(element)s is waiting and would move to lane %(lane)s, which no organisation unit "
                    "acts in for this instance",
                    element=_label(new_spec),
                    lane=new_lane,
                )
            )
    return reasons


def instance_changes(
    workflow: BpmnWorkflow, diff: InstanceDiff, old: CompiledProcess, new: CompiledProcess
) -> list[Message]:
    """What the instance will see after the move: changes to the tasks it waits on or
    still has ahead, and elements the new version adds (ahead of it, or behind it and
    so never run: completed history is not replayed)."""
    version_diff, alignment = _compare(old, new)
    standing = _standing_by_element(workflow)
    ahead = _reachable(new, _aligned_specs(workflow, diff))
    changes = []
    for element, kinds in version_diff.changed.items():
        new_spec = alignment[element]
        where = standing.get(element) or (AHEAD if new_spec.bpmn_id in ahead else None)
        if where is not None:
            changes += _describe_change(_spec_by_id(old, element), new_spec, set(kinds), where, old, new)
    for element in version_diff.added:
        added = _label(_spec_by_id(new, element))
        if element in ahead:
            changes.append(Message("new: %(element)s, ahead", element=added))
        else:
            changes.append(
                Message(
                    "new: %(element)s, before where this instance is; it will not run in it", element=added
                )
            )
    return changes


def _describe_change(
    old_spec, new_spec, kinds: set[str], where: Message, old: CompiledProcess, new: CompiledProcess
) -> list[Message]:
    subject = Message("%(element)s (%(standing)s)", element=_label(old_spec), standing=where)

    def change(what: Message) -> Message:
        return Message("%(subject)s: %(change)s", subject=subject, change=what)

    old_task, new_task = old.user_tasks.get(old_spec.name), new.user_tasks.get(new_spec.name)
    found = []
    if old_spec.bpmn_id != new_spec.bpmn_id:
        found.append(change(Message("it becomes %(element)s", element=_label(new_spec))))
    if old_task is not None and new_task is not None:
        found.extend(change(what) for what in _user_task_changes(old_task, new_task, kinds))
    if TIMER in kinds:
        found.append(
            change(
                Message(
                    "its timer «%(old)s» becomes «%(new)s»",
                    old=_timer_text(old_spec),
                    new=_timer_text(new_spec),
                )
            )
        )
    other = (
        kinds
        - _WIRING
        - {FORM, ESCALATION, TIMER, "bpmn_name", "bpmn_id", "name", "extensions", "event_definition"}
    )
    if other and old_task is None:
        # SpiffWorkflow's attribute names (cond_task_specs...) mean nothing to a reader.
        found += [
            change(word)
            for word in dict.fromkeys(_SETTING_WORDS.get(name, SETTINGS) for name in sorted(other))
        ]
    return found


def _user_task_changes(old_task, new_task, kinds: set[str]) -> list[Message]:
    changes = []
    if old_task.title != new_task.title:
        changes.append(
            Message("its title «%(old)s» becomes «%(new)s»", old=old_task.title, new=new_task.title)
        )
    if FORM in kinds or old_task.form_file != new_task.form_file:
        changes.append(Message("its form changes"))
    if LANE in kinds:
        changes.append(
            Message("it moves from lane %(old)s to lane %(new)s", old=old_task.lane, new=new_task.lane)
        )
    if ESCALATION in kinds and old_task.policy.due != new_task.policy.due:
        changes.append(
            Message(
                "its deadline «%(old)s» becomes «%(new)s»", old=old_task.policy.due, new=new_task.policy.due
            )
        )
    elif ESCALATION in kinds:
        changes.append(Message("its reminders or escalations change"))
    if "documentation" in kinds:
        changes.append(Message("its instructions change"))
    return changes


def _timer_text(spec) -> str:
    timer = _timer_of(spec)
    return timer[1] if timer else Message("no timer")


def _spec_by_id(compiled: CompiledProcess, element: str):
    for process in [compiled.spec, *compiled.subprocess_specs.values()]:
        for spec in process.task_specs.values():
            if spec.bpmn_id == element:
                return spec
    return None


def _label(spec) -> Message:
    """ "user task «Soạn đề xuất»", "timer event «Hết hạn»"... as a reader says it."""
    return Message(
        "%(kind)s «%(element)s»", kind=spec_kind(spec), element=spec.bpmn_name or spec.bpmn_id or spec.name
    )


def _standing(state: int) -> tuple[int, Message]:
    for rank, (mask, words) in enumerate(_STANDING):
        if state & mask:
            return rank, words
    return len(_STANDING), OPEN


def _standing_by_element(workflow: BpmnWorkflow) -> dict[str, Message]:
    """Where the instance stands on each element it is on now: "waiting", "failed"..."""
    found = {}
    for task in all_tasks(workflow):
        if task.task_spec.bpmn_id and task.state & (
            TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
        ):
            found[task.task_spec.bpmn_id] = _standing(task.state)[1]
    return found


def _aligned_specs(workflow: BpmnWorkflow, diff: InstanceDiff) -> list:
    """The new version's specs of the tasks the instance is on now."""
    found = []
    for workflow_diff in [diff.top, *filter(None, diff.subprocesses.values())]:
        found += [
            new_spec
            for task, new_spec in workflow_diff.alignment.items()
            if new_spec is not None and task.state & (TaskState.DEFINITE_MASK | TaskState.ERROR)
        ]
    return found


def _reachable(compiled: CompiledProcess, start_specs: list) -> set[str]:
    """Element ids reachable from ``start_specs`` in ``compiled``, into sub-processes."""
    visited, found, stack = set(), set(), list(start_specs)
    while stack:
        spec = stack.pop()
        if id(spec) in visited:
            continue
        visited.add(id(spec))
        if spec.bpmn_id:
            found.add(spec.bpmn_id)
        stack += spec.outputs
        if isinstance(spec, SubWorkflowTask) and spec.spec in compiled.subprocess_specs:
            stack.append(compiled.subprocess_specs[spec.spec].start)
    return found


def _waiting_user_tasks(workflow: BpmnWorkflow, diff: InstanceDiff):
    """(task, its new spec) of every READY user task that stays a user task."""
    for workflow_diff in [diff.top, *filter(None, diff.subprocesses.values())]:
        for task, new_spec in workflow_diff.alignment.items():
            if (
                task.state == TaskState.READY
                and isinstance(task.task_spec, UserTask)
                and isinstance(new_spec, UserTask)
            ):
                yield task, new_spec


# -- the move ------------------------------------------------------------------------


@dataclass
class _ArmedTimer:
    definition: TimerEventDefinition
    internal_data: dict
    armed_at: datetime | None  # when a duration started counting


def apply_migration(workflow: BpmnWorkflow, diff: InstanceDiff, new: CompiledProcess) -> None:
    """Swap the instance onto the new version's specs (run with the engine clock pinned).

    SpiffWorkflow resets every READY and WAITING task, which clears a waiting timer's
    stored ``event_value``: the timer is evaluated again at the moment of the move. For
    a date that is right when the expression changed, but an unchanged duration would
    start counting again and a cycle would restart. So a timer whose expression did not
    change gets its stored state back, and a changed duration counts from when the timer
    started waiting, as if the instance had reached it on the new version.
    """
    armed = _armed_timers(workflow)
    migrate_workflow(diff.top, workflow, new.spec)
    for subprocess_id, workflow_diff in diff.subprocesses.items():
        subprocess = workflow.subprocesses.get(subprocess_id)
        if workflow_diff is not None and subprocess is not None:
            migrate_workflow(workflow_diff, subprocess, new.subprocess_specs[subprocess.spec.name])
    for task_id, timer in armed.items():
        task = find_task(workflow, task_id)
        if task is not None:
            _rearm(workflow, task, timer)
    for task in list(all_tasks(workflow)):
        if isinstance(task.task_spec, LinkedCallActivity) and task.state == TaskState.STARTED:
            # SpiffWorkflow re-predicts what follows READY and WAITING tasks only; a call
            # waiting for its children would go on along the old version's path.
            task._drop_children(force=True)
            task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)


def _armed_timers(workflow: BpmnWorkflow) -> dict[UUID, _ArmedTimer]:
    armed = {}
    for task in all_tasks(workflow):
        definition = getattr(task.task_spec, "event_definition", None)
        if task.state == TaskState.WAITING and isinstance(definition, TimerEventDefinition):
            armed[task.id] = _ArmedTimer(
                definition, copy.deepcopy(task.internal_data), _duration_start(workflow, task, definition)
            )
    return armed


def _duration_start(workflow: BpmnWorkflow, task, definition: TimerEventDefinition) -> datetime | None:
    due = task.internal_data.get("event_value")
    if not isinstance(definition, DurationTimerEventDefinition) or not due:
        return None
    duration = TimerEventDefinition.parse_iso_duration(
        workflow.script_engine.evaluate(task, definition.expression)
    )
    due = as_instant(due)
    return due - TimerEventDefinition.get_timedelta_from_end(duration, due)


def _rearm(workflow: BpmnWorkflow, task, timer: _ArmedTimer) -> None:
    definition = getattr(task.task_spec, "event_definition", None)
    if _timer_of(task.task_spec) == (type(timer.definition).__name__, timer.definition.expression):
        task.internal_data = timer.internal_data
    elif timer.armed_at is not None and isinstance(definition, DurationTimerEventDefinition):
        duration = TimerEventDefinition.parse_iso_duration(
            workflow.script_engine.evaluate(task, definition.expression)
        )
        due = timer.armed_at + TimerEventDefinition.get_timedelta_from_start(duration, timer.armed_at)
        task.internal_data = {"event_value": due.isoformat()}
