"""A task's page: instructions, its form rendered from the JSON Schema, the case's
history; submit, save a draft, add a row. Invalid input comes back with each error
next to its field and everything typed kept."""

from __future__ import annotations

import re
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from engine.errors import ContractBroken, DeadlinePassed, FormInvalid
from services import documents, work
from services.identity import AppUser
from web import refusals
from web.context import services
from web.i18n import say
from web.work import (
    attachments as attachment_parts,
    case_view,
    comments as comment_parts,
    delegation as delegation_parts,
    recall as recall_parts,
)
from web.work.form_fields import data_from, fields_of

bp = Blueprint("task_page", __name__)
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):
    svc, refused = services(), refusals.kept()
    with svc.db.read() as session:
        user = session.get(AppUser, current_user.id)
        task = work.visible_task(session, user, task_id)
        draft = work.draft_of(session, user, task_id)
        # loaded once for the form and the page
        case_data = work.case_values(
            session, svc.runtime, task, svc.runtime.task_data(session, task.id), svc.clock.now()
        )
        data = draft.data if draft else _prefill(session, svc, task, case_data)
    return _render(
        task,
        data,
        refused.get("errors", {}),
        extra_rows=1 if request.args.get("rows") == "1" else 0,
        draft_saved_at=draft.saved_at if draft else None,
        case_data=case_data,
    )


@bp.post("/tasks/<task_id>")
@login_required
def submit(task_id: str):
    svc = services()
    action = request.form.get("action", "submit")
    with svc.db.read() as session:
        task = work.visible_task(session, session.get(AppUser, current_user.id), task_id)
        data = data_from(work.form_of(session, svc.runtime, task), request.form)
    # Files first, each its field's next version: a refusal below keeps them in the draft.
    stored, refused_files = attachment_parts.store_uploads(svc, task_id)
    data.update(stored)
    if refused_files:
        _keep_as_draft(svc, task_id, data)
        return refusals.refuse(url_for("task_page.show", task_id=task_id), errors=refused_files)
    if action in ("add_row", "save_draft"):  # what was typed is kept as the draft, then the page again
        _keep_as_draft(svc, task_id, data)
        if action == "add_row":
            return redirect(url_for("task_page.show", task_id=task_id, rows=1))
        flash(_("Draft saved. Nothing is sent until you submit."))
        return redirect(url_for("task_page.show", task_id=task_id))
    try:
        change = work.complete_task(svc.db, svc.runtime, current_user.username, task_id, data)
    except (
        FormInvalid
    ) as invalid:  # the page again, what was typed kept as the draft, each error by its field
        _keep_as_draft(svc, task_id, data)
        return refusals.refuse(
            url_for("task_page.show", task_id=task_id),
            errors={error.field: say(error.message) for error in invalid.errors},
        )
    except ContractBroken as halted:  # the service kept what was typed as the draft
        return refusals.refuse(url_for("task_page.show", task_id=task_id), errors={"": say(halted.message)})
    except DeadlinePassed as late:  # its deadline closed the task instead: the page shows it closed, and why
        flash(say(late.message))
        return redirect(url_for("task_page.show", task_id=task_id))
    with svc.db.read() as session:
        flash(_confirmation(task, work.outcome_of(session, svc.runtime, task, data, change)))
    return redirect(url_for("inbox.inbox"))


def _keep_as_draft(svc, task_id: str, data: dict) -> None:
    with svc.db.transaction() as session:
        work.save_draft(session, session.get(AppUser, current_user.id), task_id, data, svc.clock.now())


def _confirmation(task, outcome: work.Outcome) -> str:
    """What happened, in words: the choice made, where the case went and to whom."""
    said = [_("You chose “%(decision)s”.", decision=outcome.decision)] if outcome.decision else []
    said += [
        _("“%(task)s” now goes to %(who)s.", task=title, who=", ".join(holders) or _("nobody yet"))
        for title, holders in outcome.next_steps
    ]
    said += [_("The case ended: “%(outcome)s”.", outcome=end) for end in outcome.ended]
    return " ".join(said) or _("Submitted: “%(title)s”.", title=task.title)


