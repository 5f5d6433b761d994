"""Web benchmark: the real server (gunicorn) over HTTP, SQLite, a large directory.

Set-up (not timed): UNITS units of USERS_PER_UNIT users each (officers and heads),
TASKS open tasks spread evenly over the units' officer queues, each a real instance
of a one-task process, so that completing one runs the engine for real. Titles vary
("Báo cáo định kỳ: <topic> đợt <n>", TOPICS) so that a search finds some of a queue's
tasks. Each of the 50 sampled officers (the token holders) also completed DONE tasks of
extra instances through the runtime, so that TASKS stay open and "done" has rows.

Timed, one request at a time, from a client on the same machine:
- ``inbox``: ``GET /api/v1/tasks?per_page=100`` as a random officer (bearer token);
- ``inbox_html``: ``GET /inbox`` (100 rows) as a signed-in officer (session cookie);
- ``search``: ``GET /api/v1/tasks?q=<a topic, typed without accents>&per_page=100`` as a
  random officer: the words searched within the officer's visible tasks;
- ``done``: ``GET /api/v1/tasks/done?per_page=100`` as a random officer ("Đã xử lý");
- ``submit``: ``POST /api/v1/tasks/<id>/complete`` with the task's form data.
Each prints p50/p95 in milliseconds; the last line is one JSON object.

``--quick``: 300 tasks over 2 units of 30 users, 10 requests of each kind, 2 done tasks per
sampled officer: the same gunicorn, sign-ins and requests (every inbox still has its 100
rows) in a few seconds, same JSON keys, figures meaningless (for tests that keep the
script working).

    PYTHONPATH=. .venv/bin/python bench/web.py [--tasks 100000] [--requests 300] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from one_task import bundle
from sqlalchemy import insert, select

from engine.clock import SystemClock
from engine.definitions import publish
from engine.models import HumanTask
from engine.runtime import StartRequest
from engine.text import fold
from services import demo
from services.bootstrap import Services, bootstrap
from services.common import schema
from services.common.config import Config
from services.identity import (
    UNIT_HEAD,
    UNIT_OFFICER,
    AppUser,
    Membership,
    OrgUnit,
    _api_tokens as api_tokens,
    ensure_roles,
)
from services.work import complete_task

REPO_ROOT = Path(__file__).resolve().parents[1]
KEY = "bench_task"
PASSWORD = "mat-khau-do-hieu-nang"
FULL = {"tasks": 100_000, "units": 200, "users": 2000, "requests": 300, "done": 20}
# At least 100 tasks per unit (an inbox page) and 50 officers (the sampled token holders).
QUICK = {"tasks": 300, "units": 2, "users": 60, "requests": 10, "done": 2}
# What tasks are about: words a search finds. Seven, prime to the number of units, so
# that every unit's queue has tasks of each; no word is part of a unit's name ("Đơn vị
# thử <n>") or of the process's.
TOPICS = ("tuyển dụng", "đào tạo", "ngân sách", "khen thưởng", "chuyển đổi số", "phòng cháy", "giáo dục")
NOTE = {"note": "Đã hoàn thành báo cáo định kỳ."}


def titled_bundle():
    """The benchmark's process, its task's title naming the case's topic."""
    plain = bundle(KEY, properties='<spiffworkflow:property name="due" value="deadline"/>')
    named = plain.bpmn.replace(
        'name="Báo cáo định kỳ"'.encode(), 'name="Báo cáo định kỳ: {{ subject }}"'.encode()
    )
    assert named != plain.bpmn, "one_task.bundle names its task differently now"
    return replace(plain, bpmn=named)


def start_request(index: int, unit_id: int, deadline) -> StartRequest:
    subject = f"{TOPICS[index % len(TOPICS)]} đợt {index}"
    return StartRequest({"deadline": deadline.isoformat(), "subject": subject}, {UNIT_OFFICER: unit_id})


