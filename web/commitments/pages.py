"""A selected person's commitment (docs/processes.md): its page, the scan of a commitment
signed on paper, its documents, and reporting a breach, which opens the refund case."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import NotFound
from services import commitments, documents, evaluation, selection
from services.common.errors import InvalidInput
from web import refusals
from web.context import services
from web.downloads import send_as_pdf, send_document
from web.i18n import say
from web.refusals import field_message

bp = Blueprint("commitments", __name__)


@bp.context_processor
def labels() -> dict:
    commitment_status = {
        "awaiting_signature": _("Awaiting signature"),
        "signed": _("Signed"),
        "active": _("In force"),
        "fulfilled": _("Fulfilled"),
        "breached": _("Breached"),
    }
    support_status = {"proposed": _("Proposed"), "approved": _("Approved"), "rejected": _("Rejected")}
    return {
        "commitment_status_label": lambda code: commitment_status.get(code, code),
        "support_status_label": lambda code: support_status.get(code, code),
    }


@bp.get("/commitments/<int:commitment_id>")
@login_required
def commitment_page(commitment_id: int):
    svc, refused = services(), refusals.kept()
    with svc.db.read() as session:
        _readable_commitment(session, commitment_id)
        view = commitments.commitment_view(session, commitment_id, svc.citizen_id_keys)
        may_upload = view["status"] == "awaiting_signature" and selection.may_manage_rounds(
            session, current_user.id
        )
        may_report_breach = (
            view["status"] in evaluation.BREACHABLE
            and evaluation.may_report(session, current_user.id, commitment_id)
            and not evaluation.breaches_of(session, commitment_id)
        )
    return render_template(
        "commitment.html",
        commitment=view,
        docx_type=documents.DOCX,
        may_upload=may_upload,
        error=refused.get("error"),
        may_report_breach=may_report_breach,
        triggers={code: say(title) for code, title in evaluation.TRIGGERS.items()},
        breach_errors=refused.get("breach_errors", {}),
        breach_typed=refused.get("breach_typed", {}),
    )


@bp.post("/commitments/<int:commitment_id>/breach")
@login_required
def report_breach(commitment_id: int):
    """The employing unit's head or Sở Nội vụ reports a breach: the refund case opens."""
    svc = services()
    typed = {"trigger": request.form.get("trigger", ""), "occurred_on": request.form.get("occurred_on", "")}
    try:
        with svc.db.transaction() as session:
            _readable_commitment(session, commitment_id)
            evaluation.report_breach(
                session,
                svc.runtime,
                current_user.username,
                commitment_id,
                typed["trigger"],
                typed["occurred_on"],
                svc.clock.now(),
            )
    except InvalidInput as invalid:
        return refusals.refuse(
            url_for("commitments.commitment_page", commitment_id=commitment_id),
            breach_errors={invalid.field: field_message(invalid)},
            breach_typed=typed,
        )
    flash(
        _("Breach reported: Sở Nội vụ appraises it and the refund is computed from the commitment's terms.")
    )
    return redirect(url_for("commitments.commitment_page", commitment_id=commitment_id))


@bp.post("/commitments/<int:commitment_id>/signed-scan")
@login_required
def upload_signed_scan(commitment_id: int):
    """Sở Nội vụ uploads the scan of a commitment signed on paper (PDF, PNG or JPEG)."""
    svc = services()
    # Room for a scan the service accepts (5 MB) and the form around it; larger is refused unread.
    request.max_content_length = commitments.MAX_SCAN_BYTES + 1024 * 1024
    upload = request.files.get("file")
    try:
        with svc.db.transaction() as session:
            _readable_commitment(session, commitment_id)
            commitments.record_signed_scan(
                session,
                svc.runtime,
                current_user.username,
                commitment_id,
                upload.filename if upload else "",
                upload.read() if upload else b"",
                svc.clock.now(),
            )
    except InvalidInput as invalid:
        return refusals.refuse(
            url_for("commitments.commitment_page", commitment_id=commitment_id), error=field_message(invalid)
        )
    flash(_("Signed scan stored; the commitment counts as signed."))
    return redirect(url_for("commitments.commitment_page", commitment_id=commitment_id))


@bp.get("/commitments/<int:commitment_id>/documents/<int:document_id>")
@login_required
def commitment_document(commitment_id: int, document_id: int):
    return send_document(_document_of(commitment_id, document_id))


@bp.get("/commitments/<int:commitment_id>/documents/<int:document_id>.pdf")
@login_required
def commitment_document_pdf(commitment_id: int, document_id: int):
    """The commitment's .docx as PDF, as it is printed and signed."""
    document = _document_of(commitment_id, document_id)
    if document.media_type != documents.DOCX:
        raise NotFound(f"document {document_id} is not a Word document")
    return send_as_pdf(document)


def _document_of(commitment_id: int, document_id: int):
    with services().db.read() as session:
        document = commitments.commitment_document_for(session, current_user.id, document_id)
        if document.subject != f"commitment:{commitment_id}":
            raise NotFound(f"document {document_id} is not of commitment {commitment_id}")
        return document


def _readable_commitment(session, commitment_id: int) -> None:
    """NotFound unless the user may read the commitment: the same rule as its documents
    (the person, Sở Nội vụ, the employing unit's head, Sở Tài chính)."""
    commitment = commitments.get_commitment(session, commitment_id)
    if commitment.document_id is None:
        raise NotFound(f"commitment {commitment_id} has no document yet")
    commitments.commitment_document_for(session, current_user.id, commitment.document_id)
