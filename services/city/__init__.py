"""The city's consolidation of the communes' submissions (Sở Nội vụ).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.city._consolidation import (
    approved_lines,
    city_round_for_board,
    consolidated_list,
    may_see_city_round,
    register,
    rounds_for,
    submissions_of,
)
from services.city._models import CityRound

__all__ = [
    "CityRound",
    "approved_lines",
    "city_round_for_board",
    "consolidated_list",
    "may_see_city_round",
    "register",
    "rounds_for",
    "submissions_of",
]
