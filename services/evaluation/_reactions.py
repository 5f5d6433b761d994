"""What evaluation does when the engine records its events, in the order the engine runs them."""

from __future__ import annotations

from engine.runtime import WorkflowRuntime
from services.evaluation import _breaches, _evaluations


def register(runtime: WorkflowRuntime) -> None:
    # evaluations first: breaches reacts to what it records.
    _evaluations.register(runtime)
    _breaches.register(runtime)
