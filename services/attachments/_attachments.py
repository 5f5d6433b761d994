"""Files attached to a case through a form's file field (docs/working-together.md).

A form declares a file field in its JSON Schema (engine.forms.attachment_fields); the
field's value in the task's data is the id of a ``CaseAttachment``, whose content is a
stored document (services.documents), never in the workflow's data. A file is accepted by
what its content is, not by its name; a new file for the same field is a new version and
the old ones stay. A field marked as personal data has every download audited and its
content purged once the case has been over for the retention period
(docs/personal-data.md).

Who may see a case is decided above this context: the caller reaches an attachment only
through a task the reader may see (services.work.visible_task), so this context never
imports work."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import FormInvalid, NotFound
from engine.forms import MAX_ATTACHMENT_BYTES, AttachmentField, FieldError, attachment_fields
from engine.messages import Message
from engine.models import HumanTask, ProcessInstance
from engine.runtime import InstanceChange, WorkflowRuntime
from services import documents
from services.attachments._models import CaseAttachment
from services.common import audit
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import AppUser, holds_role

KIND = "attachment"  # the stored document's kind
TYPE_NAMES = {
    documents.PDF: "PDF",
    documents.PNG: Message("PNG image"),
    documents.JPEG: Message("JPEG image"),
}
MB = 1024 * 1024
# Room for the form around the files in a task form's request (web/work/task_page.py).
FORM_BYTES = MB


# -- the form's file fields ---------------------------------------------------------------


def file_fields(session: Session, runtime: WorkflowRuntime, task: HumanTask) -> list[AttachmentField]:
    """The file fields of the task's form, from the definition version of its instance."""
    return attachment_fields(_form_of(session, runtime, task.instance_id, task.task_name))


def request_limit(fields: list[AttachmentField]) -> int:
    """How large a post of a form with these file fields may be: each file at its cap, and
    the rest of the form. A file over its cap but within this is refused by its field."""
    return FORM_BYTES + sum(field.max_bytes for field in fields)


def request_limit_of_task(session: Session, runtime: WorkflowRuntime, task_id: str) -> int | None:
    """How large a post of the task's form may be, if its form has file fields (None: the
    app's usual limit). It says nothing of who may post it."""
    task = session.get(HumanTask, task_id)
    fields = file_fields(session, runtime, task) if task is not None and task.status == "ready" else []
    return request_limit(fields) if fields else None


def _form_of(session: Session, runtime: WorkflowRuntime, instance_id: int, task_name: str) -> dict:
    definition_id = session.scalar(
        select(ProcessInstance.definition_id).where(ProcessInstance.id == instance_id)
    )
    if definition_id is None:
        raise NotFound(f"no process instance {instance_id}")
    return runtime.specs.by_id(session, definition_id).form_for(task_name)


# -- attaching -----------------------------------------------------------------------------


def attach(
    session: Session,
    runtime: WorkflowRuntime,
    user: AppUser,
    task: HumanTask,
    field: str,
    filename: str,
    content: bytes,
    at: datetime,
) -> CaseAttachment:
    """Store a file for the file field ``field`` of the task's form, as the next version of
    that field on the case. Only someone who may act on the open task attaches to it."""
    if not _may_act(session, user, task):
        raise PermissionDenied(f"{user.username} may not act on task {task.id}")
    spec = next((each for each in file_fields(session, runtime, task) if each.name == field), None)
    if spec is None:
        raise InvalidInput(field, Message("«%(field)s» is not a file field of this form.", field=field))
    media_type = _checked_type(spec, content)
    document = documents.store(
        session,
        at,
        user.id,
        kind=KIND,
        subject=f"instance:{task.instance_id}",
        filename=documents.clean_filename(filename, media_type, field),
        media_type=media_type,
        content=content,
    )
    latest = session.scalar(
        select(func.max(CaseAttachment.version)).where(
            CaseAttachment.instance_id == task.instance_id, CaseAttachment.field == field
        )
    )
    attachment = CaseAttachment(
        instance_id=task.instance_id,
        task_id=task.id,
        field=field,
        version=(latest or 0) + 1,
        document_id=document.id,
        filename=document.filename,
        media_type=media_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        personal_data=spec.personal_data,
        uploaded_by=user.id,
        org_unit_id=task.org_unit_id,
        uploaded_at=at,
    )
    session.add(attachment)
    try:
        session.flush()
    except IntegrityError as clash:  # someone attached a version of this field at the same moment
        clashed = Message(
            "«%(field)s»: another file was attached at the same moment; reload the page.", field=spec.title
        )
        raise Conflict(clashed) from clash
    return attachment


