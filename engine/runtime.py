"""Running process instances.

Every operation loads the instance from the database, pins one instant on the engine
clock, steps the workflow, and saves in the caller's transaction: the serialized
workflow, the human-task projection and ``next_timer_at`` together, guarded by the
instance's optimistic-lock version. Nothing is kept in memory between operations, so
every scenario passes through a save and a reload.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import clock, connectors, contracts, dry_run, inner_events, linking, messaging, outbox, store
from engine.call_activity import LinkedCallActivity
from engine.connectors import Connector
from engine.decision_tables import DecisionError, evaluate as evaluate_decision
from engine.definitions import CompiledProcess, all_task_specs, bundle_of, compile_bundle, latest_definition
from engine.errors import (
    BudgetExceeded,
    ConcurrencyConflict,
    ContractBroken,
    DeadlinePassed,
    FormInvalid,
    MigrationRefused,
    NotFound,
    NotRecallable,
    ScriptRejected,
    TaskNotReady,
)
from engine.escalation import first_stage, plan_alerts
from engine.forms import FieldError, is_reserved_key
from engine.helpers import BASE_HELPERS, OFFICE_TZ, as_instant, unconfirmed_years_counted
from engine.messages import Message, wording_of
from engine.models import ProcessDefinition
from engine.reactions import (
    CANCELLED as CANCELLED_EVENT,
    COMPLETED as COMPLETED_EVENT,
    ENDED,
    REACHED,
    RECALLED as RECALLED_EVENT,
    STARTED,
    Capability,
    ReactionTable,
)
from engine.sandbox import build_script_engine
from engine.serializer import dump_workflow, load_workflow
from engine.store import InstanceRecord, TaskRecord
from engine.text import fold
from engine.versions import (
    InstanceDiff,
    MigrationPlan,
    apply_migration,
    blocking_reasons,
    diff_instance,
    instance_changes,
)
from engine.workflow_tasks import all_tasks, find_task, is_completed, newest_data
from engine.xml_safety import parse_untrusted_xml

# A timer that comes due while the engine steps runs in the same operation, but a
# model that keeps re-arming due timers must not spin forever.
MAX_STEP_PASSES = 10
START, TASK, TIMER, CALL, CONNECTOR = (
    "start",
    "task",
    "timer",
    "call",
    "connector",
)  # what caused an InstanceChange...
RECALL = "recall"  # ...or a person taking back a task they completed (WorkflowRuntime.recall)...
MIGRATE, SUSPEND, RESUME, CANCEL, RETRY = "migrate", "suspend", "resume", "cancel", "retry"  # ...or an admin
RUNNING, SUSPENDED, ERROR, COMPLETED, CANCELLED = "running", "suspended", "error", "completed", "cancelled"
# Instances an administrator can still act on; the others are over.
ACTIVE = (RUNNING, SUSPENDED, ERROR)
_WHY_NOT_RUNNING = {
    SUSPENDED: Message(
        "Case %(instance)s is suspended: its tasks can be completed again once an administrator resumes it."
    ),
    ERROR: Message("Case %(instance)s stopped on an error and waits for an administrator to retry it."),
}
_DONE_BY = {
    SUSPEND: Message("Case %(instance)s is %(status)s: a case can be suspended only while %(allowed)s."),
    RESUME: Message("Case %(instance)s is %(status)s: a case can be resumed only while %(allowed)s."),
    CANCEL: Message("Case %(instance)s is %(status)s: a case can be cancelled only while %(allowed)s."),
    RETRY: Message("Case %(instance)s is %(status)s: a case can be retried only while %(allowed)s."),
}
log = logging.getLogger(__name__)


@dataclass
class InstanceChange:
    """What one engine operation did to one instance, for listeners and callers."""

    instance: InstanceRecord
    at: datetime
    data: dict
    # start | task | timer | call | message | signal | recall | migrate | suspend | resume | cancel | retry
    cause: str
    completed_task: TaskRecord | None = None
    opened_tasks: list[TaskRecord] = field(default_factory=list)
    closed_task_ids: list[str] = field(default_factory=list)
    end_events: list[str] = field(default_factory=list)  # ids of the end events reached, once finished
    reached: list[str] = field(
        default_factory=list
    )  # elements entered by this operation (see engine.reactions)
    # As loaded, for an administrator's operation (what an audit records); None otherwise.
    status_before: str | None = None
    definition_before: int | None = None
    # For a recall: the task taken back, as it was completed (its completed_data is what was sent).
    recalled_task: TaskRecord | None = None

    @property
    def finished(self) -> bool:
        return self.instance.status == "completed"

    def events(self) -> list[tuple[str, str | None]]:
        """What happened, in order, as the reaction tables name it."""
        events: list[tuple[str, str | None]] = [(STARTED, None)] if self.cause == START else []
        if self.completed_task is not None:
            events.append((COMPLETED_EVENT, self.completed_task.task_name))
        if self.recalled_task is not None:
            events.append((RECALLED_EVENT, self.recalled_task.task_name))
        events += [(REACHED, element) for element in self.reached]
        events += [(ENDED, element) for element in self.end_events]
        if self.cause == CANCEL:
            events.append((CANCELLED_EVENT, None))
        return events

    def opened(self, task_name: str) -> list[TaskRecord]:
        return [task for task in self.opened_tasks if task.task_name == task_name]


Listener = Callable[[Session, InstanceChange], None]


@dataclass
class PendingChange:
    """An operation's outcome computed in memory, not yet written (WorkflowRuntime.write)."""

    change: InstanceChange
    closed_by_status: dict[str, list[str]]  # rows of tasks closed by the engine, by their new status
    refreshed_tasks: list[TaskRecord]  # rows of open tasks rewritten after a migration
    links: linking.Links = field(default_factory=linking.Links)
    # Ids of opened tasks whose rows exist already (completed, then recalled): rewritten, not inserted.
    reopened: frozenset[str] = frozenset()


@dataclass
class PendingCompletion:
    """A task's completion computed in memory (WorkflowRuntime.write_completion)."""

    task_id: str
    compiled: CompiledProcess
    pending: PendingChange  # the completion, or, past the deadline, the timers that fire instead
    deadline: datetime | None = None  # set when the deadline closes the task instead


@dataclass(frozen=True)
class StartRequest:
    data: dict
    lane_orgs: dict[str, int]
    business_key: str | None = None
    call: tuple[int, int] | None = None  # a call activity's child: (call id, child index)
    # A case started by a message or signal: (kind, the event as the inbox keeps it), caught
    # by its start event in the same operation (engine.messaging, docs/events.md).
    caught: tuple[str, dict] | None = None


