"""``generate_document``: a Word document from a template, kept with the case."""

from __future__ import annotations

import io
from collections.abc import Mapping

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.messages import Message
from services import documents


def _notice(fields: dict) -> bytes:
    """A notice (thông báo) laid out as Vietnamese administrative documents are: the
    issuing body and the national motto side by side, the title, the body."""
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)
    header.cell(0, 0).text = str(fields.get("issuer") or "")
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    title = document.add_paragraph(str(fields.get("title") or "THÔNG BÁO").upper())
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for paragraph in str(fields.get("body") or "").split("\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


TEMPLATES = {"thong_bao": _notice}


def _run(context: CallContext, params: dict) -> dict:
    render = TEMPLATES.get(params["template"])
    if render is None:
        raise ConnectorError(Message("there is no document template «%(name)s»", name=params["template"]))
    filename = params.get("filename") or f"{params['template']}-{context.call_id}.docx"
    stored = documents.store(
        context.session,
        context.at,
        None,
        kind="generated",
        subject=f"process_instance:{context.instance_id}",
        filename=documents.clean_filename(filename, documents.DOCX, f"{params['template']}.docx"),
        media_type=documents.DOCX,
        content=render(params.get("fields") or {}),
    )
    return {"document_id": stored.id, "filename": stored.filename}


def _check(literals: Mapping) -> list[Message]:
    name = literals.get("template")
    if isinstance(name, str) and name not in TEMPLATES:
        return [
            Message(
                "there is no document template «%(name)s»: %(known)s",
                name=name,
                known=", ".join(sorted(TEMPLATES)),
            )
        ]
    return []


GENERATE_DOCUMENT = Connector(
    "generate_document",
    Message("Generate a document from a template"),
    (
        Parameter("template", "text", Message("Template")),
        Parameter("fields", "object", Message("Fields")),
        Parameter("filename", "text", Message("File name"), required=False),
    ),
    run=_run,
    check=_check,
    target=lambda params: params.get("template"),
)