def _may_act(session: Session, user: AppUser, task: HumanTask) -> bool:
    if task.status != "ready":
        return False
    if task.assignee_id == user.id:
        return True
    return task.assignee_id is None and holds_role(session, user.id, task.lane, task.org_unit_id)


def _checked_type(spec: AttachmentField, content: bytes) -> str:
    """The file's type, told by its content; refused, naming the field, when it is not one
    the field takes or it is larger than the field's cap."""
    allowed = _either([TYPE_NAMES[each] for each in spec.media_types])
    if len(content) > min(spec.max_bytes, MAX_ATTACHMENT_BYTES):
        raise InvalidInput(
            spec.name,
            Message(
                "The file chosen for «%(field)s» may not be larger than %(size)s MB.",
                field=spec.title,
                size=_megabytes(spec.max_bytes),
            ),
        )
    if documents.holds_markup(content):
        raise InvalidInput(
            spec.name,
            Message(
                "The file chosen for «%(field)s» holds web page code (HTML, script), "
                "not a valid %(types)s file.",
                field=spec.title,
                types=allowed,
            ),
        )
    media_type = documents.media_type_of(content, spec.media_types)
    if media_type is None:
        raise InvalidInput(
            spec.name,
            Message(
                "The file chosen for «%(field)s» is not a valid %(types)s file "
                "(a file's type is told by its content, not by its name).",
                field=spec.title,
                types=allowed,
            ),
        )
    return media_type


def _either(names: list[str]) -> str:
    """ "PDF or PNG image or ...", each name still translatable."""
    if len(names) == 1:
        return names[0]
    return Message("%(one)s or %(other)s", one=names[0], other=_either(names[1:]))


def _megabytes(size: int) -> str:
    """A size in MB as Vietnamese write it: 10, 2,5."""
    value = round(size / MB, 1)
    return str(int(value)) if value.is_integer() else str(value).replace(".", ",")


# -- completing a task -----------------------------------------------------------------------


def register(runtime: WorkflowRuntime) -> None:
    """Every completion is checked: a file field holds a file attached to this case and
    this field, never another case's (the id comes from the browser)."""
    runtime.on_every_change(lambda session, change: check_completion(session, runtime, change))


