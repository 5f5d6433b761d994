"""Multi-instance call activity benchmark: one caller fans out to 5,000 linked children.

The processes (published as bundles built here): the child ``mi_unit_review`` is
start -> a user task whose form asks for a note -> a script ``result = unit + " — " + note``
-> end; the caller ``mi_review_campaign`` is start -> a parallel multi-instance call
activity over the input collection ``units`` (N unit codes, ``in.unit = "unit"``,
``out.answer = "result"``, output collection ``answers``) -> a user task -> end.

What is measured, in this order, on one fresh database (a temp-file SQLite, the
product's default, unless ``--database-url`` names a PostgreSQL database: its schema is
emptied first):

1. ``start_5000_s``: from the caller's start until every one of its N=5,000 children
   exists: the start transaction (the first ``engine.linking.BATCH`` children) plus the
   ``deliver_inbox`` runs that start the rest (``start_deliveries`` of them).
2. ``mi_growth``: the p50 wall time of completing ONE child's user task (one
   transaction: ``runtime.complete_task`` and its commit; the child ends and its call's
   counter row is updated) in the 5,000-child call, divided by the same with 10
   children. 200 completions of each size, alternating (in a random order within
   each pair) so that machine noise hits both alike; the 10-child side spreads over
   enough callers of 10 children, and no timed completion is the one that ends a call
   (that one queues the join). Both sizes live in the same database, so the figure
   isolates what grows with a call's own children. ``statements_big`` and
   ``statements_small`` are the SQL statements per completion (the same number means
   nothing is looked up per sibling). Must be <= 1.25.
3. ``p50/p95_single_ms`` and ``p50/p95_8_clients_ms``: the same completion, timed by
   client PROCESSES (``multiprocessing``, spawn: each bootstraps its own engine and
   connection pool; the GIL would make threads meaningless) completing different
   children of the SAME 5,000-child call: first one client (200 completions), then 8
   at once (100 each); each client's first completion warms it up, untimed. The machine
   has 2 cores, so 8 closed-loop clients would measure CPU saturation rather than lock
   contention on the counter row: each client waits a random exponential think time
   before each completion. The 8 clients' mean think time is 8 x the single client's
   p50, so that together they offer about one core (``pacing``: ``think_mean_ms``,
   ``offered_load_cores``); the single client, measured first, thinks 8 x step 2's
   5,000-child p50. ``p95_ratio`` = p95 with 8 clients / p95 with one; it must stay
   <= 3: the counter row must not become a queue (its UPDATE is the last statement
   before the commit, so its row lock is held only through the commit).
   ``single_client`` and ``concurrent_clients`` break the time down (p50/p95 of the
   whole completion, of the counter row's UPDATE, a wait for its lock included, of the
   COMMIT, and of the client's own CPU time) and say how loaded the machine was
   meanwhile: ``in_flight`` (completions under way on average), ``client_cpu_cores``
   and ``machine_busy_cores`` (every process on the machine, the database server and
   whatever else runs there included). What the total has beyond the client's CPU time,
   the UPDATE and the COMMIT is the wait for the other statements and for a core: a
   ratio above 3 with short UPDATE and COMMIT waits is CPU contention, not the row lock
   (a ``machine_busy_cores`` near 2 in the single client's phase means other work was
   running on the machine, and the figures are only as good as it was quiet). On a
   busy machine the UPDATE's p95 grows too: a client holding the row lock is descheduled
   between its UPDATE and its COMMIT while the next one waits. Only on PostgreSQL: on
   SQLite every writer takes the database lock at BEGIN, so concurrent clients queue
   by design; there the 8-client keys are null (the single client still runs).
4. The remaining children are completed untimed; then ``join_s``: the one
   ``deliver_inbox`` call that takes the JOIN row the last child's end queued (loads the
   caller, gathers the 5,000 outputs in the children's order, steps it).

Checks, printed with the figures: the counter row counts every completion done (after
step 3: ``nr_completed_midway`` = ``completions_midway``; at the end: ``nr_completed`` =
``completions``; both in ``counter_consistent``); the output collection has N entries
in the children's order (``answers_in_order``); every caller (the big one and the
10-child ones) is joined exactly once and completes (``exactly_once``), and nothing is
left in the inbox. The last printed line is one JSON object with every figure; keys
named for 5,000 keep their names at other sizes (``children`` says how many).

``--quick``: 250 vs 10 children (250 > BATCH, so the inbox still starts a batch), 20
completions per size and for the single client, 2 clients of 10 completions (on
PostgreSQL; the keys keep their "8_clients" names, ``clients`` says how many): every
phase in a few seconds, same JSON keys, figures meaningless (for tests that keep the
script working).

    PYTHONPATH=. .venv/bin/python bench/mi.py [--database-url URL] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from fresh_database import connect, empty_services
from sqlalchemy import event, func, select

from engine import linking
from engine.definitions import Bundle, publish
from engine.models import CallActivity, HumanTask, InstanceInbox, ProcessInstance
from services.bootstrap import Services

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START_AT = datetime(2026, 1, 10, 9, 0, tzinfo=LOCAL_TZ)
WORK_AT = datetime(2026, 1, 12, 10, 0, tzinfo=LOCAL_TZ)
CHILD, CALLER = "mi_unit_review", "mi_review_campaign"
NOTE = "Đã rà soát, không có vướng mắc."
SEPARATOR = " — "
SEED = 20260110


@dataclass(frozen=True)
class Sizes:
    children: int  # the big call
    small: int  # each small call
    samples: int  # timed completions per size in step 2
    single: int  # timed completions of the single client
    clients: int
    per_client: int  # timed completions of each concurrent client


FULL = Sizes(children=5000, small=10, samples=200, single=200, clients=8, per_client=100)
QUICK = Sizes(children=250, small=10, samples=20, single=20, clients=2, per_client=10)


# -- the processes ----------------------------------------------------------------------

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)


def _form(title: str) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": ["note"],
        "properties": {"note": {"title": "Ghi chú", "type": "string", "minLength": 1, "maxLength": 500}},
    }


def _properties(values: dict[str, str]) -> str:
    return (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        + "".join(
            f'<spiffworkflow:property name="{name}" value="{value}"/>' for name, value in values.items()
        )
        + "</spiffworkflow:properties></bpmn:extensionElements>"
    )


def _process(key: str, lane: str, nodes: list[tuple[str, str]]) -> bytes:
    """start -> nodes (id, xml) -> end, all in one lane."""
    chain = ["start", *(node_id for node_id, _ in nodes), "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id in chain)
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{source}" targetRef="{target}"/>'
        for i, (source, target) in enumerate(zip(chain, chain[1:]))
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs" '
        f'targetNamespace="http://talentflow.local/bench"><bpmn:process id="{key}" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"/>{"".join(xml for _, xml in nodes)}<bpmn:endEvent id="end"/>{flows}'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def child_bundle() -> Bundle:
    script = f"result = unit + {SEPARATOR!r} + note"
    bpmn = _process(
        CHILD,
        "unit_officer",
        [
            (
                "review_unit",
                '<bpmn:userTask id="review_unit" name="Rà soát nhu cầu của đơn vị">'
                f"{_properties({'formJsonSchemaFilename': 'note.schema.json'})}</bpmn:userTask>",
            ),
            (
                "answer",
                f'<bpmn:scriptTask id="answer" name="Ghi kết quả"><bpmn:script>{escape(script)}'
                "</bpmn:script></bpmn:scriptTask>",
            ),
        ],
    )
    return Bundle(
        CHILD,
        bpmn,
        {"note.schema.json": _form("Kết quả rà soát")},
        {"title": "Rà soát của đơn vị", "start_data_example": {"unit": "DV00000"}},
    )


def caller_bundle() -> Bundle:
    loop = (
        "<bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>"
        "<bpmn:loopDataOutputRef>answers</bpmn:loopDataOutputRef>"
        '<bpmn:inputDataItem id="unit" name="unit"/>'
        '<bpmn:outputDataItem id="answer" name="answer"/>'
        "</bpmn:multiInstanceLoopCharacteristics>"
    )
    bpmn = _process(
        CALLER,
        "vhxh_officer",
        [
            (
                "ask_units",
                f'<bpmn:callActivity id="ask_units" name="Hỏi từng đơn vị" calledElement="{CHILD}">'
                f"{_properties({'in.unit': 'unit', 'out.answer': 'result'})}{loop}</bpmn:callActivity>",
            ),
            (
                "aggregate",
                '<bpmn:userTask id="aggregate" name="Tổng hợp kết quả">'
                f"{_properties({'formJsonSchemaFilename': 'summary.schema.json'})}</bpmn:userTask>",
            ),
        ],
    )
    return Bundle(
        CALLER,
        bpmn,
        {"summary.schema.json": _form("Tổng hợp")},
        {"title": "Rà soát theo đơn vị", "start_data_example": {"units": ["DV00000"]}},
    )


def unit_codes(count: int, prefix: str = "DV") -> list[str]:
    return [f"{prefix}{index:05d}" for index in range(count)]


# -- the database -------------------------------------------------------------------------


def fresh_services(url: str, workdir: Path) -> Services:
    services = empty_services(url, workdir)
    with services.db.transaction() as session:
        for each in (child_bundle(), caller_bundle()):
            publish(session, each, START_AT, services.runtime.helpers)
    return services


def deliver_all(services: Services, at: datetime) -> int:
    """The scheduler's inbox job until it has nothing left to deliver; how many runs did deliver."""
    runs = 0
    while services.deliver_inbox(at).delivered:
        runs += 1
    return runs


