"""Absences: from one local date to another, the new tasks that would be the user's go
to a delegate of the same role and unit; the user is told of each, and escalations
still follow the task's queue to the user's head (docs/working-together.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.orm import Session, aliased

from engine.errors import NotFound
from engine.messages import Message
from engine.models import HumanTask, ProcessDefinition
from engine.runtime import InstanceChange, WorkflowRuntime
from engine.store import TaskRecord
from services import work
from services.common import audit
from services.common.db import table_of
from services.common.display import local_day
from services.common.errors import Conflict, InvalidInput
from services.delegation._delegation import chosen_colleague
from services.delegation._models import Absence
from services.identity import AppUser, Membership
from services.notifications import Notice, notify_many

REASON_MAX = 500


def absences_of(session: Session, user: AppUser) -> list[Absence]:
    """The user's absences, the latest first (cancelled ones included)."""
    return list(
        session.scalars(
            select(Absence)
            .where(Absence.user_id == user.id)
            .order_by(Absence.starts_on.desc(), Absence.id.desc())
        )
    )


def possible_delegates(session: Session, user: AppUser) -> list[AppUser]:
    """Active users other than ``user`` who hold at least one (role, unit) the user holds."""
    theirs, mine = aliased(Membership), aliased(Membership)
    return list(
        session.scalars(
            select(AppUser)
            .where(
                AppUser.active.is_(True),
                AppUser.id != user.id,
                exists().where(
                    theirs.user_id == AppUser.id,
                    mine.user_id == user.id,
                    mine.role_code == theirs.role_code,
                    mine.org_unit_id == theirs.org_unit_id,
                ),
            )
            .order_by(AppUser.full_name, AppUser.id)
        )
    )


def process_choices(session: Session) -> dict[str, str]:
    """Published processes by key, each named by the title of its latest version."""
    titles: dict[str, str] = {}
    for key, meta in session.execute(
        select(ProcessDefinition.key, ProcessDefinition.meta).order_by(ProcessDefinition.version)
    ).tuples():
        titles[key] = (meta or {}).get("title", key)
    return dict(sorted(titles.items(), key=lambda item: item[1]))


def declare_absence(
    session: Session,
    user: AppUser,
    *,
    starts_on: object,
    ends_on: object,
    delegate_id: object,
    process_keys: list[str],
    reason: object,
    at: datetime,
) -> Absence:
    """Record that the user is away from ``starts_on`` to ``ends_on`` (local dates, both
    included) and who takes their new tasks meanwhile. Every field is checked before
    anything is written."""
    starts, ends = (
        _date("starts_on", Message("First day away"), starts_on),
        _date("ends_on", Message("Last day away"), ends_on),
    )
    if ends < starts:
        raise InvalidInput("ends_on", Message("«Last day away» cannot be before «First day away»."))
    if ends < local_day(at):
        raise InvalidInput("ends_on", Message("«Last day away» cannot be before today."))
    delegate = _delegate(session, user, delegate_id)
    known = process_choices(session)
    chosen = sorted(set(process_keys))
    unknown = [key for key in chosen if key not in known]
    if unknown:
        raise InvalidInput(
            "process_keys", Message("«Processes» not in the list: %(keys)s.", keys=", ".join(unknown))
        )
    why = str(reason or "").strip()
    if not why:
        raise InvalidInput("reason", Message("Please enter the «Reason» for the absence."))
    if len(why) > REASON_MAX:
        raise InvalidInput(
            "reason", Message("«Reason» may not be longer than %(limit)s characters.", limit=REASON_MAX)
        )
    overlapping = session.scalars(
        select(Absence)
        .where(
            Absence.user_id == user.id,
            Absence.cancelled_at.is_(None),
            Absence.starts_on <= ends,
            Absence.ends_on >= starts,
        )
        .limit(1)
    ).first()
    if overlapping is not None:
        raise InvalidInput(
            "starts_on",
            Message(
                "You already have an absence from %(starts)s to %(ends)s overlapping this period.",
                starts=f"{overlapping.starts_on:%d/%m/%Y}",
                ends=f"{overlapping.ends_on:%d/%m/%Y}",
            ),
        )
    absence = Absence(
        user_id=user.id,
        delegate_id=delegate.id,
        starts_on=starts,
        ends_on=ends,
        process_keys=chosen,
        reason=why,
        created_at=at,
    )
    session.add(absence)
    session.info.pop(_AWAY_ON, None)
    session.flush()
    audit.record(
        session,
        at,
        user.id,
        "absence.declare",
        f"absence:{absence.id}",
        delegate=delegate.username,
        starts_on=starts.isoformat(),
        ends_on=ends.isoformat(),
        process_keys=chosen,
    )
    return absence


