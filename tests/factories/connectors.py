"""Service tasks in tests: a drawn service task naming a connector, and small connectors
registered on the runtime of a test."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import quoteattr

from sqlalchemy import select

from engine.definitions import publish
from engine.models import ConnectorCall, HumanTask, ProcessInstance
from engine.serializer import load_workflow
from engine.workflow_tasks import newest_data
from factories.bpmn import Node
from factories.linked_runs import T0


def service_task(node_id: str, connector: str, result: str | None = None, **parameters: str) -> Node:
    """A service task as spiff-arena's editor writes it; each parameter an expression."""
    params = "".join(
        f'<spiffworkflow:parameter id="{name}" type="any" value={quoteattr(value)}/>'
        for name, value in parameters.items()
    )
    result_attribute = f' resultVariable="{result}"' if result else ""
    return Node(
        node_id,
        f'<bpmn:serviceTask id="{node_id}" name="Gọi {node_id}"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{connector}"{result_attribute}>'
        f"<spiffworkflow:parameters>{params}</spiffworkflow:parameters>"
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>",
    )


def publish_with(services, *bundles) -> None:
    """Publish as the editor does: the runtime's connectors checked."""
    with services.db.transaction() as session:
        for each in bundles:
            publish(session, each, T0, services.runtime.helpers, connectors=services.runtime.connectors)


def state(services, instance_id: int):
    """The instance's row, its newest data, the names of its open tasks and its calls."""
    with services.db.read() as session:
        row = session.get(ProcessInstance, instance_id)
        compiled = services.runtime.specs.by_id(session, row.definition_id)
        data = newest_data(load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs))
        ready = session.scalars(
            select(HumanTask.task_name).where(
                HumanTask.instance_id == instance_id, HumanTask.status == "ready"
            )
        ).all()
        calls = session.scalars(select(ConnectorCall).where(ConnectorCall.instance_id == instance_id)).all()
        return row, data, list(ready), calls


class Endpoint:
    """A real HTTP server on loopback that answers from a script, one answer per request
    (``(status, json_body, delay_s)``; the last one repeats), and keeps what it received."""

    def __init__(self, *answers: tuple[int, object, float]):
        self.answers = list(answers)
        self.received: list[dict] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with endpoint._lock:
                    endpoint.received.append(
                        {
                            "path": self.path,
                            "key": self.headers.get("Idempotency-Key"),
                            "authorization": self.headers.get("Authorization"),
                            "body": json.loads(body) if body else None,
                        }
                    )
                    status, answer, delay = (
                        endpoint.answers.pop(0) if len(endpoint.answers) > 1 else endpoint.answers[0]
                    )
                time.sleep(delay)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A client killed mid-call leaves the handler writing to a closed socket: not news.
        self.server.handle_error = lambda request, address: None
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Endpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        with self._lock:
            return [request["key"] for request in self.received]
