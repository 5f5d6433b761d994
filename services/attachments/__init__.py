"""Attachments: see docs/working-together.md.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.attachments import _models  # noqa: F401  (registers the tables)
from services.attachments._attachments import (
    AttachmentView,
    FieldFiles,
    attach,
    check_completion,
    content_for,
    file_fields,
    file_of,
    history_steps,
    of_case,
    purge_expired,
    register,
    request_limit,
    request_limit_of_task,
)
from services.attachments._models import CaseAttachment

__all__ = [
    "AttachmentView",
    "CaseAttachment",
    "FieldFiles",
    "attach",
    "check_completion",
    "content_for",
    "file_fields",
    "file_of",
    "history_steps",
    "of_case",
    "purge_expired",
    "register",
    "request_limit",
    "request_limit_of_task",
]
