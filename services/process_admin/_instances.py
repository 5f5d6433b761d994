"""Instances as administrators watch and steer them: the viewer's data, suspend, resume,
retry, cancel, and migration to a newer version of their process. Every action is
audited with who, when, what, and the version before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.errors import NotFound
from engine.inspection import InstanceState, instance_state
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.runtime import WorkflowRuntime
from engine.versions import MigrationPlan
from services import notifications
from services.common import audit
from services.common.errors import InvalidInput
from services.common.models import AuditEvent
from services.identity import AppUser, OrgChart

ACTIONS = ("suspend", "resume", "retry", "cancel")
MIN_REASON_LENGTH = 10
# What the viewer offers in each status (the runtime refuses the rest anyway).
ACTIONS_BY_STATUS = {
    "running": ("suspend", "cancel"),
    "suspended": ("resume", "cancel"),
    "error": ("retry", "cancel"),
}


@dataclass(frozen=True)
class InstancePage:
    instance: ProcessInstance
    definition: ProcessDefinition
    newer_versions: list[int]
    state: InstanceState
    tasks: list[tuple[HumanTask, str | None]]  # each task with who completed it
    audit: list[tuple[AuditEvent, str | None]]  # each admin action with who did it

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS_BY_STATUS.get(self.instance.status, ())


def instances_of(session: Session, key: str, limit: int = 200) -> list[tuple[ProcessInstance, int]]:
    """The newest instances of a process, each with its definition version."""
    return list(
        session.execute(
            select(ProcessInstance, ProcessDefinition.version)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessInstance.process_key == key)
            .order_by(ProcessInstance.id.desc())
            .limit(limit)
        )
        .tuples()
        .all()
    )


def instance_page(session: Session, runtime: WorkflowRuntime, instance_id: int) -> InstancePage:
    instance = _instance(session, instance_id)
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    newer = list(
        session.scalars(
            select(ProcessDefinition.version)
            .where(
                ProcessDefinition.key == instance.process_key, ProcessDefinition.version > definition.version
            )
            .order_by(ProcessDefinition.version)
        )
    )
    completer, actor = aliased(AppUser), aliased(AppUser)
    tasks = session.execute(
        select(HumanTask, completer.full_name)
        .outerjoin(completer, completer.id == HumanTask.completed_by)
        .where(HumanTask.instance_id == instance_id)
        .order_by(HumanTask.created_at)
    ).all()
    events = session.execute(
        select(AuditEvent, actor.full_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.subject == _subject(instance_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return InstancePage(
        instance,
        definition,
        newer,
        instance_state(session, runtime, instance_id),
        [tuple(row) for row in tasks],
        [tuple(row) for row in events],
    )


def diagram(session: Session, runtime: WorkflowRuntime, instance_id: int) -> dict:
    """The instance's BPMN and which elements to highlight, for the viewer."""
    instance = _instance(session, instance_id)
    state = instance_state(session, runtime, instance_id)
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    return {
        "bpmn": definition.bpmn_xml,
        "completed": state.completed,
        "current": state.current,
        "failed": state.failed,
    }


def act(
    session: Session,
    runtime: WorkflowRuntime,
    actor_id: int,
    instance_id: int,
    action: str,
    at: datetime,
    reason: str | None = None,
) -> None:
    """Suspend, resume, retry or cancel; refused with a clear error when the instance's
    state does not allow it, and then nothing changes. A cancel needs a reason, and the
    people who held its open tasks and the heads of their units are told it, and why."""
    if action not in ACTIONS:
        raise InvalidInput("action", f"phải là một trong {', '.join(ACTIONS)}")
    reason = (reason or "").strip() or None
    if action == "cancel" and len(reason or "") < MIN_REASON_LENGTH:
        raise InvalidInput("reason", f"«Lý do hủy» phải có ít nhất {MIN_REASON_LENGTH} ký tự.")
    change = getattr(runtime, action)(session, instance_id, at)
    version = _version_of(session, change.instance.definition_id)
    audit.record(
        session,
        at,
        actor_id,
        f"instance.{action}",
        _subject(instance_id),
        status_before=change.status_before,
        status_after=change.instance.status,
        before_version=version,
        after_version=version,
        **({"reason": reason} if reason else {}),
    )
    if action == "cancel":
        assert reason is not None  # checked above: a cancel has its reason
        _tell_cancelled(session, change.closed_task_ids, reason, at)


def cancel_preview(session: Session, instance_id: int, at: datetime) -> list[tuple[HumanTask, list[str]]]:
    """What a cancel would close: each open task with the names of who would be told."""
    tasks = list(
        session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == _instance(session, instance_id).id, HumanTask.status == "ready"
            )
        )
    )
    chart = OrgChart(session, at)
    return [(task, [user.full_name for user in _concerned(chart, task)]) for task in tasks]


def _concerned(chart: OrgChart, task: HumanTask) -> list[AppUser]:
    """Who held the task, and the head of its unit (or the heads above, see OrgChart)."""
    people = chart.task_holders(task.lane, task.org_unit_id, task.assignee_id)
    people += chart.escalation_recipients(task.lane, task.org_unit_id, 1)
    return list({user.id: user for user in people}.values())


def _tell_cancelled(session: Session, task_ids: list[str], reason: str, at: datetime) -> None:
    chart = OrgChart(session, at)
    for task in session.scalars(select(HumanTask).where(HumanTask.id.in_(task_ids))):
        unit = chart.unit(task.org_unit_id)
        for user in _concerned(chart, task):
            notifications.notify(
                session,
                key=f"task-cancelled:{task.id}:{user.id}",
                user=user,
                at=at,
                subject=f"Hồ sơ đã bị hủy: «{task.title}»",
                body=f"Quản trị viên đã hủy hồ sơ{f' của {unit.name}' if unit else ''}; "
                f"việc «{task.title}» không còn phải làm. Lý do: «{reason}».",
            )


def migration_plan(
    session: Session, runtime: WorkflowRuntime, instance_id: int, to_version: int
) -> MigrationPlan:
    return runtime.plan_migration(session, instance_id, _target(session, instance_id, to_version))


def migrate(
    session: Session, runtime: WorkflowRuntime, actor_id: int, instance_id: int, to_version: int, at: datetime
) -> None:
    """Move the instance to ``to_version`` when that is safe (MigrationRefused, with the
    reasons, otherwise; nothing changes then)."""
    change = runtime.migrate(session, instance_id, _target(session, instance_id, to_version), at)
    assert change.definition_before is not None, "a migration records the version it left"
    audit.record(
        session,
        at,
        actor_id,
        "instance.migrate",
        _subject(instance_id),
        before_version=_version_of(session, change.definition_before),
        after_version=to_version,
    )


def _target(session: Session, instance_id: int, version: int) -> ProcessDefinition:
    instance = _instance(session, instance_id)
    target = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == instance.process_key, ProcessDefinition.version == version
        )
    )
    if target is None:
        raise InvalidInput("version", f"quy trình {instance.process_key} không có phiên bản {version}")
    return target


def _version_of(session: Session, definition_id: int) -> int:
    return session.get_one(ProcessDefinition, definition_id).version


def _instance(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"no instance {instance_id}")
    return instance


def _subject(instance_id: int) -> str:
    return f"process_instance:{instance_id}"
