"""Campaign benchmark: one commune campaign addressed to N units, end to end.

For each N (default 10, 1000, 5000), on a fresh temp-file SQLite database:

1. open the campaign for exactly N extra in-scope units, until the campaign's call
   activity has started every unit's instance through the scheduler's inbox (``open_s``);
2. complete every unit's proposal, draft then approve, through the service layer
   (``services.work.complete_task``), one transaction per completion, as a web
   request would; only the completion call and its commit are timed
   (``complete_p50_ms``, ``complete_p95_ms``);
3. fire the cutoff with the clock at the unit deadline, 12:00:00 local, and deliver the
   join that lets the campaign go on (``cutoff_s``);
4. aggregate: the VH-XH officer completes ``aggregate_proposals`` (``aggregate_s``).

``total_s`` is open + all completions + cutoff + aggregate. Every unit answers before
the cutoff there; a proposal received on time waits for the cutoff (until then it may be
returned for clarification), so that cutoff closes the N unit instances.

Silent units: then, per N, a second fresh database holds a campaign to N units of which
none answers; at the unit deadline the cutoff fires through ``Services.fire_timers``
(what the scheduler's ``fire_due_timers`` job calls) and must close every unit instance
as deemed no demand: it fails unless exactly N proposals end ``deemed_no_demand`` and
N unit instances closed (``silent_cutoff_s``; ``cutoff_per_instance_ms`` = its wall time
/ the unit instances it closed). A separate, wholly silent campaign rather than a silent
share of the first one: the figures above keep measuring N answering units, and the
cutoff's real work (load each waiting instance, fire its boundary timer, end it, record
the outcome) is timed over the largest count of instances, N, so the fixed cost of the
campaign's join delivered after them weighs least.

``--quick``: sizes 5,20 and 20 raw runs, a few seconds in all; every phase above runs
and the last line has the same keys (figures meaningless, for tests that keep the
script working).

It also times the same draft completion on raw SpiffWorkflow in memory, with
SpiffWorkflow's standard serializer and no database (``raw_roundtrip_p50_ms``), half
of the runs just before and half just after the N=1000 size, which ``persist_ratio``
compares it with. ``growth_p50`` compares the largest N with the smallest. The last
printed line is one JSON object with every figure; the lines before it add CPU time,
draft/approve split, SQL statements per completion and the load average, because
timings on a shared machine are only as good as the machine was quiet. Its
``cutoff_per_instance_ms`` is the largest N's; each result has its own.

    PYTHONPATH=. .venv/bin/python bench/campaign.py [--sizes 10,1000,5000] [--quick]
    PYTHONPATH=. .venv/bin/python bench/campaign.py --profile 1000 [--profile-count 200]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, func, select

from engine import clock as engine_clock
from engine.clock import FixedClock
from engine.models import HumanTask, ProcessInstance
from engine.runtime import BASE_HELPERS
from engine.sandbox import build_script_engine
from services import demo
from services.bootstrap import Services, bootstrap, settle
from services.campaigns import Campaign, UnitProposal, _campaigns as campaigns
from services.common import schema
from services.common.config import Config
from services.identity import (
    UNIT_HEAD,
    UNIT_OFFICER,
    VHXH_OFFICER,
    AppUser,
    Membership,
    OrgUnit,
    culture_society_office,
    unit_by_code,
)
from services.work import _tasks as tasks

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN_AT = datetime(2026, 1, 10, 9, 0, tzinfo=LOCAL_TZ)
COMPLETE_AT = datetime(2026, 1, 13, 10, 0, tzinfo=LOCAL_TZ)
UNIT_DEADLINE = datetime(2026, 1, 14, 12, 0, tzinfo=LOCAL_TZ)
CITY_DEADLINE = datetime(2026, 1, 15, 0, 0, tzinfo=LOCAL_TZ)
AGGREGATE_AT = datetime(2026, 1, 14, 14, 0, tzinfo=LOCAL_TZ)
TARGET_YEAR = 2026

REPO_ROOT = Path(__file__).resolve().parents[1]
UNIT_BPMN = REPO_ROOT / "bpmn" / "unit_proposal" / "unit_proposal.bpmn"

DRAFT_DATA = {
    "no_demand": False,
    "lines": [
        {
            "field": "ict",
            "major": "Công nghệ thông tin",
            "criteria": "Tốt nghiệp loại xuất sắc",
            "target_group": "excellent_graduate",
            "job_position": "Chuyên viên công nghệ thông tin",
            "employee_category": "civil_servant",
            "quantity_year": 1,
            "quantity_period": 2,
        }
    ],
}
APPROVE_DATA = {"head_decision": "submit"}
AGGREGATE_DATA = {"aggregation_note": "Tổng hợp tự động (benchmark)."}
OFFICER = "vhxh.canbo"


# -- small helpers ----------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class SqlCounter:
    """Counts (and times) the statements a SQLAlchemy engine sends to the database."""

    def __init__(self, engine):
        self.count = 0
        self.seconds = 0.0
        self.by_kind: Counter = Counter()
        self.record_kinds = False
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        if self.record_kinds:
            self.by_kind[_statement_kind(statement)] += 1
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.seconds += time.perf_counter() - self._started.pop()

    def reset(self) -> None:
        self.count, self.seconds = 0, 0.0
        self.by_kind.clear()


def _statement_kind(statement: str) -> str:
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb == "SELECT":
        match = re.search(r"\bFROM (\w+)", text)
        where = re.search(r"\bWHERE (.{0,70})", text)
        return f"SELECT {match.group(1) if match else '?'}" + (f" WHERE {where.group(1)}" if where else "")
    if verb == "INSERT":
        match = re.match(r"INSERT INTO (\w+)", text)
        return f"INSERT {match.group(1) if match else '?'}"
    if verb == "UPDATE":
        match = re.match(r"UPDATE (\w+) SET (.{0,60})", text)
        return f"UPDATE {match.group(1)} SET {match.group(2)}" if match else "UPDATE ?"
    if verb == "DELETE":
        match = re.match(r"DELETE FROM (\w+)", text)
        return f"DELETE {match.group(1) if match else '?'}"
    return re.sub(r"(SAVEPOINT \w+?)_\d+$", r"\1_<n>", text[:60])


# -- scenario -----------------------------------------------------------------------------


class Scenario:
    """One fresh database with the demo commune plus ``n`` extra units, campaign not yet open."""

    def __init__(self, n: int, workdir: Path, label: str = ""):
        self.n = n
        self.clock = FixedClock(OPEN_AT)
        config = Config(
            database_url=f"sqlite:///{workdir / f'bench_{n}{label}.db'}",
            bpmn_dir=REPO_ROOT / "bpmn",
            instance_dir=workdir,
        )
        self.svc: Services = bootstrap(config, self.clock)
        schema.upgrade(self.svc.db.engine)
        self.svc.load_bpmn()
        with self.svc.db.transaction() as session:
            demo.seed(session)
            self.unit_ids, self.unit_codes = _create_units(session, n)
        self.sql = SqlCounter(self.svc.db.engine)
        settle()  # started, as the server and the scheduler settle (services.bootstrap.settle)
        self.campaign_id: int | None = None
        self.cpu_times: list[float] = []  # process CPU time of each completion, for noisy machines

    def open(self) -> float:
        self.clock.set(OPEN_AT)
        request = campaigns.CampaignRequest(
            "xa_cam_giang_ubnd",
            f"Đề xuất nhu cầu {TARGET_YEAR} (benchmark {self.n} đơn vị)",
            TARGET_YEAR,
            unit_deadline=UNIT_DEADLINE,
            city_deadline=CITY_DEADLINE,
            unit_codes=tuple(self.unit_codes),
            launch_doc="64/UBND-VHXH",
        )
        started = time.perf_counter()
        with self.svc.db.transaction() as session:
            campaign = campaigns.open_campaign(session, self.svc.runtime, OFFICER, request, at=OPEN_AT)
            self.campaign_id = campaign.id
        # The campaign's call starts the first units at once and the others through the
        # scheduler's inbox, 200 per transaction: open_s lasts until every unit is started.
        while self.svc.deliver_inbox(OPEN_AT).delivered:
            pass
        return time.perf_counter() - started

    def draft_tasks(self) -> list[tuple[str, str]]:
        """(unit code, ready draft task id) per unit, read from the inbox projection."""
        with self.svc.db.transaction() as session:
            rows = session.execute(
                select(HumanTask.org_unit_id, HumanTask.id).where(
                    HumanTask.status == "ready",
                    HumanTask.lane == UNIT_OFFICER,
                    HumanTask.task_name == "draft_proposal",
                    HumanTask.org_unit_id.in_(self.unit_ids),
                )
            ).all()
        by_unit = dict(rows)
        missing = [code for unit_id, code in zip(self.unit_ids, self.unit_codes) if unit_id not in by_unit]
        if missing:
            raise SystemExit(f"no ready draft task for {len(missing)} units, e.g. {missing[:3]}")
        return [(code, by_unit[unit_id]) for unit_id, code in zip(self.unit_ids, self.unit_codes)]

    def complete(self, username: str, task_id: str, data: dict) -> tuple[float, list[tuple[str, str]]]:
        """One web request's worth: one completion (computed in a read transaction, written
        in a write transaction). Returns its duration and the (task name, id) of the tasks
        it opened."""
        cpu_started = time.process_time()
        started = time.perf_counter()
        change = tasks.complete_task(self.svc.db, self.svc.runtime, username, task_id, data)
        opened = [(row.task_name, row.id) for row in change.opened_tasks]
        took = time.perf_counter() - started
        self.cpu_times.append(time.process_time() - cpu_started)
        return took, opened

    def complete_unit(self, code: str, draft_id: str) -> list[float]:
        took_draft, opened = self.complete(f"{code}.canbo", draft_id, DRAFT_DATA)
        approve = [task_id for name, task_id in opened if name == "approve_proposal"]
        if len(approve) != 1:
            raise SystemExit(f"{code}: drafting opened {opened}, expected one approve_proposal")
        took_approve, opened = self.complete(f"{code}.truong", approve[0], APPROVE_DATA)
        if any(name in ("draft_proposal", "approve_proposal") for name, _ in opened):
            raise SystemExit(f"{code}: approving opened {opened}, expected the proposal to be submitted")
        return [took_draft, took_approve]

    def due_at_cutoff(self) -> int:
        """Instances the cutoff must fire: every unit instance still waiting (the campaign
        waits for them to end)."""
        with self.svc.db.transaction() as session:
            return session.scalar(
                select(func.count())
                .select_from(ProcessInstance)
                .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= UNIT_DEADLINE)
            )

    def cutoff(self) -> tuple[float, int]:
        self.clock.set(UNIT_DEADLINE)
        started = time.perf_counter()
        run = self.svc.fire_timers(UNIT_DEADLINE)
        joined = self.svc.deliver_inbox(UNIT_DEADLINE)  # the last unit's end: the campaign goes on
        took = time.perf_counter() - started
        failed = getattr(run, "failed", 0)
        if run.conflicts or failed or joined.delivered != 1:
            raise SystemExit(
                f"cutoff had {run.conflicts} conflicts and {failed} failed instances, "
                f"{joined.delivered} joins delivered (expected 1)"
            )
        return took, run.fired

    def running_units(self) -> int:
        """Unit proposal instances of this campaign's units still running."""
        with self.svc.db.transaction() as session:
            return session.scalar(
                select(func.count())
                .select_from(ProcessInstance)
                .where(ProcessInstance.process_key == "unit_proposal", ProcessInstance.status == "running")
            )

    def proposal_statuses(self) -> Counter:
        with self.svc.db.transaction() as session:
            return Counter(
                session.scalars(
                    select(UnitProposal.status).where(UnitProposal.campaign_id == self.campaign_id)
                )
            )

    def aggregate(self) -> float:
        self.clock.set(AGGREGATE_AT)
        with self.svc.db.transaction() as session:
            # The aggregator is the commune's Phòng Văn hóa - Xã hội, as open_campaign finds it.
            office = culture_society_office(session, unit_by_code(session, demo.COMMUNE[0]))
            task_id = session.scalar(
                select(HumanTask.id).where(
                    HumanTask.status == "ready",
                    HumanTask.task_name == "aggregate_proposals",
                    HumanTask.lane == VHXH_OFFICER,
                    HumanTask.org_unit_id == office.id,
                )
            )
        if task_id is None:
            raise SystemExit("no ready aggregate_proposals task after the cutoff")
        took, _ = self.complete(OFFICER, task_id, AGGREGATE_DATA)
        return took

    def check_outcome(self) -> None:
        with self.svc.db.transaction() as session:
            campaign = session.get(Campaign, self.campaign_id)
            statuses = Counter(
                session.scalars(
                    select(UnitProposal.status).where(UnitProposal.campaign_id == self.campaign_id)
                )
            )
        if campaign.status != "awaiting_approval" or campaign.aggregation is None:
            raise SystemExit(f"campaign is {campaign.status} after aggregating")
        included = campaign.aggregation["units"]["submitted"]
        totals = campaign.aggregation["totals"]
        expected_year = self.n * sum(line["quantity_year"] for line in DRAFT_DATA["lines"])
        if (
            statuses != Counter({"submitted": self.n})
            or len(included) != self.n
            or totals["quantity_year"] != expected_year
        ):
            raise SystemExit(
                f"unexpected outcome: statuses {dict(statuses)}, {len(included)} included, totals {totals}"
            )

    def close(self) -> None:
        self.svc.db.dispose()


