"""The selection-round pages: Sở Nội vụ opens a round and registers candidates, a unit
head nominates an official under 40, the round is shown per user, the minutes are
downloaded by those who may read them, and Sở Nội vụ uploads a signed paper commitment.
Through the real pages (Flask test client, CSRF included), on both databases."""

from __future__ import annotations

import io
import re

import pytest
from factories.dates import local
from factories.selection import HUNG, KHOA, ROUND_OPENED, keys_of, open_round, positions_of, run_selection
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import func, select

from services.commitments import Commitment, _commitments as commitments
from services.people import _talents as talents
from services.selection import Candidate, Position, RecruitmentRound

PDF = b"%PDF-1.4 scan of the signed commitment\n%%EOF"


@pytest.fixture
def app(commune):
    return web_app(commune)


def count(services, model, *where) -> int:
    with services.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def invalid_field(body: str, field_id: str) -> bool:
    """The input is marked invalid and points at its error message."""
    escaped = re.escape(field_id)
    return (
        re.search(rf'id="{escaped}"[^>]*aria-invalid="true" aria-describedby="{escaped}-error"', body)
        is not None
    )


def post(client, path: str, form_page: str, data: dict, **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **data}, **kwargs)


# -- opening a round ------------------------------------------------------------------------


def position_row(index: int, **values) -> dict:
    return {f"positions[{index}].{name}": value for name, value in values.items()}


def test_home_affairs_opens_a_round_through_the_page(commune, app):
    commune.clock.set(ROUND_OPENED)
    client = signed_in(app, "snv.canbo")
    page = client.get("/rounds/new")
    assert page.status_code == 200 and 'name="positions[4].quantity"' in page.get_data(as_text=True)
    good_row = position_row(
        2,
        org_unit_code="cg_vp",
        field="ict",
        job_position="Chuyên viên quản trị hệ thống",
        target_group="excellent_graduate",
        quantity="2",
    )
    form = {
        "title": "Tuyển chọn năm 2026",
        "legal_basis": "hp_res_53_2025",
        "applications_close_at": "2026-03-02T00:00",
        **good_row,
    }

    # Row 4 lacks its job position: refused at that field (numbered as on the page), typed values kept.
    refused = post(
        client,
        "/rounds/new",
        "/rounds/new",
        {**form, **position_row(4, org_unit_code="cg_pkt", field="other", quantity="1")},
        follow_redirects=True,
    )
    body = shown_after_refusal(refused, "/rounds/new")
    assert "Vui lòng nhập «Vị trí việc làm»" in body
    assert invalid_field(body, "new-positions-4-job_position")
    assert 'value="Tuyển chọn năm 2026"' in body and 'value="2026-03-02T00:00"' in body
    # A close in the past is refused at its field.
    past = post(
        client,
        "/rounds/new",
        "/rounds/new",
        {**form, "applications_close_at": "2026-01-01T00:00"},
        follow_redirects=True,
    )
    body = shown_after_refusal(past, "/rounds/new")
    assert (
        invalid_field(body, "new-applications_close_at")
        and "Hạn nhận hồ sơ phải sau thời điểm mở đợt." in body
    )
    assert count(commune, RecruitmentRound) == 0

    opened = post(client, "/rounds/new", "/rounds/new", form)
    assert opened.status_code == 302
    with commune.db.transaction() as session:
        round_ = session.scalar(select(RecruitmentRound))
        assert round_.title == "Tuyển chọn năm 2026"
        assert round_.applications_close_at == local(2026, 3, 2, 0, 0)  # read in Vietnam time
        positions = session.scalars(select(Position).where(Position.round_id == round_.id)).all()
        assert [(p.job_position, p.quantity) for p in positions] == [("Chuyên viên quản trị hệ thống", 2)]
    assert opened.headers["Location"].endswith(f"/rounds/{round_.id}")
    listed = client.get("/rounds").get_data(as_text=True)
    assert (
        f"/rounds/{round_.id}" in listed and "hết ngày 01/03/2026" in listed
    )  # 00:00 on 02/03, in the law's words