def start_caller(services: Services, units: list[str]) -> tuple[int, int, int]:
    """Start a caller and every child of its call; (caller id, call id, deliveries)."""
    with services.db.transaction() as session:
        caller_id = services.runtime.start(
            session, CALLER, {"units": units}, lane_orgs={}, at=START_AT
        ).instance.id
    deliveries = deliver_all(services, START_AT)
    with services.db.read() as session:
        call_id = session.scalar(select(CallActivity.id).where(CallActivity.parent_id == caller_id))
    return caller_id, call_id, deliveries


def ready_child_tasks(services: Services, call_id: int) -> list[str]:
    """The open user tasks of a call's children, in the children's order."""
    with services.db.read() as session:
        return list(
            session.scalars(
                select(HumanTask.id)
                .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                .where(ProcessInstance.call_id == call_id, HumanTask.status == "ready")
                .order_by(ProcessInstance.child_index)
            )
        )


def complete(services: Services, task_id: str) -> float:
    """Complete one child's task in its own transaction; its wall time in ms."""
    started = time.perf_counter()
    with services.db.transaction() as session:
        services.runtime.complete_task(session, task_id, {"note": NOTE}, user_id=None, at=WORK_AT)
    return (time.perf_counter() - started) * 1000


def counters(services: Services, call_id: int) -> dict:
    with services.db.read() as session:
        row = session.execute(select(CallActivity.__table__).where(CallActivity.id == call_id)).one()
    return dict(row._mapping)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class StatementCounter:
    def __init__(self, services: Services):
        self.count = 0
        event.listen(services.db.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


# -- step 2: growth -------------------------------------------------------------------


def measure_growth(services: Services, big: list[str], small: list[str], samples: int) -> dict:
    """Alternate completions of the big call's children and the small calls' children."""
    statements = StatementCounter(services)
    order = random.Random(SEED)
    times: dict[str, list[float]] = {"big": [], "small": []}
    counts: dict[str, list[int]] = {"big": [], "small": []}
    for index in range(samples):
        pair = [("big", big[index]), ("small", small[index])]
        order.shuffle(pair)
        for side, task_id in pair:
            before = statements.count
            times[side].append(complete(services, task_id))
            counts[side].append(statements.count - before)
    big_p50, small_p50 = percentile(times["big"], 0.5), percentile(times["small"], 0.5)
    return {
        "mi_growth": round(big_p50 / small_p50, 3),
        "big_p50_ms": round(big_p50, 2),
        "big_p95_ms": round(percentile(times["big"], 0.95), 2),
        "small_p50_ms": round(small_p50, 2),
        "small_p95_ms": round(percentile(times["small"], 0.95), 2),
        "statements_big": round(sum(counts["big"]) / samples, 2),
        "statements_small": round(sum(counts["small"]) / samples, 2),
        "samples": samples,
    }


# -- step 3: client processes -----------------------------------------------------------


class Probe:
    """Where one completion's time goes, from the client's side: the UPDATE of the
    call's counter row (a wait for its row lock included), the COMMIT (from the moment
    it is sent: the row lock is held until it returns), and the client's own CPU time."""

    def __init__(self, services: Services):
        self.update_s = 0.0
        self.commit_sent = 0.0
        engine = services.db.engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)

    def _before(self, connection, _cursor, statement, *_args) -> None:
        connection.info["statement_started"] = time.perf_counter()

    def _after(self, connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE CALL_ACTIVITY"):
            self.update_s += time.perf_counter() - connection.info["statement_started"]

    def _commit(self, _connection) -> None:
        self.commit_sent = time.perf_counter()

    def complete(self, services: Services, task_id: str) -> dict[str, float]:
        self.update_s, cpu = 0.0, time.process_time()
        started = time.perf_counter()
        with services.db.transaction() as session:
            services.runtime.complete_task(session, task_id, {"note": NOTE}, user_id=None, at=WORK_AT)
        ended = time.perf_counter()
        return {
            "total": (ended - started) * 1000,
            "update": self.update_s * 1000,
            "commit": (ended - self.commit_sent) * 1000,
            "cpu": (time.process_time() - cpu) * 1000,
        }


def client(
    url: str, workdir: str, task_ids: list[str], think_mean_s: float, seed: int, barrier, results
) -> None:
    """One client process with its own engine: its first task untimed (warms the caches
    and the connection), then, once every client is ready, each completion after a
    random exponential think time."""
    services = connect(url, Path(workdir))
    probe = Probe(services)
    pause = random.Random(seed)
    try:
        probe.complete(services, task_ids[0])
        barrier.wait()
        timings = []
        for task_id in task_ids[1:]:
            time.sleep(pause.expovariate(1 / think_mean_s))
            timings.append(probe.complete(services, task_id))
        results.put((seed, timings, None))
    except Exception as error:  # reported by the parent, which fails
        barrier.abort()
        results.put((seed, [], repr(error)))
    finally:
        services.db.dispose()


def busy_jiffies() -> tuple[int, int] | None:
    """The machine's (busy, total) CPU time so far (Linux), to tell CPU saturation apart."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def run_clients(url: str, workdir: Path, tasks: list[list[str]], think_mean_s: float) -> dict:
    """Run one client process per task list at once; their timings, the wall time and
    how busy the machine's cores were meanwhile (every process on it counts)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(tasks) + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=client, args=(url, str(workdir), own, think_mean_s, SEED + number, barrier, results)
        )
        for number, own in enumerate(tasks)
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=300)
    cpu_before, started = busy_jiffies(), time.perf_counter()
    collected = [results.get(timeout=900) for _ in processes]
    wall_s, cpu_after = time.perf_counter() - started, busy_jiffies()
    for process in processes:
        process.join()
    errors = [error for _, _, error in collected if error]
    if errors:
        raise RuntimeError(f"a client failed: {errors}")
    timings = [timing for _, own, _ in collected for timing in own]
    figures: dict = {"completions": len(timings), "think_mean_ms": round(think_mean_s * 1000, 2)}
    for part in ("total", "update", "commit", "cpu"):
        values = [timing[part] for timing in timings]
        figures[f"{part}_p50_ms"] = round(percentile(values, 0.5), 2)
        figures[f"{part}_p95_ms"] = round(percentile(values, 0.95), 2)
    figures.update(
        {
            "wall_s": round(wall_s, 2),
            "throughput_per_s": round(len(timings) / wall_s, 1),
            # completions in flight on average: sum of their times / wall time
            "in_flight": round(sum(timing["total"] for timing in timings) / 1000 / wall_s, 2),
            # the clients' own CPU per second of wall time (the server's is not in it)
            "client_cpu_cores": round(sum(timing["cpu"] for timing in timings) / 1000 / wall_s, 2),
        }
    )
    if cpu_before and cpu_after and cpu_after[1] > cpu_before[1]:
        share = (cpu_after[0] - cpu_before[0]) / (cpu_after[1] - cpu_before[1])
        figures["machine_busy_cores"] = round(share * (os.cpu_count() or 1), 2)
    return figures