@bp.get("/tasks/<task_id>/documents/<int:document_id>")
@login_required
def document(task_id: str, document_id: int):
    """A document the case hands to whoever may see the task (the commitment to sign...)."""
    svc = services()
    with svc.db.read() as session:
        task = work.visible_task(session, session.get(AppUser, current_user.id), task_id)
        if document_id not in _document_ids(svc.runtime.task_data(session, task.id)):
            abort(404)
        stored = documents.get(session, document_id)
        content, media_type = stored.content, stored.media_type
        filename = documents.named_as(stored.filename, media_type)
    return send_file(BytesIO(content), as_attachment=True, download_name=filename, mimetype=media_type)


def _render(
    task, data: dict, errors: dict, extra_rows: int = 0, draft_saved_at=None, case_data: dict | None = None
):
    svc = services()
    with svc.db.read() as session:
        schema = work.form_of(session, svc.runtime, task)
        user = session.get_one(AppUser, current_user.id)
        history = work.history(session, task.instance_id, user)
        # Each feature of the page gives what its part of task.html shows.
        parts = {
            key: value
            for feature in (attachment_parts, comment_parts, delegation_parts, recall_parts)
            for key, value in feature.task_page_parts(session, svc, user, task).items()
        }
        if case_data is None:
            case_data = work.case_values(
                session, svc.runtime, task, svc.runtime.task_data(session, task.id), svc.clock.now()
            )
        instructions = _instructions(session, svc, task, case_data)
        case = work.case_of(session, svc.runtime, task, case_data)
        attachments = [
            (stored.id, stored.filename)
            for stored in (documents.get(session, document_id) for document_id in _document_ids(case_data))
        ]
    fields = fields_of(schema, data, errors, extra_rows, files=parts.get("form_files"))
    marked = [made.name for made in _walk(fields) if made.error]
    page = render_template(
        "task.html",
        task=task,
        schema=schema,
        fields=fields,
        # The summary lists the marked fields in the form's order, then what no field shows.
        form_errors={name: errors[name] for name in [*marked, *errors] if name in errors},
        # The engine's messages name their field already: the links need no label.
        error_targets={name: (name, "") for name in marked},
        history=history,
        instructions=instructions,
        draft_saved_at=draft_saved_at,
        attachments=attachments,
        case=case_view.entries(*case) if case else [],
        **parts,
    )
    return page


def _walk(fields):
    """The fields and, for a group, the fields of each of its rows, in the page's order."""
    for made in fields:
        yield made
        for row in made.rows:
            yield from _walk(row)


def _document_ids(data: dict) -> list[int]:
    """The documents a case names in its data: values of keys ending in ``document_id``."""
    return [
        value
        for key, value in data.items()
        if key.endswith("document_id") and isinstance(value, int) and not isinstance(value, bool)
    ]


def _prefill(session, svc, task, data: dict) -> dict:
    """What the form starts with: the case values (task data, and what a capability keeps
    for the task) the form's fields name."""
    if task.status != "ready":
        return task.completed_data or {}
    fields = work.form_of(session, svc.runtime, task).get("properties", {})
    prefilled = {name: value for name, value in data.items() if name in fields}
    if "lines" in fields and "lines" not in prefilled and data.get("previous_lines"):
        prefilled["lines"] = data["previous_lines"]  # a returned proposal starts from what was sent
    return prefilled


def _instructions(session, svc, task, data: dict) -> Markup:
    """The task's documentation with {{ name }} filled from the case's data (escaped)."""
    text = work.instructions_of(session, svc.runtime, task)
    return Markup(
        _PLACEHOLDER.sub(lambda match: str(escape(data.get(match.group(1), ""))), str(escape(text)))
    )
