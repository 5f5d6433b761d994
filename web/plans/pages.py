"""Plans (docs/plans.md): the list and a plan's document uploaded (imported into a draft);
the draft settled task by task — the units a class stood for confirmed, a lead unit chosen,
an organisation the directory lacks added — with what each task still lacks of the six "rõ";
issued, its monitoring board (also as .xlsx), its amendments and its tasks' events."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import plans
from services.common.errors import InvalidInput
from web import refusals
from web.context import services
from web.converters import query_number
from web.downloads import send_workbook
from web.plans.board_xlsx import board_workbook
from web.refusals import field_message

bp = Blueprint("plans", __name__)

# A plan's document is refused above 10 MB (services.plans); a request far beyond is cut off unread.
MAX_UPLOAD_REQUEST_BYTES = 11 * 1024 * 1024


@bp.context_processor
def words() -> dict:
    return {
        "rule_words": plans.RULE_WORDS,
        "role_words": plans.ROLE_WORDS,
        "standing_words": plans.STANDING_WORDS,
    }


def _allowed() -> None:
    with services().db.read() as session:
        if not plans.may_manage_plans(session, current_user.id):
            abort(404)


@bp.get("/plans")
@login_required
def plan_list():
    _allowed()
    with services().db.read() as session:
        rows = plans.plans_for(session, current_user.id)
    return render_template("plans.html", plans=rows, **refusals.kept())


@bp.post("/plans/import")
@login_required
def import_plan():
    _allowed()
    request.max_content_length = MAX_UPLOAD_REQUEST_BYTES
    file = request.files.get("plan_file")
    here = url_for("plans.plan_list")
    if file is None or not file.filename:
        return refusals.refuse(here, error=_("Choose the plan's .docx file."))
    content, svc = file.read(), services()
    try:
        with svc.db.transaction() as session:
            imported = plans.import_plan(session, content)
            plan_id = plans.keep_import(
                session, svc.clock.now(), current_user.id, imported, content, file.filename
            ).id
    except InvalidInput as error:
        return refusals.refuse(here, error=field_message(error), filename=file.filename)
    return redirect(url_for("plans.plan_page", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>")
@login_required
def plan_page(plan_id: int):
    _allowed()
    with services().db.read() as session:
        plan, notes, tasks = plans.draft_view(session, current_user.id, plan_id)
        units = plans.province_units(session, plan)
    return render_template(
        "plan.html",
        plan=plan,
        notes=notes,
        tasks=tasks,
        units=units,
        organisation_kinds=plans.ORGANISATION_KINDS,
        **refusals.kept(),
    )


@bp.post("/plans/<int:plan_id>/tasks/<int:plan_task_id>/confirm")
@login_required
def confirm_units(plan_id: int, plan_task_id: int):
    _allowed()
    kept = {number for value in request.form.getlist("unit") if (number := query_number(value, None))}
    with services().db.transaction() as session:
        plans.confirm_units(session, current_user.id, plan_id, plan_task_id, kept)
    flash(_("The units of task %(seq)s are confirmed.", seq=request.form.get("seq", "")))
    return redirect(url_for("plans.plan_page", plan_id=plan_id, _anchor=f"task-{plan_task_id}"))


@bp.post("/plans/<int:plan_id>/tasks/<int:plan_task_id>/lead")
@login_required
def set_lead(plan_id: int, plan_task_id: int):
    _allowed()
    here = url_for("plans.plan_page", plan_id=plan_id)
    unit_id = query_number(request.form.get("org_unit_id"), None)
    try:
        if unit_id is None:
            raise InvalidInput("org_unit_id", _("Choose a unit of the plan's province."))
        with services().db.transaction() as session:
            plans.set_lead(session, current_user.id, plan_id, plan_task_id, unit_id)
    except InvalidInput as error:
        return refusals.refuse(
            here, task_error={"plan_task_id": plan_task_id, "message": field_message(error)}
        )
    return redirect(url_for("plans.plan_page", plan_id=plan_id, _anchor=f"task-{plan_task_id}"))


@bp.post("/plans/<int:plan_id>/tasks/<int:plan_task_id>/time")
@login_required
def set_time(plan_id: int, plan_task_id: int):
    _allowed()
    here = url_for("plans.plan_page", plan_id=plan_id)
    try:
        with services().db.transaction() as session:
            plans.set_time(session, current_user.id, plan_id, plan_task_id, request.form.get("time_text", ""))
    except InvalidInput as error:
        return refusals.refuse(
            here,
            time_error={
                "plan_task_id": plan_task_id,
                "message": field_message(error),
                "typed": request.form.get("time_text", "")[:300],
            },
        )
    return redirect(url_for("plans.plan_page", plan_id=plan_id, _anchor=f"task-{plan_task_id}"))


@bp.post("/plans/<int:plan_id>/tasks/<int:plan_task_id>/approver")
@login_required
def set_approver(plan_id: int, plan_task_id: int):
    _allowed()
    with services().db.transaction() as session:
        plans.set_approver(
            session,
            current_user.id,
            plan_id,
            plan_task_id,
            query_number(request.form.get("approver_id"), None),
        )
    return redirect(url_for("plans.plan_page", plan_id=plan_id, _anchor=f"task-{plan_task_id}"))


@bp.post("/plans/<int:plan_id>/follow-up")
@login_required
def set_follow_up(plan_id: int):
    _allowed()
    here = url_for("plans.plan_page", plan_id=plan_id)
    form = request.form
    try:
        with services().db.transaction() as session:
            plans.set_follow_up(
                session,
                current_user.id,
                plan_id,
                form.get("reporting_text", ""),
                query_number(form.get("monitor_id"), None),
            )
    except InvalidInput as error:
        return refusals.refuse(
            here,
            follow_up_error={
                "field": error.field,
                "message": field_message(error),
                "typed": form.get("reporting_text", "")[:300],
            },
        )
    return redirect(here)


@bp.post("/plans/<int:plan_id>/organisations")
@login_required
def add_organisation(plan_id: int):
    _allowed()
    here = url_for("plans.plan_page", plan_id=plan_id)
    form = request.form
    try:
        with services().db.transaction() as session:
            unit = plans.add_organisation(
                session,
                current_user.id,
                plan_id,
                form.get("words", ""),
                form.get("name", ""),
                form.get("kind", ""),
            )
            name = unit.name
    except InvalidInput as error:
        return refusals.refuse(
            here,
            organisation_error={
                "words": form.get("words", ""),
                "field": error.field,
                "message": field_message(error),
            },
        )
    flash(_("«%(name)s» is added to the directory.", name=name))
    return redirect(here)


# -- issued: the board, amendments, events ---------------------------------------------------


@bp.post("/plans/<int:plan_id>/issue")
@login_required
def issue(plan_id: int):
    _allowed()
    svc = services()
    try:
        with svc.db.transaction() as session:
            plans.issue_plan(session, svc.runtime, svc.calendar, current_user.id, plan_id, svc.clock.now())
    except InvalidInput as error:
        return refusals.refuse(url_for("plans.plan_page", plan_id=plan_id), issue_error=field_message(error))
    flash(_("The plan is issued: each unit has received its tasks."))
    return redirect(url_for("plans.board", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/board")
@login_required
def board(plan_id: int):
    _allowed()
    svc = services()
    with svc.db.read() as session:
        shown = plans.board(session, current_user.id, plan_id, svc.clock.now())
        if shown.plan.status == "draft":
            return redirect(url_for("plans.plan_page", plan_id=plan_id))
        units = plans.province_units(session, shown.plan)
    return render_template("plan_board.html", board=shown, units=units, **refusals.kept())


@bp.get("/plans/<int:plan_id>/board/tasks/<int:plan_task_id>")
@login_required
def board_task(plan_id: int, plan_task_id: int):
    _allowed()
    svc = services()
    with svc.db.read() as session:
        plan = plans.draft_for(session, current_user.id, plan_id)
        task, lines = plans.board_task(session, current_user.id, plan_id, plan_task_id, svc.clock.now())
    return render_template("plan_board_task.html", plan=plan, task=task, lines=lines, **refusals.kept())


@bp.get("/plans/<int:plan_id>/board.xlsx")
@login_required
def board_export(plan_id: int):
    _allowed()
    svc = services()
    at = svc.clock.now()
    with svc.db.read() as session:
        shown, rows = plans.export_rows(session, current_user.id, plan_id, at)
        workbook = board_workbook(shown, rows, at)
    return send_workbook(workbook, f"theo-doi-ke-hoach-{plan_id}.xlsx")


def _date(name: str, text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise InvalidInput(name, _("Enter a valid date.")) from None


def _amendment(form) -> plans.Amendment:
    added = []
    if form.get("title", "").strip():
        added.append(
            plans.NewTask(
                form.get("title", ""),
                query_number(form.get("lead_id"), None),
                form.get("time_text", ""),
                form.get("product", ""),
                [number for value in form.getlist("coordinator_id") if (number := query_number(value, None))],
            )
        )
    retimed_task = query_number(form.get("retime_task_id"), None)
    return plans.Amendment(
        code=form.get("code", ""),
        issued_on=_date("issued_on", form.get("issued_on", "")),
        summary=form.get("summary", ""),
        added=added,
        withdrawn=[number for value in form.getlist("withdraw") if (number := query_number(value, None))],
        retimed={retimed_task: form.get("retime_text", "")} if retimed_task else {},
    )


@bp.post("/plans/<int:plan_id>/amendments")
@login_required
def amend(plan_id: int):
    _allowed()
    svc = services()
    here = url_for("plans.board", plan_id=plan_id)
    try:
        amendment = _amendment(request.form)
        with svc.db.transaction() as session:
            plans.amend_plan(
                session, svc.runtime, svc.calendar, current_user.id, plan_id, amendment, svc.clock.now()
            )
    except InvalidInput as error:
        typed = {name: request.form.get(name, "")[:2000] for name in AMENDMENT_FIELDS}
        return refusals.refuse(
            here, amend_error={"field": error.field, "message": field_message(error), "typed": typed}
        )
    flash(_("The amendment %(code)s is recorded; the units follow it.", code=amendment.code.strip()))
    return redirect(here)


AMENDMENT_FIELDS = ("code", "issued_on", "summary", "title", "time_text", "product", "retime_text")


@bp.post("/plans/<int:plan_id>/board/units/<int:assignment_id>/event")
@login_required
def record_event(plan_id: int, assignment_id: int):
    _allowed()
    svc = services()
    note = request.form.get("note", "")[:2000]
    with svc.db.transaction() as session:
        task = plans.record_event(session, svc.runtime, current_user.id, assignment_id, note, svc.clock.now())
    flash(_("The event is recorded: the unit now owes its report."))
    return redirect(url_for("plans.board_task", plan_id=task.plan_id, plan_task_id=task.id))
