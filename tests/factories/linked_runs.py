"""Driving linked instances in engine tests: publish bundles, start an instance, and run
the scheduler's inbox job (joins, messages, signals) until nothing is left to deliver."""

from __future__ import annotations

from engine.definitions import publish
from factories.dates import local

T0 = local(2026, 1, 10, 9, 0)


def publish_all(services, *bundles) -> None:
    with services.db.transaction() as session:
        for each in bundles:
            publish(session, each, T0, services.runtime.helpers)


def start(services, key: str, data: dict, at=T0) -> int:
    with services.db.transaction() as session:
        return services.runtime.start(session, key, data, lane_orgs={}, at=at).instance.id


def deliver(services, at=T0) -> int:
    """Run the scheduler's inbox job until nothing is left to deliver."""
    total = 0
    while (run := services.deliver_inbox(at)).delivered:
        total += run.delivered
    return total
