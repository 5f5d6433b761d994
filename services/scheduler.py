"""The scheduler process (`talentflow-scheduler`): APScheduler runs jobs registered here,
in code, with fixed ids. It keeps no business state; every tick claims due work from the
database, so several scheduler processes are safe. It never imports the web layer."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from services.bootstrap import Services, bootstrap, settle

log = logging.getLogger("talentflow.scheduler")
DIGEST_CHECK_S = 60  # the digest is due at 07:00 local; looked for every minute
PURGE_EVERY_S = 3600  # personal data past its retention period goes within the hour
EVALUATION_CHECK_S = 300  # the yearly evaluations open on their date, looked for every 5 minutes
CALENDAR_CHECK_S = 3600  # from 01/10 admins are reminded to confirm next year's calendar, within the hour


def run_scheduler(services: Services) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    every = {"coalesce": True, "max_instances": 1}
    interval = services.config.scheduler_interval_s
    scheduler.add_job(
        fire_due_timers, "interval", args=[services], id="fire_due_timers", seconds=interval, **every
    )
    scheduler.add_job(
        deliver_inbox, "interval", args=[services], id="deliver_inbox", seconds=interval, **every
    )
    scheduler.add_job(
        send_alerts, "interval", args=[services], id="remind_and_escalate", seconds=interval, **every
    )
    scheduler.add_job(
        perform_connector_calls,
        "interval",
        args=[services],
        id="perform_connector_calls",
        seconds=interval,
        **every,
    )
    scheduler.add_job(
        send_digest, "interval", args=[services], id="daily_digest", seconds=DIGEST_CHECK_S, **every
    )
    scheduler.add_job(
        purge_personal_data,
        "interval",
        args=[services],
        id="purge_personal_data",
        seconds=PURGE_EVERY_S,
        **every,
    )
    scheduler.add_job(
        open_yearly_evaluations,
        "interval",
        args=[services],
        id="open_yearly_evaluations",
        seconds=EVALUATION_CHECK_S,
        **every,
    )
    scheduler.add_job(
        remind_to_confirm_calendar,
        "interval",
        args=[services],
        id="remind_to_confirm_calendar",
        seconds=CALENDAR_CHECK_S,
        **every,
    )
    if services.mailer is not None:
        scheduler.add_job(
            deliver_notifications,
            "interval",
            args=[services],
            id="deliver_notifications",
            seconds=interval,
            **every,
        )
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per run
    log.info("scheduler started: timers and alerts every %ss", interval)
    scheduler.start()


def fire_due_timers(services: Services) -> None:
    run = services.fire_timers()
    if run.fired or run.conflicts or run.failed:
        log.info("fired %d instance(s), %d conflict(s), %d failed", run.fired, run.conflicts, run.failed)


def deliver_inbox(services: Services) -> None:
    run = services.deliver_inbox()
    if run.delivered or run.conflicts or run.failed:
        log.info(
            "delivered %d to callers, %d conflict(s), %d failed", run.delivered, run.conflicts, run.failed
        )


def perform_connector_calls(services: Services) -> None:
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


def send_alerts(services: Services) -> None:
    run = services.send_alerts()
    if run.reminders or run.escalations:
        log.info("%d reminder(s), %d escalation(s)", run.reminders, run.escalations)


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


def deliver_notifications(services: Services) -> None:
    run = services.deliver_emails()
    if run.sent or run.failed:
        log.info("e-mail: %d sent, %d failed (retried later)", run.sent, run.failed)


def main() -> None:
    """The `talentflow-scheduler` command: the configuration from the environment, as the server's."""
    services = bootstrap()
    settle()
    run_scheduler(services)


if __name__ == "__main__":
    main()