class SpecCache:
    """Parsed specs by definition id. Versions are immutable, so an entry never goes
    stale, and an instance's operation needs no read of its definition row."""

    def __init__(self, helpers: dict[str, Callable], reactions: ReactionTable):
        self._helpers = helpers
        self._reactions = reactions
        self._compiled: dict[int, CompiledProcess] = {}

    def get(self, definition: ProcessDefinition) -> CompiledProcess:
        compiled = self._compiled.get(definition.id)
        if compiled is None:
            uses = [
                use for c in self._reactions.contracts() if c.key == definition.key for use in c.decisions
            ]
            compiled = compile_bundle(
                bundle_of(definition), definition.created_at, self._helpers, decision_uses=uses
            )
            # A version published before its contracts existed may break them: where it
            # does, reaching what the code does not know is refused (see _check_reached).
            compiled.unknown_elements = contracts.unknown_elements(
                parse_untrusted_xml(definition.bpmn_xml.encode("utf-8")),
                definition.key,
                self._reactions.contracts(),
            )
            compiled.version = definition.version
            self._compiled[definition.id] = compiled
        return compiled

    def clear(self) -> None:
        self._compiled.clear()

    def forget(self, definition_id: int) -> None:
        """Drop a version that was never committed (a dry run's): its id may be reused."""
        self._compiled.pop(definition_id, None)

    def by_id(self, session: Session, definition_id: int) -> CompiledProcess:
        compiled = self._compiled.get(definition_id)
        if compiled is not None:
            return compiled
        definition = session.get(ProcessDefinition, definition_id)
        assert definition is not None, "a definition is never deleted: instances and tasks refer to it"
        return self.get(definition)