def test_only_home_affairs_opens_rounds(commune, app):
    client = signed_in(app, "cg_vp.truong")
    assert client.get("/rounds/new").status_code == 403
    assert "/rounds/new" not in client.get("/rounds").get_data(as_text=True)


# -- nominating ----------------------------------------------------------------------------------


def test_a_unit_head_nominates_an_official_under_40(commune, app):
    round_id = open_round(commune)
    economy = positions_of(commune, round_id)["Chuyên viên kinh tế"]
    client = signed_in(app, "cg_pkt.truong")
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert f'action="/rounds/{round_id}/nominations"' in page
    assert f'action="/rounds/{round_id}/applications"' not in page  # Sở Nội vụ's forms are not theirs
    person = {"position_id": str(economy), "full_name": "Nguyễn Văn Bốn Mươi", "gender": "male"}

    forty = post(
        client,
        f"/rounds/{round_id}/nominations",
        f"/rounds/{round_id}",
        {**person, "date_of_birth": "1986-02-02"},  # 40 on the day of the nomination (02/02/2026)
        follow_redirects=True,
    )
    body = shown_after_refusal(forty, f"/rounds/{round_id}")
    assert "phải dưới 40 tuổi" in body and invalid_field(body, "nominate-date_of_birth")
    assert 'value="Nguyễn Văn Bốn Mươi"' in body
    assert count(commune, Candidate) == 0

    accepted = post(
        client,
        f"/rounds/{round_id}/nominations",
        f"/rounds/{round_id}",
        {**person, "full_name": HUNG, "date_of_birth": "1988-08-08"},
    )
    assert accepted.status_code == 302
    with commune.db.transaction() as session:
        candidate = session.scalar(select(Candidate))
        assert (candidate.position_id, candidate.source_channel, candidate.status) == (
            economy,
            "unit_head_nomination_u40",
            "nominated",
        )
    assert HUNG in client.get(f"/rounds/{round_id}").get_data(as_text=True)


def test_another_units_head_cannot_nominate(commune, app):
    round_id = open_round(commune)
    positions = positions_of(commune, round_id)
    person = {"full_name": "Đỗ Văn Ngoài", "date_of_birth": "1995-01-01"}
    # The head of a unit without a position in the round: no round, no form.
    outsider = signed_in(app, "ltn_vp.truong")
    assert outsider.get(f"/rounds/{round_id}").status_code == 404
    assert f"/rounds/{round_id}" not in outsider.get("/rounds").get_data(as_text=True)
    assert (
        post(
            outsider,
            f"/rounds/{round_id}/nominations",
            "/rounds",
            {**person, "position_id": str(positions["Chuyên viên kinh tế"])},
        ).status_code
        == 404
    )
    # The head of Văn phòng sees the round but may not nominate for Phòng Kinh tế's position.
    office_head = signed_in(app, "cg_vp.truong")
    page = office_head.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Chuyên viên quản trị hệ thống" in page
    assert f'<option value="{positions["Chuyên viên kinh tế"]}"' not in page
    assert (
        post(
            office_head,
            f"/rounds/{round_id}/nominations",
            f"/rounds/{round_id}",
            {**person, "position_id": str(positions["Chuyên viên kinh tế"])},
        ).status_code
        == 403
    )
    # Nor may a unit head register applications (Sở Nội vụ's channel).
    assert (
        post(
            office_head,
            f"/rounds/{round_id}/applications",
            f"/rounds/{round_id}",
            {**person, "position_id": str(positions["Chuyên viên quản trị hệ thống"])},
        ).status_code
        == 403
    )
    assert count(commune, Candidate) == 0


