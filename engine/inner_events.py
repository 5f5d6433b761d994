"""Events inside one instance that SpiffWorkflow 3.2 leaves to the application.

SpiffWorkflow runs error, escalation and timer events, event sub-processes and
event-based gateways, but:

- it never re-evaluates a waiting conditional event, and never starts an event
  sub-process whose start event is conditional: ``fire_conditions`` does, each time
  the instance steps, with the instance's newest data (what a person just entered);
- it ignores ``isInterrupting``: every event sub-process runs beside the process.
  ``interrupt`` cancels the rest of the process (or of the sub-process holding it)
  once an interrupting one has started;
- a process whose event sub-processes still wait for their start event never ends:
  ``withdraw_idle`` cancels them once nothing else is left;
- an error or escalation without a payload expression reaches the path after its
  boundary event (or its event sub-process) without the data the thrower had:
  ``pass_thrown_data`` hands it over, as engine.linking does between instances.

The runtime calls these while it steps (``WorkflowRuntime._advance``); see
docs/events.md for what an administrator can draw.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import (
    ConditionalEventDefinition as SpiffConditionalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    CodeEventDefinition,
    ErrorEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.parser.event_parsers import SpiffStartEventParser
from SpiffWorkflow.util.task import TaskState

from engine.contracts import BPMN_MODEL
from engine.messages import Message

# Set by ``prepare_specs`` on the specs of event sub-processes (their task and process
# specs) and of their start events: SpiffWorkflow's parser reads neither ``triggeredByEvent`` (it looks for
# the attribute in the BPMN namespace, where no editor writes it) nor ``isInterrupting``.
EVENT_SUBPROCESS, INTERRUPTING = "event_subprocess", "interrupting"
_BUSY = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


class ConditionalEventDefinition(SpiffConditionalEventDefinition):
    """A condition that names data no one has entered yet is false, not a failure
    (SpiffWorkflow evaluates it as soon as the event waits). Same name as SpiffWorkflow's:
    a stored workflow names its event definitions by class name (engine.serializer)."""

    def has_fired(self, my_task):
        try:
            return super().has_fired(my_task)
        except WorkflowTaskException as error:
            if not isinstance(error.__context__, NameError):
                raise
            return False


def prepare_specs(tree, process_specs) -> None:
    """Mark each event sub-process spec, and whether its start event interrupts (BPMN's
    default); make every conditional event one of ours. Specs are parsed per version and
    never serialized: the changes live as long as the spec."""
    holders, interrupting = set(), set()
    for sub in tree.iter(f"{{{BPMN_MODEL}}}subProcess"):
        if sub.get("triggeredByEvent") == "true":
            holders.add(sub.get("id"))
            interrupting |= {
                start.get("id")
                for start in sub.findall(f"{{{BPMN_MODEL}}}startEvent")
                if start.get("isInterrupting", "true") != "false"
            }
    for process_spec in process_specs:
        # The process spec too, so that a walk over sub-processes skips the others cheaply.
        setattr(process_spec, EVENT_SUBPROCESS, process_spec.name in holders)
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, SubWorkflowTask):
                setattr(task_spec, EVENT_SUBPROCESS, task_spec.bpmn_id in holders)
            elif isinstance(task_spec, StartEvent):
                setattr(task_spec, INTERRUPTING, task_spec.bpmn_id in interrupting)
            definition = getattr(task_spec, "event_definition", None)
            for item in getattr(definition, "event_definitions", [definition]):
                if type(item) is SpiffConditionalEventDefinition:
                    item.__class__ = ConditionalEventDefinition


def nested_event_starts(tree) -> list[tuple[str, str]]:
    """(id, label) of each event sub-process inside a sub-process that starts on
    anything but a timer: SpiffWorkflow 3.2 starts those only at the top of a process,
    so it would never start."""
    found = []
    for sub in tree.iter(f"{{{BPMN_MODEL}}}subProcess"):
        parent = sub.getparent()
        if sub.get("triggeredByEvent") != "true" or parent is None or parent.tag != sub.tag:
            continue
        definitions = [child for start in sub.findall(f"{{{BPMN_MODEL}}}startEvent") for child in start]
        if any(child.tag.endswith("EventDefinition") and "timer" not in child.tag for child in definitions):
            found.append((sub.get("id"), sub.get("name") or sub.get("id")))
    return found


class StartEventParser(SpiffStartEventParser):
    """SpiffWorkflow 3.2 reads no error or escalation definition on a start event: an
    event sub-process drawn to start on an error would start at once, as a plain one."""

    def create_task(self):
        definition = self.get_event_definition(
            [
                MESSAGE_EVENT_XPATH,
                SIGNAL_EVENT_XPATH,
                TIMER_EVENT_XPATH,
                CONDITIONAL_EVENT_XPATH,
                ERROR_EVENT_XPATH,
                ESCALATION_EVENT_XPATH,
            ]
        )
        task = self._create_task(definition)
        self.spec.start.connect(task)
        return task


def is_event_subprocess(task_spec) -> bool:
    return getattr(task_spec, EVENT_SUBPROCESS, False)


def settle(workflow: BpmnWorkflow) -> bool:
    """Apply the rules above once; whether anything changed (then the workflow steps again)."""
    changed = fire_conditions(workflow)
    changed = interrupt(workflow) or changed
    return withdraw_idle(workflow) or changed


def fire_conditions(workflow: BpmnWorkflow) -> bool:
    """Fire the waiting conditional events whose condition holds with the newest data,
    and start the event sub-processes whose conditional start event holds (once each).
    The path after a fired event goes on with that data."""
    newest: dict | None = None
    fired = False
    for task in list(workflow.event_manager.tasks.values()):
        definition = task.task_spec.event_definition
        conditions = (
            [
                item
                for item in definition.event_definitions
                if isinstance(item, SpiffConditionalEventDefinition)
            ]
            if isinstance(definition, MultipleEventDefinition)
            else [definition]
            if isinstance(definition, SpiffConditionalEventDefinition)
            else []
        )
        for condition in conditions:
            newest = _newest_data(workflow) if newest is None else newest
            if task.state == TaskState.WAITING and _holds(workflow, task, condition, newest):
                task.data.update(newest)
                task.task_spec.catch(task, BpmnEvent(condition))
                task.task_spec._update(task)
                fired = True
    for name in workflow.spec.start.trigger_specs:
        if any(sub.spec.name == name for sub in workflow.subprocesses.values()):
            continue  # started once already
        for start in workflow.subprocess_specs[name].bpmn_start_events:
            condition, root = start.event_definition, workflow.task_tree
            if not isinstance(condition, SpiffConditionalEventDefinition):
                continue
            newest = _newest_data(workflow) if newest is None else newest
            if _holds(workflow, root, condition, newest):
                # The event sub-process starts from the root's data: give it the newest.
                kept = dict(root.data)
                root.data.update(newest)
                try:
                    workflow.spec.start.trigger_wf(root, name)
                finally:
                    root.data = kept
                fired = True
    return fired


def _holds(workflow: BpmnWorkflow, task, condition: SpiffConditionalEventDefinition, newest: dict) -> bool:
    """Whether the condition is true with the task's data and the newest data. Data it
    names that no one has entered yet makes it false; any other failure fails the
    instance, naming the event."""
    try:
        return bool(
            workflow.script_engine.environment.evaluate(condition.expression, {**task.data, **newest})
        )
    except NameError:
        return False
    except Exception as error:
        raise WorkflowTaskException(
            f"Error evaluating expression '{condition.expression}'", task=task, exception=error
        ) from error


def _newest_data(workflow: BpmnWorkflow) -> dict:
    """The data of the task completed last anywhere in the instance (a task completed
    in a sub-process does not move the top workflow's ``last_task``)."""
    tasks = [workflow.last_task, *(sub.last_task for sub in workflow.subprocesses.values())]
    newest = max(
        (task for task in tasks if task is not None), key=lambda task: task.last_state_change, default=None
    )
    return dict((newest or workflow.task_tree).data)


def interrupt(workflow: BpmnWorkflow) -> bool:
    """Cancel what runs beside an interrupting event sub-process that has started."""
    changed = False
    for sub_id, sub in list(workflow.subprocesses.items()):
        if not is_event_subprocess(sub.spec):
            continue
        holder = workflow.get_task_from_id(sub_id)
        if holder.state != TaskState.STARTED or holder.internal_data.get(INTERRUPTING):
            continue
        started = any(
            getattr(task.task_spec, INTERRUPTING, False) and task.state == TaskState.COMPLETED
            for task in sub.tasks.values()
        )
        if started:
            holder.internal_data[INTERRUPTING] = True
            for branch in list(holder.workflow.task_tree.children):
                if branch is not holder:
                    branch.cancel()
            changed = True
    return changed


def withdraw_idle(workflow: BpmnWorkflow) -> bool:
    """Cancel the event sub-processes still waiting for their start event once the rest
    of the process holding them is over, so that the process can end."""
    changed = False
    for container in [workflow, *workflow.subprocesses.values()]:
        branches = container.task_tree.children
        idle = [
            branch for branch in branches if is_event_subprocess(branch.task_spec) and _idle(workflow, branch)
        ]
        if not idle:
            continue  # (the common case: no walk through the whole tree)
        busy = any(
            task.has_state(_BUSY) and not isinstance(task.task_spec, _EndJoin)
            for branch in branches
            if branch not in idle
            for task in branch
        )
        if not busy:
            for branch in idle:
                branch.cancel()
            for task in list(container.tasks.values()):
                if isinstance(task.task_spec, _EndJoin) and task.state == TaskState.WAITING:
                    task.task_spec._update(task)
            changed = True
    return changed


def _idle(workflow: BpmnWorkflow, holder) -> bool:
    """Whether the event sub-process still waits for its start event."""
    sub = workflow.subprocesses.get(holder.id)
    return sub is not None and any(
        isinstance(task.task_spec, StartEvent) and task.state == TaskState.WAITING
        for task in sub.tasks.values()
    )


def pass_thrown_data(task) -> None:
    """After an error or escalation is thrown without a payload: the boundary events and
    event sub-process start events that caught it (ready, not yet run) take the
    thrower's data, which the path after them sees."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if (
        not isinstance(spec, ThrowingEvent)
        or not isinstance(definition, CodeEventDefinition)
        or getattr(definition, "expression", None) is not None
    ):
        return
    top = task.workflow.top_workflow
    for workflow in [top, *top.subprocesses.values()]:
        for caught in workflow.tasks.values():
            if (
                caught.state == TaskState.READY
                and isinstance(caught.task_spec, CatchingEvent)
                and caught.task_spec.event_definition == definition
            ):
                caught.data.update(task.data)


def uncaught_error(workflow: BpmnWorkflow) -> Message | None:
    """What stops an instance whose process threw an error that nothing in it caught
    (BPMN leaves an uncaught error to the engine): the error, by its name. An uncaught
    escalation is dropped, as BPMN says."""
    for event in workflow.bpmn_events:
        definition = event.event_definition
        if isinstance(definition, ErrorEventDefinition):
            return Message(
                "The error «%(error)s» was thrown and no event of the process catches it.",
                error=definition.name or definition.code or "",
            )
    return None
