"""Small helpers shared by tests: acting as a named user through the service layer."""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.models import HumanTask
from services.campaigns import _campaigns as campaigns
from services.identity import unit_by_code, user_by_username
from services.work import _tasks as tasks

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The process bundles the repository ships (one folder each), all loaded by every test.
BUNDLES = sorted(
    path.name for path in (Path(__file__).resolve().parents[1] / "bpmn").iterdir() if path.is_dir()
)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


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


def inbox(services, username: str) -> list[HumanTask]:
    with services.db.transaction() as session:
        return tasks.tasks_for(session, user_by_username(session, username))


def task_named(services, username: str, task_name: str) -> HumanTask:
    matching = [task for task in inbox(services, username) if task.task_name == task_name]
    assert len(matching) == 1, f"{username} has {len(matching)} open {task_name} tasks"
    return matching[0]


def act(services, username: str, task_name: str, data: dict, at: datetime | None = None):
    if at is not None:
        services.clock.set(at)
    task = task_named(services, username, task_name)
    return tasks.complete_task(services.db, services.runtime, username, task.id, data)


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


def stored_text(serialization: bytes) -> str:
    """The stored workflow as text (it is zlib-compressed JSON): a substring search on
    the compressed bytes would prove nothing."""
    return zlib.decompress(serialization).decode("utf-8")