class WorkflowRuntime:
    def __init__(self, clock_: clock.Clock, helpers: dict[str, Callable] | None = None):
        self.clock = clock_
        self.helpers: dict[str, Callable] = {**BASE_HELPERS, **(helpers or {})}
        self.reactions = ReactionTable()
        self.specs = SpecCache(self.helpers, self.reactions)
        self.script_engine = build_script_engine(self.helpers)
        self._listeners: list[Listener] = []
        self.connectors: dict[str, Connector] = {}  # what service tasks call (engine.connectors)

    def register_connector(self, connector: Connector) -> None:
        """A connector service tasks may name; a name is registered once."""
        self.connectors = connectors.registry([*self.connectors.values(), connector])

    def register(self, capability: Capability) -> None:
        """A capability's contracts and reactions (see engine.reactions), in order."""
        self.reactions.add(capability)
        self.specs.clear()  # what a version breaks depends on the contracts

    @property
    def contracts(self):
        return self.reactions.contracts()

    def on_every_change(self, listener: Listener) -> None:
        """Call ``listener`` in the same transaction after every save of every process,
        after the reactions (for what concerns every process alike: escalations)."""
        self._listeners.append(listener)

    # -- use cases -----------------------------------------------------------------

    def latest(self, session: Session, process_key: str) -> ProcessDefinition:
        definition = latest_definition(session, process_key)
        if definition is None:
            raise NotFound(Message("There is no process «%(process)s».", process=process_key))
        return definition

    def decide(self, session: Session, process_key: str, decision_id: str, data: dict):
        """Evaluate the decision table ``decision_id`` of the newest version of
        ``process_key`` on ``data`` (what a capability decides before an instance exists:
        the version new instances start on). See engine.decision_tables.evaluate."""
        compiled = self.specs.get(self.latest(session, process_key))
        table = compiled.decisions.get(decision_id)
        if table is None:
            raise NotFound(
                Message(
                    "Process «%(process)s» has no decision table «%(decision)s».",
                    process=process_key,
                    decision=decision_id,
                )
            )
        return evaluate_decision(table, data, self.helpers)

    def start(
        self,
        session: Session,
        process_key: str,
        data: dict,
        *,
        lane_orgs: dict[str, int],
        business_key: str | None = None,
        parent_id: int | None = None,
        at: datetime | None = None,
    ) -> InstanceChange:
        request = StartRequest(data, lane_orgs, business_key)
        return self.start_many(session, process_key, [request], parent_id=parent_id, at=at)[0]

    def start_many(
        self,
        session: Session,
        process_key: str,
        requests: list[StartRequest],
        *,
        parent_id: int | None = None,
        at: datetime | None = None,
        definition: ProcessDefinition | None = None,
    ) -> list[InstanceChange]:
        """Start one instance per request of ``definition``, by default the newest
        version, written in two statements whatever their number (a campaign fans out
        to thousands of units)."""
        definition = definition or self.latest(session, process_key)
        compiled = self.specs.get(definition)
        at = clock.as_utc(at or self.clock.now())
        started = []
        with clock.pinned(at):
            for request in requests:
                workflow = BpmnWorkflow(
                    compiled.spec, compiled.subprocess_specs, script_engine=self.script_engine
                )
                workflow.task_tree.data.update(_plain_json(request.data))
                instance = InstanceRecord(
                    id=None,
                    definition_id=definition.id,
                    process_key=process_key,
                    business_key=request.business_key,
                    parent_id=parent_id,
                    lane_orgs=request.lane_orgs,
                    status="running",
                    created_at=at,
                    call_id=request.call[0] if request.call else None,
                    child_index=request.call[1] if request.call else None,
                )
                error = self._advance(workflow)
                if request.caught is not None and error is None:
                    messaging.catch(workflow, *request.caught)
                    error = self._advance(workflow)
                reached = _reached(workflow, set(), set())
                _check_reached(instance, compiled, reached)
                links, error = self._links(session, instance, workflow, frozenset(), error)
                _record_outcome(instance, workflow, error, at)
                started.append((instance, workflow, reached, links))
        store.insert_instances(session, [instance for instance, *_ in started])
        with clock.pinned(at):
            changes = [
                InstanceChange(
                    instance,
                    at,
                    newest_data(workflow),
                    START,
                    opened_tasks=[
                        self._task_record(instance, compiled, task, at)
                        for task in _ready_user_tasks(workflow).values()
                    ],
                    end_events=_end_events(workflow),
                    reached=reached,
                )
                for instance, workflow, reached, _ in started
            ]
        store.insert_tasks(session, [task for change in changes for task in change.opened_tasks])
        for change, (*_, links) in zip(changes, started):
            self._notify(session, change)
            linking.after_write(self, session, change, links)
        return changes

    def complete_task(
        self, session: Session, task_id: str, data: dict, *, user_id: int | None, at: datetime | None = None
    ) -> InstanceChange:
        return self.write_completion(
            session, self.completion_outcome(session, task_id, data, user_id=user_id, at=at)
        )

    def completion_outcome(
        self, session: Session, task_id: str, data: dict, *, user_id: int | None, at: datetime | None = None
    ) -> PendingCompletion:
        """What completing the task changes, computed in memory (this runs the BPMN's user
        code); ``session`` is only read. ``write_completion`` writes it."""
        task_row = self.ready_task(session, task_id)
        instance = self._instance_of(session, task_row)
        compiled = self.specs.by_id(session, instance.definition_id)
        errors = compiled.validate_form(task_row.task_name, data)
        if errors:
            raise FormInvalid(errors)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):  # a due expression of an opened task may read now()
            workflow = self._load(instance, compiled)
            before = _Before.of(workflow)
            task = workflow.get_task_from_id(UUID(task_id))
            if task.state != TaskState.READY or not isinstance(task.task_spec, UserTask):
                raise TaskNotReady(Message("Task %(task)s is not waiting for anyone.", task=task_id))
            # Free on time: the instance as loaded says when its next timer is due.
            timer_due = instance.next_timer_at is not None and instance.next_timer_at <= at
            deadline = _passed_deadline(task, at) if timer_due else None
            task.data.update(_plain_json(data))
            task.run()
            error = self._advance(workflow)
            if deadline is not None and _deadline_fired(workflow, before):
                # Past the task's deadline, the completion led where a deadline closes it
                # at once (an officer's draft: the head's task opens already due), so it
                # cannot count. A path the BPMN draws for late work fires no deadline and
                # stands (the head's late approval ends as submitted_late). The timers
                # fire first instead, as the scheduler would have, and the person is told.
                return PendingCompletion(
                    task_id, compiled, self.timers_outcome(session, instance, at), deadline
                )
            task_row.status, task_row.completed_at = "completed", at
            task_row.completed_by, task_row.completed_data = user_id, data
            return PendingCompletion(
                task_id,
                compiled,
                self._pending(session, instance, workflow, compiled, at, error, before, TASK, task_row),
            )

    def write_completion(self, session: Session, completion: PendingCompletion) -> InstanceChange:
        """Write a completion, or, past the task's deadline, the timers that fired instead
        (then raise DeadlinePassed)."""
        if completion.deadline is not None:
            change = self.write(session, completion.pending)
            raise DeadlinePassed(completion.deadline, _outcome(completion.compiled, change))
        try:
            return self.write(session, completion.pending)
        except ConcurrencyConflict as conflict:
            if conflict.instance_id == completion.pending.change.instance.id:
                # Someone saved the instance since it was loaded. If they completed or
                # closed this very task, the loser is told that, as whoever comes second
                # is: the same answer on PostgreSQL as on SQLite, where writers queue.
                self.ready_task(session, completion.task_id)
            raise

    def fire_timers(self, session: Session, instance: InstanceRecord, at: datetime) -> InstanceChange:
        return self.write(session, self.timers_outcome(session, instance, at))

    def timers_outcome(self, session: Session, instance: InstanceRecord, at: datetime) -> PendingChange:
        """What firing the instance's due timers changes, computed in memory; ``session``
        is only read (the scheduler passes a read-only one, see engine.timers)."""
        compiled = self.specs.by_id(session, instance.definition_id)
        at = clock.as_utc(at)
        with clock.pinned(at):
            workflow = self._load(instance, compiled)
            before = _Before.of(workflow)
            workflow.refresh_timers()
            error = self._advance(workflow)
            return self._pending(session, instance, workflow, compiled, at, error, before, TIMER)

    def park(self, session: Session, instance_id: int, reason: str) -> None:
        """Stop an instance in error, as it was saved last, until an administrator acts."""
        store.park_in_error(session, instance_id, reason)

    def ready_task(self, session: Session, task_id: str) -> TaskRecord:
        task = store.load_task(session, task_id)
        if task is None:
            raise NotFound(Message("There is no task %(task)s.", task=task_id))
        if task.status != "ready":
            raise TaskNotReady(
                Message(
                    "Task %(task)s is already %(status)s.",
                    task=task_id,
                    status=STATUS_WORDS.get(task.status, task.status),
                )
            )
        return task

    def task_data(self, session: Session, task_id: str) -> dict:
        """The data a task sees (what a form shows and may prefill)."""
        task = store.load_task(session, task_id)
        if task is None:
            raise NotFound(Message("There is no task %(task)s.", task=task_id))
        instance = self._instance_of(session, task)
        compiled = self.specs.by_id(session, instance.definition_id)
        workflow = load_workflow(instance.serialization, compiled.spec, compiled.subprocess_specs)
        workflow.script_engine = self.script_engine  # never the unrestricted default, even to read
        task = find_task(workflow, UUID(task_id))
        # A recall removes the tasks after the one taken back from the tree: their rows
        # stay (closed), their data is gone.
        return dict(task.data) if task is not None else {}

    # -- taking a completion back --------------------------------------------------

    def recall(
        self, session: Session, task_id: str, *, user_id: int | None, at: datetime | None = None
    ) -> InstanceChange:
        """Take back a completed user task whose next steps nobody has acted on yet (thu
        hồi, docs/working-together.md): the task waits again, with its id and its parent's
        data, for ``user_id``; the tasks its completion opened close as cancelled (the
        workflow is reset to the task, so what followed it is gone). Refused with
        NotRecallable, nothing changed, when the task is not completed, the instance is not
        running, a user task after it was completed or a call activity after it started
        its children, its completion set off reactions that no capability declares how to
        undo (engine.reactions.recalled), or the task's own deadline has passed."""
        task_row = store.load_task(session, task_id)
        if task_row is None:
            raise NotFound(Message("There is no task %(task)s.", task=task_id))
        if task_row.status != "completed":
            raise NotRecallable(
                Message("«%(task)s» is not completed, so there is nothing to recall.", task=task_row.title)
            )
        instance = self._instance_of(session, task_row)
        if instance.status != RUNNING:
            raise NotRecallable(_NO_RECALL_WHEN.get(instance.status, _NO_RECALL_WHEN[COMPLETED]))
        compiled = self.specs.by_id(session, instance.definition_id)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):  # resetting re-arms the task's timers
            workflow = self._load(instance, compiled)
            task = find_task(workflow, UUID(task_id))
            refusal = _recall_refusal(workflow, task) or self._undo_refusal(
                instance.process_key, task_row.task_name, workflow, task
            )
            if refusal:
                raise NotRecallable(refusal)
            before = _Before.of(workflow)
            for gone in workflow.reset_from_task_id(task.id):
                # SpiffWorkflow 3.2 leaves a removed waiting event (the next task's
                # timer) registered, and its next refresh would fail on it.
                workflow.event_manager.remove_task(gone)
            error = self._advance(workflow)
            reopened = find_task(workflow, UUID(task_id))
            if error or reopened is None or reopened.state != TaskState.READY:
                raise NotRecallable(_reopen_failure(workflow, before, task_row.title, error))
            pending = self._pending(session, instance, workflow, compiled, at, error, before, RECALL)
        for opened in pending.change.opened_tasks:
            if opened.id == task_id:
                opened.assignee_id = user_id  # back to whoever sent it, not to the whole queue
        pending.reopened = frozenset({task_id})
        pending.change.recalled_task = task_row
        return self.write(session, pending)

    def _undo_refusal(self, process_key: str, task_name: str, workflow: BpmnWorkflow, task) -> Message | None:
        """Why the completion of ``task`` cannot be undone: it set off reactions (its own
        ``completed``, a ``reached`` of what it entered) and no capability declares a
        ``recalled`` reaction that undoes them."""
        reactions = self.reactions
        if reactions.reacts_to(process_key, RECALLED_EVENT, task_name):
            return None
        entered = {later.task_spec.bpmn_id for later in _tasks_after(workflow, task)}
        if reactions.reacts_to(process_key, COMPLETED_EVENT, task_name) or any(
            reactions.reacts_to(process_key, REACHED, element) for element in entered
        ):
            return Message("This step already set off other work in the system, so it cannot be recalled.")
        return None

    # -- versions ------------------------------------------------------------------

    def plan_migration(self, session: Session, instance_id: int, target: ProcessDefinition) -> MigrationPlan:
        """Whether the instance can move to ``target``, why not, and what it would see.

        The move is safe only when all of these hold:

        - ``target`` is a newer version of the instance's own process key;
        - the instance is running, suspended or in error (a failed instance may move to
          a version that fixes what failed, then be retried); not completed or cancelled;
        - SpiffWorkflow's ``diff_workflow`` lists in ``WorkflowDiff.removed`` no task
          still to run (READY, WAITING, STARTED, FUTURE, LIKELY, MAYBE, or ERROR, which a
          retry runs again): such a task would keep a spec the new version does not have;
        - the same holds in every sub-process ``WorkflowDiff``, and no unfinished
          sub-process has lost its process (a diff of None);
        - no waiting user task moves to a lane this instance has no unit for (its row
          would sit in nobody's inbox).
        """
        return self._prepare_migration(session, self._instance(session, instance_id), target).plan

    def migrate(
        self, session: Session, instance_id: int, target: ProcessDefinition, at: datetime | None = None
    ) -> InstanceChange:
        """Move the instance to ``target``, or raise MigrationRefused changing nothing.

        Its open tasks keep their ids; their rows are rewritten as the new version
        describes them (title, form, lane, unit, due instant, escalation cursor as a
        freshly opened task gets it). A running instance then steps on, so a timer the
        new version moved into the past fires now; one on hold steps when it runs again."""
        instance = self._instance(session, instance_id)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):  # resetting tasks evaluates their timers
            prepared = self._prepare_migration(session, instance, target)
            if not prepared.plan.safe:
                raise MigrationRefused(
                    Message(
                        "Case %(instance)s cannot move to version %(version)s of %(key)s.",
                        instance=instance_id,
                        version=target.version,
                        key=target.key,
                    ),
                    prepared.plan.reasons,
                )
            assert prepared.diff is not None and prepared.new is not None, "a safe plan is prepared in full"
            workflow, loaded = prepared.workflow, replace(instance)
            before = _Before.of(workflow)
            apply_migration(workflow, prepared.diff, prepared.new)
            error = self._advance(workflow) if instance.status == RUNNING else None
            instance.definition_id = target.id
            return self._save(
                session,
                instance,
                workflow,
                prepared.new,
                at,
                error,
                before,
                MIGRATE,
                loaded=loaded,
                refresh_kept=True,
            )

    # -- administrators' control ------------------------------------------------------

    def suspend(self, session: Session, instance_id: int, at: datetime | None = None) -> InstanceChange:
        """Put a running instance on hold: its timers stop firing (the scheduler claims
        running instances only) and its tasks cannot be completed. Its tasks stay open
        and ``next_timer_at`` is kept, so whatever came due meanwhile fires after resume."""
        change = self._set_status(session, instance_id, at, RUNNING, SUSPENDED, SUSPEND)
        linking.cascade_to_children(session, instance_id, linking.SUSPEND_CHILDREN, change.at)
        return change

    def resume(self, session: Session, instance_id: int, at: datetime | None = None) -> InstanceChange:
        change = self._set_status(session, instance_id, at, SUSPENDED, RUNNING, RESUME)
        linking.cascade_to_children(session, instance_id, linking.RESUME_CHILDREN, change.at)
        return change

    def cancel(self, session: Session, instance_id: int, at: datetime | None = None) -> InstanceChange:
        """Cancel every open task of a running, suspended or failed instance: its open
        task rows close as cancelled and it never fires a timer again."""
        instance = self._instance_for(session, instance_id, CANCEL, ACTIVE)
        compiled = self.specs.by_id(session, instance.definition_id)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):
            workflow, loaded = self._load(instance, compiled, ACTIVE), replace(instance)
            before = _Before.of(workflow)
            workflow.cancel()
            instance.status = CANCELLED
            return self._save(session, instance, workflow, compiled, at, None, before, CANCEL, loaded=loaded)

    def retry(self, session: Session, instance_id: int, at: datetime | None = None) -> InstanceChange:
        """Run again what failed in an instance in error, once its cause is fixed (by a
        migration to a version that works, or by data it reads). Each failed task is
        reset to re-inherit its parent's data and run; the instance steps on and is
        running again, or in error again with the new message. An instance parked by a
        timer failure has no failed task: it is running again and its next timer is
        recomputed, so the scheduler tries that timer again."""
        instance = self._instance_for(session, instance_id, RETRY, (ERROR,))
        compiled = self.specs.by_id(session, instance.definition_id)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):
            workflow, loaded = self._load(instance, compiled, (ERROR,)), replace(instance)
            before = _Before.of(workflow)
            failed = [task for task in all_tasks(workflow) if task.state == TaskState.ERROR]
            for task in failed:
                # No replacement data: SpiffWorkflow would overwrite it with the parent's.
                workflow.reset_from_task_id(task.id)
            instance.status, instance.error_message, instance.error_wording = RUNNING, None, None
            error = self._advance(workflow) if failed else None
            return self._save(session, instance, workflow, compiled, at, error, before, RETRY, loaded=loaded)

    # -- internals -----------------------------------------------------------------

    def _load(
        self, instance: InstanceRecord, compiled: CompiledProcess, allowed: tuple[str, ...] = (RUNNING,)
    ) -> BpmnWorkflow:
        if instance.status not in allowed:
            why = _WHY_NOT_RUNNING.get(instance.status) or Message("Case %(instance)s is %(status)s.")
            raise TaskNotReady(
                Message(
                    why.template,
                    instance=instance.id,
                    status=STATUS_WORDS.get(instance.status, instance.status),
                )
            )
        workflow = load_workflow(instance.serialization, compiled.spec, compiled.subprocess_specs)
        # The script engine is not serialized: without this, a restored workflow would
        # run SpiffWorkflow's default, unrestricted one.
        workflow.script_engine = self.script_engine
        return workflow

    def _instance(self, session: Session, instance_id: int) -> InstanceRecord:
        instance = store.load_instance(session, instance_id)
        if instance is None:
            raise NotFound(Message("There is no case %(instance)s.", instance=instance_id))
        return instance

    def _instance_of(self, session: Session, task: TaskRecord) -> InstanceRecord:
        instance = store.load_instance(session, task.instance_id)
        assert instance is not None, "an instance is never deleted: its tasks refer to it"
        return instance

    def _instance_for(
        self, session: Session, instance_id: int, action: str, allowed: tuple[str, ...]
    ) -> InstanceRecord:
        """The instance, if its status is one of those ``allowed`` for an administrator's ``action``."""
        instance = self._instance(session, instance_id)
        if instance.status not in allowed:
            raise TaskNotReady(
                Message(
                    _DONE_BY[action].template,
                    instance=instance_id,
                    status=STATUS_WORDS.get(instance.status, instance.status),
                    allowed=_statuses_in_words(allowed),
                )
            )
        return instance

    def _set_status(
        self,
        session: Session,
        instance_id: int,
        at: datetime | None,
        from_status: str,
        to_status: str,
        cause: str,
    ) -> InstanceChange:
        """Hold or release an instance without stepping it."""
        instance = self._instance_for(session, instance_id, cause, (from_status,))
        compiled = self.specs.by_id(session, instance.definition_id)
        at = clock.as_utc(at or self.clock.now())
        with clock.pinned(at):
            workflow, loaded = self._load(instance, compiled, (from_status,)), replace(instance)
            instance.status = to_status
            return self._save(
                session, instance, workflow, compiled, at, None, _Before.of(workflow), cause, loaded=loaded
            )

    def _prepare_migration(
        self, session: Session, instance: InstanceRecord, target: ProcessDefinition
    ) -> _PreparedMigration:
        current = session.get(ProcessDefinition, instance.definition_id)
        assert current is not None, "a definition is never deleted: instances refer to it"
        plan = MigrationPlan(
            instance.saved_id,
            current.version,
            target.version,
            False,
            _migration_preconditions(instance, current, target),
            [],
        )
        if plan.reasons:
            return _PreparedMigration(plan)
        old, new = self.specs.get(current), self.specs.get(target)
        workflow = self._load(instance, old, ACTIVE)
        diff = diff_instance(workflow, new)
        plan.reasons = blocking_reasons(workflow, diff, new, instance.lane_orgs, target.version)
        plan.changes = instance_changes(workflow, diff, old, new)
        plan.safe = not plan.reasons
        return _PreparedMigration(plan, workflow, diff, new)

    def _advance(self, workflow: BpmnWorkflow) -> str | None:
        """Run engine tasks until only people or future timers can move the workflow.
        Returns the error message if a script or expression failed."""
        try:
            for _ in range(MAX_STEP_PASSES):
                workflow.do_engine_steps(did_complete_task=inner_events.pass_thrown_data)
                # What SpiffWorkflow leaves to us (conditions, interruptions), then step again.
                settled = not inner_events.settle(workflow)
                if settled and not _has_runnable_engine_task(workflow):
                    return None
            return None
        except WorkflowException as error:
            return _failure(error)

    def _save(
        self,
        session: Session,
        instance: InstanceRecord,
        workflow: BpmnWorkflow,
        compiled: CompiledProcess,
        at: datetime,
        error: str | None,
        before: _Before,
        cause: str,
        completed_task: TaskRecord | None = None,
        *,
        loaded: InstanceRecord | None = None,
        refresh_kept: bool = False,
    ) -> InstanceChange:
        return self.write(
            session,
            self._pending(
                session,
                instance,
                workflow,
                compiled,
                at,
                error,
                before,
                cause,
                completed_task,
                loaded=loaded,
                refresh_kept=refresh_kept,
            ),
        )

    def _pending(
        self,
        session: Session,
        instance: InstanceRecord,
        workflow: BpmnWorkflow,
        compiled: CompiledProcess,
        at: datetime,
        error: str | None,
        before: _Before,
        cause: str,
        completed_task: TaskRecord | None = None,
        *,
        loaded: InstanceRecord | None = None,
        refresh_kept: bool = False,
    ) -> PendingChange:
        """What an operation changes, computed in memory: everything that runs user code
        (the ``due`` expressions of the tasks it opened) is done here, none of it in
        ``write``. The ready rows of an instance are exactly its READY user tasks when it
        was loaded, so what opened and closed is a set difference. ``refresh_kept``
        rewrites the rows of the tasks still open, as the definition now describes them
        (after a migration); ``loaded`` is the record before an administrator's operation
        changed it. Raises ContractBroken when the operation reached what the code does
        not know."""
        ready_after = _ready_user_tasks(workflow)
        reached = _reached(workflow, before.passed, before.ready)
        _check_reached(instance, compiled, reached)
        with clock.pinned(at):  # a due expression may read now()
            links, error = self._links(session, instance, workflow, before.calls, error)
            _record_outcome(instance, workflow, error, at)
            closed = [task_id for task_id in before.ready if task_id not in ready_after]
            opened = [
                self._task_record(instance, compiled, task, at)
                for task_id, task in ready_after.items()
                if task_id not in before.ready
            ]
            kept = (
                [
                    self._task_record(instance, compiled, task, at)
                    for task_id, task in ready_after.items()
                    if task_id in before.ready
                ]
                if refresh_kept
                else []
            )
        change = InstanceChange(
            instance,
            at,
            newest_data(workflow),
            cause,
            completed_task,
            opened,
            closed,
            _end_events(workflow),
            reached,
        )
        if loaded is not None:
            change.status_before, change.definition_before = loaded.status, loaded.definition_id
        closed_by_others = [
            task_id for task_id in closed if completed_task is None or task_id != completed_task.id
        ]
        return PendingChange(change, _closed_by_state(workflow, closed_by_others), kept, links)

    def write(self, session: Session, pending: PendingChange) -> InstanceChange:
        """Write what an operation changed (optimistic lock first, so a stale save writes
        nothing), then the projection, then tell the reactions. Runs no user code: the
        scheduler computes a timer's outcome outside the write transaction and writes it here."""
        change = pending.change
        store.save_instance(session, change.instance)
        if change.completed_task is not None:
            store.record_completion(session, change.completed_task)
        for status, task_ids in pending.closed_by_status.items():
            store.close_tasks(session, task_ids, status, change.at)
        store.insert_tasks(session, [task for task in change.opened_tasks if task.id not in pending.reopened])
        store.reopen_tasks(session, [task for task in change.opened_tasks if task.id in pending.reopened])
        if pending.refreshed_tasks:
            store.refresh_tasks(session, pending.refreshed_tasks)
        self._notify(session, change)
        linking.after_write(self, session, change, pending.links)
        return change

    def _links(
        self,
        session: Session,
        instance: InstanceRecord,
        workflow: BpmnWorkflow,
        calls_before: frozenset[str],
        error: str | None,
    ) -> tuple[linking.Links, str | None]:
        """The operation's changes to linked instances (engine.linking); for a call's
        child that ended, what it gives back. Runs the output mappings, so it runs
        before the write; one that fails stops the child in error."""
        # Read before links_of takes the thrown events; a call's child throws it to its caller.
        uncaught = inner_events.uncaught_error(workflow) if instance.call_id is None else None
        links = linking.links_of(workflow, calls_before)
        if uncaught is not None and error is None:
            return links, uncaught
        if instance.call_id is None or error or not is_completed(workflow):
            return links, error
        links.ended = True
        if instance.status == CANCELLED:
            return links, None
        settings, _ = linking.call_settings(session, self, instance.call_id)
        try:
            instance.call_output = _plain_json(
                linking.child_output(settings, workflow, self.script_engine.environment.evaluate)
            )
        except Exception as failure:  # noqa: BLE001 - any failure of the mapping stops the child
            links.ended = False
            return links, Message(
                "giving back to the caller (%(outputs)s) failed: %(detail)s",
                outputs=", ".join(settings.outputs),
                detail=getattr(failure, "message", None) or str(failure),
            )
        return links, None

    def instance_record(self, session: Session, instance_id: int) -> InstanceRecord:
        return self._instance(session, instance_id)

    def deliver_to_caller(
        self, session: Session, instance_id: int, call_id: int, kind: str, payload: dict, at: datetime
    ) -> InstanceChange | None:
        """Step a caller with what its call's children did (engine.linking): join the
        call, or throw a child's error or escalation at its boundary events. An error
        nothing catches stops the caller in error, and is thrown again when it is retried
        (after a migration to a version that catches it); an escalation nothing catches
        is dropped, as BPMN says."""
        instance = self._instance(session, instance_id)
        compiled = self.specs.by_id(session, instance.definition_id)
        with clock.pinned(at):
            workflow = self._load(instance, compiled)
            before = _Before.of(workflow)
            if kind == linking.JOIN:
                linking.join(session, workflow, call_id)
            elif not linking.catch_thrown(session, workflow, call_id, kind, payload):
                if kind == linking.ERROR:  # kept for a retry, after a version that catches it
                    linking.enqueue(session, instance_id, call_id, kind, at, payload)
                    code = payload.get("code") or ""
                    self.park(
                        session,
                        instance_id,
                        Message(
                            "The called case %(child)s ended with the error «%(code)s», which no boundary "
                            "event of its call activity catches.",
                            child=payload.get("child_id"),
                            code=code,
                        ),
                    )
                return None
            error = self._advance(workflow)
            return self.write(
                session, self._pending(session, instance, workflow, compiled, at, error, before, CALL)
            )

    def deliver_event(
        self, session: Session, instance_id: int, kind: str, delivered: dict, at: datetime
    ) -> InstanceChange | None:
        """Step an instance with a message or signal routed to it (engine.messaging);
        one it no longer waits for is routed again (a message) or dropped (a signal)."""
        instance = self._instance(session, instance_id)
        compiled = self.specs.by_id(session, instance.definition_id)
        with clock.pinned(at):
            workflow = self._load(instance, compiled)
            before = _Before.of(workflow)
            if not messaging.catch(workflow, kind, delivered):
                messaging.not_waiting(self, session, instance_id, kind, delivered, at)
                return None
            error = self._advance(workflow)
            return self.write(
                session, self._pending(session, instance, workflow, compiled, at, error, before, kind)
            )

    def deliver_connector_answer(self, session: Session, call_id: int, at: datetime) -> InstanceChange | None:
        """Step an instance with its connector call's answer (engine.outbox), once: into the
        service task's result variable, then on; a call that failed for good is a BPMN error
        «connector_failed» at the task's boundary events, else the instance stops in error
        with the reason (a retry calls again). None when there was nothing to deliver."""
        row = outbox.answer_of(session, call_id)
        if row is None:
            return None
        instance = self._instance(session, row.instance_id)
        if instance.status in (SUSPENDED, ERROR):
            return None  # delivered when it runs again
        outbox.delivered(session, call_id, row.status)
        if instance.status != RUNNING:
            return None  # ended or cancelled meanwhile: the answer has no one to go to
        compiled = self.specs.by_id(session, instance.definition_id)
        with clock.pinned(at):
            workflow = self._load(instance, compiled)
            before = _Before.of(workflow)
            task = find_task(workflow, UUID(row.task_id))
            if task is None or task.state != TaskState.STARTED:
                return None  # an interrupting event closed the task meanwhile
            error: str | None = None
            if row.status == outbox.ANSWERED:
                task.data[task.task_spec.result_variable or f"{row.element}_result"] = row.answer
                task.complete()
            else:
                reason = outbox.failure_reason(row)
                payload = {"code": connectors.FAILED_CODE, "data": {connectors.FAILED_CODE: str(reason)}}
                if not linking.catch_at(task, linking.ERROR, payload):
                    task._set_state(TaskState.ERROR)
                    error = Message(
                        "«%(element)s» (%(id)s): %(problem)s",
                        element=task.task_spec.bpmn_name or row.element,
                        id=row.element,
                        problem=reason,
                    )
            error = error or self._advance(workflow)
            return self.write(
                session, self._pending(session, instance, workflow, compiled, at, error, before, CONNECTOR)
            )

    def draws(self, definition: ProcessDefinition, element_id: str) -> bool:
        """Whether the version ``definition`` draws the element ``element_id``, at any depth:
        code kept for versions drawn before an element existed asks it."""
        return any(spec.bpmn_id == element_id for spec in all_task_specs(self.specs.get(definition)))

    def send_message(
        self, session: Session, name: str, payload: dict, correlations: dict, at: datetime | None = None
    ) -> str:
        """A message from outside the processes, routed as a thrown one is: delivered |
        started | outside | buffered; EngineError when refused."""
        at = clock.as_utc(at or self.clock.now())
        return messaging.route_message(
            self, session, messaging.Outbound(messaging.MESSAGE, name, payload, correlations), at
        )

    def _notify(self, session: Session, change: InstanceChange) -> None:
        recording = dry_run.current()
        if recording is not None:  # a dry run has no records for the reactions to keep
            recording.touched(change.instance.saved_id)
            return
        self.reactions.dispatch(session, change)
        for listener in self._listeners:
            listener(session, change)

    def _task_record(
        self, instance: InstanceRecord, compiled: CompiledProcess, task, at: datetime
    ) -> TaskRecord:
        """The projection row of a task that just opened, with its due instant and the
        first alert its escalation policy plans."""
        info = compiled.user_tasks[task.task_spec.bpmn_id]
        due_at, provisional_year = self._due_at(task, info.policy.due)
        title = task_title(info.title, task.data)
        record = TaskRecord(
            id=str(task.id),
            instance_id=instance.saved_id,
            process_key=instance.process_key,
            task_name=info.name,
            title=title,
            search_text=fold(title)[:300],
            lane=info.lane,
            org_unit_id=instance.lane_orgs.get(info.lane),
            form_key=info.form_file,
            status="ready",
            due_at=due_at,
            created_at=at,
            due_provisional_year=provisional_year,
        )
        if due_at is not None:
            alerts = plan_alerts(info.policy, due_at, self.helpers["working_days_before"])
            record.alert_stage = first_stage(alerts, at)
            record.next_alert_at = alerts[record.alert_stage].at if record.alert_stage < len(alerts) else None
        return record

    def _due_at(self, task, due_expression: str | None) -> tuple[datetime | None, int | None]:
        """The policy's ``due`` expression, else the earliest timer attached to the task;
        with the first unconfirmed calendar year the expression counted through, if any."""
        if due_expression:
            with unconfirmed_years_counted() as years:
                try:
                    due = as_instant(self.script_engine.environment.evaluate(due_expression, dict(task.data)))
                except (
                    Exception
                ) as error:  # checked at publish time; a bad value here means no alerts, not no task
                    log.warning("task %s: due %r did not evaluate: %s", task.id, due_expression, error)
                    return None, None
            return due, min(years, default=None)
        return min((due for _, due in _attached_timers(task)), default=None), None


