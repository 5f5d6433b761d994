"""The real scheduler process performs a service task's HTTP call through the outbox; it
is killed with SIGKILL while the endpoint is still answering, and a new one performs the
call again after the lease, with the same idempotency key: the instance steps on exactly
once. Both backends."""

from __future__ import annotations

import dataclasses

import pytest
from factories.bpmn import user_task
from factories.calls import bundle, process
from factories.connectors import Endpoint, service_task
from factories.scheduler_process import kill_while_waiting
from sqlalchemy import func, select

from engine.definitions import publish
from engine.models import ConnectorCall, HumanTask
from services.bootstrap import bootstrap

pytestmark = pytest.mark.database
SLOW_S = 4.0  # the first answer's delay: the scheduler is killed while it waits for it


def _next_tasks(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).where(HumanTask.task_name == "next"))


def test_a_scheduler_killed_during_a_call_calls_again_with_the_same_key_and_steps_once(
    own_services, tmp_path, monkeypatch
):
    with Endpoint((200, {"id": 1}, SLOW_S), (200, {"id": 7}, 0)) as server:
        monkeypatch.setenv("TALENTFLOW_HTTP_ALLOWLIST", server.url)
        monkeypatch.setenv("TALENTFLOW_CONNECTOR_LEASE_S", "2")
        monkeypatch.setenv("TALENTFLOW_CONNECTOR_TIMEOUT_S", "30")
        services = bootstrap(
            dataclasses.replace(own_services.config, http_allowlist=(server.url,)), own_services.clock
        )
        asking = bundle(
            "asking",
            process(
                "asking",
                service_task("ask_city", "http_request", "reply", url=repr(server.url)),
                user_task("next"),
            ),
        )
        now = services.clock.now()
        with services.db.transaction() as session:
            publish(session, asking, now, services.runtime.helpers, connectors=services.runtime.connectors)
            services.runtime.start(session, "asking", {}, lane_orgs={}, at=now)
        kill_while_waiting(
            services,
            tmp_path / "scheduler.log",
            waiting=lambda: len(server.received) >= 1,
            done=lambda: _next_tasks(services) >= 1,
            what_waits="the first attempt to reach the endpoint",
            what_is_done="the answer to reach the instance",
        )
        keys = server.keys()
        services.db.dispose()
    assert len(keys) == 2 and keys[0] == keys[1]
    assert _next_tasks(own_services) == 1
    with own_services.db.read() as session:
        call = session.scalars(select(ConnectorCall)).one()
    assert (call.status, call.attempts, call.params) == ("done", 2, None)
