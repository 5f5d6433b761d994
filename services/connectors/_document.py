"""``generate_document``: a Word document from a template of the records office, laid out
as Decree 30 lays out a document, kept with the case (docs/connectors.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.messages import Message
from services import documents, records
from services.common.display import local_day

# A connector makes a body's documents: every kind of the records office but the
# commitment, a person's document.
TEMPLATES = {key: name for key, name in records.TEMPLATE_NAMES.items() if key != records.COMMITMENT}


def _layout(template: str, fields: Mapping, at: datetime) -> records.Layout:
    """The document as Decree 30 lays it out (services.records), dated the day of the step,
    without a number (the records office gives it when it is issued)."""

    def text(name: str) -> str:
        return str(fields.get(name) or "").strip()

    def lines(name: str) -> list[str]:
        return [line.strip() for line in text(name).split("\n") if line.strip()]

    day = local_day(at)
    return records.Layout(
        place_and_date=records.date_words(text("place"), day, day.year),
        title=(text("title") or TEMPLATES[template]).upper(),
        subject=text("subject"),
        letter=template == "cong_van",
        body_lines=lines("issuer"),
        addressees=lines("addressees"),
        blocks=records.paragraphs(*lines("body")),
        recipients=lines("recipients"),
        signers=[records.Signer(text("signer_authority"), text("signer_title"), text("signer_name"))],
    )


def _run(context: CallContext, params: dict) -> dict:
    if params["template"] not in TEMPLATES:
        raise ConnectorError(Message("there is no document template «%(name)s»", name=params["template"]))
    fields = params.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise ConnectorError(Message("the fields of a document are an object of names and values"))
    filename = params.get("filename") or f"{params['template']}-{context.call_id}.docx"
    stored = documents.store(
        context.session,
        context.at,
        None,
        kind="generated",
        subject=f"process_instance:{context.instance_id}",
        filename=documents.clean_filename(filename, documents.DOCX, f"{params['template']}.docx"),
        media_type=documents.DOCX,
        content=records.render(
            context.session, params["template"], _layout(params["template"], fields, context.at)
        )[1],
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
