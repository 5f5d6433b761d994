"""Recall on a task's page (docs/working-together.md)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("task_recall", __name__)


def task_page_parts(session, svc, user, task) -> dict:
    """What web/templates/_task_recall.html shows on the task's page."""
    return {}
