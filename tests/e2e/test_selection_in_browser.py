"""A selection round worked in a real browser where people act for themselves: a council
member scores a candidate (a wrong score refused at the field, then a right one stored),
the recused member never gets the candidate he may not judge, nobody opens someone
else's scoring task; then the selected person downloads his commitment, signs it with
his own name (a wrong name refused) and becomes "committed". No page shows a citizen ID."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import docx
from factories import selection as flow
from factories.dates import local
from factories.web import PASSWORD, browser_signed_in, field
from sqlalchemy import select

from services import demo
from services.commitments import Commitment
from services.identity import AppUser
from services.people import Person, _talents as talents
from services.selection import Candidate, CouncilSeat
from services.selection._models import CouncilScore

SCORING_TITLE = "Chấm điểm ứng viên"  # council_scoring.bpmn, task score_candidate
SIGNING_TITLE = "Ký bản cam kết"  # commitment.bpmn, task sign_commitment
# The fictional citizen IDs of the sample candidates (factories.selection, factories.commitments).
CITIZEN_IDS = ("999202000111", "999088000333")
SCORING_AT = local(2026, 3, 4, 10, 0)
SIGNING_AT = local(2026, 3, 18, 9, 0)


def _assert_no_citizen_id(page) -> None:
    """Personal data rule: a citizen ID never reaches a page in clear."""
    html = page.content()
    for citizen_id in CITIZEN_IDS:
        assert citizen_id not in html, f"{page.url} shows the citizen ID {citizen_id}"


def _task_links(page, title: str):
    return page.locator("table.tasks a", has_text=title)


def _council_formed(services) -> dict[str, int]:
    """Round opened, C1-C3 registered and screened (C2 ineligible), applications closed,
    council formed with Ngô Thanh Tùng recused for Lê Văn Hưng."""
    round_id = flow.open_round(services)
    ids = flow.register_candidates(services, round_id)
    flow.screen_candidates(services, ids)
    flow.close_applications(services)
    flow.form_council(services, ids)
    return ids


def _stored_score(services, username: str, candidate_id: int):
    with services.db.transaction() as session:
        return session.scalar(
            select(CouncilScore.score)
            .join(CouncilSeat, CouncilSeat.id == CouncilScore.seat_id)
            .join(AppUser, AppUser.id == CouncilSeat.user_id)
            .where(AppUser.username == username, CouncilScore.candidate_id == candidate_id)
        )


def test_a_member_scores_in_the_browser_and_sees_only_his_own_tasks(commune, live_server, browser, artifacts):
    services = commune
    ids = _council_formed(services)
    services.clock.set(SCORING_AT)

    member = browser_signed_in(browser, live_server, "skhcn.phogiamdoc")
    member.screenshot(path=artifacts / "member-inbox.png", full_page=True)
    _assert_no_citizen_id(member)
    assert _task_links(member, SCORING_TITLE).count() == 2  # Khoa and Hưng; Hà is ineligible
    for name in (flow.KHOA, flow.HUNG):  # each row names its candidate
        assert _task_links(member, f"{SCORING_TITLE} {name}").count() == 1
    assert (
        member.locator("table.tasks button.secondary").count() == 0
    )  # a personal task has no queue to go back to
    khoa_task = flow.scoring_task(services, "skhcn.phogiamdoc", ids[flow.KHOA])

    member.click(f'table.tasks a[href="/tasks/{khoa_task.id}"]')
    member.wait_for_url(f"{live_server}/tasks/{khoa_task.id}")
    assert member.inner_text("h1") == f"{SCORING_TITLE} {flow.KHOA}"
    instructions = member.inner_text("section.instructions")
    assert flow.KHOA in instructions and flow.HUNG not in instructions
    assert "Chuyên viên quản trị hệ thống" in instructions
    _assert_no_citizen_id(member)

    for wrong, expected in (
        ("120", "«Điểm» phải nhỏ hơn hoặc bằng 100."),
        ("tám mươi", "«Điểm» phải là số."),
    ):
        member.fill(field("score"), wrong)
        member.fill(field("remark"), "Hồ sơ tốt, trả lời phỏng vấn rõ ràng")
        member.click("button[value=submit]")
        error = member.locator('[data-field="score"] .field-error')
        assert error.inner_text() == expected
        assert member.input_value(field("score")) == wrong  # what was typed is kept
        assert member.input_value(field("remark")) == "Hồ sơ tốt, trả lời phỏng vấn rõ ràng"
        assert _stored_score(services, "skhcn.phogiamdoc", ids[flow.KHOA]) is None
    member.screenshot(path=artifacts / "score-error.png", full_page=True)

    member.fill(field("score"), "78,5")  # the Vietnamese decimal comma
    member.click("button[value=submit]")
    member.wait_for_url(f"{live_server}/inbox")
    assert "Hồ sơ đã kết thúc: «Đã chấm điểm»" in member.inner_text(".flash")
    assert _task_links(member, SCORING_TITLE).count() == 1
    member.screenshot(path=artifacts / "member-inbox-after.png", full_page=True)
    assert _stored_score(services, "skhcn.phogiamdoc", ids[flow.KHOA]) == Decimal("78.50")
    assert _stored_score(services, "skhcn.phogiamdoc", ids[flow.HUNG]) is None

    # The member nominated by xã Cẩm Giang is recused for its nominee: only Khoa to score.
    recused = browser_signed_in(browser, live_server, "vhxh.canbo")
    _assert_no_citizen_id(recused)
    assert _task_links(recused, SCORING_TITLE).count() == 1
    assert _task_links(recused, f"{SCORING_TITLE} {flow.HUNG}").count() == 0
    recused.click(f"table.tasks a >> text={SCORING_TITLE}")
    assert flow.KHOA in recused.inner_text("section.instructions")
    recused.screenshot(path=artifacts / "recused-member-task.png", full_page=True)

    # Someone else's scoring task is not even confirmed to exist.
    chair_task = flow.scoring_task(services, "ct.thanhpho", ids[flow.HUNG])
    response = recused.goto(f"{live_server}/tasks/{chair_task.id}")
    assert response.status == 404
    assert flow.HUNG not in recused.content()
    response = member.goto(f"{live_server}/tasks/{chair_task.id}")
    assert response.status == 404


def _decided(services) -> dict[str, int]:
    """The whole round through the service layer, up to the city chair's approval."""
    ids = _council_formed(services)
    flow.score_all(services, ids)
    flow.record_meeting(services)
    flow.decide(services)
    return ids


