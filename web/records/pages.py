"""The registers of a body (docs/records.md#the-register-pages): the documents approved and
waiting for their number, the year's documents sent and received, each downloadable, the
registers as .xlsx with the metadata of Decree 30's appendix, and voiding an issued one."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import documents, records
from services.common.display import local_day
from services.common.errors import InvalidInput
from web.context import services
from web.downloads import send_document, send_workbook
from web.i18n import say
from web.records.register_xlsx import received_workbook, sent_workbook
from web.security import safe_next

bp = Blueprint("records", __name__)


@bp.context_processor
def labels() -> dict:
    return {
        "document_status": lambda status: say(records.STATUS_WORDS[status]),
        "records_type_name": lambda document: records.DOCUMENT_TYPES[document.doc_type].name.capitalize(),
    }


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2200 else local_day(services().clock.now()).year


@bp.get("/records")
@login_required
def registers_home():
    with services().db.read() as session:
        bodies = records.bodies_of_clerk(session, current_user.id)
    if not bodies:
        abort(404)
    return redirect(url_for("records.registers", org_unit_id=bodies[0].id))


@bp.get("/records/<int:org_unit_id>")
@login_required
def registers(org_unit_id: int):
    year = _year()
    with services().db.read() as session:
        kept = records.registers_of(session, current_user.id, org_unit_id, year)
        bodies = records.bodies_of_clerk(session, current_user.id)
    return render_template("records.html", registers=kept, bodies=bodies)


@bp.get("/records/<int:org_unit_id>/<any(sent, received):register>.xlsx")
@login_required
def register_export(org_unit_id: int, register: str):
    year = _year()
    with services().db.read() as session:
        kept = records.registers_of(session, current_user.id, org_unit_id, year)
        workbook = sent_workbook(kept) if register == "sent" else received_workbook(kept)
    return send_workbook(workbook, f"so-van-ban-{'di' if register == 'sent' else 'den'}-{year}.xlsx")


@bp.get("/records/documents/<int:document_id>.<any(docx, pdf):form>")
@login_required
def download(document_id: int, form: str):
    svc = services()
    with svc.db.read() as session:
        document = records.readable_document(session, current_user.id, document_id)
        docx_id, pdf_id = document.docx_id, document.pdf_id
        preview = records.preview_docx(session, document) if docx_id is None else b""
    if docx_id is None:  # a draft, as it stands, without its number
        content, media_type = (
            (records.to_pdf(preview), documents.PDF) if form == "pdf" else (preview, documents.DOCX)
        )
        return send_file(
            BytesIO(content),
            as_attachment=True,
            download_name=f"du-thao-{document_id}.{form}",
            mimetype=media_type,
        )
    if form == "pdf" and pdf_id is None:
        pdf_id = records.pdf_of(svc.db, document_id, svc.clock.now())
    with svc.db.read() as session:
        return send_document(documents.get(session, pdf_id if form == "pdf" else docx_id))


@bp.post("/records/documents/<int:document_id>/void")
@login_required
def void(document_id: int):
    svc = services()
    try:
        with svc.db.transaction() as session:
            document = records.void(
                session, svc.clock.now(), current_user.id, document_id, request.form.get("reason", "")
            )
            org_unit_id, year, code = document.org_unit_id, document.year, document.code
    except InvalidInput as error:
        flash(say(error.message), "error")
        return redirect(safe_next(request.form.get("next"), url_for("records.registers_home")))
    flash(_("Document %(code)s voided; its number keeps its place in the register.", code=code))
    return redirect(url_for("records.registers", org_unit_id=org_unit_id, year=year))
