"""What a dry run records while it runs (docs/dry-runs.md).

An administrator runs a draft before publishing it, in a transaction that is rolled back
at the end (``services/process_admin``). While ``recording()`` is active on this thread,
the runtime calls no capability reaction and no listener (they keep the records of real
cases, which a dry run has none of): it notes each instance the run touched instead, and
the messaging notes each message and signal thrown and what became of it.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterator


@dataclass(frozen=True)
class Sent:
    kind: str  # message | signal
    name: str
    payload: dict
    # delivered (to a waiting case) | started (a case of a process that catches it) |
    # outside (to a party with no process here) | buffered | broadcast (a signal)
    outcome: str
    sender_id: int | None


@dataclass
class Recording:
    instance_ids: list[int] = field(default_factory=list)  # in the order first touched
    sent: list[Sent] = field(default_factory=list)

    def touched(self, instance_id: int) -> None:
        if instance_id not in self.instance_ids:
            self.instance_ids.append(instance_id)


_current: ContextVar[Recording | None] = ContextVar("dry_run", default=None)


@contextmanager
def recording() -> Iterator[Recording]:
    token = _current.set(Recording())
    try:
        yield _current.get()  # type: ignore[misc]  # just set
    finally:
        _current.reset(token)


def current() -> Recording | None:
    """The dry run this thread is in, if any."""
    return _current.get()
