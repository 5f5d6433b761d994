"""The resolution's targets (docs/targets.md): the dashboard of the city or a commune, a
target's drill-down to the units and people behind it, the communes compared, the figures
entered with their history, and the Excel export."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import targets
from services.common.display import local_day
from services.common.errors import InvalidInput
from web import refusals
from web.context import services
from web.converters import query_number
from web.downloads import send_workbook
from web.refusals import field_message
from web.targets.chart import chart
from web.targets.workbook import targets_workbook

bp = Blueprint("targets", __name__)
# A city's talent list runs to thousands: its page names this many, a commune's page its own.
PEOPLE_SHOWN = 500


@bp.context_processor
def words() -> dict:
    return {
        "status_words": targets.STATUS_WORDS,
        "measures": targets.MEASURES,
        "chart": chart,
    }


def _today() -> date:
    return local_day(services().clock.now())


def _asked(session) -> tuple[targets.Scope, int]:
    """The dashboard and year the address asks for: the user's own and this year by default."""
    scope = targets.scope_for(session, current_user.id, query_number(request.args.get("org"), None))
    this_year = _today().year
    year = query_number(request.args.get("year"), this_year) or this_year
    return scope, min(max(year, targets.FIRST_YEAR), this_year)


def _common(session, scope: targets.Scope, year: int) -> dict:
    return {
        "scope": scope,
        "year": year,
        "scopes": targets.scopes_for(session, current_user.id),
        "years": list(range(targets.FIRST_YEAR, _today().year + 1)),
        "may_enter": targets.may_enter(session, current_user.id, scope),
    }


@bp.get("/targets")
@login_required
def dashboard():
    with services().db.read() as session:
        scope, year = _asked(session)
        board = targets.dashboard(session, scope, year, _today())
        return render_template("targets.html", board=board, **_common(session, scope, year))


@bp.get("/targets/<target_code>")
@login_required
def target_page(target_code: str):
    target = targets.TARGETS.get(target_code)
    if target is None:
        abort(404)
    today = _today()
    with services().db.read() as session:
        scope, year = _asked(session)
        if scope.level not in target.levels:
            abort(404)
        board = targets.dashboard(session, scope, year, today)
        people, parts = targets.drill_down(session, board, target, today)
        view = next(view for view in board.targets if view.target.code == target_code)
        compared = (
            [
                (commune, next(v for v in each.targets if v.target.code == target_code).current)
                for commune, each in targets.compare_communes(session, scope, year, today, board)
            ]
            if target.levels == (targets.CITY, targets.COMMUNE)
            else []
        )
        return render_template(
            "target.html",
            view=view,
            people=people[:PEOPLE_SHOWN],
            people_total=len(people),
            parts=parts,
            compared=compared,
            cut_off=targets.cut_off(year, today),
            **_common(session, scope, year),
        )


@bp.get("/targets/compare")
@login_required
def compare():
    with services().db.read() as session:
        scope, year = _asked(session)
        if scope.level != targets.CITY:
            abort(404)
        rows = targets.compare_communes(session, scope, year, _today())
        return render_template("targets_compare.html", rows=rows, **_common(session, scope, year))


@bp.get("/targets/figures")
@login_required
def figures():
    with services().db.read() as session:
        scope, year = _asked(session)
        if not targets.may_enter(session, current_user.id, scope):
            abort(404)
        history = targets.figure_history(session, scope, year)
        return render_template(
            "target_figures.html",
            history=history,
            entered=targets.entered_measures(scope),
            in_force={row.figure.measure: row.figure for row in history if row.in_force},
            **_common(session, scope, year),
            **refusals.kept(),
        )


@bp.post("/targets/figures")
@login_required
def enter_figure():
    svc, form = services(), request.form
    org = query_number(form.get("org"), None)
    year = query_number(form.get("year"), None)
    with svc.db.read() as session:
        scope = targets.scope_for(session, current_user.id, org)
    here = url_for("targets.figures", org=scope.org_id, year=year)
    try:
        if year is None:
            raise InvalidInput("year", _("Choose the year."))
        with svc.db.transaction() as session:
            figure = targets.enter_figure(
                session,
                svc.clock.now(),
                current_user.id,
                scope,
                measure=form.get("measure", ""),
                year=year,
                value=form.get("value", "")[:40],
                document=form.get("document", "")[:400],
                reason=form.get("reason", "")[:2000],
            )
            value = figure.value
    except InvalidInput as error:
        typed = {name: form.get(name, "")[:400] for name in ("measure", "value", "document", "reason")}
        refused = refusals.refuse(
            url_for("targets.figures"),
            error={"field": error.field, "message": field_message(error)},
            typed=typed,
        )
        refused.location = here  # the page comes back with its dashboard and year
        return refused
    flash(_("The figure is saved: %(value)s.", value=value))
    return redirect(here)


@bp.get("/targets.xlsx")
@login_required
def export():
    today = _today()
    with services().db.read() as session:
        scope, year = _asked(session)
        board = targets.dashboard(session, scope, year, today)
        compared = targets.compare_communes(session, scope, year, today, board)
        history = targets.figure_history(session, scope, year)
        workbook = targets_workbook(board, compared, history)
    return send_workbook(workbook, f"chi-tieu-{year}.xlsx")
