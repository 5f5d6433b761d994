"""The templates of documents, for administrators (docs/records.md#templates): each kind's
versions, the template in use and the default one to download, a new version uploaded as
a draft (refused with the reason when it does not render the sample document), its
preview as PDF, and publishing it."""

from __future__ import annotations

from io import BytesIO

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from services import documents, records
from services.common.errors import InvalidInput
from web.admin import bp
from web.context import services
from web.i18n import say

# A template is refused above 5 MB (services.records); a request far beyond is cut off unread.
MAX_UPLOAD_REQUEST_BYTES = 6 * 1024 * 1024


@bp.get("/templates")
def template_list(refusal: dict | None = None, status: int = 200):
    with services().db.read() as session:
        kinds = records.templates(session)
    return render_template("admin/templates.html", kinds=kinds, refusal=refusal), status


@bp.post("/templates/<key>")
def upload_template(key: str):
    request.max_content_length = MAX_UPLOAD_REQUEST_BYTES
    file = request.files.get("template_file")
    field = _("Template file (.docx)")
    if file is None or not file.filename:
        return template_list(
            refusal={"key": key, "field": field, "message": _("Choose a .docx file to upload.")}, status=422
        )
    svc = services()
    try:
        with svc.db.transaction() as session:
            template = records.upload_template(
                session, svc.clock.now(), current_user.id, key, file.filename, file.read()
            )
            version = template.version
    except InvalidInput as error:
        return template_list(
            refusal={"key": key, "field": field, "filename": file.filename, "message": say(error.message)},
            status=422,
        )
    flash(_("Version %(version)s is kept as a draft: preview it, then publish it.", version=version))
    return redirect(url_for("admin.template_list", _anchor=f"template-{key}"))


@bp.post("/templates/<key>/<int:version>/publish")
def publish_template(key: str, version: int):
    svc = services()
    with svc.db.transaction() as session:
        records.publish_template(session, svc.clock.now(), current_user.id, key, version)
    flash(_("Version %(version)s is published: documents are made with it from now on.", version=version))
    return redirect(url_for("admin.template_list", _anchor=f"template-{key}"))


@bp.get("/templates/<key>/default.docx", defaults={"version": None})
@bp.get("/templates/<key>/<int:version>.docx")
def download_template(key: str, version: int | None):
    with services().db.read() as session:
        content = records.template_content(session, key, version)
    return send_file(
        BytesIO(content),
        as_attachment=True,
        download_name=f"mau-{key}-{version or 'mac-dinh'}.docx",
        mimetype=documents.DOCX,
    )


@bp.get("/templates/<key>/default.pdf", defaults={"version": None})
@bp.get("/templates/<key>/<int:version>.pdf")
def preview_template(key: str, version: int | None):
    """The sample document made with the version, as the documents will be made with it."""
    with services().db.read() as session:
        template = records.template_content(session, key, version)
    return send_file(
        BytesIO(records.preview(key, template)),
        download_name=f"xem-truoc-{key}-{version or 'mac-dinh'}.pdf",
        mimetype=documents.PDF,
    )
