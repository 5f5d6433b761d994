"""An officer's work: the inbox, claiming, drafts, completing a task and the case it decides on.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.work import _models  # noqa: F401  (registers the tables)
from services.work._events import record_task_event
from services.work._inbox import (
    DUE_FILTERS,
    MAX_SEARCH,
    QUEUES,
    VIEWS,
    InboxPage,
    InboxQuery,
    assignee_names,
    counts,
    done,
    inbox,
    process_names,
    queues_of,
)
from services.work._recall import recall, recallable
from services.work._saved_filters import (
    ListedFilter,
    delete_filter,
    save_filter,
    saved_filter,
    saved_filters,
    sharing_units,
)
from services.work._tasks import (
    Outcome,
    case_of,
    case_values,
    claim,
    complete_task,
    draft_of,
    form_of,
    history,
    instructions_of,
    outcome_of,
    release,
    save_draft,
    tasks_for,
    visible_task,
)

__all__ = [
    "InboxPage",
    "ListedFilter",
    "MAX_SEARCH",
    "VIEWS",
    "assignee_names",
    "counts",
    "delete_filter",
    "done",
    "process_names",
    "save_filter",
    "saved_filter",
    "saved_filters",
    "sharing_units",
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
    "recall",
    "recallable",
    "record_task_event",
    "release",
    "save_draft",
    "tasks_for",
    "visible_task",
]