@dataclass
class _PreparedMigration:
    """A plan, and for a safe one what carrying it out needs (already loaded and diffed)."""

    plan: MigrationPlan
    workflow: BpmnWorkflow | None = None
    diff: InstanceDiff | None = None
    new: CompiledProcess | None = None


_NO_RECALL_WHEN = {
    SUSPENDED: Message("The case is on hold, so it cannot be recalled."),
    ERROR: Message("The case stopped on an error and waits for an administrator, so it cannot be recalled."),
    CANCELLED: Message("The case was cancelled, so it cannot be recalled."),
    COMPLETED: Message("The case has ended, so it cannot be recalled."),
}
# The words for an instance's status, in the messages that name it.
STATUS_WORDS = {
    RUNNING: Message("running"),
    SUSPENDED: Message("on hold"),
    ERROR: Message("in error"),
    CANCELLED: Message("cancelled"),
    COMPLETED: Message("completed"),
}


def _tasks_after(workflow: BpmnWorkflow, task):
    """The tasks that followed ``task`` in the tree, those of sub-processes they started included."""
    for later in list(task)[1:]:
        yield later
        sub = workflow.subprocesses.get(later.id)
        if sub is not None:
            yield from sub.tasks.values()


def _reopen_failure(workflow: BpmnWorkflow, before: _Before, title: str, error: str | None) -> Message:
    """Why a task reset for a recall is not waiting for its sender: its own deadline had
    passed (its timer fired at once), or stepping the workflow failed."""
    fired = [
        due
        for task in all_tasks(workflow)
        if isinstance(task.task_spec, BoundaryEvent)
        and task.task_spec.cancel_activity
        and task.state == TaskState.COMPLETED
        and task.id not in before.passed
        and (due := _timer_due(task)) is not None
    ]
    if fired:
        when = min(fired).astimezone(OFFICE_TZ).strftime("%H:%M %d/%m/%Y")
        return Message(
            "«%(task)s» was overdue at %(when)s: it cannot be recalled to do again.", task=title, when=when
        )
    if error:
        return Message("«%(task)s» cannot be recalled: %(error)s.", task=title, error=error)
    return Message("«%(task)s» cannot be recalled: this step cannot be opened again.", task=title)