def cancel_absence(session: Session, user: AppUser, absence_id: int, at: datetime) -> Absence:
    """Cancel one's own absence that has not ended yet: new tasks stay in the queue again."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.user_id != user.id:
        raise NotFound(f"{user.username} has no absence {absence_id}")  # not even confirmed to exist
    if absence.cancelled_at is not None:
        raise Conflict(Message("This absence is already cancelled."))
    if absence.ends_on < local_day(at):
        raise Conflict(Message("This absence has ended: it cannot be cancelled."))
    absence.cancelled_at = at
    session.info.pop(_AWAY_ON, None)
    audit.record(session, at, user.id, "absence.cancel", f"absence:{absence.id}")
    return absence


def _date(field: str, label: Message, value: object) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(field, Message("Please enter «%(label)s».", label=label))
    for parse in (date.fromisoformat, lambda typed: datetime.strptime(typed, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise InvalidInput(field, Message("«%(label)s» must be a date, for example 20/01/2027.", label=label))


def _delegate(session: Session, user: AppUser, delegate_id: object) -> AppUser:
    wanted = chosen_colleague(user, delegate_id, Message("Delegate"))
    if wanted not in {colleague.id for colleague in possible_delegates(session, user)}:
        raise InvalidInput(
            "delegate_id",
            Message(
                "«%(label)s» must be an active officer with your role in your unit.",
                label=Message("Delegate"),
            ),
        )
    delegate = session.get(AppUser, wanted)
    assert delegate is not None
    return delegate


# -- routing new tasks -------------------------------------------------------------

_HELD = aliased(Membership)  # the delegate's membership: the queue the task is in
_OWN = aliased(Membership)  # the absent user's, in the same queue (none: they hold the task only)
_AWAY = aliased(Absence)  # the delegate's own absence, if any
_ACTIVE = and_(
    Absence.cancelled_at.is_(None), Absence.starts_on <= bindparam("day"), Absence.ends_on >= bindparam("day")
)
# Built once: a campaign opens thousands of tasks, each instance's change asks once.
_ABSENCES_FOR_QUEUES = (
    select(
        Absence.user_id,
        Absence.delegate_id,
        Absence.process_keys,
        Absence.reason,
        Absence.starts_on,
        Absence.ends_on,
        _HELD.role_code,
        _HELD.org_unit_id,
        _OWN.id.label("holds"),
    )
    .join(_HELD, _HELD.user_id == Absence.delegate_id)
    .join(AppUser, and_(AppUser.id == Absence.delegate_id, AppUser.active.is_(True)))
    .outerjoin(
        _OWN,
        and_(
            _OWN.user_id == Absence.user_id,
            _OWN.role_code == _HELD.role_code,
            _OWN.org_unit_id == _HELD.org_unit_id,
        ),
    )
    .where(
        _ACTIVE,
        _HELD.role_code.in_(bindparam("lanes", expanding=True)),
        _HELD.org_unit_id.in_(bindparam("units", expanding=True)),
        ~exists().where(
            _AWAY.user_id == Absence.delegate_id,
            _AWAY.cancelled_at.is_(None),
            _AWAY.starts_on <= bindparam("day"),
            _AWAY.ends_on >= bindparam("day"),
        ),
    )
    .order_by(Absence.id)
)
_AWAY_ON = "delegation.away_on"  # session.info: day -> whether anyone is away (_anyone_away)
_ANYONE_AWAY = select(exists().where(_ACTIVE))  # built once: building costs more than running
TASK = table_of(HumanTask)
_ASSIGN = update(TASK).where(TASK.c.id == bindparam("b_id")).values(assignee_id=bindparam("b_assignee"))


def register(runtime: WorkflowRuntime) -> None:
    runtime.on_every_change(route_new_tasks)


def route_new_tasks(session: Session, change: InstanceChange) -> None:
    """Runtime listener: each task this change opened whose holder is away (an absence
    covering the change's local date and the task's process) goes to the absence's
    delegate, if they hold the same queue and are not away themselves. One query for a
    change that opened tasks, none otherwise."""
    opened = [task for task in change.opened_tasks if task.org_unit_id is not None]
    units = {task.org_unit_id for task in opened if task.org_unit_id is not None}
    day = local_day(change.at)
    if not units or not _anyone_away(session, day):
        return
    rows = session.execute(
        _ABSENCES_FOR_QUEUES,
        {
            "day": day,
            "lanes": sorted({task.lane for task in opened}),
            "units": sorted(units),
        },
    ).all()
    if not rows:
        return
    routed = [(task, row) for task in opened if (row := _absence_for(task, rows)) is not None]
    if routed:
        _route(session, change, routed)


def _anyone_away(session: Session, day: date) -> bool:
    """Whether any absence covers ``day``, asked once per transaction and day: a call
    that starts thousands of instances in one transaction asks once, not per instance.
    (Declaring or cancelling an absence forgets the answer.)"""
    known = session.info.setdefault(_AWAY_ON, {})
    if day not in known:
        known[day] = session.scalar(_ANYONE_AWAY, {"day": day})
    return known[day]


def _absence_for(task: TaskRecord, rows):
    """The first absence (by id) that takes this task: of its assignee if it has one
    (a present assignee keeps it), else of anyone holding its queue."""
    for row in rows:
        if (row.role_code, row.org_unit_id) != (task.lane, task.org_unit_id):
            continue
        if row.process_keys and task.process_key not in row.process_keys:
            continue
        if (task.assignee_id == row.user_id) if task.assignee_id is not None else row.holds is not None:
            return row
    return None


def _route(session: Session, change: InstanceChange, routed: list) -> None:
    user_ids = {uid for _, row in routed for uid in (row.user_id, row.delegate_id)}
    users = {user.id: user for user in session.scalars(select(AppUser).where(AppUser.id.in_(user_ids)))}
    session.execute(_ASSIGN, [{"b_id": task.id, "b_assignee": row.delegate_id} for task, row in routed])
    messages = []
    for task, row in routed:
        task.assignee_id = row.delegate_id  # what the caller reports as "now goes to"
        absent, delegate = users[row.user_id], users[row.delegate_id]
        work.record_task_event(
            session,
            instance_id=task.instance_id,
            task_id=task.id,
            kind="absence_routed",
            at=change.at,
            from_user_id=absent.id,
            to_user_id=delegate.id,
            reason=row.reason,
        )
        period = Message(
            "from %(starts)s to %(ends)s", starts=f"{row.starts_on:%d/%m/%Y}", ends=f"{row.ends_on:%d/%m/%Y}"
        )
        messages += [
            Notice(
                f"absence-routed:{task.id}:{delegate.id}",
                delegate,
                Message("Task handed to you while a colleague is away: %(task)s", task=task.title),
                # An absence's reason may be personal: kept with the routing step, not sent around.
                Message(
                    "«%(task)s» is handed to you while %(absent)s is away (%(period)s).",
                    task=task.title,
                    absent=absent.full_name,
                    period=period,
                ),
                task.id,
            ),
            Notice(
                f"absence-informed:{task.id}:{absent.id}",
                absent,
                Message(
                    "New task handed to %(delegate)s: %(task)s", delegate=delegate.full_name, task=task.title
                ),
                Message(
                    "While you are away (%(period)s), «%(task)s» was handed to %(delegate)s.",
                    period=period,
                    task=task.title,
                    delegate=delegate.full_name,
                ),
                task.id,
            ),
        ]
    notify_many(session, messages, change.at)
