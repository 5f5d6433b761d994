"""One clock for the application and for SpiffWorkflow's timers.

SpiffWorkflow reads ``datetime.now(timezone.utc)`` inside its timer module and offers
no parameter to change that, so this module replaces the ``datetime`` name in that
module with a subclass whose ``now()`` answers the instant pinned by the running
engine operation. Every engine operation pins one instant (``pinned``) for its whole
duration, so a gateway that asks ``now()``, the timers SpiffWorkflow evaluates, and
the service that records "received at" all agree to the microsecond.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator, Protocol

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _spiff_timer


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that only moves when told to: tests and the CLI travel in time with it."""

    def __init__(self, instant: datetime):
        self.set(instant)

    def set(self, instant: datetime) -> None:
        self._instant = as_utc(instant)

    def advance(self, **delta) -> datetime:
        self._instant += timedelta(**delta)
        return self._instant

    def now(self) -> datetime:
        return self._instant


def as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime {instant!r}: every instant must carry its offset")
    return instant.astimezone(timezone.utc)


_pinned = threading.local()


@contextmanager
def pinned(instant: datetime) -> Iterator[datetime]:
    """Make ``instant`` the engine's "now" on this thread for the duration of the block."""
    previous = getattr(_pinned, "instant", None)
    _pinned.instant = as_utc(instant)
    try:
        yield _pinned.instant
    finally:
        _pinned.instant = previous


def pinned_now() -> datetime:
    instant = getattr(_pinned, "instant", None)
    if instant is None:
        raise RuntimeError("the engine read the time outside a pinned operation")
    return instant


# SpiffWorkflow fires a timer only when its due instant is strictly before now. Legal
# deadlines are exclusive ("before 12:00": a submission at 12:00:00 is late), so at
# 12:00:00 the timer must fire. Every due instant SpiffWorkflow parses is read one
# microsecond earlier, which turns its ``due < now`` into ``due <= now`` at microsecond
# resolution, while ``now`` (and so every computed duration) stays exact.
_SPIFF_EPSILON = timedelta(microseconds=1)


class _SpiffDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        instant = pinned_now()
        return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    @classmethod
    def fromisoformat(cls, text):
        return datetime.fromisoformat(text) - _SPIFF_EPSILON


_spiff_timer.datetime = _SpiffDatetime
