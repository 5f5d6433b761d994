"""The scheduler process delivers what call activities' children did to their callers,
exactly once, through a SIGKILL between children's ends and their callers' steps.

Each caller fans out to its units (a multi-instance call activity); each child's
deadline has passed, so the scheduler's timers end every child; the last end of each
call queues its join, and the scheduler's inbox job steps the caller. The scheduler is
killed while joins wait in the inbox, then a new one is started: each caller must then
be joined once, with every child's answer, and nothing be left over. Both backends,
each on a database of its own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import script_task, user_task
from factories.calls import boundary, bundle, call_activity, loop_xml, process
from factories.scheduler_process import kill_while_waiting
from sqlalchemy import func, select

from engine.definitions import publish
from engine.models import CallActivity, HumanTask, InstanceInbox, ProcessInstance
from engine.runtime import StartRequest

CALLERS, UNITS = 20, 10
pytestmark = pytest.mark.database


def _callers_with_overdue_children(services) -> None:
    deadline_timer = (
        "<bpmn:timerEventDefinition><bpmn:timeDate>deadline</bpmn:timeDate></bpmn:timerEventDefinition>"
    )
    child = bundle(
        "child_probe",
        process(
            "child_probe",
            user_task("work"),
            side=(
                boundary(
                    "work", "too_late", deadline_timer, then=script_task("late", "result = unit + ':late'")
                ),
            ),
        ),
        {"unit": "u1", "deadline": "2026-01-14T12:00:00+07:00"},
    )
    loop = loop_xml(collection="units", item="unit", output_collection="answers", output_item="answer")
    caller = bundle(
        "probe",
        process(
            "probe",
            call_activity(
                "ask_all",
                "child_probe",
                {"unit": "unit", "deadline": "deadline"},
                {"answer": "result"},
                loop=loop,
            ),
            user_task("review"),
        ),
        {"units": ["u1"], "deadline": "2026-01-14T12:00:00+07:00"},
    )
    now = services.clock.now()
    with services.db.transaction() as session:
        for each in (child, caller):
            publish(session, each, now - timedelta(hours=2), services.runtime.helpers)
        data = {
            "units": [f"u{n}" for n in range(UNITS)],
            "deadline": (now - timedelta(minutes=1)).isoformat(),
        }
        services.runtime.start_many(
            session, "probe", [StartRequest(data, {})] * CALLERS, at=now - timedelta(hours=1)
        )


def _joins_waiting(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).where(InstanceInbox.kind == "join"))


def _reviews(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).where(HumanTask.task_name == "review"))


def test_a_scheduler_killed_between_childrens_ends_and_their_callers_steps_joins_each_caller_once(
    own_services, tmp_path
):
    services = own_services
    _callers_with_overdue_children(services)
    kill_while_waiting(
        services,
        tmp_path / "scheduler.log",
        waiting=lambda: _joins_waiting(services) > 0,
        done=lambda: _reviews(services) >= CALLERS,
        what_waits="a join to wait in the inbox",
        what_is_done="every caller joined",
    )

    with services.db.read() as session:
        assert _reviews(services) == CALLERS  # one review task per caller: each stepped once
        assert session.scalar(select(func.count()).select_from(InstanceInbox)) == 0
        assert set(session.scalars(select(CallActivity.status))) == {"joined"}
        assert session.scalar(select(func.sum(CallActivity.nr_completed))) == CALLERS * UNITS
        statuses = session.execute(
            select(ProcessInstance.process_key, ProcessInstance.status, func.count()).group_by(
                ProcessInstance.process_key, ProcessInstance.status
            )
        ).all()
    assert sorted(map(tuple, statuses)) == [
        ("child_probe", "completed", CALLERS * UNITS),
        ("probe", "running", CALLERS),
    ]