def _create_units(session, n: int) -> tuple[list[int], list[str]]:
    """N in-scope units under the demo commune, each with an officer and a head, in bulk."""
    commune = unit_by_code(session, demo.COMMUNE[0])
    units = [
        OrgUnit(
            code=f"bench_u{i:05d}",
            name=f"Đơn vị thử nghiệm số {i}",
            kind="public_service_unit",
            level="unit",
            parent_id=commune.id,
            commune_id=commune.id,
            bloc="state",
            in_scope=True,
        )
        for i in range(1, n + 1)
    ]
    session.add_all(units)
    session.flush()
    users = []
    for unit in units:
        users.append(
            (
                AppUser(username=f"{unit.code}.canbo", full_name=f"Cán bộ {unit.name}", active=True),
                UNIT_OFFICER,
                unit,
            )
        )
        users.append(
            (
                AppUser(username=f"{unit.code}.truong", full_name=f"Thủ trưởng {unit.name}", active=True),
                UNIT_HEAD,
                unit,
            )
        )
    session.add_all(user for user, _, _ in users)
    session.flush()
    session.add_all(
        Membership(user_id=user.id, org_unit_id=unit.id, role_code=role) for user, role, unit in users
    )
    session.flush()
    return [unit.id for unit in units], [unit.code for unit in units]


