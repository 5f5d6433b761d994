"""The scheduler process: APScheduler runs jobs registered here, in code, with fixed
ids. It keeps no business state; every tick claims due work from the database, so
several scheduler processes are safe."""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from services.bootstrap import Services

log = logging.getLogger("talentflow.scheduler")


def run_scheduler(services: Services) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    every = {"seconds": services.config.scheduler_interval_s, "coalesce": True, "max_instances": 1}
    scheduler.add_job(fire_due_timers, "interval", args=[services], id="fire_due_timers", **every)
    if services.mailer is not None:
        scheduler.add_job(deliver_notifications, "interval", args=[services], id="deliver_notifications", **every)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per 5-second run
    log.info("scheduler started: timers every %ss", services.config.scheduler_interval_s)
    scheduler.start()


def fire_due_timers(services: Services) -> None:
    run = services.tick()
    if run.fired or run.conflicts or run.failed:
        log.info("fired %d instance(s), %d conflict(s), %d failed", run.fired, run.conflicts, run.failed)


def deliver_notifications(services: Services) -> None:
    run = services.deliver_emails()
    if run.sent or run.failed:
        log.info("e-mail: %d sent, %d failed (retried later)", run.sent, run.failed)