def measure_clients(
    url: str, workdir: Path, pool: list[str], sizes: Sizes, growth_p50_ms: float, concurrent: bool
) -> dict:
    """One client, then (on PostgreSQL) ``sizes.clients`` at once, each on tasks of its
    own taken off ``pool``. Pacing: the many clients think ``sizes.clients`` x the single
    client's p50 on average, so that together they offer about one core; the single
    client thinks ``sizes.clients`` x the growth step's p50 (the only estimate before it ran)."""
    single_tasks = [pool.pop(0) for _ in range(sizes.single + 1)]
    single = run_clients(url, workdir, [single_tasks], sizes.clients * growth_p50_ms / 1000)
    figures: dict = {
        "p50_single_ms": single["total_p50_ms"],
        "p95_single_ms": single["total_p95_ms"],
        "p50_8_clients_ms": None,
        "p95_8_clients_ms": None,
        "p95_ratio": None,
        "clients": None,
        "single_client": single,
        "concurrent_clients": None,
    }
    think_mean_ms = sizes.clients * single["total_p50_ms"]
    figures["pacing"] = {
        "think": "exponential, before each completion",
        "rule": f"{sizes.clients} clients think {sizes.clients} x the single client's p50 on average",
        "think_mean_ms": round(think_mean_ms, 2) if concurrent else None,
        "offered_load_cores": round(
            sizes.clients * single["total_p50_ms"] / (single["total_p50_ms"] + think_mean_ms), 2
        )
        if concurrent
        else None,
        "single_client_think_mean_ms": single["think_mean_ms"],
    }
    if concurrent:
        own = [[pool.pop(0) for _ in range(sizes.per_client + 1)] for _ in range(sizes.clients)]
        many = run_clients(url, workdir, own, think_mean_ms / 1000)
        figures.update(
            {
                "p50_8_clients_ms": many["total_p50_ms"],
                "p95_8_clients_ms": many["total_p95_ms"],
                "p95_ratio": round(many["total_p95_ms"] / single["total_p95_ms"], 2),
                "clients": sizes.clients,
                "concurrent_clients": many,
            }
        )
    return figures


