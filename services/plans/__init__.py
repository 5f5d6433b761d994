"""Plans (kế hoạch) and resolutions whose working part is an assignment table: imported
from their document, their tasks' times as rules on the legal calendar (docs/plans.md).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

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
    set_follow_up,
    set_lead,
    set_time,
)
from services.plans._import import Deliverable, ImportedPlan, ImportedTask, UnitRef, import_plan
from services.plans._models import Plan, PlanDeliverable, PlanTask, PlanTaskUnit
from services.plans._time_rules import RULE_WORDS, Due, TimeRule, due_dates, is_past, parse

__all__ = [
    "RULE_WORDS",
    "add_organisation",
    "confirm_units",
    "Deliverable",
    "draft_for",
    "draft_view",
    "Due",
    "due_dates",
    "import_plan",
    "ImportedPlan",
    "ImportedTask",
    "is_past",
    "keep_import",
    "may_manage_plans",
    "missing_clarity",
    "ORGANISATION_KINDS",
    "parse",
    "Plan",
    "PlanDeliverable",
    "plans_for",
    "PlanTask",
    "PlanTaskUnit",
    "province_units",
    "set_follow_up",
    "set_lead",
    "set_time",
    "TaskView",
    "TimeRule",
    "UnitRef",
]
