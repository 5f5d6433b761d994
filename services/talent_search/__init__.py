"""The talent database as officers search it: who may see whom, and the search itself.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.talent_search._search import (
    TalentQuery,
    forget_expired_lookups,
    is_citizen_id_query,
    may_record_training,
    may_search,
    person_record,
    record_training,
    search,
)

__all__ = [
    "TalentQuery",
    "forget_expired_lookups",
    "is_citizen_id_query",
    "may_record_training",
    "may_search",
    "person_record",
    "record_training",
    "search",
]
