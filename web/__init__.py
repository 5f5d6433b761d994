"""The web layer: Flask app factory. Views call services; SpiffWorkflow never reaches here."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request, session as browser_session
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError
from engine.messages import Message
from services.bootstrap import Services, bootstrap, settle
from services.city import may_see_city_round

# Names, not modules: web's own packages of the same names (web.identity...) are attributes
# of this module once imported.
from services.identity import AppUser, is_admin, owner as session_owner
from services.plans import may_manage_plans
from services.records import ConversionFailed, may_keep_registers
from services.talent_search import may_search
from services.targets import may_see_targets
from web import admin, converters
from web.api import PREFIX, init_api
from web.api.errors import error_response, http_error_response, message_of, status_of
from web.campaigns import api as campaigns_api, pages as campaign_pages
from web.city import pages as city_pages
from web.commitments import pages as commitment_pages
from web.deadlines import api as calendar_api
from web.i18n import init_i18n, say
from web.identity import accounts, pages as sign_in_pages  # noqa: F401  (accounts: routes on admin.bp)
from web.notifications import api as notifications_api, pages as bell
from web.plans import pages as plan_pages
from web.process_admin import (  # noqa: F401  (instances, processes: routes on admin.bp)
    api as processes_api,
    drafts_api,
    instances,
    processes,
)
from web.records import (  # noqa: F401  (templates_admin: routes on admin.bp)
    pages as records_pages,
    templates_admin,
)
from web.security import SESSION_KEY, SignedInUser, configure_security
from web.selection import pages as round_pages
from web.talent_search import api as talents_api, pages as talent_pages
from web.targets import pages as target_pages
from web.work import api as tasks_api, inbox, task_page
from web.work.attachments import allow_uploads as allow_task_uploads, bp as task_attachments_bp
from web.work.comments import api_bp as task_comments_api, bp as task_comments_bp
from web.work.delegation import bp as task_delegation_bp
from web.work.recall import bp as task_recall_bp

# Each context's pages, and its part of the API at its path under /api/v1. The admin
# area is one blueprint (web/admin.py): accounts, processes and instances add their routes to it.
PAGES = [
    sign_in_pages.bp,
    inbox.bp,
    task_page.bp,
    task_comments_bp,
    task_attachments_bp,
    task_delegation_bp,
    task_recall_bp,
    campaign_pages.bp,
    city_pages.bp,
    round_pages.bp,
    commitment_pages.bp,
    records_pages.bp,
    plan_pages.bp,
    bell.bp,
    talent_pages.bp,
    target_pages.bp,
    admin.bp,
]
API = [
    (tasks_api.blp, "/tasks"),
    (task_comments_api, "/tasks"),
    (campaigns_api.blp, "/campaigns"),
    (processes_api.blp, ""),
    (calendar_api.blp, "/calendar"),
    (notifications_api.blp, "/notifications"),
    (talents_api.blp, "/talents"),
    (drafts_api.blp, "/admin"),
]
MAX_REQUEST_BYTES = 1024 * 1024  # a form or an API call is far smaller; a BPMN upload has its own limit


def create_app(services: Services | None = None) -> Flask:
    services = services or bootstrap()
    app = Flask(__name__)
    converters.install(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.before_request(allow_task_uploads)  # first: before the CSRF check reads the form
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON answers
    app.json.sort_keys = False  # a form schema's fields keep their order
    app.extensions["talentflow"] = services
    configure_security(app, services.config, lambda user_id: _load_user(services, user_id))
    init_i18n(app, services.clock)
    init_api(app, API)
    for blueprint in PAGES:
        app.register_blueprint(blueprint)
    _register_error_pages(app)

    @app.get("/health")
    def health():
        # Answers only when the database does: a health check that lies helps nobody.
        from engine.models import ProcessDefinition

        with services.db.read() as session:
            definitions = session.scalar(select(func.count()).select_from(ProcessDefinition))
        return jsonify(status="ok", definitions=definitions, time=services.clock.now().isoformat())

    return app


def production_app() -> Flask:
    """The app as gunicorn serves it (docker/Dockerfile): each worker settles once started
    (services.bootstrap.settle)."""
    app = create_app()
    settle()
    return app


def _load_user(services: Services, user_id: str) -> SignedInUser | None:
    owner = session_owner(services.db, browser_session.get(SESSION_KEY, ""), services.clock.now())
    if owner is None or str(owner) != user_id:
        return None  # signed out, ended on the server, or expired
    with services.db.read() as session:
        user = session.get(AppUser, owner)
        if user is None or not user.active:
            return None
        return SignedInUser.of(
            user,
            is_admin(session, user.id),
            may_search(session, user.id),
            may_see_city_round(session, user.id),
            may_keep_registers(session, user.id),
            may_manage_plans(session, user.id),
            may_see_targets(session, user.id),
        )


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(item) for item in value)
    return False


def _register_error_pages(app: Flask) -> None:
    """Every failure answers with a clear 4xx: JSON under the API, a page elsewhere."""

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL stores no NUL character: text holding one would fail in the database
        # (a 500) instead of being refused as the bad input it is.
        sent = [
            *request.args.items(multi=True),
            *request.form.items(multi=True),
            *((name, upload.filename or "") for name, upload in request.files.items(multi=True)),
        ]
        if not _holds_nul(sent) and not (request.is_json and _holds_nul(request.get_json(silent=True))):
            return None
        if request.path.startswith(PREFIX):
            return error_response(
                400, "bad_request", say(Message("The request holds a character that is not allowed (NUL)."))
            )
        return _error_page(400)

    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):
        status = status_of(error)
        if request.path.startswith(PREFIX):
            field = getattr(error, "field", None)
            return error_response(
                status,
                error.code,
                message_of(error),
                {field: [say(error.message)]} if field else None,
                getattr(error, "problems", None),
            )
        return _error_page(status)

    app.register_error_handler(ConversionFailed, _conversion_failed)

    # Replaces flask-smorest's handler (registered by init_api): every HTTP error, an unknown
    # address or an unhandled exception (500) included, answers in the reader's language.
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith(PREFIX):
            return http_error_response(error)
        if error.code == 401:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        return _error_page(error.code or 500)


def _conversion_failed(error: ConversionFailed):
    """LibreOffice missing, failing or too slow: the .docx is still there to download."""
    current_app.logger.error("PDF conversion failed: %s", error)
    if request.path.startswith(PREFIX):
        return error_response(503, "conversion_failed", _page_text(503)[1])
    return _error_page(503)


def _error_page(status: int):
    title, message = _page_text(status)
    return render_template("error.html", title=title, message=message), status


def _page_text(status: int) -> tuple[str, str]:
    return {
        400: (_("Bad request"), _("The request is not valid.")),
        403: (_("Not allowed"), _("Your role does not allow this.")),
        404: (_("Not found"), _("This task or page does not exist, or it is not yours to see.")),
        405: (_("Not allowed here"), _("This address does not take this kind of request.")),
        409: (
            _("Cannot be done now"),
            _("Someone else acted on it first, or it is already closed. Reload and check."),
        ),
        413: (
            _("Too large"),
            _(
                "What was sent is too large (a BPMN file may have at most 2 MB, a "
                "signed scan 5 MB). Nothing was stored."
            ),
        ),
        503: (
            _("Not available now"),
            _("The PDF cannot be made now. Download the .docx, or try again later."),
        ),
        429: (_("Too many attempts"), _("Too many attempts in a short time. Wait a while, then try again.")),
        500: (
            _("Error"),
            _("Something went wrong on our side. Try again later; if it goes on, tell the administrator."),
        ),
    }.get(status, (_("Error"), _("The request could not be carried out.")))
