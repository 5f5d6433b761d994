"""The instance viewer: the diagram with the path taken and the current tasks, the data,
the history, the parent that started it and the children it started (counted by status,
listed a page at a time, ?call=<list>&state=<status>&page=<n>); and the admin actions on
an instance, migration included."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import EngineError
from services import process_admin
from services.common.errors import InvalidInput
from services.identity import role_word
from web import refusals
from web.admin import bp
from web.context import services
from web.i18n import say


def audit_words() -> dict[str, str]:
    """What the administration history of an instance records, in words."""
    return {
        "instance.start": _("Started"),
        "instance.suspend": _("Suspended"),
        "instance.resume": _("Resumed"),
        "instance.retry": _("Run again"),
        "instance.cancel": _("Cancelled"),
        "instance.migrate": _("Migrated to another version"),
    }


def action_labels() -> dict[str, str]:
    return {"suspend": _("Suspend"), "resume": _("Resume"), "retry": _("Retry"), "cancel": _("Cancel")}


def call_status_labels() -> dict[str, str]:
    return {
        "running": _("Waiting for its children"),
        "joining": _("Children done, the caller is about to go on"),
        "joined": _("Done: the caller went on"),
        "cancelled": _("Stopped: no longer waiting for its children"),
    }


def ignored_parameters(family: process_admin.Family) -> list[str]:
    """Why the query's parameters that the viewer did not understand were set aside."""
    notices = []
    if "call" in family.ignored:
        notices.append(
            _(
                "This instance has no list of children «%(value)s»: each list shows its first page.",
                value=family.ignored["call"],
            )
        )
    if "state" in family.ignored:
        notices.append(
            _(
                "«%(value)s» is not a status: children of every status are shown.",
                value=family.ignored["state"],
            )
        )
    if "page" in family.ignored:
        notices.append(
            _("«%(value)s» is not a page number: the first page is shown.", value=family.ignored["page"])
        )
    if "page_beyond" in family.ignored:
        notices.append(
            _("There is no page %(value)s: the last page is shown.", value=family.ignored["page_beyond"])
        )
    return notices


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int):
    svc = services()
    with svc.db.read() as session:
        page = process_admin.instance_page(session, svc.runtime, instance_id)
        family = process_admin.family(
            session,
            svc.runtime,
            instance_id,
            call=request.args.get("call"),
            state=request.args.get("state"),
            page=request.args.get("page"),
        )
        cycle = process_admin.cycle(session, svc.runtime, instance_id)
    return render_template(
        "admin/instance.html",
        page=page,
        family=family,
        cycle=cycle,
        child_states=process_admin.CHILD_STATES,
        call_statuses=call_status_labels(),
        ignored=ignored_parameters(family),
        actions=action_labels(),
        audit_words=audit_words(),
        role_word=role_word,
        data_json=json.dumps(page.state.data, ensure_ascii=False, indent=2, sort_keys=True),
    )


@bp.get("/instances/<int:instance_id>/cancel")
def cancel_confirmation(instance_id: int):
    """Before a cancel: what it closes, who is told, and the reason to give them."""
    svc = services()
    with svc.db.read() as session:
        page = process_admin.instance_page(session, svc.runtime, instance_id)
        closing = process_admin.cancel_preview(session, instance_id, svc.clock.now())
    refused = refusals.kept()
    return render_template(
        "admin/cancel.html",
        page=page,
        closing=closing,
        reason=refused.get("reason", ""),
        errors=refused.get("errors", {}),
    )


@bp.post("/instances/<int:instance_id>/actions/<action>")
def instance_action(instance_id: int, action: str):
    svc = services()
    reason = request.form.get("reason")
    try:
        with svc.db.transaction() as session:
            process_admin.act(
                session, svc.runtime, current_user.id, instance_id, action, svc.clock.now(), reason
            )
        flash(_("Done: %(action)s.", action=action_labels().get(action, action)))
    except InvalidInput as invalid:  # back to the confirmation, what was typed kept
        return refusals.refuse(
            url_for("admin.cancel_confirmation", instance_id=instance_id),
            reason=reason or "",
            errors={invalid.field: refusals.field_message(invalid)},
        )
    except EngineError as error:
        flash(_("Refused: %(reason)s", reason=say(error.message)))
    return redirect(url_for("admin.instance", instance_id=instance_id))


@bp.get("/instances/<int:instance_id>/migrate")
def migration_preview(instance_id: int):
    svc = services()
    version = request.args.get("to", type=int)
    if version is None:
        flash(_("Choose the version to migrate to."))
        return redirect(url_for("admin.instance", instance_id=instance_id))
    with svc.db.read() as session:
        page = process_admin.instance_page(session, svc.runtime, instance_id)
        plan = process_admin.migration_plan(session, svc.runtime, instance_id, version)
    return render_template("admin/migrate.html", page=page, plan=plan, version=version)


@bp.post("/instances/<int:instance_id>/migrate")
def migrate(instance_id: int):
    svc = services()
    version = request.form.get("to", type=int)
    try:
        with svc.db.transaction() as session:
            process_admin.migrate(
                session, svc.runtime, current_user.id, instance_id, version or 0, svc.clock.now()
            )
        flash(_("Migrated to version %(version)d.", version=version))
    except EngineError as error:
        flash(_("Migration refused; nothing changed: %(reason)s", reason=say(error.message)))
    return redirect(url_for("admin.instance", instance_id=instance_id))
