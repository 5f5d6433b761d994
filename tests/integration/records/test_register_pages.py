"""The records clerk's pages: a body's registers, the documents' files, the .xlsx export with
Decree 30's metadata, voiding with a reason; nobody else sees them."""

import io

from factories.web import csrf_token, signed_in, web_app
from openpyxl import load_workbook
from sqlalchemy import select

from services import records
from services.identity import AppUser, OrgUnit


def _issued_and_received(services) -> tuple[int, int, int]:
    """Two Công văn of UBND xã Cẩm Giang issued, the first registered at Sở Nội vụ; a third
    approved and waiting."""
    at = services.clock.now()
    with services.db.transaction() as session:
        ids = dict(session.execute(select(AppUser.username, AppUser.id)).all())
        units = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).all())
        made = []
        for subject in ('=HYPERLINK("http://evil")', "đề xuất nhu cầu năm 2027", "chờ cấp số"):
            document = records.draft(
                session,
                at,
                ids["vhxh.canbo"],
                org_unit_id=units["xa_cam_giang_ubnd"],
                doc_type="cong_van",
                kind=records.ADMINISTRATIVE,
                body="UBND",
                unit="VHXH",
                subject=subject,
                place_name="Cẩm Giang",
                content={"recipients": ["Như trên", "Lưu: VT, VHXH"]},
            )
            records.approve(session, at, ids["chutich"], document.id)
            made.append(document.id)
        for document_id in made[:2]:
            records.issue(session, at, ids["vanthu"], document_id)
        records.receive_issued(
            session,
            at,
            ids["snv.vanthu"],
            org_unit_id=units["tp_hai_phong_snv"],
            outgoing_id=made[1],
            sender_name="UBND xã Cẩm Giang",
        )
    return units["xa_cam_giang_ubnd"], units["tp_hai_phong_snv"], made[1]


def test_the_clerk_sees_the_registers_downloads_and_exports_them(commune):
    services = commune
    commune_id, snv_id, issued_id = _issued_and_received(services)
    app = web_app(services)
    clerk = signed_in(app, "vanthu")
    assert "Sổ văn bản" in clerk.get("/inbox").get_data(as_text=True)  # the menu
    home = clerk.get("/records")
    assert home.status_code == 302 and home.headers["Location"].endswith(f"/records/{commune_id}")
    page = clerk.get(f"/records/{commune_id}?year=2026").get_data(as_text=True)
    for expected in ("01/UBND-VHXH", "02/UBND-VHXH", "chờ cấp số", "Sổ văn bản đi năm 2026"):
        assert expected in page, expected

    word = clerk.get(f"/records/documents/{issued_id}.docx")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    pdf = clerk.get(f"/records/documents/{issued_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    waiting_id = issued_id + 1  # approved, not issued: its draft, without a number
    draft = clerk.get(f"/records/documents/{waiting_id}.docx")
    assert draft.status_code == 200 and f"du-thao-{waiting_id}.docx" in draft.headers["Content-Disposition"]
    assert clerk.get(f"/records/documents/{waiting_id}.pdf").data.startswith(b"%PDF")

    export = clerk.get(f"/records/{commune_id}/sent.xlsx?year=2026")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Số (CodeNumber)", "Số, ký hiệu (CodeNotation)", "Ngày ban hành (IssuedDate)")
    assert [row[1] for row in rows[2:]] == ["01/UBND-VHXH", "02/UBND-VHXH"]
    assert rows[3][6] == 1  # pages, counted when the PDF was made
    assert sheet.cell(row=3, column=5).quotePrefix  # a subject that looks like a formula stays text

    snv_clerk = signed_in(app, "snv.vanthu")
    received = snv_clerk.get(f"/records/{snv_id}").get_data(as_text=True)
    assert "02/UBND-VHXH" in received and "UBND xã Cẩm Giang" in received
    assert snv_clerk.get(f"/records/documents/{issued_id}.pdf").status_code == 200  # it received it
    rows = list(
        load_workbook(io.BytesIO(snv_clerk.get(f"/records/{snv_id}/received.xlsx").data)).active.values
    )
    assert rows[2][0] == 1 and rows[2][3] == "02/UBND-VHXH"


def test_voiding_needs_a_reason_and_keeps_the_number(commune):
    services = commune
    commune_id, _, issued_id = _issued_and_received(services)
    clerk = signed_in(web_app(services), "vanthu")
    token = csrf_token(clerk, f"/records/{commune_id}")
    refused = clerk.post(
        f"/records/documents/{issued_id}/void",
        data={"reason": " ", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Trường này là bắt buộc" in refused.get_data(as_text=True)
    done = clerk.post(
        f"/records/documents/{issued_id}/void",
        data={"reason": "Sai nơi nhận", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "đã bị hủy" in done and "Sai nơi nhận" in done and "02/UBND-VHXH" in done


def test_nobody_else_sees_a_register_or_a_document(commune):
    services = commune
    commune_id, snv_id, issued_id = _issued_and_received(services)
    app = web_app(services)
    officer = signed_in(app, "cg_thcs.canbo")
    assert "Sổ văn bản" not in officer.get("/inbox").get_data(as_text=True)
    assert officer.get("/records").status_code == 404
    assert officer.get(f"/records/{commune_id}").status_code == 404
    assert officer.get(f"/records/documents/{issued_id}.pdf").status_code == 404
    other_clerk = signed_in(app, "ltn.vanthu")  # another commune's
    assert other_clerk.get(f"/records/{commune_id}").status_code == 404
    assert other_clerk.get(f"/records/{snv_id}/received.xlsx").status_code == 404
    assert other_clerk.get(f"/records/documents/{issued_id}.docx").status_code == 404
    token = csrf_token(other_clerk, "/inbox")
    forbidden = other_clerk.post(
        f"/records/documents/{issued_id}/void", data={"reason": "x", "csrf_token": token}
    )
    assert forbidden.status_code == 403
