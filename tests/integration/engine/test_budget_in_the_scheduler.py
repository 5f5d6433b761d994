"""User code on a budget through the scheduler and at publish: each abuse stopped before it
holds a worker, named by its element, the instance in error once and never retried, nobody
else held up. The sandbox's budget alone (no database): tests/unit/test_budget.py."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from factories.abusive_scripts import ABUSES
from factories.bpmn import boundary_timer, probe_bundle, process_xml, script_task, user_task
from factories.dates import local
from factories.web import signed_in, web_app

from engine.budget import Limits
from engine.definitions import publish
from engine.errors import DefinitionRejected
from engine.models import ProcessInstance
from engine.sandbox import RestrictedEnvironment

T0 = local(2026, 3, 2, 8, 0)


def test_day_counting_helpers_refuse_counts_no_deadline_needs(services):
    environment = RestrictedEnvironment(services.runtime.helpers)
    with pytest.raises(ValueError, match="between 0 and 1000"):
        environment.evaluate("working_days_after('2026-01-05', n)", {"n": 10**7})


# ---------------------------------------------------------------- through the scheduler


def _script_choosing_the_abuse() -> str:
    branches = [
        f"{'if' if i == 0 else 'elif'} kind == {name!r}:\n"
        + "\n".join(f"    {line}" for line in script.split("\n"))
        for i, (name, (script, _)) in enumerate(ABUSES.items())
    ]
    return "\n".join(branches) + "\nelse:\n    x = 1"


def _publish_timer_to_script(services, script: str) -> None:
    step = script_task("compute_score", script, name="Tính điểm xét chọn")
    bpmn = process_xml(user_task("task"), extra=boundary_timer("task", "timeDuration", '"PT1H"', then=step))
    with services.db.transaction() as session:
        publish(session, probe_bundle(bpmn), T0, services.runtime.helpers)


def _start(services, **data) -> int:
    with services.db.transaction() as session:
        return services.runtime.start(session, "probe", data, lane_orgs={}, at=T0).instance.id


def _instances(services, ids) -> dict[int, ProcessInstance]:
    with services.db.read() as session:
        return {instance_id: session.get(ProcessInstance, instance_id) for instance_id in ids}


def test_in_the_scheduler_each_abuse_stops_its_instance_once_and_spares_the_batch(services):
    _publish_timer_to_script(services, _script_choosing_the_abuse())
    abusive = {name: _start(services, kind=name, n=n) for name, (_, n) in ABUSES.items()}
    healthy = _start(services, kind="none", n=1)

    run = services.fire_timers(T0 + timedelta(hours=1))

    assert (run.fired, run.failed) == (len(ABUSES) + 1, 0)  # each outcome saved, one batch
    instances = _instances(services, [*abusive.values(), healthy])
    assert instances[healthy].status == "completed"
    for name, instance_id in abusive.items():
        instance = instances[instance_id]
        assert instance.status == "error", name
        assert instance.error_message.startswith(
            "«Tính điểm xét chọn» (compute_score): stopped, over its budget"
        ), (name, instance.error_message)
        assert instance.next_timer_at is None
    assert services.fire_timers(T0 + timedelta(hours=2)).fired == 0  # not retried at the next tick
    assert {i.status for i in _instances(services, abusive.values()).values()} == {"error"}


def test_publishing_refuses_code_that_blows_its_budget_with_the_example_data(services):
    with pytest.raises(DefinitionRejected) as refused:
        _publish_timer_to_script(services, "x = sorted(range(len(deadline) * 10**7))")
    said = str(refused.value)
    assert "«Tính điểm xét chọn» (script task)" in said and "was stopped" in said


def test_while_a_script_runs_in_the_scheduler_another_user_is_answered_at_once(commune):
    """The scheduler computes a timer's outcome before it takes the write lock: a sign-in
    (which writes its session) is not held up by a script running its whole budget."""
    services = commune
    app = web_app(services)
    services.runtime.script_engine.environment.limits = Limits(seconds=3.0, steps=10**9)
    _publish_timer_to_script(services, "total = 0\nfor i in range(n):\n    total = total + i % 7")
    instance_id = _start(services, n=10**8)
    started = threading.Event()

    def scheduler():
        started.set()
        services.fire_timers(T0 + timedelta(hours=1))

    worker = threading.Thread(target=scheduler)
    worker.start()
    started.wait()
    time.sleep(0.3)  # the script is running
    began = time.monotonic()
    client = signed_in(app, "cg_vp.canbo")
    assert client.get("/inbox").status_code == 200
    answered_in = time.monotonic() - began
    still_running = worker.is_alive()
    worker.join()
    # Answered while the script still ran: not queued behind the scheduler's write (which
    # it takes only after the script), whatever the machine's load makes of the seconds.
    assert still_running, f"the script should still have been running (answered in {answered_in:.2f} s)"
    instance = _instances(services, [instance_id])[instance_id]
    assert instance.status == "error" and "longer than 3 s" in instance.error_message
