"""An officer's work: the inbox, claiming, drafts, completing a task and the case it decides on.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.work import _models  # noqa: F401  (registers the tables)
from services.work._tasks import (
    DUE_FILTERS,
    QUEUES,
    InboxQuery,
    Outcome,
    case_of,
    case_values,
    claim,
    complete_task,
    draft_of,
    form_of,
    history,
    inbox,
    instructions_of,
    outcome_of,
    queues_of,
    release,
    save_draft,
    tasks_for,
    visible_task,
)

__all__ = [
    "DUE_FILTERS",
    "InboxQuery",
    "Outcome",
    "QUEUES",
    "case_of",
    "case_values",
    "claim",
    "complete_task",
    "draft_of",
    "form_of",
    "history",
    "inbox",
    "instructions_of",
    "outcome_of",
    "queues_of",
    "release",
    "save_draft",
    "tasks_for",
    "visible_task",
]
