"""Delegation: see docs/working-together.md.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.delegation import _models  # noqa: F401  (registers the tables)
from services.delegation._absences import (
    REASON_MAX,
    absences_of,
    cancel_absence,
    declare_absence,
    possible_delegates,
    process_choices,
    register,
    route_new_tasks,
)
from services.delegation._delegation import colleagues_for, delegate_task, holds_now
from services.delegation._models import Absence

__all__ = [
    "REASON_MAX",
    "Absence",
    "absences_of",
    "cancel_absence",
    "colleagues_for",
    "declare_absence",
    "delegate_task",
    "holds_now",
    "possible_delegates",
    "process_choices",
    "register",
    "route_new_tasks",
]
