"""What the selection, commitment, campaign and talent services say reaches people in the
reader's language only (docs/languages.md): the refusals of their pages and of the API, and
the words they offer as choices, in Vietnamese or in English, never a mix."""

from __future__ import annotations

from datetime import date

import pytest
from factories.commitments import C1, open_round, recruitment_round, selected_candidate, sign_and_assign
from factories.dates import local
from factories.selection import ROUND_OPENED
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app

from services.identity import _api_tokens as api_tokens

# What each language reads of one refusal or choice; the other language's words must not show.
WORDS = {
    "round": {
        "vi": "Vui lòng nhập «Vị trí việc làm» (tối đa 200 ký tự).",
        "en": "Please enter «Job position» (at most 200 characters).",
    },
    "category": {"vi": "tốt nghiệp xuất sắc", "en": "excellent graduate"},
    "breach": {
        "vi": "Ngày vi phạm phải trong thời hạn cam kết (từ 16/03/2026",
        "en": "The date of the breach must be within the commitment (from 16/03/2026",
    },
    "trigger": {"vi": "Thôi việc theo nguyện vọng", "en": "Resignation at their own request"},
    "campaign": {
        "vi": "Hạn các đơn vị gửi đề xuất phải sau thời điểm mở đợt.",
        "en": "The units' deadline for their proposals must be after the campaign opens.",
    },
    "citizen_id": {
        "vi": "Số định danh cá nhân phải gồm đúng 12 chữ số.",
        "en": "Citizen ID must have exactly 12 digits.",
    },
}


def reads(text: str, what: str, language: str) -> bool:
    other = "en" if language == "vi" else "vi"
    return WORDS[what][language] in text and WORDS[what][other] not in text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_refused_round_and_its_categories_read_in_one_language(commune, language):
    commune.clock.set(ROUND_OPENED)
    client = signed_in(web_app(commune), "snv.canbo", language)
    form = {
        "csrf_token": csrf_token(client, "/rounds/new"),
        "title": "Tuyển chọn năm 2026",
        "legal_basis": "hp_res_53_2025",
        "applications_close_at": "2026-03-02T00:00",
        "positions[0].org_unit_code": "cg_vp",
        "positions[0].field": "ict",
        "positions[0].target_group": "excellent_graduate",
        "positions[0].quantity": "2",
    }
    body = shown_after_refusal(client.post("/rounds/new", data=form, follow_redirects=True), "/rounds/new")
    assert reads(body, "round", language) and reads(body, "category", language)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_refused_breach_and_its_triggers_read_in_one_language(commune, language):
    round_id = recruitment_round(commune)
    selected_candidate(commune, round_id, C1)
    (commitment_id,) = open_round(commune, round_id, date(2026, 3, 16), local(2026, 3, 16, 9, 0))
    sign_and_assign(commune, commitment_id, local(2026, 3, 20, 9, 0))
    commune.clock.set(local(2027, 9, 2, 9, 0))
    head, page = signed_in(web_app(commune), "cg_vp.truong", language), f"/commitments/{commitment_id}"
    refused = head.post(
        f"{page}/breach",
        data={"csrf_token": csrf_token(head, page), "trigger": "resignation", "occurred_on": "2025-01-01"},
        follow_redirects=True,
    )
    body = shown_after_refusal(refused, page)
    assert reads(body, "breach", language) and reads(body, "trigger", language)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_api_refuses_a_campaign_in_the_callers_language(commune, language):
    commune.clock.set(local(2026, 12, 1, 9, 0))
    with commune.db.transaction() as session:
        token = api_tokens.issue(session, "vhxh.canbo", "api", commune.clock.now())
    answer = (
        web_app(commune)
        .test_client()
        .post(
            "/api/v1/campaigns",
            json={
                "commune_code": "xa_cam_giang_ubnd",
                "title": "Đề xuất nhu cầu năm 2027",
                "target_year": 2027,
                "unit_deadline": "2026-11-30T12:00:00+07:00",
            },
            headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
        )
    )
    assert answer.status_code == 422
    assert reads(" ".join(answer.get_json()["errors"]["unit_deadline"]), "campaign", language)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_bad_citizen_id_search_reads_in_one_language(commune, language):
    client = signed_in(web_app(commune), "snv.canbo", language)
    page = client.post("/talents", data={"csrf_token": csrf_token(client, "/talents"), "q": "12345"})
    assert page.status_code == 422 and reads(page.get_data(as_text=True), "citizen_id", language)