def _recall_refusal(workflow: BpmnWorkflow, task) -> Message | None:
    """Why ``task`` cannot be taken back, as the workflow stands; None if it can."""
    if task is None or task.state != TaskState.COMPLETED or not isinstance(task.task_spec, UserTask):
        return Message("This step is not a completed task, so it cannot be recalled.")
    if is_completed(workflow):
        return _NO_RECALL_WHEN[COMPLETED]
    for later in _tasks_after(workflow, task):
        if isinstance(later.task_spec, UserTask) and later.state == TaskState.COMPLETED:
            name = later.task_spec.bpmn_name or later.task_spec.bpmn_id
            return Message(
                "The next step «%(task)s» was already handled, so it cannot be recalled.", task=name
            )
        if isinstance(later.task_spec, LinkedCallActivity) and later.state & (
            TaskState.STARTED | TaskState.COMPLETED
        ):
            return Message(
                "The case has moved on to another process (a child case was started), "
                "so it cannot be recalled."
            )
    return None


def _statuses_in_words(statuses: tuple[str, ...]) -> Message:
    words = [STATUS_WORDS[status] for status in statuses]
    joined = words[-1]
    for word in reversed(words[:-1]):
        joined = Message("%(first)s or %(second)s", first=word, second=joined)
    return joined


