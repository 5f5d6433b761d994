"""Templates administrators change (docs/records.md#templates): the default one downloaded,
changed in Word and uploaded is a draft until published; its preview is the sample
document as PDF; a draft changes no document, a published one every document made after;
a file that is not a Word template, that reaches for Python or that leaves out a value is
refused with the reason, and nothing is kept."""

import io

import docx
from factories.pdf_text import text_of
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import func, select

from services import documents, records
from services.identity import AppUser, OrgUnit

OUR_LINE = "Mẫu văn bản của Ủy ban nhân dân xã Cẩm Giang, phiên bản riêng"


def _with_our_line(template: bytes) -> bytes:
    document = docx.Document(io.BytesIO(template))
    document.add_paragraph(OUR_LINE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _without(template: bytes, tag: str) -> bytes:
    """The template with every paragraph holding ``tag`` emptied."""
    document = docx.Document(io.BytesIO(template))
    cells = [cell for table in document.tables for row in table.rows for cell in row.cells]
    for paragraph in [*document.paragraphs, *(p for cell in cells for p in cell.paragraphs)]:
        if tag in paragraph.text:
            for run in paragraph.runs:
                run.text = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(client, key: str, content: bytes, filename: str = "mau.docx"):
    return client.post(
        f"/admin/templates/{key}",
        data={
            "csrf_token": csrf_token(client, "/admin/templates"),
            "template_file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def _issue_cong_van(services) -> tuple[int | None, str]:
    at = services.clock.now()
    with services.db.transaction() as session:
        ids = dict(session.execute(select(AppUser.username, AppUser.id)).all())
        commune_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "xa_cam_giang_ubnd"))
        document = records.draft(
            session,
            at,
            ids["vhxh.canbo"],
            org_unit_id=commune_id,
            doc_type="cong_van",
            kind=records.ADMINISTRATIVE,
            body="UBND",
            unit="VHXH",
            subject="đề xuất nhu cầu năm 2027",
            place_name="Cẩm Giang",
            content={"recipients": ["Như trên", "Lưu: VT, VHXH"]},
        )
        records.approve(session, at, ids["chutich"], document.id)
        records.issue(session, at, ids["vanthu"], document.id)
        word = documents.get(session, document.docx_id).content
        version = document.template_version
    return version, "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(word)).paragraphs)


def test_a_template_changed_previewed_published_then_used(commune):
    services = commune
    admin = signed_in(web_app(services), "admin")
    default = admin.get("/admin/templates/cong_van/default.docx")
    assert default.status_code == 200 and default.data.startswith(b"PK")

    uploaded = _upload(admin, "cong_van", _with_our_line(default.data))
    assert uploaded.status_code == 302
    page = admin.get("/admin/templates").get_data(as_text=True)
    assert "Phiên bản 1 được lưu là bản nháp" in page and "/admin/templates/cong_van/1/publish" in page

    preview = admin.get("/admin/templates/cong_van/1.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    text = text_of(preview.data)
    assert OUR_LINE in text and "Số: 07/UBND-VHXH" in text and "Tổng cộng 5" in text

    # A draft changes nothing; published, it makes every document from then on.
    version, text = _issue_cong_van(services)
    assert version is None and OUR_LINE not in text
    published = admin.post(
        "/admin/templates/cong_van/1/publish", data={"csrf_token": csrf_token(admin, "/admin/templates")}
    )
    assert published.status_code == 302
    version, text = _issue_cong_van(services)
    assert version == 1 and OUR_LINE in text
    assert "Đang dùng: phiên bản 1." in admin.get("/admin/templates").get_data(as_text=True)
    again = admin.post(
        "/admin/templates/cong_van/1/publish", data={"csrf_token": csrf_token(admin, "/admin/templates")}
    )
    assert again.status_code == 409

    with services.db.read() as session:  # the next kinds are untouched
        assert records.template_in_use(session, "bien_ban") == (None, records.default_template())


def test_a_bad_template_is_refused_with_the_reason_and_nothing_is_kept(commune):
    services = commune
    admin = signed_in(web_app(services), "admin")
    default = admin.get("/admin/templates/quyet_dinh/default.docx").data
    hostile = docx.Document()
    hostile.add_paragraph("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    hostile_bytes = io.BytesIO()
    hostile.save(hostile_bytes)
    for content, reason in (
        (b"%PDF-1.7 not a Word file", "không phải văn bản Word"),
        (hostile_bytes.getvalue(), "Không tạo được văn bản từ mẫu"),
        (_without(default, "Số: {{"), "Mẫu không thể hiện số và ký hiệu"),
        (_without(_without(default, "signers[-1].name"), "subject }}"), "trích yếu, tên người ký"),
    ):
        refused = _upload(admin, "quyet_dinh", content, filename="<b>mau</b>.docx")
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422, body
        assert reason in body, body[body.find('role="alert"') :][:600]
        assert "Tệp mẫu (.docx)" in body and "&lt;b&gt;mau&lt;/b&gt;.docx" in body
    assert _upload(admin, "khong_co", default).status_code == 404
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(records.DocumentTemplate)) == 0