def test_an_application_with_a_citizen_id_never_shows_it_in_clear(commune, app):
    round_id = open_round(commune)
    position = positions_of(commune, round_id)["Chuyên viên quản trị hệ thống"]
    client = signed_in(app, "snv.canbo")
    citizen_id = "999202000111"
    application = {
        "position_id": str(position),
        "full_name": KHOA,
        "date_of_birth": "2002-05-19",
        "gender": "male",
        "citizen_id": citizen_id,
    }

    refused = post(
        client,
        f"/rounds/{round_id}/applications",
        f"/rounds/{round_id}",
        {**application, "position_id": "x"},
        follow_redirects=True,
    )
    body = shown_after_refusal(refused, f"/rounds/{round_id}")
    assert citizen_id not in body and 'value="Trần Minh Khoa"' in body

    registered = post(
        client, f"/rounds/{round_id}/applications", f"/rounds/{round_id}", application, follow_redirects=True
    )
    body = registered.get_data(as_text=True)
    assert registered.status_code == 200 and KHOA in body
    assert citizen_id not in body and "********0111" in body
    with commune.db.transaction() as session:
        found = talents.find_by_citizen_id(session, keys_of(commune), citizen_id)
        assert (
            session.scalar(select(Candidate.source_channel).where(Candidate.person_id == found.id))
            == "self_application"
        )

    # The same person twice: refused at the citizen ID, which is not written back.
    again = post(
        client, f"/rounds/{round_id}/applications", f"/rounds/{round_id}", application, follow_redirects=True
    )
    body = shown_after_refusal(again, f"/rounds/{round_id}")
    assert citizen_id not in body and invalid_field(body, "apply-citizen_id")

    external = post(
        client,
        f"/rounds/{round_id}/external-nominations",
        f"/rounds/{round_id}",
        {
            "position_id": str(position),
            "full_name": "Phạm Thị Thu Hà",
            "date_of_birth": "1993-11-02",
            "nominating_organisation": "Hội Nông dân xã Cẩm Giang",
        },
    )
    assert external.status_code == 302
    assert count(commune, Candidate, Candidate.source_channel == "external_nomination") == 1


# -- reading a decided round -------------------------------------------------------------------


@pytest.fixture
def decided(commune):
    return run_selection(commune)


def test_the_round_page_is_shown_per_user(commune, app, decided):
    round_id = decided["round_id"]
    for username in ("snv.canbo", "ct.thanhpho", "skhcn.phogiamdoc"):
        page = signed_in(app, username).get(f"/rounds/{round_id}")
        body = page.get_data(as_text=True)
        assert page.status_code == 200, username
        assert KHOA in body and HUNG in body and "82.50" in body  # C1's mean (docs/example.md)
    # The head of Văn phòng sees the round with its own candidate only.
    office_head = signed_in(app, "cg_vp.truong").get(f"/rounds/{round_id}").get_data(as_text=True)
    assert KHOA in office_head and HUNG not in office_head
    assert f"/rounds/{round_id}/minutes" not in office_head
    assert f"/rounds/{round_id}/decision" not in office_head
    for outsider in ("stc.canbo", "chutich", "ltn_vp.truong", "cg_dvsnc.truong"):
        assert signed_in(app, outsider).get(f"/rounds/{round_id}").status_code == 404, outsider


def test_the_minutes_and_the_decision_for_a_council_member_and_nobody_else(commune, app, decided):
    round_id = decided["round_id"]
    member = signed_in(app, "skhcn.phogiamdoc")
    page = member.get(f"/rounds/{round_id}").get_data(as_text=True)
    for paper in ("minutes", "decision"):
        assert f"/rounds/{round_id}/{paper}.pdf" in page and f"/rounds/{round_id}/{paper}.docx" in page
        word = member.get(f"/rounds/{round_id}/{paper}.docx")
        assert word.status_code == 200
        assert word.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert word.data.startswith(b"PK")
        assert "attachment" in word.headers["Content-Disposition"]
        for outsider in ("stc.canbo", "cg_pkt.truong", "chutich"):
            assert signed_in(app, outsider).get(f"/rounds/{round_id}/{paper}.docx").status_code == 404, (
                outsider
            )
    pdf = member.get(f"/rounds/{round_id}/decision.pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf") and pdf.data.startswith(b"%PDF")


