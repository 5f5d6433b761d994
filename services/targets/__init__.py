"""The targets of Resolution 17-NQ/TU (docs/targets.md): each as data, measured from the
talent database or from the figures officers enter, on a dashboard per city and commune.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.targets._catalogue import CITY, COMMUNE, COUNT, MEASURES, SHARE, TARGETS, Measure, Target
from services.targets._dashboard import (
    FIRST_YEAR,
    STATUS_WORDS,
    Dashboard,
    Point,
    TargetView,
    UnitPart,
    compare_communes,
    dashboard,
    drill_down,
    is_leader,
    may_enter,
    may_see_targets,
    scope_for,
    scopes_for,
)
from services.targets._figures import FigureRow, enter_figure, entered_measures, figure_history
from services.targets._measures import PersonRow, Scope, cut_off
from services.targets._models import TargetFigure

__all__ = [
    "CITY",
    "COMMUNE",
    "COUNT",
    "FIRST_YEAR",
    "MEASURES",
    "SHARE",
    "STATUS_WORDS",
    "TARGETS",
    "Dashboard",
    "FigureRow",
    "Measure",
    "PersonRow",
    "Point",
    "Scope",
    "Target",
    "TargetFigure",
    "TargetView",
    "UnitPart",
    "compare_communes",
    "cut_off",
    "dashboard",
    "drill_down",
    "enter_figure",
    "entered_measures",
    "figure_history",
    "is_leader",
    "may_enter",
    "may_see_targets",
    "scope_for",
    "scopes_for",
]
