"""People and their talent status, the talent list, and their personal data: citizen IDs kept
encrypted with a keyed digest for search, consent, retention and purging (docs/personal-data.md).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.people._models import ConsentRecord, Person, TalentListEntry, TalentStatus, TalentTraining
from services.people._personal_data import CitizenIdKeys, load_keys, search_digest
from services.people._talents import (
    STATUSES,
    account_of,
    find_by_citizen_id,
    latest_statuses,
    leave_talent_list,
    name_key,
    person_view,
    purge_unsuccessful,
    record_consent,
    record_status,
    record_training,
    register_person,
)

__all__ = [
    "account_of",
    "leave_talent_list",
    "CitizenIdKeys",
    "ConsentRecord",
    "Person",
    "STATUSES",
    "TalentListEntry",
    "TalentStatus",
    "TalentTraining",
    "find_by_citizen_id",
    "latest_statuses",
    "load_keys",
    "name_key",
    "person_view",
    "purge_unsuccessful",
    "record_consent",
    "record_status",
    "record_training",
    "register_person",
    "search_digest",
]
