"""Learning that another process changed the database, without querying it (README.md,
"The scheduler"): the scheduler sleeps until the next due instant it knows of and wakes
early when what is due may have changed.

- PostgreSQL: the tables that hold due work notify the channel ``talentflow_due`` on every
  statement that changes them (triggers of migration 0028); the watcher LISTENs on a
  connection of its own and wakes when a notification arrives (at the writer's commit).
- SQLite: every commit writes the database's write-ahead log, so the watcher compares the
  size and modification time of the database file and its ``-wal`` file every
  ``SQLITE_CHECK_S``: a system call, not a query.
"""

from __future__ import annotations

import os
import time
from typing import Protocol

import psycopg
from sqlalchemy.engine import make_url

CHANNEL = "talentflow_due"
SQLITE_CHECK_S = 0.05


class ChangeWatcher(Protocol):
    def wait(self, timeout_s: float) -> bool:
        """Block until a change is seen (True) or ``timeout_s`` has passed (False)."""

    def close(self) -> None: ...


def watch(database_url: str) -> ChangeWatcher:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SqliteWatcher(url.database or "")
    return PostgresWatcher(url.set(drivername="postgresql").render_as_string(hide_password=False))


class PostgresWatcher:
    def __init__(self, dsn: str):
        self.connection = psycopg.connect(dsn, autocommit=True)
        self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout_s: float) -> bool:
        seen = any(True for _ in self.connection.notifies(timeout=max(timeout_s, 0.0), stop_after=1))
        if seen:  # several writers' notifications at once are one change to plan for
            for _ in self.connection.notifies(timeout=0.0):
                pass
        return seen

    def close(self) -> None:
        self.connection.close()


class SqliteWatcher:
    def __init__(self, path: str):
        self.paths = (path, f"{path}-wal")
        self.seen = self._signature()

    def _signature(self) -> tuple:
        found: list[tuple[int, int] | None] = []
        for path in self.paths:
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                found.append(None)
            else:
                found.append((stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def wait(self, timeout_s: float) -> bool:
        until = time.monotonic() + max(timeout_s, 0.0)
        while True:
            now = self._signature()
            if now != self.seen:
                self.seen = now
                return True
            left = until - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(SQLITE_CHECK_S, left))

    def close(self) -> None:
        pass
