"""Service-task connectors benchmark: calls out of the product through the outbox, and
the cost of an in-process call in the step.

Outbound: N instances each wait at a service task ``http_request`` to a real HTTP server
on loopback (in this process, answering at once); the scheduler's job
(``Services.perform_connector_calls``) runs until every answer is delivered:
``outbound_s`` and ``calls_per_s`` (each call leased, performed with no transaction open,
its answer stored, then delivered in a transaction of its own). In-process: M instances
started one per transaction whose first element is a service task calling a registered
no-op connector, against the same process with a script task there instead:
``in_process_p50_ms`` / ``script_p50_ms`` per start (the call's row and the second step).
Checks: every instance stepped past its service task once and no call is left
(``exactly_once``).

On a temp-file SQLite unless ``--database-url`` names a PostgreSQL database (its schema
is emptied first). ``--quick``: N=20, M=20, same JSON keys, figures meaningless.

    PYTHONPATH=. .venv/bin/python bench/connectors.py [--database-url URL] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from fresh_database import empty_services
from sqlalchemy import func, select

from engine.connectors import Connector, Parameter
from engine.definitions import Bundle, publish
from engine.messages import Message
from engine.models import ConnectorCall, HumanTask
from engine.runtime import StartRequest
from services.bootstrap import Services, bootstrap

AT = datetime(2026, 1, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
FORM_FILE = "note.schema.json"
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Ghi chú",
    "type": "object",
    "additionalProperties": False,
    "properties": {"note": {"title": "Ghi chú", "type": "string"}},
}
USER_TASK = (
    '<bpmn:userTask id="task" name="Xử lý"><bpmn:extensionElements><spiffworkflow:properties>'
    f'<spiffworkflow:property name="formJsonSchemaFilename" value="{FORM_FILE}"/>'
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
)
NOOP = Connector(
    "noop", Message("No-op"), (Parameter("n", "number", Message("N")),), run=lambda c, p: {"n": p["n"]}
)


def service_task(connector: str, **params: str) -> str:
    values = "".join(
        f'<spiffworkflow:parameter id="{name}" type="any" value="{value}"/>' for name, value in params.items()
    )
    return (
        f'<bpmn:serviceTask id="call" name="Gọi"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{connector}" resultVariable="answer">'
        f"<spiffworkflow:parameters>{values}</spiffworkflow:parameters>"
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
    )


def process(key: str, first: str, first_id: str) -> Bundle:
    chain = ["start", first_id, "task", "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(chain, chain[1:]))
    )
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id in chain)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" '
        'targetNamespace="http://talentflow.local/bench">'
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:laneSet id="lanes">'
        f'<bpmn:lane id="lane_clerk" name="clerk">{refs}</bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"/>{first}{USER_TASK}<bpmn:endEvent id="end"/>'
        f"{flows}</bpmn:process></bpmn:definitions>"
    )
    return Bundle(
        key=key, bpmn=xml.encode(), forms={FORM_FILE: FORM}, meta={"title": key, "start_data_example": {}}
    )


class Answering(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        raw = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


def outbound(services: Services, n: int) -> dict:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answering)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    calling = bootstrap(dataclasses.replace(services.config, http_allowlist=(url,)), services.clock)
    with calling.db.transaction() as session:
        bundle = process("calling_out", service_task("http_request", url=f"'{url}'"), "call")
        publish(session, bundle, AT, calling.runtime.helpers, connectors=calling.runtime.connectors)
        calling.runtime.start_many(session, "calling_out", [StartRequest({}, {})] * n, at=AT)
    started = time.perf_counter()
    delivered = 0
    while True:
        run = calling.perform_connector_calls()
        delivered += run.delivered
        if not (run.answered or run.delivered or run.retried):
            break
    outbound_s = time.perf_counter() - started
    server.shutdown()
    calling.db.dispose()
    return {
        "calls": n,
        "delivered": delivered,
        "outbound_s": round(outbound_s, 3),
        "calls_per_s": round(n / outbound_s, 1),
    }


def in_process(services: Services, m: int) -> dict:
    services.runtime.register_connector(NOOP)
    with services.db.transaction() as session:
        publish(
            session,
            process("calling_in", service_task("noop", n="1"), "call"),
            AT,
            services.runtime.helpers,
            connectors=services.runtime.connectors,
        )
        script = (
            '<bpmn:scriptTask id="call" name="Gọi">'
            '<bpmn:script>answer = {"n": 1}</bpmn:script></bpmn:scriptTask>'
        )
        publish(session, process("scripted", script, "call"), AT, services.runtime.helpers)
    timings: dict[str, list[float]] = {"calling_in": [], "scripted": []}
    for _ in range(m):
        for key, spent in timings.items():
            started = time.perf_counter()
            with services.db.transaction() as session:
                services.runtime.start(session, key, {}, lane_orgs={}, at=AT)
            spent.append((time.perf_counter() - started) * 1000)
    return {
        "in_process_p50_ms": round(statistics.median(timings["calling_in"]), 2),
        "script_p50_ms": round(statistics.median(timings["scripted"]), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database, emptied first")
    parser.add_argument("--quick", action="store_true", help="N=M=20, same JSON keys: measures nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="talentflow-bench-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'connectors.db'}"
        services = empty_services(url, workdir)
        n, m = (20, 20) if args.quick else (1000, 200)
        figures = {**outbound(services, n), **in_process(services, m)}
        with services.db.read() as session:
            past = session.scalar(select(func.count()).where(HumanTask.task_name == "task"))
            left = session.scalar(select(func.count()).where(ConnectorCall.params.is_not(None)))
        figures["exactly_once"] = figures["delivered"] == n and past == n + 2 * m and left == 0
        services.db.dispose()
    backend = "sqlite" if args.database_url is None else args.database_url.split(":")[0]
    print(json.dumps({"backend": backend, "load_avg_1m": round(os.getloadavg()[0], 2), **figures}))
    if not figures["exactly_once"]:
        raise SystemExit("an instance did not step past its service task exactly once")


if __name__ == "__main__":
    main()
