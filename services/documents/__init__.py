"""Stored documents (PDF, DOCX, images) and the subjects they belong to.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.documents._documents import DOCX, JPEG, PDF, PNG, get, named_as, of_subject, store
from services.documents._models import StoredDocument
from services.documents._sniffing import SNIFFED, clean_filename, holds_markup, media_type_of

__all__ = [
    "DOCX",
    "JPEG",
    "PDF",
    "PNG",
    "SNIFFED",
    "StoredDocument",
    "clean_filename",
    "get",
    "holds_markup",
    "media_type_of",
    "named_as",
    "of_subject",
    "store",
]