def run_silent(n: int, workdir: Path) -> dict:
    """A campaign to N units none of which answers; the cutoff must deem every one of
    them to have no demand. Only the cutoff is timed."""
    scenario = Scenario(n, workdir, label="_silent")
    try:
        scenario.open()
        scenario.draft_tasks()  # every unit has its draft task open (raises otherwise)
        waiting = scenario.running_units()
        due = scenario.due_at_cutoff()
        if waiting != n or due != n:
            raise SystemExit(
                f"silent campaign: {waiting} unit instances running and {due} due at the cutoff, "
                f"expected {n} and {n} (the units; the campaign waits for them)"
            )
        cutoff_s, fired = scenario.cutoff()
        closed = waiting - scenario.running_units()
        statuses = scenario.proposal_statuses()
    finally:
        scenario.close()
    if fired != due or closed != n or statuses != Counter({"deemed_no_demand": n}):
        raise SystemExit(
            f"silent campaign: the cutoff fired {fired} of {due} due instances and closed {closed} "
            f"of {n} unit instances; proposal statuses {dict(statuses)}, expected "
            f"{{'deemed_no_demand': {n}}}"
        )
    per_instance_ms = cutoff_s * 1000 / closed
    print(
        f"         silent campaign: cutoff {cutoff_s:.2f} s closed {closed} unit instances "
        "as deemed no demand "
        f"({fired} fired), {per_instance_ms:.3f} ms per instance",
        flush=True,
    )
    return {
        "silent_cutoff_s": round(cutoff_s, 3),
        "silent_units_closed": closed,
        "cutoff_per_instance_ms": round(per_instance_ms, 3),
    }


