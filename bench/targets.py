"""Targets benchmark (docs/targets.md): the resolution's targets read from a talent database
of 10,000 talents attracted over seven years.

On one fresh database (a temp-file SQLite, the product's default, unless
``--database-url`` names a PostgreSQL database: its schema is emptied first), with the demo
directory, ``talents`` talents carried over (``services.demo.add_past_talents``) into the
units of the city at random, attracted from 2020 to 2026, a tenth gone before five years,
a third trained in science and technology, and the city's figures of 2025 and 2026 entered:

1. ``dashboard_p50_ms`` / ``dashboard_p95_ms``: ``targets.dashboard`` of the city for 2026
   (every target, 2025 and 2026), each in its own read transaction;
2. ``drill_down_p95_ms``: the five-year retention target drilled down to its communes and
   the cohort's people;
3. ``home_p95_ms``: the city chair's home page (the inbox with this year's targets above
   it), served by the app through Flask's test client, signed in.

``--quick``: 100 talents, 10 reads each; same keys, figures meaningless.

    PYTHONPATH=. .venv/bin/python bench/targets.py [--quick] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

BENCH = Path(__file__).resolve().parent
# Last, not first: bench/web.py would hide the web package the home page is served by.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]

from fresh_database import empty_services  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from services import demo, targets  # noqa: E402
from services.common.display import LOCAL_TZ  # noqa: E402
from services.identity import OrgUnit, unit_by_code, user_by_username  # noqa: E402
from web import create_app  # noqa: E402

AT = datetime(2026, 12, 6, 9, 0, tzinfo=LOCAL_TZ)
TODAY = AT.date()
PASSWORD = "mat-khau-do-hieu-nang"
FIGURES = {"new_recruits": 4000, "excellent_graduates": 400, "student_talents_found": 18}


def _talents(session, count: int, rng: random.Random) -> list[demo.PastTalent]:
    units = session.scalars(
        select(OrgUnit.code).where(OrgUnit.level.in_(("unit", "department")), OrgUnit.in_scope.is_(True))
    ).all()
    units = [code for code in units if not code.startswith("hy_")]  # the other province's
    talents = []
    for number in range(count):
        attracted = date(2020, 1, 1) + timedelta(days=rng.randrange(7 * 365))
        left = attracted + timedelta(days=rng.randrange(5 * 365)) if rng.random() < 0.1 else None
        trained = attracted + timedelta(days=rng.randrange(700)) if rng.random() < 0.33 else None
        talents.append(
            demo.PastTalent(
                f"Nhân tài thử nghiệm {number}",
                rng.choice(units),
                attracted,
                left_on=left if left and left <= TODAY else None,
                trained_on=trained if trained and trained <= TODAY else None,
            )
        )
    return talents


def _timed(services, reads: int, read) -> list[float]:
    timings = []
    for _ in range(reads):
        started = time.perf_counter()
        with services.db.read() as session:
            read(session)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, same keys: measures nothing")
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use (default: SQLite)")
    args = parser.parse_args()
    count, reads = (100, 10) if args.quick else (10_000, 100)
    rng = random.Random(20261206)
    with tempfile.TemporaryDirectory() as workdir:
        url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        services = empty_services(url, Path(workdir))
        services.clock = FixedClock(AT)
        with services.db.transaction() as session:
            demo.seed(session)
            demo.set_demo_passwords(session, PASSWORD)
            started = time.perf_counter()
            demo.add_past_talents(session, _talents(session, count, rng), AT)
        carried_over_s = time.perf_counter() - started
        with services.db.transaction() as session:
            chair = user_by_username(session, "ct.thanhpho").id
            city = targets.scope_for(session, chair, unit_by_code(session, "tp_hai_phong_ubnd").id)
            for year in (2025, 2026):
                for measure, value in FIGURES.items():
                    targets.enter_figure(
                        session,
                        AT,
                        chair,
                        city,
                        measure=measure,
                        year=year,
                        value=str(value),
                        document="1/BC",
                    )

        def board(session):
            return targets.dashboard(session, city, 2026, TODAY)

        def drill(session):
            shown = board(session)
            return targets.drill_down(session, shown, targets.TARGETS["kpi_retention_5y"], TODAY)

        _timed(services, 3, board)  # warm the caches
        dashboard = _timed(services, reads, board)
        drill_down = _timed(services, reads, drill)
        with services.db.read() as session:
            retention = next(
                view for view in board(session).targets if view.target.code == "kpi_retention_5y"
            )
        home = _home(services, reads)
        backend = services.db.engine.dialect.name
        services.db.dispose()
    print(
        json.dumps(
            {
                "bench": "targets",
                "backend": backend,
                "talents": count,
                "carried_over_s": round(carried_over_s, 2),
                "retention_2026": retention.current.value,
                "reads": reads,
                "dashboard_p50_ms": round(statistics.median(dashboard), 2),
                "dashboard_p95_ms": _percentile(dashboard, 0.95),
                "drill_down_p95_ms": _percentile(drill_down, 0.95),
                "home_p95_ms": _percentile(home, 0.95),
            }
        )
    )


def _home(services, reads: int) -> list[float]:
    """The city chair's inbox, its targets above it, through the app."""
    client = create_app(services).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"username": "ct.thanhpho", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    timings = []
    for _ in range(reads + 3):
        started = time.perf_counter()
        page = client.get("/inbox")
        timings.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200 and b"targets-summary" in page.data
    return timings[3:]


if __name__ == "__main__":
    main()
