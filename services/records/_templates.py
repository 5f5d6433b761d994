"""The templates administrators change, versioned as forms are: a .docx uploaded is a
draft version, kept only when it renders a sample document showing every value; its
preview is that sample as PDF; once published it makes every document of its kind from
then on (docs/records.md#templates)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import docx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services import documents
from services.common.display import joined
from services.common.errors import Conflict, InvalidInput
from services.records._layout import Layout, default_template
from services.records._models import DocumentTemplate
from services.records._render import render_docx, to_pdf
from services.records._samples import COMMITMENT, sample, shown_values
from services.records._symbols import DOCUMENT_TYPES

DRAFT, PUBLISHED = "draft", "published"

# The kinds of document with a template: every document type, and the commitment.
TEMPLATE_NAMES = {key: kind.name for key, kind in DOCUMENT_TYPES.items()} | {COMMITMENT: "BẢN CAM KẾT"}

# The words of a value a template must show, for the refusal of one that does not.
VALUE_WORDS = {
    "place_and_date": Message("the place and date"),
    "subject": Message("the subject"),
    "number_and_symbol": Message("the number and symbol"),
    "title": Message("the title"),
    "body_lines": Message("the issuing body"),
    "addressees": Message("Kính gửi"),
    "blocks": Message("the body"),
    "table": Message("the table"),
    "recipients": Message("Nơi nhận"),
    "signers": Message("the signer's name"),
}


@dataclass(frozen=True)
class TemplateSummary:
    key: str
    name: str
    in_use: int | None  # the version documents are made with; none: the default
    versions: list[DocumentTemplate]


def _known(key: str) -> str:
    if key not in TEMPLATE_NAMES:
        raise NotFound(Message("There is no template «%(key)s».", key=key))
    return key


def template_in_use(session: Session, key: str) -> tuple[int | None, bytes]:
    """(version, .docx) of the template a document of this kind is made with now."""
    published = session.scalar(
        select(DocumentTemplate)
        .where(DocumentTemplate.key == _known(key), DocumentTemplate.status == PUBLISHED)
        .order_by(DocumentTemplate.version.desc())
        .limit(1)
    )
    if published is None:
        return None, default_template()
    return published.version, documents.get(session, published.document_id).content


def render(session: Session, key: str, layout: Layout) -> tuple[int | None, bytes]:
    """(template version, .docx) of a document of this kind, made with the template in use."""
    version, template = template_in_use(session, key)
    return version, render_docx(template, layout.context())


def upload_template(
    session: Session, at: datetime, actor_id: int | None, key: str, filename: str, content: bytes
) -> DocumentTemplate:
    """A new draft version, refused (InvalidInput "template", naming what is wrong) when it
    is not a Word template that renders the sample document with every value shown."""
    _check_shows_everything(render_docx(content, sample(_known(key)).context()), sample(key))
    version = (
        session.scalar(select(func.max(DocumentTemplate.version)).where(DocumentTemplate.key == key)) or 0
    ) + 1
    name = documents.clean_filename(filename, documents.DOCX, f"{key}.docx")
    stored = documents.store(
        session,
        at,
        actor_id,
        kind="template",
        subject=f"template:{key}:{version}",
        filename=name,
        media_type=documents.DOCX,
        content=content,
    )
    template = DocumentTemplate(
        key=key,
        version=version,
        status=DRAFT,
        document_id=stored.id,
        filename=name,
        created_by=actor_id,
        created_at=at,
    )
    session.add(template)
    session.flush()
    return template


def _check_shows_everything(rendered: bytes, layout: Layout) -> None:
    text = _text_of(rendered)
    missing = [name for name, value in shown_values(layout).items() if value not in text]
    if missing:
        raise InvalidInput(
            "template",
            Message(
                "The template does not show %(values)s: each is a tag of the default template.",
                values=joined([VALUE_WORDS[name] for name in missing], ", "),
            ),
        )


def _text_of(word: bytes) -> str:
    document = docx.Document(io.BytesIO(word))
    lines = [paragraph.text for paragraph in document.paragraphs]

    def cells(table) -> None:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(paragraph.text for paragraph in cell.paragraphs)
                for inner in cell.tables:
                    cells(inner)

    for table in document.tables:
        cells(table)
    return "\n".join(lines)


def template_version(session: Session, key: str, version: int) -> DocumentTemplate:
    template = session.scalar(
        select(DocumentTemplate).where(
            DocumentTemplate.key == _known(key), DocumentTemplate.version == version
        )
    )
    if template is None:
        raise NotFound(Message("There is no version %(version)s of this template.", version=version))
    return template


def template_content(session: Session, key: str, version: int | None) -> bytes:
    """The .docx of a version; none: the default template."""
    if version is None:
        _known(key)
        return default_template()
    return documents.get(session, template_version(session, key, version).document_id).content


def preview(key: str, template: bytes) -> bytes:
    """The sample document made with a template, as PDF (LibreOffice runs here: call it
    with no transaction open)."""
    return to_pdf(render_docx(template, sample(_known(key)).context()))


def publish_template(session: Session, at: datetime, actor_id: int | None, key: str, version: int) -> None:
    template = session.get(DocumentTemplate, template_version(session, key, version).id, with_for_update=True)
    assert template is not None  # just read
    if template.status != DRAFT:
        raise Conflict(Message("This version is already published."))
    template.status, template.published_by, template.published_at = PUBLISHED, actor_id, at


def templates(session: Session) -> list[TemplateSummary]:
    versions: dict[str, list[DocumentTemplate]] = {}
    for template in session.scalars(
        select(DocumentTemplate).order_by(DocumentTemplate.key, DocumentTemplate.version.desc())
    ):
        versions.setdefault(template.key, []).append(template)
    return [
        TemplateSummary(
            key,
            name,
            next((each.version for each in versions.get(key, []) if each.status == PUBLISHED), None),
            versions.get(key, []),
        )
        for key, name in TEMPLATE_NAMES.items()
    ]
