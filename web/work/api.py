"""Tasks over the API: the caller's inbox, one task with its form, claim, release, complete."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.db import MAX_ID
from engine.errors import FormInvalid, NotFound
from services import deadlines, work
from services.common.errors import PermissionDenied
from services.identity import AppUser
from web.api.auth import current_user, services
from web.api.errors import error_response
from web.api.fields import UtcDateTime
from web.i18n import say

blp = Blueprint("tasks", __name__, description="Công việc của người dùng")


class InboxArgs(Schema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=work.MAX_SEARCH),
        metadata={"description": "words of the case's title, its unit's or its process's name"},
    )
    queue = fields.String(load_default="all", validate=validate.OneOf(work.QUEUES))
    process = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "process keys, repeated: a task of any of them"},
    )
    campaign = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    due = fields.String(load_default=None, validate=validate.OneOf(work.DUE_FILTERS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    process_key = fields.String()
    task_name = fields.String()
    title = fields.String()
    lane = fields.String()
    status = fields.String()
    due_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    assignee_id = fields.Integer(allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class DoneArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=work.MAX_SEARCH))
    process = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


class DoneTaskSchema(TaskSchema):
    completed_at = UtcDateTime()


class DoneSchema(Schema):
    items = fields.List(fields.Nested(DoneTaskSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


class EscalationSchema(Schema):
    level = fields.Integer()
    action = fields.String()
    escalated_at = UtcDateTime()


class CaseSchema(Schema):
    schema = fields.Dict(
        metadata={"description": "the JSON Schema of the case: titles and the words of choices"}
    )
    data = fields.Dict(metadata={"description": "the case's values the schema names"})


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(metadata={"description": "the JSON Schema of the task's form"})
    case = fields.Nested(
        CaseSchema,
        allow_none=True,
        metadata={"description": "what the task decides on, as its process declares"},
    )
    escalations = fields.List(fields.Nested(EscalationSchema))


class CompleteSchema(Schema):
    data = fields.Dict(required=True, metadata={"description": "the form's data, as its JSON Schema says"})


class CompletedSchema(Schema):
    instance_id = fields.Integer()
    instance_status = fields.String()
    opened_tasks = fields.List(fields.Nested(TaskSchema))


def _plain(task) -> dict:
    """The task's fields as values, readable after its session has closed."""
    return {name: getattr(task, name) for name in TaskSchema().fields}


def _user(session) -> AppUser:
    return session.get(AppUser, current_user().id)


@blp.get("")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxSchema)
def inbox(args: dict):
    """The caller's open tasks, sorted by due date, one page (at most 100)."""
    svc = services()
    query = work.InboxQuery(
        queue=args["queue"],
        process_keys=tuple(args["process"]),
        campaign_id=args["campaign"],
        due=args["due"],
        q=" ".join(args["q"].split()),
        page=args["page"],
        per_page=args["per_page"],
    )
    with svc.db.read() as session:
        page = work.inbox(session, _user(session), query, svc.clock.now())
    return {
        "items": page.tasks,
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "counts": page.counts,
    }


@blp.get("/done")
@blp.arguments(DoneArgs, location="query")
@blp.response(200, DoneSchema)
def done(args: dict):
    """The tasks the caller completed, newest first, one page (at most 100)."""
    svc = services()
    query = work.InboxQuery(
        view="done",
        process_keys=tuple(args["process"]),
        q=" ".join(args["q"].split()),
        page=args["page"],
        per_page=args["per_page"],
    )
    with svc.db.read() as session:
        page = work.done(session, _user(session), query)
    return {"items": page.tasks, "total": page.total, "page": page.page, "pages": page.pages}


@blp.get("/<task_id>")
@blp.response(200, TaskDetailSchema)
def show(task_id: str):
    """One task the caller may see, with its form, the case it decides on and its escalations."""
    svc = services()
    with svc.db.read() as session:
        task = work.visible_task(session, _user(session), task_id)
        form = work.form_of(session, svc.runtime, task)
        values = work.case_values(
            session, svc.runtime, task, svc.runtime.task_data(session, task.id), svc.clock.now()
        )
        case = work.case_of(session, svc.runtime, task, values)
        shown = {
            **_plain(task),
            "form": form,
            "case": {"schema": case[0], "data": case[1]} if case else None,
            "escalations": deadlines.escalations_of(session, [task.id])[task.id],
        }
    return shown


@blp.post("/<task_id>/claim")
@blp.response(200, TaskSchema)
def claim(task_id: str):
    """Take an open task of one's queue."""
    with services().db.transaction() as session:
        return _plain(work.claim(session, _user(session), task_id))


@blp.post("/<task_id>/release")
@blp.response(200, TaskSchema)
def release(task_id: str):
    """Give a claimed task back to its queue."""
    with services().db.transaction() as session:
        return _plain(work.release(session, _user(session), task_id))


@blp.post("/<task_id>/complete")
@blp.arguments(CompleteSchema)
@blp.response(200, CompletedSchema)
def complete(body: dict, task_id: str):
    """Submit the task's form. Invalid data: 422 with an error per field, nothing saved."""
    svc, user = services(), current_user()
    try:
        change = work.complete_task(svc.db, svc.runtime, user.username, task_id, body["data"])
    except PermissionDenied:  # another unit's or role's task: as if it did not exist
        raise NotFound(f"no task {task_id} for {user.username}") from None
    except FormInvalid as invalid:
        fields_ = {}
        for error in invalid.errors:
            fields_.setdefault(error.field or "data", []).append(say(error.message))
        return error_response(422, invalid.code, _("The form has errors."), fields_)
    return {
        "instance_id": change.instance.id,
        "instance_status": change.instance.status,
        "opened_tasks": [vars(task) for task in change.opened_tasks],
    }
