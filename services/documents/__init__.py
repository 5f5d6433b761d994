"""Stored documents (PDF, DOCX, images) and the subjects they belong to.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.documents._documents import DOCX, JPEG, PDF, PNG, get, named_as, of_subject, store
from services.documents._models import StoredDocument

__all__ = ["DOCX", "JPEG", "PDF", "PNG", "StoredDocument", "get", "named_as", "of_subject", "store"]
