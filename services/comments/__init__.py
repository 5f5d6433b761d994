"""Comments: see docs/working-together.md.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.comments import _models  # noqa: F401  (registers the tables)
from services.comments._comments import (
    AUDIENCES,
    CASE,
    MAX_BODY,
    MAX_REASON,
    UNIT,
    CommentView,
    history_steps,
    post,
    readable,
    withdraw,
)

__all__ = [
    "AUDIENCES",
    "CASE",
    "MAX_BODY",
    "MAX_REASON",
    "UNIT",
    "CommentView",
    "history_steps",
    "post",
    "readable",
    "withdraw",
]
