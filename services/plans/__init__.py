"""Plans (kế hoạch) and resolutions whose working part is an assignment table: imported
from their document, their tasks' times as rules on the legal calendar (docs/plans.md).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.plans import _models  # noqa: F401  (registers the tables)
from services.plans._board import (
    ROLE_WORDS,
    STANDING_WORDS,
    STANDINGS,
    Board,
    BoardTask,
    ExportTask,
    UnitLine,
    board,
    board_task,
    export_rows,
)
from services.plans._drafts import (
    ORGANISATION_KINDS,
    TaskView,
    add_organisation,
    confirm_units,
    draft_for,
    draft_view,
    keep_import,
    may_manage_plans,
    missing_clarity,
    plans_for,
    province_units,
    set_approver,
    set_follow_up,
    set_lead,
    set_time,
)
from services.plans._follow import register
from services.plans._import import Deliverable, ImportedPlan, ImportedTask, UnitRef, import_plan
from services.plans._issue import Amendment, NewTask, amend_plan, issue_plan, record_event
from services.plans._models import Plan, PlanAmendment, PlanDeliverable, PlanReport, PlanTask, PlanTaskUnit
from services.plans._time_rules import RULE_WORDS, Due, TimeRule, due_dates, is_past, parse

__all__ = [
    "add_organisation",
    "amend_plan",
    "Amendment",
    "Board",
    "board",
    "board_task",
    "BoardTask",
    "confirm_units",
    "Deliverable",
    "draft_for",
    "draft_view",
    "Due",
    "due_dates",
    "export_rows",
    "ExportTask",
    "import_plan",
    "ImportedPlan",
    "ImportedTask",
    "is_past",
    "issue_plan",
    "keep_import",
    "may_manage_plans",
    "missing_clarity",
    "NewTask",
    "ORGANISATION_KINDS",
    "parse",
    "Plan",
    "PlanAmendment",
    "PlanDeliverable",
    "PlanReport",
    "plans_for",
    "PlanTask",
    "PlanTaskUnit",
    "province_units",
    "record_event",
    "register",
    "ROLE_WORDS",
    "RULE_WORDS",
    "set_approver",
    "set_follow_up",
    "set_lead",
    "set_time",
    "STANDING_WORDS",
    "STANDINGS",
    "TaskView",
    "TimeRule",
    "UnitLine",
    "UnitRef",
]