def build_world(services: Services, units: int, users_per_unit: int, tasks: int) -> dict:
    """The directory and the open tasks; returns who is who."""
    now = services.clock.now()
    with services.db.transaction() as session:
        demo.seed(session)
        ensure_roles(session)
        publish(session, titled_bundle(), now - timedelta(days=1), services.runtime.helpers)
        commune = session.scalar(select(OrgUnit).where(OrgUnit.code == demo.COMMUNE[0]))
        unit_ids = list(
            session.execute(
                insert(OrgUnit).returning(OrgUnit.id, sort_by_parameter_order=True),
                [
                    {
                        "code": f"bench_unit_{i}",
                        "name": f"Đơn vị thử {i}",
                        "kind": "school",
                        "level": "unit",
                        "parent_id": commune.id,
                        "commune_id": commune.id,
                        "bloc": "state",
                        "in_scope": True,
                    }
                    for i in range(units)
                ],
            ).scalars()
        )
        user_ids = list(
            session.execute(
                insert(AppUser).returning(AppUser.id, sort_by_parameter_order=True),
                [
                    {"username": f"bench_{u}_{k}", "full_name": f"Người dùng {u}-{k}", "active": True}
                    for u in range(units)
                    for k in range(users_per_unit)
                ],
            ).scalars()
        )
        officers, memberships = {}, []
        for index, user_id in enumerate(user_ids):
            unit, k = divmod(index, users_per_unit)
            role = UNIT_HEAD if k == 0 else UNIT_OFFICER
            memberships.append(
                {"user_id": user_id, "org_unit_id": unit_ids[unit], "role_code": role, "acting": False}
            )
            if role == UNIT_OFFICER:
                officers.setdefault(unit_ids[unit], []).append(f"bench_{unit}_{k}")
        session.execute(insert(Membership), memberships)
        demo.set_demo_passwords(session, PASSWORD)
    started = time.monotonic()
    base = now + timedelta(days=3)
    for first in range(0, tasks, 5000):
        with services.db.transaction() as session:
            services.runtime.start_many(
                session,
                KEY,
                [
                    start_request(i, unit_ids[i % units], base + timedelta(minutes=i))
                    for i in range(first, min(tasks, first + 5000))
                ],
                at=now,
            )
    print(
        f"set-up: {units} units, {len(user_ids)} users, {tasks} open tasks "
        f"in {time.monotonic() - started:.0f}s",
        flush=True,
    )
    return {
        "officers": officers,
        "unit_of": {name: unit for unit, names in officers.items() for name in names},
    }


