"""The commitment each selected person signs, its support entitlements and refunds.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.commitments._commitments import (
    CATEGORY_TITLES,
    MAX_SCAN_BYTES,
    ONE_TIME,
    commitment_document_for,
    commitment_view,
    get_commitment,
    record_signed_scan,
    register,
    stop_support,
    terms_of,
)
from services.commitments._models import Commitment, SupportEntitlement

__all__ = [
    "ONE_TIME",
    "stop_support",
    "terms_of",
    "CATEGORY_TITLES",
    "Commitment",
    "MAX_SCAN_BYTES",
    "SupportEntitlement",
    "commitment_document_for",
    "commitment_view",
    "get_commitment",
    "record_signed_scan",
    "register",
]
