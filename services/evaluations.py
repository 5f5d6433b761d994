"""(being built: see issue 6)"""
from __future__ import annotations

from engine.runtime import WorkflowRuntime


def register(runtime: WorkflowRuntime) -> None:
    """Listen to this module's processes (none yet)."""


def open_due_rounds(session, runtime: WorkflowRuntime, at) -> int:
    """Open the yearly evaluations that are due at ``at``; returns how many were opened."""
    return 0
