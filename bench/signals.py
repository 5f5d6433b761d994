"""Signal broadcast benchmark: one thrown signal reaches N waiting instances.

The processes (published as bundles built here): ``signal_waiter`` is start -> an
intermediate signal catch ``go`` -> a user task -> end; ``signal_thrower`` is start ->
a user task -> an intermediate signal throw ``go`` -> end. N waiters are started with
``start_many`` (untimed); then the thrower's user task is completed (``throw_s``: its
transaction writes one inbox row per waiter in one INSERT...SELECT); then
``deliver_inbox`` runs until nothing is left (``deliver_s``: each waiter loaded,
stepped and saved in a transaction of its own). ``instances_per_s`` = N / (throw_s +
deliver_s). Checks: every waiter got exactly one user task, no inbox row and no
subscription is left (``exactly_once``).

On a temp-file SQLite unless ``--database-url`` names a PostgreSQL database (its schema
is emptied first). ``--quick``: N=50, same JSON keys, figures meaningless.

    PYTHONPATH=. .venv/bin/python bench/signals.py [--database-url URL] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fresh_database import empty_services
from sqlalchemy import func, select

from engine.definitions import Bundle, publish
from engine.models import HumanTask, InstanceInbox, MessageSubscription
from engine.runtime import StartRequest
from services.bootstrap import Services

AT = datetime(2026, 1, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
FORM_FILE = "note.schema.json"
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Ghi chú",
    "type": "object",
    "additionalProperties": False,
    "properties": {"note": {"title": "Ghi chú", "type": "string"}},
}
SIGNAL = '<bpmn:signalEventDefinition signalRef="sig_go"/>'
USER_TASK = (
    '<bpmn:userTask id="task" name="Xử lý"><bpmn:extensionElements><spiffworkflow:properties>'
    f'<spiffworkflow:property name="formJsonSchemaFilename" value="{FORM_FILE}"/>'
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
)


def process(key: str, *nodes: tuple[str, str]) -> Bundle:
    chain = ["start", *(node_id for node_id, _ in nodes), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(chain, chain[1:]))
    )
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id in chain)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" '
        'targetNamespace="http://talentflow.local/bench"><bpmn:signal id="sig_go" name="go"/>'
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:laneSet id="lanes">'
        f'<bpmn:lane id="lane_clerk" name="clerk">{refs}</bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"/>{"".join(xml for _, xml in nodes)}<bpmn:endEvent id="end"/>'
        f"{flows}</bpmn:process></bpmn:definitions>"
    )
    return Bundle(
        key=key, bpmn=xml.encode(), forms={FORM_FILE: FORM}, meta={"title": key, "start_data_example": {}}
    )


WAITER = process(
    "signal_waiter",
    ("wait", f'<bpmn:intermediateCatchEvent id="wait" name="Chờ">{SIGNAL}</bpmn:intermediateCatchEvent>'),
    ("task", USER_TASK),
)
THROWER = process(
    "signal_thrower",
    ("task", USER_TASK),
    ("shout", f'<bpmn:intermediateThrowEvent id="shout" name="Phát">{SIGNAL}</bpmn:intermediateThrowEvent>'),
)


def fresh_services(url: str, workdir: Path) -> Services:
    services = empty_services(url, workdir)
    with services.db.transaction() as session:
        for each in (WAITER, THROWER):
            publish(session, each, AT, services.runtime.helpers)
    return services


def run(services: Services, waiters: int) -> dict:
    with services.db.transaction() as session:
        services.runtime.start_many(session, "signal_waiter", [StartRequest({}, {})] * waiters, at=AT)
        thrower = services.runtime.start(session, "signal_thrower", {}, lane_orgs={}, at=AT).instance.id
    with services.db.read() as session:
        task_id = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == thrower)).one()
    started = time.perf_counter()
    with services.db.transaction() as session:
        services.runtime.complete_task(session, task_id, {}, user_id=None, at=AT)
    throw_s = time.perf_counter() - started
    started = time.perf_counter()
    while services.deliver_inbox(AT).delivered:
        pass
    deliver_s = time.perf_counter() - started
    with services.db.read() as session:
        per_waiter = (
            session.execute(
                select(func.count())
                .where(HumanTask.process_key == "signal_waiter")
                .group_by(HumanTask.instance_id)
            )
            .scalars()
            .all()
        )
        left = session.scalar(select(func.count()).select_from(InstanceInbox)) + session.scalar(
            select(func.count()).select_from(MessageSubscription)
        )
    return {
        "waiters": waiters,
        "throw_s": round(throw_s, 3),
        "deliver_s": round(deliver_s, 3),
        "seconds": round(throw_s + deliver_s, 3),
        "instances_per_s": round(waiters / (throw_s + deliver_s), 1),
        "exactly_once": len(per_waiter) == waiters and set(per_waiter) == {1} and left == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database, emptied first")
    parser.add_argument("--quick", action="store_true", help="N=50, same JSON keys: measures nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="talentflow-bench-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'signals.db'}"
        services = fresh_services(url, workdir)
        figures = run(services, 50 if args.quick else 5000)
        services.db.dispose()
    backend = "sqlite" if args.database_url is None else args.database_url.split(":")[0]
    print(json.dumps({"backend": backend, "load_avg_1m": round(os.getloadavg()[0], 2), **figures}))
    if not figures["exactly_once"]:
        raise SystemExit("a waiter was not delivered exactly once")


if __name__ == "__main__":
    main()