def check_completion(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    done = change.completed_task
    if done is None or not done.completed_data:
        return
    fields = attachment_fields(_form_of(session, runtime, done.instance_id, done.task_name))
    given = {spec.name: done.completed_data[spec.name] for spec in fields if spec.name in done.completed_data}
    if not given:
        return
    known = set(
        session.execute(
            select(CaseAttachment.id, CaseAttachment.field).where(
                CaseAttachment.instance_id == done.instance_id, CaseAttachment.id.in_(given.values())
            )
        ).tuples()
    )
    errors = [
        FieldError(
            spec.name,
            "attachment",
            Message("«%(field)s» is not a file attached to this case.", field=spec.title),
        )
        for spec in fields
        if spec.name in given and (given[spec.name], spec.name) not in known
    ]
    if errors:
        raise FormInvalid(errors)


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentView:
    """One version of a file as a task's page lists it."""

    id: int
    field: str
    version: int
    filename: str
    media_type: str
    size_bytes: int
    personal_data: bool
    uploaded_by: str
    uploaded_at: datetime
    purged_at: datetime | None


@dataclass(frozen=True)
class FieldFiles:
    """A field's files on a case: the newest first, then its earlier versions."""

    field: str
    title: str
    current: AttachmentView
    earlier: list[AttachmentView]


def of_case(session: Session, runtime: WorkflowRuntime, instance_id: int) -> list[FieldFiles]:
    """Every field's files on the case, in the order the fields were first attached to."""
    rows = list(
        session.scalars(
            select(CaseAttachment)
            .where(CaseAttachment.instance_id == instance_id)
            .order_by(CaseAttachment.field, CaseAttachment.version.desc())
        )
    )
    names = _names(session, {row.uploaded_by for row in rows})
    by_field: dict[str, list[CaseAttachment]] = {}
    for row in rows:
        by_field.setdefault(row.field, []).append(row)
    listed = [
        FieldFiles(
            field,
            _title(session, runtime, versions[0]),
            *_split([_view(row, names) for row in versions]),
        )
        for field, versions in by_field.items()
    ]
    return sorted(listed, key=lambda files: (files.earlier or [files.current])[-1].uploaded_at)


def _split(views: list[AttachmentView]) -> tuple[AttachmentView, list[AttachmentView]]:
    return views[0], views[1:]


def _title(session: Session, runtime: WorkflowRuntime, row: CaseAttachment) -> str:
    """The field's title in the form of the task it was attached on."""
    task_name = session.scalar(select(HumanTask.task_name).where(HumanTask.id == row.task_id))
    if task_name is None:
        return row.field
    fields = attachment_fields(_form_of(session, runtime, row.instance_id, task_name))
    return next((spec.title for spec in fields if spec.name == row.field), row.field)


def _view(row: CaseAttachment, names: dict[int, str]) -> AttachmentView:
    return AttachmentView(
        row.id,
        row.field,
        row.version,
        row.filename,
        row.media_type,
        row.size_bytes,
        row.personal_data,
        names.get(row.uploaded_by, ""),
        row.uploaded_at,
        row.purged_at,
    )


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(
        session.execute(select(AppUser.id, AppUser.full_name).where(AppUser.id.in_(user_ids))).tuples().all()
    )


def file_of(session: Session, instance_id: int, attachment_id: int) -> CaseAttachment | None:
    """The attachment if it is one of this case's (a form shows its field's file by it)."""
    row = session.get(CaseAttachment, attachment_id)
    return row if row is not None and row.instance_id == instance_id else None


def content_for(
    session: Session, reader: AppUser, instance_id: int, attachment_id: int, at: datetime
) -> tuple[bytes, str, str]:
    """(content, media type, file name) of one of the case's attachments, for a reader the
    caller has let see the case. A personal-data one's reading is audited (ids only). One
    of another case, or purged, does not exist."""
    row = file_of(session, instance_id, attachment_id)
    if row is None or row.document_id is None:
        raise NotFound(f"no attachment {attachment_id}")
    document = documents.get(session, row.document_id)
    if row.personal_data:
        audit.record(
            session,
            at,
            reader.id,
            "attachment.downloaded",
            f"case_attachment:{row.id}",
            instance_id=row.instance_id,
        )
    return document.content, row.media_type, documents.named_as(row.filename, row.media_type)


def history_steps(session: Session, instance_id: int, reader: AppUser) -> list[dict]:
    """This context's steps of the case's history that ``reader`` may see (see services.work.history):
    one per version attached (its name only, never its content)."""
    rows = list(
        session.scalars(
            select(CaseAttachment)
            .where(CaseAttachment.instance_id == instance_id)
            .order_by(CaseAttachment.uploaded_at, CaseAttachment.id)
        )
    )
    names = _names(session, {row.uploaded_by for row in rows})
    return [
        {
            "at": row.uploaded_at,
            "what": "attachment",
            "who": names.get(row.uploaded_by, ""),
            "filename": row.filename,
            "version": row.version,
        }
        for row in rows
    ]


# -- retention --------------------------------------------------------------------------------


def purge_expired(session: Session, at: datetime, retention_days: int) -> int:
    """Delete the content of personal-data attachments of cases over (completed or
    cancelled) for longer than ``retention_days``; their rows stay, marked purged (how many)."""
    before = at - timedelta(days=retention_days)
    over = or_(
        and_(ProcessInstance.status == "completed", ProcessInstance.completed_at < before),
        and_(ProcessInstance.status == "cancelled", ProcessInstance.updated_at < before),
    )
    rows = list(
        session.scalars(
            select(CaseAttachment)
            .join(ProcessInstance, ProcessInstance.id == CaseAttachment.instance_id)
            .where(CaseAttachment.personal_data.is_(True), CaseAttachment.purged_at.is_(None), over)
            .order_by(CaseAttachment.id)
        )
    )
    document_ids = [row.document_id for row in rows if row.document_id is not None]
    for row in rows:
        row.document_id, row.purged_at = None, at
        audit.record(
            session,
            at,
            None,
            "attachment.purged",
            f"case_attachment:{row.id}",
            instance_id=row.instance_id,
            retention_days=retention_days,
        )
    session.flush()  # no row points at the documents any more
    if document_ids:
        session.execute(delete(documents.StoredDocument).where(documents.StoredDocument.id.in_(document_ids)))
    return len(rows)
