"""Timers: due means "at or after its instant", one broken instance never holds up the
others, and timer expressions may use the same helpers at load time as at run time."""

from datetime import timedelta

import pytest
from factories.bpmn import boundary_timer, probe_bundle, process_xml, script_task, user_task
from factories.dates import local
from sqlalchemy import update

from engine.definitions import publish
from engine.errors import DefinitionRejected, FormInvalid
from engine.models import HumanTask, ProcessInstance

T0 = local(2026, 3, 2, 8, 0)


def _publish(services, timer_kind: str, expression: str) -> None:
    bpmn = process_xml(user_task("task"), extra=boundary_timer("task", timer_kind, expression))
    with services.db.transaction() as session:
        publish(session, probe_bundle(bpmn), T0, services.runtime.helpers)


def _start(services, data: dict | None = None) -> int:
    with services.db.transaction() as session:
        return services.runtime.start(
            session, "probe", data or {"deadline": "2026-03-02T17:00:00+07:00"}, lane_orgs={}, at=T0
        ).instance.id


def _instance(services, instance_id: int) -> ProcessInstance:
    with services.db.transaction() as session:
        return session.get(ProcessInstance, instance_id)


def test_a_duration_timer_fires_exactly_when_due_not_a_microsecond_later(services):
    _publish(services, "timeDuration", '"PT1H"')
    instance_id = _start(services)
    assert _instance(services, instance_id).next_timer_at == T0 + timedelta(hours=1)
    assert services.fire_timers(T0 + timedelta(hours=1, microseconds=-1)).fired == 0
    assert services.fire_timers(T0 + timedelta(hours=1)).fired == 1
    assert _instance(services, instance_id).status == "completed"


def test_a_date_timer_fires_at_its_instant_and_the_due_date_is_exact(services):
    _publish(services, "timeDate", "deadline")
    instance_id = _start(services)
    with services.db.transaction() as session:
        task = session.query(HumanTask).filter_by(instance_id=instance_id).one()
    assert task.due_at == local(2026, 3, 2, 17, 0)
    assert services.fire_timers(local(2026, 3, 2, 16, 59, 59)).fired == 0
    assert services.fire_timers(local(2026, 3, 2, 17, 0)).fired == 1


def test_a_broken_instance_is_parked_and_the_others_still_fire(services):
    _publish(services, "timeDuration", '"PT1H"')
    broken, healthy = _start(services), _start(services)
    with services.db.transaction() as session:  # e.g. a blob damaged on disk
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == broken)
            .values(serialization=b"not a workflow")
        )
    run = services.fire_timers(T0 + timedelta(hours=2))
    assert (run.fired, run.failed) == (1, 1)
    assert _instance(services, healthy).status == "completed"
    parked = _instance(services, broken)
    assert (
        parked.status == "error"
        and parked.next_timer_at is None
        and "firing timers failed" in parked.error_message
    )
    assert services.fire_timers(T0 + timedelta(hours=3)).fired == 0


def test_timer_expressions_may_use_the_helpers_at_load_time(services):
    _publish(services, "timeDate", "as_instant(deadline).isoformat()")
    instance_id = _start(services)
    assert _instance(services, instance_id).next_timer_at == local(2026, 3, 2, 17, 0)


def test_start_data_with_a_reserved_key_is_refused(services):
    _publish(services, "timeDuration", '"PT1H"')
    with pytest.raises(FormInvalid) as refused:
        _start(services, {"meta": {"typename": "BpmnWorkflow"}})
    assert refused.value.errors[0].field == "meta.typename"


def test_a_timer_on_data_the_process_assigns_is_set_when_it_runs(services):
    """Publishing tries a timer with the example start data; one reading what a script of
    the process assigns is set when it runs, and a name nothing assigns is refused."""
    bpmn = process_xml(
        script_task("set_until", "until = working_days_after(now(), 2)"),
        user_task("task"),
        extra=boundary_timer("task", "timeDate", "until"),
    )
    with services.db.transaction() as session:
        publish(session, probe_bundle(bpmn), T0, services.runtime.helpers)
    instance_id = _start(services)
    assert _instance(services, instance_id).next_timer_at == local(2026, 3, 5, 0, 0)  # the end of 04/03

    with pytest.raises(DefinitionRejected, match="«untill»"):
        _publish(services, "timeDate", "untill")
