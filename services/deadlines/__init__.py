"""The legal calendar (working days, holidays, confirmation of each year), reminders and
escalations of missed deadlines, and the daily digest.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.deadlines._calendar import (
    DAY_OFF,
    WORKING_DAY,
    CalendarSource,
    confirm_year,
    confirmation,
    entries,
    remind_to_confirm_next_year,
    set_day,
    suggestions,
    unset_day,
)
from services.deadlines._digest import send_daily_digest
from services.deadlines._escalations import (
    AlertRun,
    escalations_of,
    highest_levels,
    register,
    replan_reminders,
    send_due_alerts,
)
from services.deadlines._models import Escalation

__all__ = [
    "AlertRun",
    "CalendarSource",
    "DAY_OFF",
    "Escalation",
    "WORKING_DAY",
    "confirm_year",
    "confirmation",
    "entries",
    "escalations_of",
    "highest_levels",
    "register",
    "remind_to_confirm_next_year",
    "replan_reminders",
    "send_daily_digest",
    "send_due_alerts",
    "set_day",
    "suggestions",
    "unset_day",
]
