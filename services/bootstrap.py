"""The composition root: every process (web, scheduler, CLI, tests) is wired here."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from engine import definitions, due
from engine.clock import Clock, SystemClock
from engine.linking import InboxRun, deliver_inbox
from engine.outbox import OutboxRun
from engine.runtime import WorkflowRuntime
from engine.timers import TimerRun, fire_due_timers
from services import (
    attachments,
    campaigns,
    city,
    commitments,
    connectors,
    deadlines,
    delegation,
    evaluation,
    identity,
    people,
    plans,
    selection,
    talent_search,
    targets,  # noqa: F401  (its tables: the tests empty every table the metadata knows)
)
from services.common import instance_files
from services.common.config import Config
from services.common.db import Database
from services.deadlines import (
    AlertRun,
    CalendarSource,
    remind_to_confirm_next_year,
    send_daily_digest,
    send_due_alerts,
)
from services.identity import task_roles
from services.notifications import DeliveryRun, SmtpMailer, deliver_emails, email_due
from services.people import CitizenIdKeys, load_keys


@dataclass(frozen=True)
class TickRun:
    timers: TimerRun
    inbox: InboxRun
    alerts: AlertRun
    digests: int
    evaluations: int
    calendar_reminders: int
    calls: OutboxRun


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    runtime: WorkflowRuntime
    calendar: CalendarSource
    mailer: SmtpMailer | None

    @cached_property
    def citizen_id_keys(self) -> CitizenIdKeys:
        """The keys protecting citizen IDs (read or made on first use, then kept)."""
        return load_keys(self.config)

    def load_bpmn(self, root: Path | None = None) -> list[tuple[str, int, bool]]:
        """Publish every bundle under ``root``; unchanged content makes no new version."""
        results = []
        directories = sorted(p for p in (root or self.config.bpmn_dir).iterdir() if p.is_dir())
        bundles = [definitions.read_bundle(directory) for directory in directories]
        for bundle in definitions.publishing_order(bundles):  # a called process first
            with self.db.transaction() as session:
                definition, created = definitions.publish(
                    session,
                    bundle,
                    self.clock.now(),
                    self.runtime.helpers,
                    set(task_roles()),
                    self.runtime.contracts,
                    self.runtime.connectors,
                )
                results.append((definition.key, definition.version, created))
        return results

    def fire_timers(self, at: datetime | None = None) -> TimerRun:
        return fire_due_timers(self.db.sessions, self.db.read_sessions, self.runtime, at or self.clock.now())

    def deliver_inbox(self, at: datetime | None = None) -> InboxRun:
        """What call activities' children did, delivered to their callers (engine.linking)."""
        return deliver_inbox(self.db.sessions, self.runtime, at or self.clock.now())

    def perform_connector_calls(self, at: datetime | None = None) -> OutboxRun:
        """Service tasks' calls out of the product that are due, performed with no
        transaction open; their answers delivered to the instances (engine.outbox)."""
        now = (lambda: at) if at is not None else self.clock.now
        return connectors.perform_connector_calls(self.db, self.runtime, self.config, now)

    def send_alerts(self, at: datetime | None = None) -> AlertRun:
        """Reminders and escalations due at ``at``."""
        return send_due_alerts(self.db, self.runtime, at or self.clock.now())

    def send_digest(self, at: datetime | None = None) -> int:
        return send_daily_digest(self.db, self.runtime, at or self.clock.now())

    def tick(self, at: datetime | None = None) -> TickRun:
        """The scheduler's jobs once, in order, as of one instant (for simulated time)."""
        at = at or self.clock.now()
        opened = self.open_yearly_evaluations(at)
        return TickRun(
            self.fire_timers(at),
            self.deliver_inbox(at),
            self.send_alerts(at),
            self.send_digest(at),
            opened,
            self.remind_to_confirm_calendar(at),
            self.perform_connector_calls(at),
        )

    def remind_to_confirm_calendar(self, at: datetime | None = None) -> int:
        """From 01/10, each admin is told once that next year's calendar needs confirming."""
        with self.db.transaction() as session:
            return remind_to_confirm_next_year(session, at or self.clock.now())

    def open_yearly_evaluations(self, at: datetime | None = None) -> int:
        """The yearly timer: open each commune's evaluation of its talents once it is due."""
        with self.db.transaction() as session:
            return evaluation.open_due_rounds(session, self.runtime, at or self.clock.now())

    def purge_personal_data(self, at: datetime | None = None) -> int:
        """Anonymise unsuccessful candidates whose retention period has passed (how many),
        delete the audit of citizen ID lookups past that period, expired web sessions and
        the sign-in attempts nothing reads any more."""
        at = at or self.clock.now()
        with self.db.transaction() as session:
            talent_search.forget_expired_lookups(session, at, self.config.retention_days)
            identity.forget_expired_sessions(session, at)
            identity.forget_expired_sign_ins(session, at)
            attachments.purge_expired(session, at, self.config.retention_days)
            return people.purge_unsuccessful(session, at, self.config.retention_days)

    def next_due_at(self, after: datetime | None = None) -> datetime | None:
        """The earliest instant work is due for the scheduler (later than ``after`` when
        given): a timer, an alert, an inbox delivery, a connector call, an e-mail."""
        statements = due.due_instants(after)
        if self.mailer is not None:
            statements.append(email_due(after))
        with self.db.read() as session:
            return due.earliest(session, statements)

    def deliver_emails(self) -> DeliveryRun:
        if self.mailer is None:
            return DeliveryRun()
        return deliver_emails(
            self.db, self.mailer, self.clock.now, lease=timedelta(seconds=self.config.email_lease_s)
        )


def settle() -> None:
    """Called once by a long-running process that has started (the web server, the
    scheduler): what start-up made and keeps (modules, compiled specs, statements, caches) is
    left out of every later garbage collection, which then walks only what requests make.
    SpiffWorkflow's task trees are reference cycles, so full collections are frequent under
    load; without this each walks start-up's objects again (docs/architecture.md)."""
    gc.collect()
    gc.freeze()


def bootstrap(config: Config | None = None, clock: Clock | None = None) -> Services:
    config = config or Config.from_env()
    clock = clock or SystemClock()
    instance_files.private_database(config.database_url, config.instance_dir)
    db = Database(config.database_url)
    calendar = CalendarSource(db)
    runtime = WorkflowRuntime(clock, helpers=calendar.helpers())
    # Reactions run in this order (engine/reactions.py): a capability that reacts to what
    # another records registers after it (tests/integration/engine/test_bpmn_contracts.py checks the pairs).
    for context in (campaigns, city, selection, commitments, evaluation, deadlines):
        context.register(runtime)
    plans.register(runtime, calendar)  # its connectors read the working calendar
    attachments.register(runtime)  # a file field names a file of its own case
    # After every reaction: a task opened for someone away goes to their delegate.
    delegation.register(runtime)
    connectors.register(runtime, config)
    mailer = (
        SmtpMailer(
            config.smtp_host,
            config.smtp_port,
            config.smtp_sender,
            config.smtp_username,
            config.smtp_password,
            config.smtp_starttls,
        )
        if config.smtp_host
        else None
    )
    return Services(config=config, db=db, clock=clock, runtime=runtime, calendar=calendar, mailer=mailer)
