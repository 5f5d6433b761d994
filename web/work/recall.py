"""Recall on a task's page (docs/working-together.md): the officer who sent a task takes
it back while the next step has not acted on it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import ContractBroken, NotRecallable
from services import work
from services.common.errors import PermissionDenied
from web.context import services
from web.i18n import say

bp = Blueprint("task_recall", __name__)


@bp.post("/tasks/<task_id>/recall")
@login_required
def recall(task_id: str):
    svc = services()
    try:
        change = work.recall(svc.db, svc.runtime, current_user.username, task_id)
    except PermissionDenied:  # someone else's completion: as if there were nothing here
        abort(404)
    except (NotRecallable, ContractBroken) as refused:  # the page shows where the case stands
        flash(say(refused.message))
        return redirect(url_for("task_page.show", task_id=task_id))
    assert change.recalled_task is not None, "a recall names its task"
    flash(
        _(
            "You took “%(title)s” back: the next step's task is closed. "
            "Change what you sent and submit it again.",
            title=change.recalled_task.title,
        )
    )
    return redirect(url_for("task_page.show", task_id=task_id))


def task_page_parts(session, svc, user, task) -> dict:
    """What web/templates/_task_recall.html shows on the task's page: the button when the
    user sent this task and may still take it back."""
    return {
        "recall_offered": task.status == "completed" and work.recallable(session, svc.runtime, user, task)
    }