def _docx_text(path) -> str:
    document = docx.Document(BytesIO(path.read_bytes()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def test_the_selected_person_downloads_and_signs_his_commitment(commune, live_server, browser, artifacts):
    services = commune
    ids = _decided(services)
    with services.db.transaction() as session:
        person_id = session.scalar(select(Candidate.person_id).where(Candidate.id == ids[flow.KHOA]))
        account = session.get(AppUser, session.get(Person, person_id).user_id)
        username = account.username
        assert username == f"talent{person_id}"
        demo.set_demo_passwords(session, PASSWORD)  # the account was made after the server started
    services.clock.set(SIGNING_AT)

    person = browser_signed_in(browser, live_server, username)
    _assert_no_citizen_id(person)
    person.screenshot(path=artifacts / "person-inbox.png", full_page=True)
    assert _task_links(person, SIGNING_TITLE).count() == 1
    person.click(f"table.tasks a >> text={SIGNING_TITLE}")
    assert person.inner_text("h1") == SIGNING_TITLE
    assert person.inner_text("section.attachments h2") == "Tài liệu của hồ sơ"
    assert person.locator("section.attachments a").count() == 1
    _assert_no_citizen_id(person)
    person.screenshot(path=artifacts / "sign-task.png", full_page=True)

    with person.expect_download() as download:
        person.click("section.attachments a")
    saved = artifacts / download.value.suggested_filename
    assert saved.suffix == ".docx"
    download.value.save_as(saved)
    text = _docx_text(saved)
    assert flow.KHOA in text
    assert "16/03/2026" in text and "15/03/2031" in text
    assert all(citizen_id not in text for citizen_id in CITIZEN_IDS)

    person.check(field("acknowledge"))
    person.fill(field("full_name"), "Trần Minh Khoa Anh")
    person.click("button[value=submit]")
    error = person.locator('[data-field="full_name"] .field-error')
    assert "phải trùng với họ và tên" in error.inner_text()
    assert person.input_value(field("full_name")) == "Trần Minh Khoa Anh"
    person.screenshot(path=artifacts / "sign-error.png", full_page=True)
    with services.db.transaction() as session:
        commitment = session.scalar(select(Commitment).where(Commitment.person_id == person_id))
        assert (commitment.status, commitment.signed_at, commitment.signed_via) == (
            "awaiting_signature",
            None,
            None,
        )

    person.fill(field("full_name"), "  trần minh  khoa ")  # case and spacing do not matter
    assert person.is_checked(field("acknowledge"))  # kept from the refused attempt
    person.click("button[value=submit]")
    person.wait_for_url(f"{live_server}/inbox")
    assert "Việc «Quyết định phân công công tác» đã chuyển tới" in person.inner_text(".flash")
    assert _task_links(person, SIGNING_TITLE).count() == 0
    _assert_no_citizen_id(person)
    person.screenshot(path=artifacts / "person-inbox-after.png", full_page=True)

    with services.db.transaction() as session:
        commitment = session.scalar(select(Commitment).where(Commitment.person_id == person_id))
        assert (commitment.status, commitment.signed_via) == ("signed", "app")
        assert commitment.signed_at == SIGNING_AT
        assert talents.person_view(session, flow.keys_of(services), person_id)["status"] == "committed"
