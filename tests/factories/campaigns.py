"""The commune campaign driven through the service layer: a unit's demand line, opening
the campaign, a unit proposing, and what the campaign and each unit's proposal stand at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from factories.tasks import act
from services.campaigns import _campaigns as campaigns
from services.identity import unit_by_code


def line(**overrides) -> dict:
    need = {
        "field": "ict",
        "major": "Công nghệ thông tin",
        "criteria": "Tốt nghiệp loại xuất sắc",
        "target_group": "excellent_graduate",
        "job_position": "Chuyên viên chuyển đổi số",
        "quantity_year": 1,
        "quantity_period": 2,
    }
    return {**need, **overrides}


def open_campaign(services, at: datetime | None = None, **request) -> int:
    if at is not None:
        services.clock.set(at)
    fields = {
        "commune_code": "xa_cam_giang_ubnd",
        "title": "Đề xuất nhu cầu thu hút nhân tài năm 2026",
        "target_year": 2026,
        "launch_doc": "64/UBND-VHXH",
        **request,
    }
    with services.db.transaction() as session:
        return campaigns.open_campaign(
            session, services.runtime, "vhxh.canbo", campaigns.CampaignRequest(**fields)
        ).id


def submit_proposal(services, unit: str, lines: list[dict], at: datetime) -> None:
    act(services, f"{unit}.canbo", "draft_proposal", {"no_demand": False, "lines": lines}, at)
    act(services, f"{unit}.truong", "approve_proposal", {"head_decision": "submit"}, at)


def statuses(services, campaign_id: int) -> dict[str, str]:
    with services.db.transaction() as session:
        campaign = campaigns.get_campaign(session, campaign_id)
        return {
            row["unit_code"]: row["status"]
            for row in campaigns.unit_statuses(session, campaign, services.clock.now())
        }


def campaign_of(services, campaign_id: int):
    with services.db.transaction() as session:
        return campaigns.get_campaign(session, campaign_id)


def proposal_of(services, campaign_id: int, unit_code: str):
    from services.campaigns import UnitProposal

    with services.db.transaction() as session:
        unit = unit_by_code(session, unit_code)
        return session.scalar(
            select(UnitProposal).where(
                UnitProposal.campaign_id == campaign_id, UnitProposal.org_unit_id == unit.id
            )
        )
