"""The admin area: process definitions and their versions, the BPMN editor, uploads and
downloads, version diffs, and the instance viewer with its actions."""
from web.admin import instances, processes  # noqa: F401  (their routes register on bp)
from web.admin.blueprint import bp

__all__ = ["bp"]
