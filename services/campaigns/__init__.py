"""The commune campaign: units propose the talent they need before the cutoff, the
Culture-Society Office aggregates, the chair approves and the dispatch to the city is recorded
(docs/processes.md).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.campaigns._campaigns import (
    CAMPAIGN_PROCESS,
    COUNTED,
    CampaignRequest,
    accept_late_proposal,
    board_actions,
    boards_of,
    campaign_for_board,
    counted_lines,
    current_aggregation,
    default_deadlines,
    field_titles,
    get_campaign,
    line_columns,
    open_campaign,
    opening_choices,
    register,
    remind_silent_units,
    return_proposal,
    unit_statuses,
    unit_view,
)
from services.campaigns._dispatch import dispatch_of
from services.campaigns._models import Campaign, ProposalLine, UnitProposal

__all__ = [
    "CAMPAIGN_PROCESS",
    "COUNTED",
    "Campaign",
    "CampaignRequest",
    "ProposalLine",
    "UnitProposal",
    "accept_late_proposal",
    "board_actions",
    "boards_of",
    "campaign_for_board",
    "counted_lines",
    "current_aggregation",
    "default_deadlines",
    "dispatch_of",
    "field_titles",
    "get_campaign",
    "line_columns",
    "open_campaign",
    "opening_choices",
    "register",
    "remind_silent_units",
    "return_proposal",
    "unit_statuses",
    "unit_view",
]
