"""Plans benchmark (docs/plans.md#followed-to-the-end): issuing a plan of 200 tasks to 50
units each, and the monitoring board of a city with 50 such plans.

On one fresh database (a temp-file SQLite, the product's default, unless
``--database-url`` names a PostgreSQL database: its schema is emptied first), with the demo
directory and 50 more departments under the city:

1. ``issue_s``: from ``issue_plan`` until every one of the plan's ``instances`` task
   instances exists (one `plan_task` per task and unit, ``instances`` = tasks × units): the
   issuing transaction (the call's first batch of children) plus the ``deliver_inbox`` runs
   that start the rest (``issue_deliveries`` of them); every head's task opened, every
   assignment linked to its instance (``all_linked``).
2. ``board_p50_ms`` / ``board_p95_ms``: ``plans.board`` (each task's units counted by
   standing, its products) of one plan picked at random among the city's ``plans``, 200
   times, each in its own read transaction. The first plan is the one issued above; the
   other 49 are written straight into the plan tables with the same shape and a spread of
   standings (the board reads those tables only, never the engine's). Must be <= 50.

``--quick``: 10 tasks × 5 units, 5 plans, 20 board reads; same keys, figures meaningless.

    PYTHONPATH=. .venv/bin/python bench/plans.py [--quick] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fresh_database import empty_services  # noqa: E402

from engine.models import HumanTask, ProcessInstance  # noqa: E402
from services import demo, plans  # noqa: E402
from services.common.display import LOCAL_TZ  # noqa: E402
from services.identity import OrgUnit, unit_by_code, user_by_username  # noqa: E402

ISSUED_ON = date(2026, 2, 2)
TIMES = ["Quý III/2026", "Trước ngày 30/11 hằng năm", "Thường xuyên", "Năm 2027", "Khi tuyển dụng, tiếp nhận"]


def _units(services, count: int) -> list[int]:
    with services.db.transaction() as session:
        city = unit_by_code(session, "tp_hai_phong_ubnd")
        units = [
            OrgUnit(
                code=f"bench_dept_{index}",
                name=f"Sở thử nghiệm số {index} thành phố Hải Phòng",
                kind="department",
                level="department",
                parent_id=city.id,
                commune_id=None,
                bloc="state",
                in_scope=True,
            )
            for index in range(count)
        ]
        session.add_all(units)
        session.flush()
        return [unit.id for unit in units]


def _draft(services, unit_ids: list[int], tasks: int, officer_id: int, code: str, at) -> int:
    """A draft plan of ``tasks`` tasks, each led by every unit of ``unit_ids``."""
    with services.db.transaction() as session:
        city = unit_by_code(session, "tp_hai_phong_ubnd")
        plan = plans.Plan(
            code=code,
            kind="administrative",
            doc_type="ke_hoach",
            title="Kế hoạch thử nghiệm",
            issuer_text=city.name,
            issuer_id=city.id,
            province_id=city.id,
            place="Hải Phòng",
            issued_on=ISSUED_ON,
            status="draft",
            implements=[],
            reporting_rule=plans.parse("Định kỳ 6 tháng và hằng năm").to_json(),
            monitor_id=unit_by_code(session, "tp_hai_phong_snv").id,
            notes=[],
            created_by=officer_id,
            created_at=at,
        )
        session.add(plan)
        session.flush()
        rows = [
            {
                "plan_id": plan.id,
                "seq": seq,
                "title": f"Nhiệm vụ thử nghiệm số {seq}",
                "leaders": [],
                "time_text": TIMES[seq % len(TIMES)],
                "time_rule": plans.parse(TIMES[seq % len(TIMES)]).to_json(),
                "status": "draft",
                "notes": [],
            }
            for seq in range(1, tasks + 1)
        ]
        task_ids = list(session.scalars(insert(plans.PlanTask).returning(plans.PlanTask.id), rows))
        session.execute(
            insert(plans.PlanTaskUnit),
            [
                {"task_id": task_id, "role": "lead", "org_unit_id": unit_id, "words": "", "confirmed": True}
                for task_id in task_ids
                for unit_id in unit_ids
            ],
        )
        session.execute(
            insert(plans.PlanDeliverable),
            [{"task_id": task_id, "name": "Báo cáo kết quả", "time_text": ""} for task_id in task_ids],
        )
        return plan.id


def _issue(services, plan_id: int, officer_id: int, at) -> dict:
    started = time.perf_counter()
    with services.db.transaction() as session:
        plan = plans.issue_plan(session, services.runtime, services.calendar, officer_id, plan_id, at)
        instance_id = plan.instance_id
    deliveries = 0
    while services.deliver_inbox(at).delivered:
        deliveries += 1
    elapsed = time.perf_counter() - started
    with services.db.read() as session:
        instances = session.scalar(
            select(func.count()).select_from(ProcessInstance).where(ProcessInstance.parent_id == instance_id)
        )
        unlinked = session.scalar(
            select(func.count())
            .select_from(plans.PlanTaskUnit)
            .join(plans.PlanTask, plans.PlanTask.id == plans.PlanTaskUnit.task_id)
            .where(plans.PlanTask.plan_id == plan_id, plans.PlanTaskUnit.instance_id.is_(None))
        )
        opened = session.scalar(
            select(func.count()).select_from(HumanTask).where(HumanTask.task_name == "receive_task")
        )
    return {
        "issue_s": round(elapsed, 2),
        "instances": instances,
        "issue_deliveries": deliveries,
        "heads_tasks": opened,
        "all_linked": unlinked == 0,
    }


def _spread_standings(services, plan_id: int, at, rng: random.Random) -> None:
    """Issued straight into the tables: standings spread as a plan a year on would have them."""
    with services.db.transaction() as session:
        session.execute(
            plans.PlanTask.__table__.update().where(plans.PlanTask.plan_id == plan_id).values(status="issued")
        )
        session.execute(
            plans.Plan.__table__.update()
            .where(plans.Plan.id == plan_id)
            .values(status="issued", issued_at=at, follow_until=date(2027, 12, 31))
        )
        ids = session.scalars(
            select(plans.PlanTaskUnit.id)
            .join(plans.PlanTask, plans.PlanTask.id == plans.PlanTaskUnit.task_id)
            .where(plans.PlanTask.plan_id == plan_id)
        ).all()
        soon, past = at + timedelta(days=30), at - timedelta(days=3)
        choices = [
            {"status": "open", "due_at": soon, "late": False},
            {"status": "open", "due_at": past, "late": False},
            {"status": "waiting", "due_at": None, "late": True},
            {"status": "done", "due_at": None, "late": False},
        ]
        for choice in choices:
            chosen = [row_id for row_id in ids if rng.random() < 0.25]
            for start in range(0, len(chosen), 1000):
                session.execute(
                    plans.PlanTaskUnit.__table__.update()
                    .where(plans.PlanTaskUnit.id.in_(chosen[start : start + 1000]))
                    .values(**choice)
                )


def _board_times(services, plan_ids: list[int], officer_id: int, reads: int, at, rng) -> list[float]:
    timings = []
    for _ in range(reads):
        plan_id = rng.choice(plan_ids)
        started = time.perf_counter()
        with services.db.read() as session:
            shown = plans.board(session, officer_id, plan_id, at)
        timings.append((time.perf_counter() - started) * 1000)
        assert shown.tasks
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, same keys: measures nothing")
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use (default: SQLite)")
    args = parser.parse_args()
    tasks, units, plan_count, reads = (10, 5, 5, 20) if args.quick else (200, 50, 50, 200)
    rng = random.Random(20260202)
    with tempfile.TemporaryDirectory() as workdir:
        url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        services = empty_services(url, Path(workdir))
        at = datetime(2026, 2, 2, 9, 0, tzinfo=LOCAL_TZ)  # every step of the issue happens then
        services.load_bpmn()
        with services.db.transaction() as session:
            demo.seed(session)
        unit_ids = _units(services, units)
        with services.db.read() as session:
            officer_id = user_by_username(session, "snv.canbo").id
        first = _draft(services, unit_ids, tasks, officer_id, "01/KH-UBND", at)
        issued = _issue(services, first, officer_id, at)
        plan_ids = [first]
        for number in range(2, plan_count + 1):
            plan_id = _draft(services, unit_ids, tasks, officer_id, f"{number:02d}/KH-UBND", at)
            _spread_standings(services, plan_id, at, rng)
            plan_ids.append(plan_id)
        board_at = at + timedelta(days=200)
        _board_times(services, plan_ids, officer_id, 3, board_at, rng)  # warm the caches
        timings = _board_times(services, plan_ids, officer_id, reads, board_at, rng)
        backend = services.db.engine.dialect.name
        services.db.dispose()
    print(
        json.dumps(
            {
                "bench": "plans",
                "backend": backend,
                "tasks": tasks,
                "units_per_task": units,
                **issued,
                "plans": plan_count,
                "assignments_per_plan": tasks * units,
                "board_reads": reads,
                "board_p50_ms": round(statistics.median(timings), 2),
                "board_p95_ms": _percentile(timings, 0.95),
            }
        )
    )


if __name__ == "__main__":
    main()