def complete_some(services: Services, world: dict, names: list[str], each: int) -> None:
    """Each named officer completes ``each`` tasks of instances started for them, through
    the runtime as the API would: their "done" list, the open tasks unchanged."""
    started = time.monotonic()
    deadline = services.clock.now() + timedelta(days=30)
    for number, name in enumerate(names):
        with services.db.transaction() as session:
            changes = services.runtime.start_many(
                session,
                KEY,
                [start_request(number * each + k, world["unit_of"][name], deadline) for k in range(each)],
            )
            task_ids = [change.opened_tasks[0].id for change in changes]
        for task_id in task_ids:
            complete_task(services.db, services.runtime, name, task_id, NOTE)
    print(f"set-up: {len(names)} officers completed {each} tasks each in {time.monotonic() - started:.0f}s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(services: Services, port: int, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "TALENTFLOW_DATABASE_URL": services.config.database_url,
        "TALENTFLOW_INSTANCE_DIR": str(workdir),
        "PYTHONPATH": str(REPO_ROOT),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web:create_app()",
        ],
        env=env,
        cwd=REPO_ROOT,
        stdout=(workdir / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(300):
        try:
            if request(port, "GET", "/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start; see gunicorn.log")


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Set-Cookie")
    finally:
        connection.close()


def timed(call) -> tuple[float, tuple]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def sign_in(port: int, username: str) -> str:
    status, page, cookie = request(port, "GET", "/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    session_cookie = cookie.split(";")[0]
    form = urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    status, _, cookie = request(
        port,
        "POST",
        "/login",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session_cookie},
    )
    assert status == 302, f"sign-in of {username} answered {status}"
    return cookie.split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, help=f"default {FULL['tasks']}; {QUICK['tasks']} with --quick")
    parser.add_argument("--units", type=int, help=f"default {FULL['units']}; {QUICK['units']} with --quick")
    parser.add_argument("--users", type=int, help=f"default {FULL['users']}; {QUICK['users']} with --quick")
    parser.add_argument(
        "--requests", type=int, help=f"default {FULL['requests']}; {QUICK['requests']} with --quick"
    )
    parser.add_argument(
        "--done",
        type=int,
        help=f"default {FULL['done']}; {QUICK['done']} with --quick: tasks each officer completed",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, every request kind, same JSON keys: checks the script works, measures nothing",
    )
    args = parser.parse_args()
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    random.seed(7)
    with tempfile.TemporaryDirectory(prefix="talentflow-web-bench-") as folder:
        workdir = Path(folder)
        services = bootstrap(
            Config(
                database_url=f"sqlite:///{workdir / 'bench.db'}",
                bpmn_dir=REPO_ROOT / "bpmn",
                instance_dir=workdir,
            ),
            SystemClock(),
        )
        schema.upgrade(services.db.engine)
        world = build_world(services, args.units, args.users // args.units, args.tasks)
        officers = [name for names in world["officers"].values() for name in names]
        with services.db.transaction() as session:
            tokens = {
                name: api_tokens.issue(session, name, "bench", services.clock.now())
                for name in random.sample(officers, 50)
            }
        complete_some(services, world, list(tokens), args.done)
        port = free_port()
        server = start_server(services, port, workdir)
        try:
            figures = run(port, services, tokens, args.requests, args.done)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            services.db.dispose()
    print(
        json.dumps(
            {
                "tasks": args.tasks,
                "units": args.units,
                "users": args.users,
                "load_avg_1m": round(os.getloadavg()[0], 2),
                **figures,
            }
        )
    )


def run(port: int, services: Services, tokens: dict, count: int, done_each: int) -> dict:
    names = list(tokens)
    for name in names[:5]:  # warm both workers' caches
        request(
            port, "GET", "/api/v1/tasks?per_page=100", headers={"Authorization": f"Bearer {tokens[name]}"}
        )
    inbox = []
    for _ in range(count):
        name = random.choice(names)
        elapsed, (status, body, _) = timed(
            lambda: request(
                port, "GET", "/api/v1/tasks?per_page=100", headers={"Authorization": f"Bearer {tokens[name]}"}
            )
        )
        assert status == 200 and len(json.loads(body)["items"]) == 100, status
        inbox.append(elapsed)

    cookies = {name: sign_in(port, name) for name in names[:20]}
    html = []
    for _ in range(count):
        name = random.choice(list(cookies))
        elapsed, (status, body, _) = timed(
            lambda: request(port, "GET", "/inbox", headers={"Cookie": cookies[name]})
        )
        assert status == 200 and body.count(b'href="/tasks/') == 100, status
        html.append(elapsed)

    search = []
    for _ in range(count):
        name, topic = random.choice(names), fold(random.choice(TOPICS))
        address = "/api/v1/tasks?" + urlencode({"q": topic, "per_page": 100})
        elapsed, (status, body, _) = timed(
            lambda: request(port, "GET", address, headers={"Authorization": f"Bearer {tokens[name]}"})
        )
        found = json.loads(body)
        assert status == 200 and found["items"], (status, body[:300])
        assert all(topic in fold(item["title"]) for item in found["items"]), topic
        search.append(elapsed)

    done_list = []
    for _ in range(count):
        name = random.choice(names)
        elapsed, (status, body, _) = timed(
            lambda: request(
                port,
                "GET",
                "/api/v1/tasks/done?per_page=100",
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
        )
        assert status == 200 and len(json.loads(body)["items"]) == min(done_each, 100), (status, body[:300])
        done_list.append(elapsed)

    submit = []
    with services.db.read() as session:
        owner_tasks = {
            name: list(
                session.scalars(
                    select(HumanTask.id)
                    .join(Membership, Membership.org_unit_id == HumanTask.org_unit_id)
                    .join(AppUser, AppUser.id == Membership.user_id)
                    .where(AppUser.username == name, HumanTask.status == "ready")
                    .limit(count)
                )
            )
            for name in names[:10]
        }
    body = json.dumps({"data": NOTE}).encode()
    done = set()  # officers of one unit share its queue
    for index in range(count):
        name = names[index % 10]
        task_id = owner_tasks[name].pop()
        while task_id in done:
            task_id = owner_tasks[name].pop()
        done.add(task_id)
        elapsed, (status, answer, _) = timed(
            lambda: request(
                port,
                "POST",
                f"/api/v1/tasks/{task_id}/complete",
                body,
                {"Authorization": f"Bearer {tokens[name]}", "Content-Type": "application/json"},
            )
        )
        assert status == 200, (status, answer[:300])
        submit.append(elapsed)

    figures = {
        "inbox_p50_ms": percentile(inbox, 0.5),
        "inbox_p95_ms": percentile(inbox, 0.95),
        "inbox_html_p50_ms": percentile(html, 0.5),
        "inbox_html_p95_ms": percentile(html, 0.95),
        "search_p50_ms": percentile(search, 0.5),
        "search_p95_ms": percentile(search, 0.95),
        "done_p50_ms": percentile(done_list, 0.5),
        "done_p95_ms": percentile(done_list, 0.95),
        "submit_p50_ms": percentile(submit, 0.5),
        "submit_p95_ms": percentile(submit, 0.95),
    }
    print(f"inbox (API, 100 rows): p50 {figures['inbox_p50_ms']} ms, p95 {figures['inbox_p95_ms']} ms")
    print(
        f"inbox (HTML, 100 rows): p50 {figures['inbox_html_p50_ms']} ms, "
        f"p95 {figures['inbox_html_p95_ms']} ms"
    )
    print(f"search (API, 1 word): p50 {figures['search_p50_ms']} ms, p95 {figures['search_p95_ms']} ms")
    print(f"done (API, 100 rows at most): p50 {figures['done_p50_ms']} ms, p95 {figures['done_p95_ms']} ms")
    print(f"submit (API): p50 {figures['submit_p50_ms']} ms, p95 {figures['submit_p95_ms']} ms")
    return figures


if __name__ == "__main__":
    main()
