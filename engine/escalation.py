"""The escalation policy of a user task, declared in the BPMN, and the alerts it plans.

A user task may carry these SpiffWorkflow extension properties (all optional):

- ``due``: an expression giving the task's due instant (ISO 8601). Without it the task
  is due at the earliest timer attached to it.
- ``reminders``: when to remind the people who hold the task, before it is due:
  ISO 8601 durations (``PT24H``) or working days (``3WD``, at 08:00 local on the third
  working day before the due day), separated by spaces or commas. ``none`` for none.
- ``escalation``: one delay after the due instant per escalation level (``PT0S P1D``:
  level 1 at the deadline, level 2 a day later).
- ``escalation_action``: ``notify`` (tell the level's recipients), ``reassign`` (also
  give them the task) or ``close`` (the task's interrupting timer closes it at the
  deadline, as the BPMN says; level 1 is told).

The engine plans the alerts (when, which kind, which level); who receives them is the
organisation chart's business, outside the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.helpers import as_instant
from engine.messages import Message

NOTIFY, REASSIGN, CLOSE = "notify", "reassign", "close"
ACTIONS = (NOTIFY, REASSIGN, CLOSE)
DEFAULT_REMINDERS = "PT24H PT2H"
DEFAULT_ESCALATION = "PT0S P1D"
REMINDER, ESCALATION = "reminder", "escalation"
_WORKING_DAYS = re.compile(r"^(\d{1,2})WD$")


@dataclass(frozen=True)
class Offset:
    """A reminder's distance before the due instant, as written."""

    text: str
    duration: timedelta | None = None  # an ISO 8601 duration...
    working_days: int | None = None  # ...or a number of working days


@dataclass(frozen=True)
class EscalationPolicy:
    due: str | None
    reminders: tuple[Offset, ...]
    levels: tuple[timedelta, ...]
    action: str


@dataclass(frozen=True)
class Alert:
    at: datetime
    kind: str  # reminder | escalation
    level: int  # the escalation level; 0 for a reminder
    label: str  # the reminder's offset as written, or "L<level>"


def parse_policy(
    properties: dict, has_interrupting_timer: bool
) -> tuple[EscalationPolicy | None, list[Message]]:
    """The task's policy with defaults filled in, or the problems found in it."""
    problems = []
    action = properties.get("escalation_action", CLOSE if has_interrupting_timer else NOTIFY).strip()
    if action not in ACTIONS:
        problems.append(
            Message(
                "escalation_action «%(action)s» is not one of %(actions)s",
                action=action,
                actions=", ".join(ACTIONS),
            )
        )
    elif action == CLOSE and not has_interrupting_timer:
        problems.append(
            Message("escalation_action 'close' needs an interrupting timer on the task to close it")
        )
    reminders = _parse_each(
        properties.get("reminders", DEFAULT_REMINDERS),
        _offset,
        problems,
        lambda item: Message(
            "reminder «%(item)s» is neither an ISO 8601 duration nor working days like '3WD'", item=item
        ),
    )
    levels = _parse_each(
        properties.get("escalation", DEFAULT_ESCALATION),
        _duration,
        problems,
        lambda item: Message("escalation delay «%(item)s» is not an ISO 8601 duration", item=item),
    )
    if problems:
        return None, problems
    due = properties.get("due", "").strip() or None
    return EscalationPolicy(due, tuple(reminders), tuple(levels) if action != CLOSE else (), action), []


def plan_alerts(
    policy: EscalationPolicy, due_at: datetime, working_days_before: Callable[[str, int], str]
) -> list[Alert]:
    """Every alert of a task due at ``due_at``, in time order."""
    alerts = [
        Alert(_reminder_at(offset, due_at, working_days_before), REMINDER, 0, offset.text)
        for offset in policy.reminders
    ]
    alerts += [
        Alert(due_at + delay, ESCALATION, level, f"L{level}")
        for level, delay in enumerate(policy.levels, start=1)
    ]
    return sorted(alerts, key=lambda alert: (alert.at, alert.level))


def first_stage(alerts: list[Alert], at: datetime) -> int:
    """Where a task opened at ``at`` starts: reminders already past are not sent late,
    but a task that opens overdue is escalated."""
    for index, alert in enumerate(alerts):
        if alert.at > at or alert.kind == ESCALATION:
            return index
    return len(alerts)


def due_alerts(alerts: list[Alert], stage: int, at: datetime, due_at: datetime) -> tuple[list[Alert], int]:
    """The alerts to act on now from ``stage`` on, and the next stage. Of several
    reminders due at once only the latest is worth sending; once an escalation is due
    no reminder is, nor once the task is due at ``at``: its deadline may be closing it
    at this very instant, in a scheduler running beside this one."""
    due = [alert for alert in alerts[stage:] if alert.at <= at]
    escalations = [alert for alert in due if alert.kind == ESCALATION]
    reminders = [alert for alert in due if alert.kind == REMINDER and at < due_at]
    return (escalations or reminders[-1:]), stage + len(due)


def _reminder_at(offset: Offset, due_at: datetime, working_days_before) -> datetime:
    if offset.duration is not None:
        return due_at - offset.duration
    return as_instant(working_days_before(due_at.isoformat(), offset.working_days))


def _parse_each(text: str, parse, problems: list[Message], problem: Callable[[str], Message]) -> list:
    """Parse each item of a space- or comma-separated list; ``none`` is the empty list."""
    text, parsed = text.strip(), []
    for item in [] if text.lower() == "none" else [item for item in re.split(r"[\s,]+", text) if item]:
        try:
            parsed.append(parse(item))
        except ValueError:
            problems.append(problem(item))
    return parsed


def _offset(text: str) -> Offset:
    match = _WORKING_DAYS.match(text.upper())
    if match:
        return Offset(text, working_days=int(match.group(1)))
    return Offset(text, duration=_duration(text))


def _duration(text: str) -> timedelta:
    try:
        # Months and years have no fixed length; a policy offset is read as of a fixed date.
        return TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(text), datetime(2026, 1, 1)
        )
    except Exception:
        raise ValueError(text) from None
