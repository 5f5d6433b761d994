"""Scheduler benchmark: the real ``talentflow-scheduler`` process, its safety-net poll set
to ``--interval`` seconds (5 by default: lateness must not come from the poll).

1. ``lateness_p99_s``: the scheduler runs, idle; then this process (another process, as a
   web request would be) creates TIMERS instances whose deadline timers come due spread
   over SPREAD_S seconds of real time; a poller (every 50 ms) notes when each instance
   has fired. Lateness is that moment minus the timer's due instant: an upper bound (the
   poll interval is included), measured from outside the scheduler.
2. ``idle_queries_per_s``: a scheduler started on that database once every timer has fired
   runs for IDLE_S seconds with nothing due, then stops: the SQL statements it logs it sent
   after start-up's catching up, per second (the safety-net plan and the periodic jobs).
3. ``escalate_10k_s``: 10,000 open tasks already overdue (policy: notify at level 1,
   the head of each task's unit); the time from starting a scheduler process until the
   10,000th escalation is recorded, process start-up included (``first_escalation_s``
   says how much of it that is). Then it checks exactly once: 10,000 escalation rows
   for 10,000 distinct tasks, one notification each.

Each part runs on a fresh database: a temp-file SQLite (the product's default) unless
``--database-url`` names a PostgreSQL server database (it is emptied first).
The last printed line is one JSON object with every figure.

``--quick``: 50 timers due across 3 s from 6 s after set-up, 3 idle seconds and 200
overdue tasks instead of 10,000 (the key stays ``escalate_10k_s``; ``escalations`` says
how many): the same scheduler processes and checks in about 20 s, same JSON keys, figures
meaningless (for tests that keep the script working).

    PYTHONPATH=. .venv/bin/python bench/scheduler.py [--timers 2000] [--interval 5]
        [--database-url URL] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fresh_database import empty_services
from one_task import bundle
from sqlalchemy import func, select

from engine.definitions import Bundle, publish
from engine.models import HumanTask, ProcessInstance
from engine.runtime import StartRequest
from services import demo
from services.bootstrap import Services
from services.deadlines import Escalation
from services.identity import Membership
from services.notifications import Notification

REPO_ROOT = Path(__file__).resolve().parents[1]
KEY = "bench_deadline"
SPREAD_S = 30
LEAD_S = 20  # from set-up to the first timer due: set-up and scheduler start-up fit before it
POLL_S = 0.05
ESCALATIONS = 10_000
IDLE_S = 20
INTERVAL_S = 5.0
QUICK = {"timers": 50, "spread_s": 3, "lead_s": 6, "escalations": 200, "idle_s": 3}
STATEMENTS = re.compile(r"since start-up: (\d+) statement\(s\) in ([\d.]+) s")


DEADLINE_TIMER = (
    '<bpmn:boundaryEvent id="cutoff" attachedToRef="task"><bpmn:timerEventDefinition id="t">'
    "<bpmn:timeDate>deadline</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    '<bpmn:endEvent id="closed"/><bpmn:sequenceFlow id="f3" sourceRef="cutoff" targetRef="closed"/>'
)
OVERDUE_POLICY = (
    '<spiffworkflow:property name="due" value="deadline"/>'
    '<spiffworkflow:property name="reminders" value="none"/>'
    '<spiffworkflow:property name="escalation" value="PT0S"/>'
)


def fresh_services(url: str | None, workdir: Path, name: str) -> Services:
    if url is None:
        url = f"sqlite:///{workdir / name}.db"
    services = empty_services(url, workdir)
    with services.db.transaction() as session:
        demo.seed(session)
    return services


def start_instances(services: Services, key_bundle: Bundle, deadlines: list[datetime], at: datetime) -> None:
    with services.db.transaction() as session:
        publish(session, key_bundle, at - timedelta(hours=1), services.runtime.helpers)
        units = list(
            session.scalars(
                select(Membership.org_unit_id)
                .where(Membership.role_code == "unit_officer")
                .order_by(Membership.org_unit_id)
            )
        )
    for first in range(0, len(deadlines), 1000):  # a transaction per thousand
        chunk = deadlines[first : first + 1000]
        with services.db.transaction() as session:
            services.runtime.start_many(
                session,
                KEY,
                [
                    StartRequest(
                        {"deadline": deadline.isoformat()}, {"unit_officer": units[(first + i) % len(units)]}
                    )
                    for i, deadline in enumerate(chunk)
                ],
                at=at,
            )


def start_scheduler(services: Services, log: Path, interval_s: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "TALENTFLOW_DATABASE_URL": services.config.database_url,
        "TALENTFLOW_INSTANCE_DIR": str(services.config.instance_dir),
        "TALENTFLOW_SCHEDULER_INTERVAL_S": str(interval_s),
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("TALENTFLOW_SMTP_HOST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "services.scheduler"],
        env=env,
        cwd=REPO_ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    limit = time.monotonic() + 60
    while "scheduler started" not in log.read_text(errors="replace"):  # its start-up done
        if time.monotonic() > limit or process.poll() is not None:
            raise SystemExit(f"the scheduler did not start:\n{log.read_text(errors='replace')}")
        time.sleep(POLL_S)
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_lateness(
    url: str | None,
    workdir: Path,
    count: int,
    spread_s: float = SPREAD_S,
    lead_s: float = LEAD_S,
    interval_s: float = INTERVAL_S,
    idle_s: float = IDLE_S,
) -> dict:
    services = fresh_services(url, workdir, "lateness")
    scheduler = start_scheduler(services, workdir / "lateness.log", interval_s)
    fired_at: dict[int, float] = {}
    try:
        setup_started = datetime.now(timezone.utc)  # the scheduler runs, idle, meanwhile
        first_due = setup_started + timedelta(seconds=lead_s)
        deadlines = [first_due + timedelta(seconds=spread_s * i / count) for i in range(count)]
        start_instances(services, bundle(KEY, boundary=DEADLINE_TIMER), deadlines, setup_started)
        with services.db.read() as session:
            due_by_id = dict(session.execute(select(ProcessInstance.id, ProcessInstance.next_timer_at)).all())
        limit = time.monotonic() + lead_s + spread_s + 120
        while len(fired_at) < count and time.monotonic() < limit:
            with services.db.read() as session:
                done = session.scalars(
                    select(ProcessInstance.id).where(ProcessInstance.status == "completed")
                )
                now = time.time()
                for instance_id in done:
                    fired_at.setdefault(instance_id, now)
            time.sleep(POLL_S)
    finally:
        stop(scheduler)
    idle = measure_idle(services, workdir, interval_s, idle_s)
    services.db.dispose()
    late = [fired_at[i] - due_by_id[i].timestamp() for i in fired_at]
    return {
        "timers": count,
        "fired": len(fired_at),
        "lateness_p50_s": round(percentile(late, 0.50), 3),
        "lateness_p99_s": round(percentile(late, 0.99), 3),
        "lateness_max_s": round(max(late), 3),
        "interval_s": interval_s,
        **idle,
    }


def measure_idle(services: Services, workdir: Path, interval_s: float, idle_s: float) -> dict:
    """A scheduler on a database with nothing due: the statements it sends per second."""
    log = workdir / "idle.log"
    scheduler = start_scheduler(services, log, interval_s)
    time.sleep(idle_s)
    stop(scheduler)
    found = STATEMENTS.search(log.read_text(errors="replace"))
    if found is None:
        raise SystemExit(f"the scheduler did not log its statements:\n{log.read_text(errors='replace')}")
    statements, seconds = int(found.group(1)), float(found.group(2))
    return {
        "idle_statements": statements,
        "idle_s": seconds,
        "idle_queries_per_s": round(statements / seconds, 3),
    }


def measure_escalation(
    url: str | None, workdir: Path, count: int = ESCALATIONS, interval_s: float = INTERVAL_S
) -> dict:
    services = fresh_services(url, workdir, "escalation")
    now = datetime.now(timezone.utc)
    start_instances(
        services,
        bundle(KEY, properties=OVERDUE_POLICY),
        [now - timedelta(minutes=1)] * count,
        now - timedelta(hours=1),
    )
    started = time.monotonic()
    scheduler = start_scheduler(services, workdir / "escalation.log", interval_s)
    first = None
    try:
        while time.monotonic() - started < 300:
            with services.db.read() as session:
                done = session.scalar(select(func.count()).select_from(Escalation))
            if done and first is None:
                first = time.monotonic() - started
            if done >= count:
                break
            time.sleep(POLL_S)
        elapsed = time.monotonic() - started
        time.sleep(2)  # a second pass would show up now
    finally:
        stop(scheduler)
    with services.db.read() as session:
        rows = session.scalar(select(func.count()).select_from(Escalation))
        tasks = session.scalar(select(func.count(func.distinct(Escalation.task_id))))
        notes = session.scalar(select(func.count()).select_from(Notification))
        pending = session.scalar(select(func.count()).where(HumanTask.next_alert_at.is_not(None)))
        units = session.scalar(select(func.count(func.distinct(HumanTask.org_unit_id))))
    services.db.dispose()
    exactly_once = rows == tasks == notes == count and pending == 0
    return {
        "escalate_10k_s": round(elapsed, 2),
        "first_escalation_s": round(first or 0, 2),
        "escalations": rows,
        "escalated_tasks": tasks,
        "notifications": notes,
        "units": units,
        "exactly_once": exactly_once,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, help=f"default 2000; {QUICK['timers']} with --quick")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--interval", type=float, default=INTERVAL_S, help="the safety net's poll, in seconds"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, both parts, same JSON keys: checks the script works, measures nothing",
    )
    args = parser.parse_args()
    if args.timers is None:
        args.timers = QUICK["timers"] if args.quick else 2000
    spread_s, lead_s, escalations, idle_s = (
        (QUICK["spread_s"], QUICK["lead_s"], QUICK["escalations"], QUICK["idle_s"])
        if args.quick
        else (SPREAD_S, LEAD_S, ESCALATIONS, IDLE_S)
    )
    with tempfile.TemporaryDirectory(prefix="talentflow-bench-") as workdir:
        lateness = measure_lateness(
            args.database_url, Path(workdir), args.timers, spread_s, lead_s, args.interval, idle_s
        )
        print(
            f"lateness over {lateness['fired']}/{args.timers} timers due across {spread_s}s: "
            f"p50 {lateness['lateness_p50_s']}s, p99 {lateness['lateness_p99_s']}s, "
            f"max {lateness['lateness_max_s']}s; idle: {lateness['idle_queries_per_s']} statements per second"
        )
        escalation = measure_escalation(args.database_url, Path(workdir), escalations, args.interval)
        print(
            f"escalated {escalation['escalations']} overdue tasks of {escalation['units']} units in "
            f"{escalation['escalate_10k_s']}s (first after {escalation['first_escalation_s']}s); "
            f"exactly once: {escalation['exactly_once']}"
        )
    backend = "sqlite" if args.database_url is None else args.database_url.split(":")[0]
    print(
        json.dumps(
            {"backend": backend, "load_avg_1m": round(os.getloadavg()[0], 2), **lateness, **escalation}
        )
    )


if __name__ == "__main__":
    main()
