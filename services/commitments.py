"""(being built: see issue 6)"""
from __future__ import annotations

from engine.runtime import WorkflowRuntime


def register(runtime: WorkflowRuntime) -> None:
    """Listen to this module's processes (none yet)."""
