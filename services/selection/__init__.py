"""Recruitment rounds: candidacy and dossiers, the selection council with its rules, scores
and recusals, the minutes and the decision on the results.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.selection._candidacy import apply, nominate_external, nominate_official
from services.selection._models import Candidate, Council, CouncilSeat, Position, RecruitmentRound
from services.selection._reactions import register
from services.selection._rounds import (
    candidates_of,
    council_view,
    decision_document_of,
    get_round,
    may_manage_rounds,
    may_read_minutes,
    open_round,
    round_view,
    rounds,
)

__all__ = [
    "Candidate",
    "Council",
    "CouncilSeat",
    "Position",
    "RecruitmentRound",
    "apply",
    "candidates_of",
    "council_view",
    "decision_document_of",
    "get_round",
    "may_manage_rounds",
    "may_read_minutes",
    "nominate_external",
    "nominate_official",
    "open_round",
    "register",
    "round_view",
    "rounds",
]