def _migration_preconditions(
    instance: InstanceRecord, current: ProcessDefinition, target: ProcessDefinition
) -> list[Message]:
    if target.key != instance.process_key:
        return [
            Message(
                "version %(version)s belongs to process %(key)s, not to %(own)s",
                version=target.version,
                key=target.key,
                own=instance.process_key,
            )
        ]
    reasons = []
    if target.version <= current.version:
        reasons.append(
            Message(
                "version %(version)s is not newer than version %(current)s, which this instance runs",
                version=target.version,
                current=current.version,
            )
        )
    if instance.status not in ACTIVE:
        reasons.append(
            Message(
                "the instance is %(status)s; only a running, suspended or failed instance can move to "
                "another version",
                status=STATUS_WORDS.get(instance.status, instance.status),
            )
        )
    return reasons


def _record_outcome(
    instance: InstanceRecord, workflow: BpmnWorkflow, error: str | None, at: datetime
) -> None:
    instance.serialization = dump_workflow(workflow)
    instance.updated_at = at
    instance.next_timer_at = None if error else _next_step(workflow, at)
    if error:
        instance.status, instance.error_message, instance.error_wording = ERROR, error, wording_of(error)
    elif is_completed(workflow) and instance.status != CANCELLED:  # a cancelled workflow is "completed" too
        instance.status, instance.completed_at = COMPLETED, at


