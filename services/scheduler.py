"""The scheduler process (`talentflow-scheduler`). It keeps no business state; every run
claims due work from the database, so several scheduler processes are safe. It never
imports the web layer.

The work due at an instant (timers, alerts, inbox deliveries, connector calls, e-mail) is
done by ``DueWork`` in a thread of its own: it sleeps until the earliest due instant the
database holds and wakes early when another process changes what is due
(services/common/changes.py); ``TALENTFLOW_SCHEDULER_INTERVAL_S`` is only the safety net's
interval (README.md, "The scheduler"). APScheduler runs the periodic jobs (the daily
digest, the purge, the yearly evaluations, the calendar reminder) with fixed ids."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import event

from services.bootstrap import Services, bootstrap, settle
from services.common import changes

log = logging.getLogger("talentflow.scheduler")
DIGEST_CHECK_S = 60  # the digest is due at 07:00 local; looked for every minute
PURGE_EVERY_S = 3600  # personal data past its retention period goes within the hour
EVALUATION_CHECK_S = 300  # the yearly evaluations open on their date, looked for every 5 minutes
CALENDAR_CHECK_S = 3600  # from 01/10 admins are reminded to confirm next year's calendar, within the hour
# Woken at a due instant, the work runs this much after it: the clock has passed it for sure.
AFTER_DUE = timedelta(milliseconds=2)


class DueWork:
    """Each kind of due work done when it is due, planned from the database."""

    def __init__(
        self,
        services: Services,
        watcher: changes.ChangeWatcher,
        poll_s: float,
        caught_up: Callable[[], None] | None = None,
    ):
        self.services, self.watcher, self.poll_s = services, watcher, poll_s
        self.caught_up = caught_up  # called once, when start-up's due work is all done

    def run_once(self) -> bool:
        """Every kind of due work, once; whether any of it did something."""
        return any(
            (
                fire_due_timers(self.services),
                deliver_inbox(self.services),
                send_alerts(self.services),
                perform_connector_calls(self.services),
                deliver_notifications(self.services),
            )
        )

    def wait(self) -> None:
        """Sleep until the next due instant. Whenever the database changes, and every
        ``poll_s`` (the safety net: a change no watcher saw), plan again with one query."""
        clock = self.services.clock
        wake = self.services.next_due_at(after=clock.now())
        while True:
            if wake is not None and wake + AFTER_DUE <= clock.now():
                return
            left = self.poll_s
            if wake is not None:
                left = min(left, (wake + AFTER_DUE - clock.now()).total_seconds())
            changed = self.watcher.wait(left)
            if not changed and wake is not None and wake + AFTER_DUE <= clock.now():
                return  # the due instant has come
            wake = self.services.next_due_at()  # what changed may be due already

    def run_forever(self, stopped: threading.Event) -> None:
        while not stopped.is_set():
            try:
                if self.run_once():
                    continue  # work is done in batches: more may be due
                if self.caught_up is not None:
                    self.caught_up()
                    self.caught_up = None
                self.wait()
            except Exception:  # the database away for a moment must not stop the scheduler
                log.exception("due work failed; trying again after %ss", self.poll_s)
                stopped.wait(self.poll_s)


class StatementCount:
    """SQL statements the process sends, counted from the moment its due work first waits
    (start-up's catching up left out): logged at exit, what an idle scheduler costs the
    database (README.md, "Scheduler"; bench/scheduler.py reads it)."""

    def __init__(self, services: Services):
        self.count, self.since = 0, 0.0
        event.listen(services.db.engine, "before_cursor_execute", self._counted)

    def _counted(self, *_args) -> None:
        self.count += 1

    def restart(self) -> None:
        self.count, self.since = 0, time.monotonic()

    def report(self) -> None:
        seconds = time.monotonic() - self.since
        log.info(
            "since start-up: %d statement(s) in %.1f s (%.2f per second)",
            self.count,
            seconds,
            self.count / seconds if seconds else 0.0,
        )


def run_scheduler(services: Services) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    every = {"coalesce": True, "max_instances": 1}
    for job, seconds in (
        (send_digest, DIGEST_CHECK_S),
        (purge_personal_data, PURGE_EVERY_S),
        (open_yearly_evaluations, EVALUATION_CHECK_S),
        (remind_to_confirm_calendar, CALENDAR_CHECK_S),
    ):
        scheduler.add_job(job, "interval", args=[services], id=job.__name__, seconds=seconds, **every)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per run
    statements = StatementCount(services)
    watcher = changes.watch(services.config.database_url)
    stopped = threading.Event()
    due_work = DueWork(services, watcher, services.config.scheduler_interval_s, statements.restart)
    threading.Thread(target=due_work.run_forever, args=(stopped,), name="due-work", daemon=True).start()

    def stop(*_signal) -> None:
        stopped.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "scheduler started: due work as it comes due, planned again on every change (safety net every %ss)",
        services.config.scheduler_interval_s,
    )
    scheduler.start()
    statements.report()
    watcher.close()


def fire_due_timers(services: Services) -> bool:
    run = services.fire_timers()
    if run.fired or run.conflicts or run.failed:
        log.info("fired %d instance(s), %d conflict(s), %d failed", run.fired, run.conflicts, run.failed)
    return bool(run.fired or run.conflicts)


def deliver_inbox(services: Services) -> bool:
    run = services.deliver_inbox()
    if run.delivered or run.conflicts or run.failed:
        log.info(
            "delivered %d to callers, %d conflict(s), %d failed", run.delivered, run.conflicts, run.failed
        )
    return bool(run.delivered or run.conflicts)


def perform_connector_calls(services: Services) -> bool:
    run = services.perform_connector_calls()
    if run.answered or run.retried or run.failed or run.errors:
        log.info(
            "connector calls: %d answered, %d to retry, %d failed, %d delivered",
            run.answered,
            run.retried,
            run.failed,
            run.delivered,
        )
    for error in run.errors:
        log.warning("connector call not delivered: %s", error)
    return bool(run.answered or run.retried or run.delivered)


def send_alerts(services: Services) -> bool:
    run = services.send_alerts()
    if run.reminders or run.escalations:
        log.info("%d reminder(s), %d escalation(s)", run.reminders, run.escalations)
    return bool(run.reminders or run.escalations)


def send_digest(services: Services) -> None:
    sent = services.send_digest()
    if sent:
        log.info("daily digest sent to %d user(s)", sent)


def purge_personal_data(services: Services) -> None:
    purged = services.purge_personal_data()
    if purged:
        log.info("personal data of %d unsuccessful candidate(s) anonymised", purged)


def open_yearly_evaluations(services: Services) -> None:
    opened = services.open_yearly_evaluations()
    if opened:
        log.info("yearly evaluation opened in %d commune(s)", opened)


def remind_to_confirm_calendar(services: Services) -> None:
    told = services.remind_to_confirm_calendar()
    if told:
        log.info("%d admin(s) reminded to confirm next year's calendar", told)


def deliver_notifications(services: Services) -> bool:
    run = services.deliver_emails()
    if run.sent or run.failed:
        log.info("e-mail: %d sent, %d failed (retried later)", run.sent, run.failed)
    return bool(run.sent)


def main() -> None:
    """The `talentflow-scheduler` command: the configuration from the environment, as the server's."""
    services = bootstrap()
    settle()
    run_scheduler(services)


if __name__ == "__main__":
    main()
