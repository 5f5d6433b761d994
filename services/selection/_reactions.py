"""What selection does when the engine records its events, in the order the engine runs them."""

from __future__ import annotations

from engine.runtime import WorkflowRuntime
from services.selection import _candidacy, _rounds


def register(runtime: WorkflowRuntime) -> None:
    # candidacy first: rounds reacts to what it records.
    _candidacy.register(runtime)
    _rounds.register(runtime)