def _failure(error: WorkflowException) -> str:
    """What failed, for the instance's error message: the element by its label and id
    (the element an administrator must fix), then what went wrong: the engine's own words
    when it stopped the code, else Python's or SpiffWorkflow's text as a detail (data)."""
    spec = getattr(error, "task_spec", None)
    element = getattr(spec, "bpmn_id", None)
    cause = error.__context__  # what the script engine wrapped, if anything
    what: str  # a message, translated for each reader (engine.messages.wording_of)
    if isinstance(cause, BudgetExceeded):
        what = Message("stopped, over its budget: %(reason)s", reason=cause.message)
    elif isinstance(cause, (ScriptRejected, DecisionError)):
        what = cause.message
    else:
        detail = " ".join(str(error).split())
        if cause is not None and str(cause) and str(cause) not in detail:
            detail = f"{detail}: {cause}"
        what = Message("the code failed: %(detail)s", detail=detail)
    if spec is None or element is None:  # (no spec, no element)
        return what
    return Message(
        "«%(element)s» (%(id)s): %(problem)s", element=spec.bpmn_name or element, id=element, problem=what
    )


def _end_events(workflow: BpmnWorkflow) -> list[str]:
    """Which end events of the process the finished instance reached: its outcome."""
    if not is_completed(workflow):
        return []
    return [
        task.task_spec.bpmn_id
        for task in workflow.tasks.values()
        if task.state == TaskState.COMPLETED and isinstance(task.task_spec, EndEvent)
    ]


