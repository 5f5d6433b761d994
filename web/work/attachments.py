"""Attachments on a task's page (docs/working-together.md): the case's files listed on
every task of the case, the files chosen in a form's file fields stored before the form
itself is submitted, and their downloads."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, request, send_file, url_for
from flask_babel import format_decimal, gettext as _
from flask_login import current_user, login_required

from services import attachments, work
from services.common.errors import Conflict, InvalidInput
from services.identity import AppUser
from web import refusals
from web.context import services
from web.i18n import say

bp = Blueprint("task_attachments", __name__)
KB, MB = 1024, 1024 * 1024


def allow_uploads() -> None:
    """Room for the files of a task form with file fields (each at its cap), set before
    anything reads the posted form (the CSRF check does); every other post keeps the app's
    limit (web/__init__.py)."""
    if request.endpoint != "task_page.submit" or request.mimetype != "multipart/form-data":
        return  # only a multipart post carries files; its text fields keep their own limit
    if not request.view_args:
        return
    svc = services()
    with svc.db.read() as session:
        limit = attachments.request_limit_of_task(session, svc.runtime, str(request.view_args.get("task_id")))
    if limit is not None:
        request.max_content_length = limit


def store_uploads(svc, task_id: str) -> tuple[dict[str, int], dict[str, str]]:
    """Each file chosen in the task's form, stored at once as the next version of its
    field, so that a form refused for another reason keeps it (in the draft) and nobody
    uploads twice: (attachment id by field, refusal by field). An empty file input is no
    upload."""
    with svc.db.read() as session:
        task = work.visible_task(session, session.get_one(AppUser, current_user.id), task_id)
        fields = attachments.file_fields(session, svc.runtime, task)
    stored: dict[str, int] = {}
    refused: dict[str, str] = {}
    for field in fields:
        upload = request.files.get(field.name)
        content = upload.read() if upload is not None else b""
        if not content:
            continue
        try:
            with svc.db.transaction() as session:
                user = session.get_one(AppUser, current_user.id)
                attachment = attachments.attach(
                    session,
                    svc.runtime,
                    user,
                    work.visible_task(session, user, task_id),
                    field.name,
                    upload.filename or "",
                    content,
                    svc.clock.now(),
                )
                stored[field.name] = attachment.id
        except InvalidInput as invalid:
            refused[field.name] = refusals.field_message(invalid)
        except Conflict as clash:
            refused[field.name] = say(clash.message)
    return stored, refused


@bp.get("/tasks/<task_id>/attachments/<int:attachment_id>")
@login_required
def download(task_id: str, attachment_id: int):
    """A file of the case of a task the user may see (a personal-data one's reading is
    audited, hence the write transaction); any other is not found."""
    svc = services()
    with svc.db.transaction() as session:
        user = session.get_one(AppUser, current_user.id)
        task = work.visible_task(session, user, task_id)
        content, media_type, filename = attachments.content_for(
            session, user, task.instance_id, attachment_id, svc.clock.now()
        )
    return send_file(BytesIO(content), as_attachment=True, download_name=filename, mimetype=media_type)


def task_page_parts(session, svc, user, task) -> dict:
    """What web/templates/_task_attachments.html shows on the task's page, and the files a
    form's file fields may show as their value (``form_files``, by attachment id)."""
    case_files = attachments.of_case(session, svc.runtime, task.instance_id)
    return {
        "case_files": case_files,
        "file_size": size_text,
        "form_files": {
            view.id: {
                "filename": view.filename,
                "version": view.version,
                "url": None
                if view.purged_at
                else url_for("task_attachments.download", task_id=task.id, attachment_id=view.id),
            }
            for files in case_files
            for view in (files.current, *files.earlier)
        },
    }


def size_text(size: int) -> str:
    """A file's size for people: 12 KB, 2.5 MB (in the page's language)."""
    if size < MB:
        return _("%(num)s KB", num=max(1, round(size / KB)))
    return _("%(num)s MB", num=format_decimal(size / MB, format="#,##0.0"))
