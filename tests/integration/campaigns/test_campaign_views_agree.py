"""The board, the .xlsx and the API tell the same truth about every unit, before and after
the cutoff: one standing per unit, from one function (services.campaigns._campaigns.standing)."""

from __future__ import annotations

import html
import re
from io import BytesIO

from factories.campaigns import line, open_campaign, submit_proposal
from factories.dates import local
from factories.tasks import act
from factories.web import signed_in, web_app
from openpyxl import load_workbook
from sqlalchemy import select

from services.campaigns import UnitProposal, _campaigns as campaigns
from services.identity import _api_tokens as api_tokens, unit_by_code

BEFORE = local(2026, 1, 13, 9, 0)
CUTOFF = local(2026, 1, 14, 12, 0)
_ROW = re.compile(
    r'<tr data-unit="([^"]+)">\s*<td><a href="[^"]+"[^>]*>([^<]*)</a></td>\s*'
    r'<td class="status status-(\w+)">([^<]*)</td>'
)


def _three_views(services, app, campaign_id: int) -> tuple[dict, dict, dict]:
    office = signed_in(app, "vhxh.canbo")
    board = {
        code: (html.unescape(name), status, html.unescape(label))
        for code, name, status, label in _ROW.findall(
            office.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
        )
    }
    workbook = load_workbook(BytesIO(office.get(f"/campaigns/{campaign_id}/aggregation.xlsx").data))
    rows = list(workbook["Đơn vị"].iter_rows(min_row=2, values_only=True))
    excel = {code: (name, label) for name, code, label, _ in rows}
    with services.db.transaction() as session:
        token = api_tokens.issue(session, "vhxh.canbo", "views", services.clock.now())
    status = app.test_client().get(
        f"/api/v1/campaigns/{campaign_id}", headers={"Authorization": f"Bearer {token}"}
    )
    api = {unit["unit_code"]: (unit["unit_name"], unit["status"]) for unit in status.get_json()["units"]}
    return board, excel, api


def _assert_agree(services, app, campaign_id: int) -> dict[str, str]:
    board, excel, api = _three_views(services, app, campaign_id)
    assert set(board) == set(excel) == set(api) and len(api) == 10
    for code, (name, status) in api.items():
        assert board[code] == (name, status, board[code][2]), code
        assert excel[code] == (name, board[code][2]), code  # the same words as the board
    return {code: status for code, (_, status) in api.items()}


def test_board_excel_and_api_agree_before_and_after_the_cutoff(commune):
    services = commune
    app = web_app(services)
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))

    submit_proposal(services, "cg_vp", [line()], BEFORE)
    act(services, "cg_pkt.canbo", "draft_proposal", {"no_demand": False, "lines": [line()]}, BEFORE)
    submit_proposal(services, "cg_thcs", [line(field="education")], BEFORE)
    with services.db.transaction() as session:
        campaigns.return_proposal(
            session,
            services.runtime,
            "vhxh.canbo",
            campaign_id,
            "cg_thcs",
            "Đề nghị làm rõ tiêu chí tuyển chọn",
            BEFORE,
        )
    services.clock.set(BEFORE)
    before = _assert_agree(services, app, campaign_id)
    assert (
        before["cg_vp"] == "submitted" and before["cg_pkt"] == "drafting" and before["cg_thcs"] == "returned"
    )
    assert before["cg_mn"] == "not_started"  # silent, and the cutoff still ahead: not deemed anything yet

    # Resubmitted after the return; one late; one late and accepted; one cancelled by an admin.
    submit_proposal(
        services, "cg_thcs", [line(field="education", quantity_year=2)], local(2026, 1, 13, 15, 0)
    )
    act(
        services,
        "cg_tyt.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": [line(field="health")]},
        local(2026, 1, 14, 11, 0),
    )
    act(services, "cg_tyt.truong", "approve_proposal", {"head_decision": "submit"}, CUTOFF)
    act(
        services,
        "cg_bxdd.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": [line()]},
        local(2026, 1, 14, 11, 0),
    )
    act(services, "cg_bxdd.truong", "approve_proposal", {"head_decision": "submit"}, CUTOFF)
    with services.db.transaction() as session:
        campaigns.accept_late_proposal(
            session, "chutich", campaign_id, "cg_bxdd", "Đơn vị gửi muộn vì sự cố mạng, đã báo trước", CUTOFF
        )
        cancelled = session.scalar(
            select(UnitProposal.instance_id).where(
                UnitProposal.campaign_id == campaign_id,
                UnitProposal.org_unit_id == unit_by_code(session, "cg_th").id,
            )
        )
        services.runtime.cancel(session, cancelled, at=local(2026, 1, 13, 16, 0))

    services.clock.set(CUTOFF)
    unfired = _assert_agree(services, app, campaign_id)  # the cutoff passed, the scheduler not run yet
    services.fire_timers()
    services.deliver_inbox()  # the last unit's end: the campaign goes on
    after = _assert_agree(services, app, campaign_id)
    assert unfired == after
    assert after["cg_thcs"] == "submitted" and after["cg_tyt"] == "submitted_late"
    assert after["cg_bxdd"] == "accepted_late" and after["cg_th"] == "cancelled"
    assert after["cg_pkt"] == after["cg_mn"] == "deemed_no_demand"
    with services.db.read() as session:
        aggregation = campaigns.aggregate(session, campaigns.get_campaign(session, campaign_id), CUTOFF)
    assert {code: status for status, codes in aggregation["units"].items() for code in codes} == after

    # From the board, a unit's page: what it sent, and its history.
    office = signed_in(app, "vhxh.canbo")
    board = office.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="/campaigns/{campaign_id}/units/cg_thcs"' in board
    page = html.unescape(office.get(f"/campaigns/{campaign_id}/units/cg_thcs").get_data(as_text=True))
    assert "Đã gửi đúng hạn" in page and "Giáo dục và đào tạo" in page
    assert page.count("Việc «Lập đề xuất nhu cầu» mở cho") == 2  # drafted again after the return
    assert office.get(f"/campaigns/{campaign_id}/units/cg_nowhere").status_code == 404
    assert signed_in(app, "cg_vp.canbo").get(f"/campaigns/{campaign_id}/units/cg_thcs").status_code == 404