def _plain_json(data: dict) -> dict:
    """A deep copy that is plain JSON without reserved keys: task data must survive
    serialization unchanged (a ``typename`` key would make the instance unloadable)."""
    if not isinstance(data, dict):
        raise FormInvalid([FieldError("", "type", Message("The data must be a JSON object."))])
    copy = json.loads(json.dumps(data))
    reserved = sorted(_reserved_keys(copy))
    if reserved:
        raise FormInvalid(
            [
                FieldError(
                    path, "reserved_key", Message("The reserved key «%(key)s» may not be used.", key=path)
                )
                for path in reserved
            ]
        )
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


@dataclass(frozen=True)
class _Before:
    """An instance as loaded, before an operation steps it."""

    ready: frozenset[str]  # ids of its READY user tasks
    passed: frozenset[UUID]  # ids of its completed tasks
    calls: frozenset[str]  # ids of its call activities waiting for their children

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> _Before:
        ready, passed, calls = set(), set(), set()
        for task in all_tasks(workflow):
            if task.state == TaskState.READY and isinstance(task.task_spec, UserTask):
                ready.add(str(task.id))
            elif task.state == TaskState.COMPLETED:
                passed.add(task.id)
            elif task.state == TaskState.STARTED and isinstance(task.task_spec, LinkedCallActivity):
                calls.add(str(task.id))
        return cls(frozenset(ready), frozenset(passed), frozenset(calls))


def _reached(workflow: BpmnWorkflow, passed_before, ready_before) -> list[str]:
    """The BPMN elements an operation entered, in the order of the task tree: the engine
    elements it ran (gateways, scripts, events) and the user tasks it opened. The user
    task a person completed was entered before."""
    reached = []
    for task in all_tasks(workflow):
        element = task.task_spec.bpmn_id
        if element is None or element in reached:
            continue
        if (
            task.state == TaskState.COMPLETED
            and task.id not in passed_before
            and not (isinstance(task.task_spec, UserTask) and str(task.id) in ready_before)
        ):
            reached.append(element)
        elif (
            task.state == TaskState.READY
            and isinstance(task.task_spec, UserTask)
            and str(task.id) not in ready_before
        ):
            reached.append(element)
    return reached


def _check_reached(instance: InstanceRecord, compiled: CompiledProcess, reached: list[str]) -> None:
    """Refuse an operation of a version that breaks its contracts (published before
    they existed) when it enters an element the code does not know: what a renamed
    task or an unmapped end event would otherwise do silently."""
    unknown = [element for element in reached if element in compiled.unknown_elements]
    if unknown:
        labels = {spec.bpmn_id: spec.bpmn_name for spec in all_task_specs(compiled)}
        raise ContractBroken(
            instance.id,
            compiled.key,
            compiled.version,
            [f"«{labels.get(element) or element}» ({element})" for element in unknown],
        )


def _ready_user_tasks(workflow: BpmnWorkflow) -> dict:
    return {
        str(task.id): task
        for task in all_tasks(workflow)
        if task.state == TaskState.READY and isinstance(task.task_spec, UserTask)
    }


def _closed_by_state(workflow: BpmnWorkflow, task_ids: list[str]) -> dict[str, list[str]]:
    """Tasks that stopped waiting without being completed here, by the status their rows
    take: a timer or a gateway completed or cancelled them (or removed them from the tree)."""
    by_status = defaultdict(list)
    for task_id in task_ids:
        task = workflow.tasks.get(UUID(task_id))
        finished = task is not None and task.state == TaskState.COMPLETED
        by_status["completed" if finished else "cancelled"].append(task_id)
    return dict(by_status)


def _timer_due(task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # cycle timers keep their next occurrence
        value = value.get("next")
    return as_instant(value) if value else None


def _attached_timers(task):
    """(spec, due instant) of each timer still waiting on the boundary of ``task``."""
    split = task.parent
    for sibling in split.children if split else []:
        if isinstance(sibling.task_spec, BoundaryEvent) and sibling.state == TaskState.WAITING:
            due = _timer_due(sibling)
            if due is not None:
                yield sibling.task_spec, due


def _passed_deadline(task, at: datetime) -> datetime | None:
    """The earliest interrupting timer of ``task`` that has fallen due at ``at``."""
    return min(
        (due for spec, due in _attached_timers(task) if spec.cancel_activity and due <= at), default=None
    )


def _deadline_fired(workflow: BpmnWorkflow, before: _Before) -> bool:
    """Whether an interrupting timer fired in this operation (and so closed its task)."""
    return any(
        task.state == TaskState.COMPLETED
        and task.id not in before.passed
        and isinstance(task.task_spec, BoundaryEvent)
        and task.task_spec.cancel_activity
        for task in all_tasks(workflow)
    )


def _outcome(compiled: CompiledProcess, change: InstanceChange) -> list[str]:
    """Where a timer's path led, as the BPMN names it: the end events reached, else the
    tasks it opened."""
    labels = {spec.bpmn_id: spec.bpmn_name for spec in all_task_specs(compiled)}
    return [labels.get(end) or end for end in change.end_events] or [
        task.title for task in change.opened_tasks
    ]


def _next_step(workflow: BpmnWorkflow, at: datetime) -> datetime | None:
    """When the scheduler should step the instance next: at its earliest timer, or now
    if an engine task is ready but was not run. A migration of an instance on hold
    leaves one when it re-arms a timer into the past (the scheduler runs it once the
    instance is running again), and so does a model that re-armed due timers more than
    MAX_STEP_PASSES times in one operation (it goes on at the next tick)."""
    return at if _has_runnable_engine_task(workflow) else _next_timer(workflow)


def _has_runnable_engine_task(workflow: BpmnWorkflow) -> bool:
    return any(task.state == TaskState.READY and not task.task_spec.manual for task in all_tasks(workflow))


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    return min((due for _, due in waiting_timers(workflow)), default=None)


def waiting_timers(workflow: BpmnWorkflow) -> list[tuple[str, datetime]]:
    """(element id, due instant) of each timer the instance waits for."""
    # An event-based gateway waits for its timer under a MultipleEventDefinition, whose
    # waiting event carries no due instant: read the task's own.
    return [
        (task.task_spec.bpmn_id, due)
        for task in workflow.event_manager.tasks.values()
        if isinstance(task.task_spec.event_definition, (TimerEventDefinition, MultipleEventDefinition))
        and (due := _timer_due(task)) is not None
    ]


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
TITLE_LENGTH = 300  # the projection's column


def task_title(template: str, data: dict) -> str:
    """A task's title as inboxes list it: its BPMN name with ``{{ name }}`` filled from the
    task's data ("Chấm điểm ứng viên {{ candidate_name }}"), so that two tasks of one kind
    read apart. A value the data lacks reads as empty."""
    filled = _PLACEHOLDER.sub(lambda match: str(data.get(match.group(1), "")), template)
    return " ".join(filled.split())[:TITLE_LENGTH]
