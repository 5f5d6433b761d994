"""Every connector on the runtime, and the scheduler's job for the calls that leave."""

from __future__ import annotations

from datetime import timedelta

from engine.connectors import Connector
from engine.outbox import OutboxRun, RetryPolicy, perform_due_calls
from engine.runtime import WorkflowRuntime
from services.common.config import Config
from services.connectors._document import GENERATE_DOCUMENT
from services.connectors._http import HttpSettings, http_connector
from services.connectors._notify import NOTIFY


def register(runtime: WorkflowRuntime, config: Config) -> None:
    for connector in (NOTIFY, GENERATE_DOCUMENT, http_connector(HttpSettings(config.http_allowlist))):
        runtime.register_connector(connector)


def connector_list(runtime: WorkflowRuntime) -> list[Connector]:
    """What the editor offers, by name."""
    return [runtime.connectors[name] for name in sorted(runtime.connectors)]


def perform_connector_calls(db, runtime: WorkflowRuntime, config: Config, now) -> OutboxRun:
    policy = RetryPolicy(
        attempts=config.connector_attempts,
        base=timedelta(seconds=config.connector_backoff_s),
        timeout=config.connector_timeout_s,
        lease=timedelta(seconds=config.connector_lease_s),
    )
    return perform_due_calls(db.transaction, runtime, now, policy)