# -- step 4 and the checks ------------------------------------------------------------------


def review_tasks(services: Services, caller_id: int) -> list[str]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(HumanTask.id).where(
                    HumanTask.instance_id == caller_id, HumanTask.task_name == "aggregate"
                )
            )
        )


def finish_callers(services: Services, caller_ids: list[int]) -> bool:
    """Each caller joined exactly once (one aggregate task), which completes it; the inbox empty."""
    once = True
    for caller_id in caller_ids:
        tasks = review_tasks(services, caller_id)
        once = once and len(tasks) == 1
        for task_id in tasks:
            with services.db.transaction() as session:
                services.runtime.complete_task(
                    session, task_id, {"note": "Tổng hợp xong."}, user_id=None, at=WORK_AT
                )
    deliver_all(services, WORK_AT)
    with services.db.read() as session:
        statuses = session.execute(
            select(ProcessInstance.status, func.count())
            .where(ProcessInstance.id.in_(caller_ids))
            .group_by(ProcessInstance.status)
        ).all()
        left = session.scalar(select(func.count()).select_from(InstanceInbox))
    return once and dict(statuses) == {"completed": len(caller_ids)} and left == 0


def join_big_call(
    services: Services, caller_id: int, call_id: int, rest: list[str], units: list[str]
) -> dict:
    for task_id in rest[:-1]:
        complete(services, task_id)
    last_ms = complete(services, rest[-1])
    with services.db.read() as session:
        queued = session.scalar(
            select(func.count()).where(InstanceInbox.call_id == call_id, InstanceInbox.kind == linking.JOIN)
        )
    started = time.perf_counter()
    run = services.deliver_inbox(WORK_AT)
    join_s = time.perf_counter() - started
    (task_id,) = review_tasks(services, caller_id)
    with services.db.read() as session:
        answers = services.runtime.task_data(session, task_id).get("answers") or []
    expected = [f"{unit}{SEPARATOR}{NOTE}" for unit in units]
    return {
        "join_s": round(join_s, 3),
        "join_rows_queued": queued,
        "join_delivered": run.delivered,
        "last_completion_ms": round(last_ms, 2),
        "answers": len(answers),
        "answers_in_order": answers == expected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database, emptied first")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, every step, same JSON keys: measures nothing"
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="talentflow-bench-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'mi.db'}"
        postgres = not url.startswith("sqlite")
        services = fresh_services(url, workdir)
        figures = run(services, url, workdir, sizes, postgres)
        services.db.dispose()
    backend = "sqlite" if args.database_url is None else args.database_url.split(":")[0]
    print(json.dumps({"backend": backend, "load_avg_1m": round(os.getloadavg()[0], 2), **figures}))


def run(services: Services, url: str, workdir: Path, sizes: Sizes, postgres: bool) -> dict:
    units = unit_codes(sizes.children)
    started = time.perf_counter()
    caller_id, call_id, deliveries = start_caller(services, units)
    start_s = time.perf_counter() - started
    pool = ready_child_tasks(services, call_id)
    print(f"started {len(pool)} children of one call in {start_s:.2f}s ({deliveries} inbox deliveries)")
    if len(pool) != sizes.children:
        raise SystemExit(f"{len(pool)} children started, not {sizes.children}")

    # 10-child callers: enough of their non-final children for the samples, plus one to warm up.
    small_callers = []
    small_pool, small_last = [], []
    for number in range(math.ceil((sizes.samples + 1) / (sizes.small - 1))):
        small_id, small_call, _ = start_caller(services, unit_codes(sizes.small, f"X{number:03d}-"))
        small_callers.append(small_id)
        tasks = ready_child_tasks(services, small_call)
        small_pool += tasks[:-1]
        small_last.append(tasks[-1])
    done = 0
    complete(services, pool.pop(0))  # warm-up: each side once, untimed
    complete(services, small_pool.pop(0))
    done += 1
    growth = measure_growth(services, pool[: sizes.samples], small_pool, sizes.samples)
    del pool[: sizes.samples]
    done += sizes.samples
    print(
        f"completion p50: {growth['big_p50_ms']} ms with {sizes.children} children, "
        f"{growth['small_p50_ms']} ms with {sizes.small}: growth {growth['mi_growth']}"
    )
    for task_id in small_pool[sizes.samples :] + small_last:  # the small calls end and join
        complete(services, task_id)
    deliver_all(services, WORK_AT)

    clients = measure_clients(url, workdir, pool, sizes, growth["big_p50_ms"], postgres)
    done += clients["single_client"]["completions"] + 1
    if postgres:
        done += clients["concurrent_clients"]["completions"] + sizes.clients
    print(f"single client: p50 {clients['p50_single_ms']} ms, p95 {clients['p95_single_ms']} ms")
    if postgres:
        print(
            f"{clients['clients']} clients (think mean {clients['pacing']['think_mean_ms']} ms): "
            f"p50 {clients['p50_8_clients_ms']} ms, p95 {clients['p95_8_clients_ms']} ms, "
            f"p95 ratio {clients['p95_ratio']}"
        )
    middle = counters(services, call_id)
    counted_midway = middle["nr_completed"] == done and middle["nr_active"] == sizes.children - done

    join = join_big_call(services, caller_id, call_id, pool, units)
    final = counters(services, call_id)
    print(f"join of {join['answers']} outputs in {join['join_s']}s; in order: {join['answers_in_order']}")
    exactly_once = (
        join["join_rows_queued"] == 1
        and join["join_delivered"] == 1
        and finish_callers(services, [caller_id, *small_callers])
    )
    with services.db.read() as session:
        children_completed = session.scalar(
            select(func.count()).where(
                ProcessInstance.call_id == call_id, ProcessInstance.status == "completed"
            )
        )
    return {
        "children": sizes.children,
        "small_children": sizes.small,
        "small_callers": len(small_callers),
        "start_5000_s": round(start_s, 2),
        "start_deliveries": deliveries,
        **growth,
        **clients,
        **join,
        "completions": sizes.children,
        "completions_midway": done,
        "nr_completed_midway": middle["nr_completed"],
        "nr_completed": final["nr_completed"],
        "children_completed": children_completed,
        "call_status": final["status"],
        "counter_consistent": counted_midway
        and final["nr_completed"] == final["nr_started"] == final["nr_instances"] == sizes.children
        and final["nr_active"] == 0
        and children_completed == sizes.children,
        "exactly_once": exactly_once,
        "sizes": asdict(sizes),
    }


if __name__ == "__main__":
    main()
