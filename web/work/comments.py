"""Comments on a task's page (docs/working-together.md): read the case's comments one may
read, write one, withdraw one's own.

A refused comment comes back to the task's page with its error and what was typed, through
the session like web/refusals.py (POST-redirect-GET). It has its own key because the task
page's GET takes the refusal of its own form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session as browser_session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate

from services import comments, work
from services.common.errors import Conflict, InvalidInput
from services.identity import AppUser
from web import refusals
from web.api import auth as api_auth
from web.api.fields import UtcDateTime
from web.context import services
from web.i18n import say

bp = Blueprint("task_comments", __name__)
api_bp = ApiBlueprint("task_comments_api", __name__, description="Ý kiến trên hồ sơ của công việc")
_KEY = "refused_comment"


@bp.post("/tasks/<task_id>/comments")
@login_required
def post(task_id: str):
    svc = services()
    body = request.form.get("body", "")
    audience = comments.CASE if request.form.get("audience") == comments.CASE else comments.UNIT
    try:
        with svc.db.transaction() as session:
            user = session.get_one(AppUser, current_user.id)
            task = work.visible_task(session, user, task_id)
            comments.post(session, user, task, body, audience, svc.clock.now())
    except InvalidInput as invalid:
        return _refuse(task_id, invalid, body=body[: 2 * comments.MAX_BODY], audience=audience)
    flash(_("Your comment was posted."))
    return redirect(url_for("task_page.show", task_id=task_id, _anchor="comments"))


@bp.post("/tasks/<task_id>/comments/<int:comment_id>/withdraw")
@login_required
def withdraw(task_id: str, comment_id: int):
    svc = services()
    reason = request.form.get("reason", "")
    try:
        with svc.db.transaction() as session:
            user = session.get_one(AppUser, current_user.id)
            task = work.visible_task(session, user, task_id)
            comments.withdraw(session, user, task.instance_id, comment_id, reason, svc.clock.now())
    except InvalidInput as invalid:
        return _refuse(task_id, invalid, withdrawing=comment_id, reason=reason[: 2 * comments.MAX_REASON])
    except Conflict as done:  # withdrawn meanwhile (another tab): the page shows it so
        flash(say(done.message))
    else:
        flash(_("Your comment was withdrawn."))
    return redirect(url_for("task_page.show", task_id=task_id, _anchor="comments"))


def _refuse(task_id: str, invalid: InvalidInput, **typed):
    browser_session[_KEY] = {
        "task_id": task_id,
        "errors": {invalid.field: refusals.field_message(invalid)},
        **typed,
    }
    return redirect(url_for("task_page.show", task_id=task_id, _anchor="comments"))


def _kept(task_id: str) -> dict:
    """What a refused comment form left for this task's page, once."""
    stored = browser_session.get(_KEY)
    if not stored or stored.get("task_id") != task_id:
        return {}
    browser_session.pop(_KEY)
    return stored


def task_page_parts(session, svc, user, task) -> dict:
    """What web/templates/_task_comments.html shows on the task's page."""
    kept = _kept(task.id)
    return {
        "case_comments": comments.readable(session, task.instance_id, user),
        "comment_errors": kept.get("errors", {}),
        "comment_typed": kept,
        "comment_max": comments.MAX_BODY,
        "comment_reason_max": comments.MAX_REASON,
    }


# -- the API: /api/v1/tasks/<task_id>/comments ---------------------------------------


class CommentSchema(Schema):
    id = fields.Integer()
    created_at = UtcDateTime(attribute="at")
    author = fields.String()
    role = fields.Function(lambda comment: say(comment.role), metadata={"type": "string"})
    unit = fields.String(allow_none=True)
    audience = fields.String(
        metadata={"description": "unit (internal to the unit) | case (every participant)"}
    )
    body = fields.String(allow_none=True, metadata={"description": "None once withdrawn"})
    withdrawn_at = UtcDateTime(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "why it was withdrawn"})
    own = fields.Boolean(metadata={"description": "written by the caller, who may withdraw it"})


class CommentsSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema))


class PostCommentSchema(Schema):
    body = fields.String(required=True, metadata={"description": f"1 to {comments.MAX_BODY} characters"})
    audience = fields.String(load_default=comments.UNIT, validate=validate.OneOf(comments.AUDIENCES))


class WithdrawCommentSchema(Schema):
    reason = fields.String(required=True, metadata={"description": f"1 to {comments.MAX_REASON} characters"})


def _view(session, task, comment_id: int, user) -> comments.CommentView:
    return next(view for view in comments.readable(session, task.instance_id, user) if view.id == comment_id)


@api_bp.get("/<task_id>/comments")
@api_bp.response(200, CommentsSchema)
def api_list(task_id: str):
    """The comments on the task's case the caller may read, oldest first."""
    with services().db.read() as session:
        user = session.get_one(AppUser, api_auth.current_user().id)
        task = work.visible_task(session, user, task_id)
        return {"items": comments.readable(session, task.instance_id, user)}


@api_bp.post("/<task_id>/comments")
@api_bp.arguments(PostCommentSchema)
@api_bp.response(201, CommentSchema)
def api_post(body: dict, task_id: str):
    """Write a comment on the task's case: internal to the task's unit, or for every participant
    (``audience`` = case). Never edited afterwards."""
    svc = services()
    with svc.db.transaction() as session:
        user = session.get_one(AppUser, api_auth.current_user().id)
        task = work.visible_task(session, user, task_id)
        comment = comments.post(session, user, task, body["body"], body["audience"], svc.clock.now())
        return _view(session, task, comment.id, user)


@api_bp.post("/<task_id>/comments/<int:comment_id>/withdraw")
@api_bp.arguments(WithdrawCommentSchema)
@api_bp.response(200, CommentSchema)
def api_withdraw(body: dict, task_id: str, comment_id: int):
    """Withdraw one's own comment, once, with a reason; its text is never shown again."""
    svc = services()
    with svc.db.transaction() as session:
        user = session.get_one(AppUser, api_auth.current_user().id)
        task = work.visible_task(session, user, task_id)
        comments.withdraw(session, user, task.instance_id, comment_id, body["reason"], svc.clock.now())
        return _view(session, task, comment_id, user)
