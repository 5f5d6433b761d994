"""Documents the pipeline produces or receives (commitments, council minutes, signed
scans), stored whole in the database with their SHA-256, so that what was signed is what
is shown later. Who may read one is decided by the module that owns its subject."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from services.documents._models import StoredDocument

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {DOCX: ".docx", PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}


def store(
    session: Session,
    at: datetime,
    actor_id: int | None,
    *,
    kind: str,
    subject: str,
    filename: str,
    media_type: str,
    content: bytes,
) -> StoredDocument:
    document = StoredDocument(
        kind=kind,
        subject=subject,
        filename=filename,
        media_type=media_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=at,
        created_by=actor_id,
    )
    session.add(document)
    session.flush()
    return document


def get(session: Session, document_id: int) -> StoredDocument:
    document = session.get(StoredDocument, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    return document


def of_subject(session: Session, subject: str) -> list[StoredDocument]:
    return list(
        session.scalars(
            select(StoredDocument).where(StoredDocument.subject == subject).order_by(StoredDocument.id)
        )
    )


def named_as(filename: str, media_type: str) -> str:
    """``filename`` with the extension of the document's type, whatever name it came
    with: a file is saved and downloaded as what its content is ("scan.html" holding a
    PDF is "scan.pdf"), so that no program opens it as something else."""
    return str(PurePosixPath(filename).with_suffix(EXTENSIONS[media_type]))
