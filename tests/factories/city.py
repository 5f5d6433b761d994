"""Driving the city consolidation in simulated time, for the tests of this stage and of
the later ones (selection, commitments...): two communes submit their demand for 2026,
Sở Nội vụ registers both dispatches, consolidates, the city chair approves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.models import HumanTask
from factories.campaigns import line, open_campaign, submit_proposal
from factories.dates import local
from factories.tasks import act
from services.campaigns import _campaigns as campaigns
from services.city import _consolidation as city_consolidation
from services.city._models import CommuneSubmission
from services.identity import unit_by_code
from services.work import _tasks as tasks

YEAR = 2026
OPENED = local(2026, 1, 10, 9, 0)
CUTOFF = local(2026, 1, 14, 12, 0)
CAM_GIANG, LE_THANH_NGHI = "xa_cam_giang_ubnd", "phuong_le_thanh_nghi_ubnd"
DIGITAL = "Chuyên viên chuyển đổi số"
MATHS = "Giáo viên Toán"
# What each commune's units propose (unit, lines), and how the commune sends it.
CAM_GIANG_PROPOSALS = [
    ("cg_vp", [line(field="ict", job_position=DIGITAL, quantity_year=1, quantity_period=2)]),
    (
        "cg_tyt",
        [
            line(
                field="health",
                job_position="Bác sĩ đa khoa",
                target_group="specialist_level_1",
                quantity_year=1,
                quantity_period=2,
            )
        ],
    ),
    ("cg_thcs", [line(field="education", job_position=MATHS, quantity_year=2, quantity_period=3)]),
]
LE_THANH_NGHI_PROPOSALS = [
    # The same position as Cẩm Giang's, typed with other spacing and case: one row at the city.
    (
        "ltn_vp",
        [
            line(
                field="ict",
                job_position="chuyên viên  chuyển đổi số",
                target_group="master",
                quantity_year=2,
                quantity_period=3,
            )
        ],
    ),
    (
        "ltn_thcs",
        [
            line(field="education", job_position=MATHS, quantity_year=1, quantity_period=2),
            line(field="education", job_position="Giáo viên Tin học", quantity_year=1, quantity_period=1),
        ],
    ),
]
COMMUNES = {  # commune code -> (Phòng VH-XH officer, chair, records clerk, aggregate/approve/issue times)
    LE_THANH_NGHI: (
        "ltn_vhxh.chuyenvien",
        "ltn.chutich",
        "ltn.vanthu",
        (local(2026, 1, 14, 13, 0), local(2026, 1, 14, 15, 0), local(2026, 1, 14, 16, 30)),
    ),
    CAM_GIANG: (
        "vhxh.canbo",
        "chutich",
        "vanthu",
        (local(2026, 1, 14, 14, 0), local(2026, 1, 14, 16, 0), local(2026, 1, 14, 17, 10)),
    ),
}


def open_both_campaigns(services) -> dict[str, int]:
    """Both communes open their 2026 campaign and their units propose before the cutoff."""
    cam_giang = open_campaign(services, at=OPENED)
    with services.db.transaction() as session:
        request = campaigns.CampaignRequest(
            commune_code=LE_THANH_NGHI,
            target_year=YEAR,
            launch_doc="12/UBND-VHXH",
            title="Đề xuất nhu cầu thu hút nhân tài năm 2026",
        )
        le_thanh_nghi = campaigns.open_campaign(session, services.runtime, "ltn_vhxh.chuyenvien", request).id
    for unit, lines in CAM_GIANG_PROPOSALS + LE_THANH_NGHI_PROPOSALS:
        submit_proposal(services, unit, lines, local(2026, 1, 13, 9, 0))
    services.clock.set(CUTOFF)
    services.tick(CUTOFF)
    return {CAM_GIANG: cam_giang, LE_THANH_NGHI: le_thanh_nghi}


def send_to_city(services, commune_code: str) -> None:
    """The commune aggregates, its chair approves, its records clerk issues the Công văn (the
    commune's first of the year: 01/UBND-VHXH)."""
    officer, chair, clerk, (aggregated, approved, issued) = COMMUNES[commune_code]
    act(services, officer, "aggregate_proposals", {}, aggregated)
    act(services, chair, "approve_aggregation", {"chair_decision": "approve"}, approved)
    act(services, clerk, "record_city_submission", {}, issued)


def submit_both_communes(services) -> int:
    """Phường Lê Thanh Nghị then xã Cẩm Giang send their 2026 demand to the city; returns
    the CityRound id. Nothing is registered at Sở Nội vụ yet."""
    open_both_campaigns(services)
    send_to_city(services, LE_THANH_NGHI)
    send_to_city(services, CAM_GIANG)
    with services.db.transaction() as session:
        return city_consolidation.city_round_for_year(session, YEAR).id


def registration_task(services, commune_code: str) -> HumanTask:
    """The open ``register_submission`` task of a commune's submission."""
    with services.db.transaction() as session:
        commune = unit_by_code(session, commune_code)
        instance_id = session.scalar(
            select(CommuneSubmission.instance_id).where(CommuneSubmission.commune_id == commune.id)
        )
        return session.scalar(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
        )


def register_submission(
    services, commune_code: str, at: datetime, username: str = "snv.vanthu", note: str | None = None
):
    """Sở Nội vụ's records clerk registers the commune's dispatch: the next incoming number."""
    services.clock.set(at)
    task = registration_task(services, commune_code)
    data = {"note": note} if note else {}
    return tasks.complete_task(services.db, services.runtime, username, task.id, data)


def register_both(services) -> None:
    """Lê Thanh Nghị's dispatch is number 1 received, Cẩm Giang's number 2."""
    register_submission(services, LE_THANH_NGHI, local(2026, 1, 15, 8, 30))
    register_submission(services, CAM_GIANG, local(2026, 1, 15, 8, 45))


def approve_city_round(
    services, decision_number: str = "125/QĐ-UBND", targets: list[dict] | None = None
) -> None:
    """Sở Nội vụ consolidates the registered submissions; the city chair approves."""
    act(services, "snv.canbo", "consolidate_demand", {}, local(2026, 1, 16, 9, 0))
    data = {"chair_decision": "approve", "decision_number": decision_number}
    if targets is not None:
        data["targets"] = targets
    act(services, "ct.thanhpho", "approve_demand", data, local(2026, 1, 20, 10, 0))


def city_round_approved(services) -> int:
    """The whole city stage: both communes submit, both are registered, the demand is
    approved as consolidated. Returns the CityRound id."""
    round_id = submit_both_communes(services)
    register_both(services)
    approve_city_round(services)
    return round_id