def test_the_commitment_page_and_the_signed_scan(commune, app, decided):
    round_id, khoa = decided["round_id"], decided["candidates"][KHOA]
    with commune.db.transaction() as session:
        commitment_id = session.scalar(select(Commitment.id).where(Commitment.candidate_id == khoa))
    officer = signed_in(app, "snv.canbo")
    assert f"/commitments/{commitment_id}" in officer.get(f"/rounds/{round_id}").get_data(as_text=True)
    page = officer.get(f"/commitments/{commitment_id}").get_data(as_text=True)
    assert KHOA in page and "999202000111" not in page and 'type="file"' in page

    wrong = post(
        officer,
        f"/commitments/{commitment_id}/signed-scan",
        f"/commitments/{commitment_id}",
        {"file": (io.BytesIO(b"just text"), "cam-ket.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    body = shown_after_refusal(wrong, f"/commitments/{commitment_id}")
    assert "phải là PDF hoặc ảnh" in body and invalid_field(body, "scan-file")
    assert commitments_status(commune, commitment_id) == ("awaiting_signature", None)

    # Only Sở Nội vụ uploads: the employing unit's head may read the commitment, not sign for the person.
    head = signed_in(app, "cg_vp.truong")
    assert (
        post(
            head,
            f"/commitments/{commitment_id}/signed-scan",
            f"/commitments/{commitment_id}",
            {"file": (io.BytesIO(PDF), "scan.pdf")},
            content_type="multipart/form-data",
        ).status_code
        == 403
    )
    assert commitments_status(commune, commitment_id) == ("awaiting_signature", None)

    stored = post(
        officer,
        f"/commitments/{commitment_id}/signed-scan",
        f"/commitments/{commitment_id}",
        {"file": (io.BytesIO(PDF), "ban-cam-ket-da-ky.pdf")},
        content_type="multipart/form-data",
    )
    assert stored.status_code == 302
    assert commitments_status(commune, commitment_id) == ("signed", "scan")
    page = officer.get(f"/commitments/{commitment_id}").get_data(as_text=True)
    assert 'type="file"' not in page  # signed: nothing more to upload
    with commune.db.transaction() as session:
        scan_id = commitments.get_commitment(session, commitment_id).signed_document_id
    link = f"/commitments/{commitment_id}/documents/{scan_id}"
    assert link in page
    assert officer.get(link).data == PDF
    assert f"{link}.pdf" not in page and officer.get(f"{link}.pdf").status_code == 404  # a scan is no .docx
    with commune.db.transaction() as session:
        word_id = commitments.get_commitment(session, commitment_id).document_id
    as_pdf = officer.get(f"/commitments/{commitment_id}/documents/{word_id}.pdf")
    assert f"/commitments/{commitment_id}/documents/{word_id}.pdf" in page
    assert (as_pdf.status_code, as_pdf.mimetype) == (200, "application/pdf") and as_pdf.data.startswith(
        b"%PDF"
    )

    # The employing unit's head and Sở Tài chính read it, without the upload form; others do not.
    for reader in ("cg_vp.truong", "stc.canbo"):
        client = signed_in(app, reader)
        reading = client.get(f"/commitments/{commitment_id}")
        assert reading.status_code == 200 and 'type="file"' not in reading.get_data(as_text=True)
        assert client.get(link).data == PDF
    for outsider in ("chutich", "cg_pkt.truong", "skhcn.phogiamdoc"):
        client = signed_in(app, outsider)
        assert client.get(f"/commitments/{commitment_id}").status_code == 404, outsider
        assert client.get(link).status_code == 404, outsider


def commitments_status(services, commitment_id: int) -> tuple[str, str | None]:
    with services.db.transaction() as session:
        commitment = commitments.get_commitment(session, commitment_id)
        return commitment.status, commitment.signed_via
