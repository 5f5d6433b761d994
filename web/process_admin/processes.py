"""Process definitions: the list, one process's versions and instances, the editor page,
uploads and downloads of .bpmn files, and the diff between two versions."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.contracts import kind_word
from engine.errors import DefinitionRejected
from engine.xml_safety import MAX_BPMN_BYTES
from services import process_admin
from services.common.errors import InvalidInput
from web.admin import bp
from web.context import services
from web.converters import query_number
from web.i18n import say

# The engine refuses a BPMN over MAX_BPMN_BYTES with a clear message; a request far
# beyond it is cut off before it is read (413, see web/__init__.py).
MAX_UPLOAD_REQUEST_BYTES = MAX_BPMN_BYTES + 1024 * 1024


@bp.get("/")
def process_list(refusal: dict | None = None, imported: dict | None = None, status: int = 200):
    with services().db.read() as session:
        summaries = process_admin.summaries(session)
    return render_template(
        "admin/processes.html",
        processes=summaries,
        refusal=refusal,
        imported=imported,
        max_megabytes=MAX_BPMN_BYTES // (1024 * 1024),
    ), status


@bp.get("/processes/<key>")
def process_page(key: str):
    with services().db.read() as session:
        versions = process_admin.versions_of(session, key)
        draft = process_admin.draft_of(session, key)
        instances = process_admin.instances_of(session, key)
    tables = process_admin.decision_tables(draft.decisions)
    return render_template(
        "admin/process.html", key=key, versions=versions, draft=draft, instances=instances, tables=tables
    )


@bp.get("/processes/<key>/decisions/<file>")
def decision_editor(key: str, file: str):
    with services().db.read() as session:
        draft = process_admin.draft_of(session, key)
    if file not in draft.decisions:
        abort(404)
    return render_template("admin/decision.html", key=key, file=file, title=draft.meta.get("title", key))


@bp.get("/processes/<key>/edit")
def editor(key: str):
    with services().db.read() as session:
        draft = process_admin.draft_of(session, key)
    return render_template("admin/editor.html", key=key, title=draft.meta.get("title", key))


@bp.post("/upload")
def upload():
    request.max_content_length = MAX_UPLOAD_REQUEST_BYTES
    file = request.files.get("bpmn_file")
    if file is None or not file.filename:
        return process_list(
            refusal={"field": _("BPMN file"), "message": _("Choose a .bpmn file to upload."), "problems": []},
            status=422,
        )
    svc = services()
    try:
        with svc.db.transaction() as session:
            result = process_admin.import_file(
                session,
                svc.runtime,
                current_user.id,
                file.read(),
                request.form.get("key", "").strip(),
                file.filename,
                svc.clock.now(),
            )
    except DefinitionRejected as error:
        return process_list(
            refusal={
                "field": _("BPMN file"),
                "filename": file.filename,
                "message": _("The file was refused; nothing was stored or run."),
                "problems": error.problems,
            },
            status=422,
        )
    except InvalidInput as error:
        return process_list(
            refusal={"field": _("Process key"), "message": say(error.message), "problems": []}, status=422
        )
    # The list answers with what the import did (every draft, every id renamed), which the
    # admin checks before opening a draft in the editor.
    return process_list(imported={"filename": file.filename, "result": result, "renamed": _renamed(result)})


@bp.get("/processes/<key>/versions/<int:version>.bpmn")
def download_version(key: str, version: int):
    with services().db.read() as session:
        definition = process_admin.version_of(session, key, version)
        return _bpmn_file(definition.bpmn_xml, f"{key}-v{version}.bpmn")


@bp.get("/processes/<key>/draft.bpmn")
def download_draft(key: str):
    with services().db.read() as session:
        return _bpmn_file(process_admin.draft_of(session, key).bpmn, f"{key}-draft.bpmn")


@bp.get("/processes/<key>/diff")
def version_diff(key: str):
    svc = services()
    old, new = query_number(request.args.get("from"), None), query_number(request.args.get("to"), None)
    if old is None or new is None:
        flash(_("Choose two versions to compare."))
        return redirect(url_for("admin.process_page", key=key))
    with svc.db.read() as session:
        difference = process_admin.diff(session, svc.runtime, key, old, new)
        tables = process_admin.decision_file_diff(session, key, old, new)
    return render_template("admin/diff.html", key=key, old=old, new=new, diff=difference, tables=tables)


def _renamed(result) -> list[dict]:
    """Each id the import changed, its element named by its label and its kind in words."""
    return [
        {"label": renaming.label, "kind": kind_word(renaming.kind), "old": renaming.old, "new": renaming.new}
        for renaming in result.renamed
    ]


def _bpmn_file(xml: str, filename: str) -> Response:
    return Response(
        xml, mimetype="application/xml", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