def run_size(n: int, workdir: Path) -> dict:
    load_before = os.getloadavg()[0]
    scenario = Scenario(n, workdir)
    try:
        wall_started = time.perf_counter()
        open_s = scenario.open()
        drafts = scenario.draft_tasks()
        scenario.clock.set(COMPLETE_AT)
        scenario.sql.reset()
        scenario.cpu_times.clear()
        durations: list[float] = []
        for code, draft_id in drafts:
            durations += scenario.complete_unit(code, draft_id)
        cpu_ms = [t * 1000 for t in scenario.cpu_times]
        completions_sql = scenario.sql.count
        due = scenario.due_at_cutoff()  # outside the timed region
        cutoff_s, fired = scenario.cutoff()
        if fired != due or due < 1:
            raise SystemExit(f"cutoff fired {fired} instances, expected {due} (the waiting units)")
        aggregate_s = scenario.aggregate()
        wall_s = time.perf_counter() - wall_started
        scenario.check_outcome()
    finally:
        scenario.close()
    completions_s = sum(durations)
    ms = [d * 1000 for d in durations]
    result = {
        "n": n,
        "complete_p50_ms": round(percentile(ms, 0.50), 3),
        "complete_p95_ms": round(percentile(ms, 0.95), 3),
        "open_s": round(open_s, 3),
        "cutoff_s": round(cutoff_s, 3),
        "total_s": round(open_s + completions_s + cutoff_s + aggregate_s, 3),
    }
    print(
        f"N={n:>5}: complete p50 {result['complete_p50_ms']:.2f} ms, p95 {result['complete_p95_ms']:.2f} ms, "
        f"max {max(ms):.2f} ms over {len(ms)} completions ({completions_s:.2f} s, "
        f"{completions_sql / len(ms):.1f} SQL statements each); open {open_s:.2f} s; "
        f"cutoff {cutoff_s:.2f} s ({fired} instances); aggregate {aggregate_s * 1000:.1f} ms; "
        f"total {result['total_s']:.2f} s (wall incl. task lookups {wall_s:.2f} s)",
        flush=True,
    )
    print(
        f"         completion CPU time p50 {percentile(cpu_ms, 0.5):.2f} ms, "
        f"p95 {percentile(cpu_ms, 0.95):.2f} ms; "
        f"draft p50 {percentile(ms[0::2], 0.5):.2f} / p95 {percentile(ms[0::2], 0.95):.2f} ms, "
        f"approve p50 {percentile(ms[1::2], 0.5):.2f} / p95 {percentile(ms[1::2], 0.95):.2f} ms; "
        f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    return result


# -- raw SpiffWorkflow ----------------------------------------------------------------------


def make_raw_roundtrip():
    """The unit proposal at its draft task, serialized by SpiffWorkflow's standard serializer,
    and a function that deserializes it, completes the draft, steps and serializes again."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(UNIT_BPMN))
    spec = parser.get_spec("unit_proposal")
    subprocess_specs = parser.get_subprocess_specs("unit_proposal")
    script_engine = build_script_engine(BASE_HELPERS)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    start_data = {  # what open_campaign gives each unit instance
        "campaign_id": 1,
        "title": f"Đề xuất nhu cầu {TARGET_YEAR}",
        "commune_name": "UBND xã Cẩm Giang",
        "target_year": TARGET_YEAR,
        "period_from": 2026,
        "period_to": 2030,
        "unit_deadline": UNIT_DEADLINE.isoformat(),
        "city_deadline": CITY_DEADLINE.isoformat(),
        "unit_code": "bench_u00001",
        "unit_name": "Đơn vị thử nghiệm số 1",
    }
    with engine_clock.pinned(OPEN_AT):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.task_tree.data.update(start_data)
        workflow.do_engine_steps()
        ready = workflow.get_tasks(state=TaskState.READY, spec_class=UserTask)
        if [task.task_spec.name for task in ready] != ["draft_proposal"]:
            raise SystemExit(f"raw start: ready tasks {[task.task_spec.name for task in ready]}")
        draft_id = ready[0].id
        start_state = serializer.serialize_json(workflow)

    def roundtrip() -> str:
        """Call inside ``engine.clock.pinned``."""
        restored = serializer.deserialize_json(start_state)
        restored.script_engine = script_engine
        task = restored.get_task_from_id(draft_id)
        task.data.update(json.loads(json.dumps(DRAFT_DATA)))  # the service's plain-JSON copy
        task.run()
        restored.do_engine_steps()
        return serializer.serialize_json(restored)

    with engine_clock.pinned(COMPLETE_AT):
        check = serializer.deserialize_json(roundtrip())
    if [task.task_spec.name for task in check.get_tasks(state=TaskState.READY, spec_class=UserTask)] != [
        "approve_proposal"
    ]:
        raise SystemExit("raw round trip did not reach approve_proposal")
    return roundtrip, len(start_state)


def raw_roundtrip_ms(roundtrip, repeats: int, warmup: int = 20) -> list[float]:
    """Deserialize, complete the draft task, step, serialize: SpiffWorkflow alone, in memory,
    ``repeats`` times back to back from the same serialized start state."""
    timings = []
    with engine_clock.pinned(COMPLETE_AT):
        for _ in range(warmup):
            roundtrip()
        for _ in range(repeats):
            started = time.perf_counter()
            roundtrip()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


# -- profiling --------------------------------------------------------------------------------


def profile(n: int, count: int, workdir: Path, top: int) -> None:
    """cProfile ``count`` service completions (draft+approve pairs) on a campaign of ``n`` units,
    with SQL statements counted and timed per completion."""
    scenario = Scenario(n, workdir)
    try:
        open_s = scenario.open()
        drafts = scenario.draft_tasks()
        scenario.clock.set(COMPLETE_AT)
        # Warm up outside the profile (first-use compilation, spec cache, statement cache).
        warm = min(10, len(drafts) // 10)
        for code, draft_id in drafts[:warm]:
            scenario.complete_unit(code, draft_id)
        chosen = drafts[warm : warm + count // 2]
        scenario.sql.reset()
        scenario.sql.record_kinds = True
        profiler = cProfile.Profile()
        durations: list[float] = []
        started = time.perf_counter()
        profiler.enable()
        for code, draft_id in chosen:
            durations += scenario.complete_unit(code, draft_id)
        profiler.disable()
        elapsed = time.perf_counter() - started
        completions = len(durations)
    finally:
        scenario.close()

    print(
        f"profile: N={n} (open {open_s:.2f} s), {completions} completions in {elapsed:.2f} s under cProfile, "
        f"p50 {percentile([d * 1000 for d in durations], 0.5):.2f} ms (profiled)"
    )
    sql = scenario.sql
    print(
        f"SQL: {sql.count} statements, {sql.count / completions:.2f} per completion, "
        f"{sql.seconds:.3f} s in cursor.execute = {100 * sql.seconds / elapsed:.1f}% of wall (profiled)"
    )
    for kind, number in sql.by_kind.most_common():
        print(f"  {number / completions:6.2f}/completion  {kind}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        print(f"\n--- top {top} by {order} ---")
        print(out.getvalue())


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", help="comma-separated unit counts (default 10,1000,5000; 5,20 with --quick)"
    )
    parser.add_argument("--raw-repeats", type=int, help="raw round trips (default 500; 20 with --quick)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, every phase, same JSON keys: checks the script works, measures nothing",
    )
    parser.add_argument("--profile", type=int, metavar="N", help="profile completions on N units instead")
    parser.add_argument("--profile-count", type=int, default=200)
    parser.add_argument("--profile-top", type=int, default=35)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = "5,20" if args.quick else "10,1000,5000"
    if args.raw_repeats is None:
        args.raw_repeats = 20 if args.quick else 500

    with tempfile.TemporaryDirectory(prefix="talentflow-bench-") as tmp:
        workdir = Path(tmp)
        if args.profile:
            profile(args.profile, args.profile_count, workdir, args.profile_top)
            return 0
        sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
        persist_n = 1000 if 1000 in sizes else max(sizes)
        roundtrip, state_size = make_raw_roundtrip()
        results, raw_halves = [], []
        for n in sizes:
            # Half the raw runs just before the size persist_ratio compares with, half just
            # after: a machine whose speed drifts then moves both sides of the ratio alike.
            gc.collect()
            if n == persist_n:
                raw_halves.append(raw_roundtrip_ms(roundtrip, args.raw_repeats // 2))
            results.append(run_size(n, workdir))
            if n == persist_n:
                gc.collect()
                raw_halves.append(raw_roundtrip_ms(roundtrip, args.raw_repeats - args.raw_repeats // 2))
            gc.collect()
            results[-1].update(run_silent(n, workdir))
    raw_timings = raw_halves[0] + raw_halves[1]
    raw = percentile(raw_timings, 0.5)
    print(
        f"raw SpiffWorkflow round trip (standard serializer, {state_size} byte start state): "
        f"p50 {raw:.3f} ms, p95 {percentile(raw_timings, 0.95):.3f} ms over {len(raw_timings)} runs "
        f"(p50 {percentile(raw_halves[0], 0.5):.3f} "
        f"just before N={persist_n}, {percentile(raw_halves[1], 0.5):.3f} just after)",
        flush=True,
    )

    by_n = {result["n"]: result for result in results}
    small, large = min(by_n), max(by_n)
    growth = by_n[large]["complete_p50_ms"] / by_n[small]["complete_p50_ms"]
    persist = by_n[persist_n]["complete_p50_ms"] / raw
    print(f"growth_p50 = p50(N={large}) / p50(N={small}) = {growth:.3f}   (target <= 1.25)")
    print(f"persist_ratio = p50(N={persist_n}) / raw = {persist:.3f}   (target <= 3)")
    worst = by_n[large]
    print(
        f"N={large}: complete_p95_ms {worst['complete_p95_ms']:.2f} (target <= 15), "
        f"total_s {worst['total_s']:.2f} (target <= 90)",
        flush=True,
    )
    print(
        f"N={large}: cutoff_per_instance_ms {worst['cutoff_per_instance_ms']:.3f} "
        f"({worst['silent_units_closed']} silent units closed in {worst['silent_cutoff_s']:.2f} s)",
        flush=True,
    )
    print(
        json.dumps(
            {
                "results": results,
                "raw_roundtrip_p50_ms": round(raw, 3),
                "growth_p50": round(growth, 3),
                "persist_ratio": round(persist, 3),
                "cutoff_per_instance_ms": worst["cutoff_per_instance_ms"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
