"""The real scheduler process, for tests that kill it between two steps of a delivery:
started on a test's own database, killed with SIGKILL while work waits in the inbox, then
started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from factories import REPO_ROOT

WAIT_S = 300


def start_scheduler(services, log, interval_s: float | None = None) -> subprocess.Popen:
    """A scheduler process on the test's database; ``interval_s``: its safety net's poll
    (the default otherwise)."""
    env = {
        **os.environ,
        "TALENTFLOW_DATABASE_URL": services.config.database_url,
        "TALENTFLOW_INSTANCE_DIR": str(services.config.instance_dir),
    }
    if interval_s is not None:
        env["TALENTFLOW_SCHEDULER_INTERVAL_S"] = str(interval_s)
    return subprocess.Popen(
        [sys.executable, "-m", "services.scheduler"],
        env=env,
        cwd=REPO_ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Callable[[], bool], what: str, log) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.02)


def kill_while_waiting(
    services,
    log,
    *,
    waiting: Callable[[], bool],
    done: Callable[[], bool],
    what_waits: str,
    what_is_done: str,
) -> None:
    """Kill a scheduler once ``waiting()`` holds (work queued, not all delivered), start a
    second one and stop it two seconds after ``done()`` holds: a second delivery of
    anything would show by then."""
    first = start_scheduler(services, log)
    try:
        wait_for(waiting, what_waits, log)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert not done(), f"{what_is_done} before the kill: nothing was tested"
        second = start_scheduler(services, log)
        try:
            wait_for(done, what_is_done, log)
            time.sleep(2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
