"""The yearly evaluation of the talent list and the breaches of a commitment.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.evaluation._breaches import BREACHABLE, TRIGGERS, breaches_of, may_report, report_breach
from services.evaluation._evaluations import open_due_rounds, years_after
from services.evaluation._models import Breach
from services.evaluation._reactions import register

__all__ = [
    "BREACHABLE",
    "Breach",
    "TRIGGERS",
    "breaches_of",
    "may_report",
    "open_due_rounds",
    "register",
    "report_breach",
    "years_after",
]
