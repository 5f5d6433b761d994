"""Process definitions and instances as administrators see them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.runtime import WorkflowRuntime
from services.common import audit
from services.identity import unit_by_code


def definitions(session: Session) -> list[ProcessDefinition]:
    return list(
        session.scalars(
            select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
        )
    )


def start(
    session: Session,
    runtime: WorkflowRuntime,
    actor_id: int,
    process_key: str,
    data: dict,
    lane_units: dict[str, str],
    business_key: str | None,
    at: datetime,
) -> int:
    """Start the newest version; lanes are given as role -> unit code. Audited."""
    lane_orgs = {role: unit_by_code(session, code).id for role, code in lane_units.items()}
    change = runtime.start(session, process_key, data, lane_orgs=lane_orgs, business_key=business_key, at=at)
    audit.record(
        session,
        at,
        actor_id,
        "instance.start",
        f"process_instance:{change.instance.id}",
        process_key=process_key,
        definition_id=change.instance.definition_id,
    )
    return change.instance.saved_id


def instance_view(session: Session, instance_id: int) -> dict:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(Message("There is no case %(instance)s.", instance=instance_id))
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    tasks = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at)
    ).all()
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "definition_version": definition.version,
        "business_key": instance.business_key,
        "status": instance.status,
        "created_at": instance.created_at,
        "completed_at": instance.completed_at,
        "error_message": instance.worded_error,
        "tasks": [
            {
                "id": task.id,
                "task_name": task.task_name,
                "status": task.status,
                "lane": task.lane,
                "due_at": task.due_at.isoformat() if task.due_at else None,
            }
            for task in tasks
        ],
    }
