"""``notify``: tell everyone holding a role in a unit, in the bell and by e-mail."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.messages import Message
from engine.models import ProcessInstance
from services import notifications
from services.identity import OrgChart, OrgUnit, task_roles


def _run(context: CallContext, params: dict) -> dict:
    role, session = params["role"], context.session
    unit = _unit(context, role, params.get("unit"))
    people = OrgChart(session, context.at).reachable(role, unit.id)
    notifications.notify_many(
        session,
        [
            notifications.Notice(
                key=f"connector:{context.call_id}:{person.id}",
                user=person,
                subject=params["subject"],
                body=params.get("body") or "",
            )
            for person in people
        ],
        context.at,
    )
    return {"notified": len(people), "unit": unit.code}


def _unit(context: CallContext, role: str, code: str | None) -> OrgUnit:
    """The unit named, else the one acting in the instance's lane of that role."""
    session = context.session
    if code:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise ConnectorError(Message("there is no unit «%(unit)s»", unit=code))
        return unit
    lanes = session.scalar(select(ProcessInstance.lane_orgs).where(ProcessInstance.id == context.instance_id))
    unit_id = (lanes or {}).get(role)
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    if unit is None:
        raise ConnectorError(
            Message("the case has no unit acting as «%(role)s»: name the «unit» parameter", role=role)
        )
    return unit


def _check(literals: Mapping) -> list[Message]:
    role = literals.get("role")
    if isinstance(role, str) and role not in task_roles():
        return [
            Message("«%(role)s» is not a role: %(known)s", role=role, known=", ".join(sorted(task_roles())))
        ]
    return []


NOTIFY = Connector(
    "notify",
    Message("Notify a role of a unit"),
    (
        Parameter("role", "text", Message("Role")),
        Parameter("subject", "text", Message("Subject")),
        Parameter("body", "text", Message("Message"), required=False),
        Parameter("unit", "text", Message("Unit code"), required=False),
    ),
    run=_run,
    check=_check,
    target=lambda params: f"{params.get('role')}@{params.get('unit') or '-'}",
)
