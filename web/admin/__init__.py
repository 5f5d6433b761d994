"""The admin area: process definitions and their versions, the BPMN editor, uploads and
downloads, version diffs, the instance viewer with its actions, and user accounts
(sessions, sign-in unlock, disabling)."""

from web.admin import accounts, instances, processes  # noqa: F401  (their routes register on bp)
from web.admin.blueprint import bp

__all__ = ["bp"]
