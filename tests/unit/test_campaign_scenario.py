"""The whole commune campaign of seed 001 (Cẩm Giang, 64/UBND-VHXH) in simulated time,
through the service layer. Every step reloads the instance from the database."""
from datetime import date

import pytest

from engine.errors import TaskNotReady
from services.errors import PermissionDenied
from support import (act, campaign_of, inbox, line, local, open_campaign, proposal_of, statuses,
                     submit_proposal, task_named)

JUST_BEFORE = local(2026, 1, 14, 11, 59, 59)
CUTOFF = local(2026, 1, 14, 12, 0, 0)


def test_campaign_from_dispatch_to_city_submission(commune):
    services = commune
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))
    assert set(statuses(services, campaign_id).values()) == {"not_started"}
    assert "cg_ca" not in statuses(services, campaign_id)  # police: outside Decree 179

    # On time, early and at the last second.
    submit_proposal(services, "cg_vp", [line(quantity_year=1, quantity_period=2)], local(2026, 1, 13, 16, 20))
    submit_proposal(services, "cg_tyt", [line(field="health", target_group="specialist_level_1",
                                              quantity_year=1, quantity_period=2)], local(2026, 1, 14, 8, 15))
    submit_proposal(services, "cg_bxdd", [line(quantity_year=1, quantity_period=1)], JUST_BEFORE)
    act(services, "cg_pkt.canbo", "draft_proposal",
        {"no_demand": False, "lines": [line(field="high_tech_agriculture", quantity_year=1, quantity_period=1)]},
        local(2026, 1, 14, 11, 0))
    act(services, "cg_pkt.truong", "approve_proposal", {"head_decision": "submit"}, JUST_BEFORE)

    # Returned by Phòng VH-XH for clarification, then resubmitted before the cutoff.
    submit_proposal(services, "cg_thcs", [line(field="education", quantity_year=5, quantity_period=5)],
                    local(2026, 1, 12, 8, 30))
    act(services, "vhxh.canbo", "review_proposal",
        {"review_decision": "return", "review_comment": "Đề nghị làm rõ tiêu chí"}, local(2026, 1, 12, 10, 0),
        for_unit="cg_thcs")
    assert statuses(services, campaign_id)["cg_thcs"] == "returned"
    submit_proposal(services, "cg_thcs", [line(field="education", quantity_year=1, quantity_period=2)],
                    local(2026, 1, 13, 9, 0))

    # Declared no demand.
    act(services, "cg_th.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 13, 10, 0))
    act(services, "cg_th.truong", "approve_proposal", {"head_decision": "submit"}, local(2026, 1, 13, 10, 5))

    # Received at 12:00:00 while the task was still open: late.
    act(services, "cg_pvhcc.canbo", "draft_proposal", {"no_demand": False, "lines": [line(quantity_year=3,
        quantity_period=3)]}, local(2026, 1, 14, 11, 30))
    act(services, "cg_pvhcc.truong", "approve_proposal", {"head_decision": "submit"}, CUTOFF)

    # Two more units submit on time; cg_mn and cg_dvsnc never answer.
    submit_proposal(services, "xa_cam_giang_vhxh", [line(field="law", target_group="master",
                    quantity_year=0, quantity_period=1)], local(2026, 1, 14, 9, 5))
    before_cutoff = statuses(services, campaign_id)
    assert before_cutoff["cg_pvhcc"] == "submitted_late"
    assert before_cutoff["cg_th"] == "declared_no_demand"
    assert before_cutoff["cg_mn"] == before_cutoff["cg_dvsnc"] == "not_started"

    services.clock.set(CUTOFF)
    first = services.tick()
    assert services.tick().fired == 0  # nothing fires twice
    assert first.fired == 1 + 6 + 2  # the campaign, 6 on-time units under review, 2 silent units
    after_cutoff = statuses(services, campaign_id)
    assert after_cutoff == {
        "cg_vp": "submitted", "xa_cam_giang_vhxh": "submitted", "cg_pkt": "submitted",
        "cg_dvsnc": "deemed_no_demand", "cg_pvhcc": "submitted_late", "cg_thcs": "submitted",
        "cg_th": "declared_no_demand", "cg_mn": "deemed_no_demand", "cg_tyt": "submitted",
        "cg_bxdd": "submitted"}
    silent = proposal_of(services, campaign_id, "cg_mn")
    assert silent.closed_at == CUTOFF and silent.received_at is None
    late = proposal_of(services, campaign_id, "cg_pvhcc")
    assert late.received_at == CUTOFF  # kept, with its lines, but not counted
    assert inbox(services, "cg_mn.canbo") == []

    # Phòng VH-XH aggregates; the chair approves; the dispatch to the city is recorded.
    act(services, "vhxh.canbo", "aggregate_proposals", {}, local(2026, 1, 14, 14, 0))
    aggregation = campaign_of(services, campaign_id).aggregation
    assert aggregation["units"]["included"] == sorted(
        ["cg_vp", "xa_cam_giang_vhxh", "cg_pkt", "cg_thcs", "cg_tyt", "cg_bxdd"])
    assert aggregation["units"]["deemed_no_demand"] == ["cg_dvsnc", "cg_mn", "cg_pvhcc"]
    assert aggregation["units"]["declared_no_demand"] == ["cg_th"]
    assert aggregation["units"]["submitted_late"] == ["cg_pvhcc"]
    assert aggregation["totals"] == {"quantity_year": 1 + 0 + 1 + 1 + 1 + 1, "quantity_period": 2 + 1 + 1 + 2 + 2 + 1}
    assert {(row["field"], row["unit_code"]) for row in aggregation["lines"]} == {
        ("ict", "cg_vp"), ("law", "xa_cam_giang_vhxh"), ("high_tech_agriculture", "cg_pkt"),
        ("education", "cg_thcs"), ("health", "cg_tyt"), ("ict", "cg_bxdd")}
    assert next(row for row in aggregation["lines"] if row["unit_code"] == "cg_thcs")["quantity_year"] == 1

    act(services, "chutich", "approve_aggregation", {"chair_decision": "approve"}, local(2026, 1, 14, 16, 0))
    act(services, "vhxh.canbo", "record_city_submission",
        {"dispatch_number": "71/UBND-VHXH", "dispatch_date": "2026-01-14"}, local(2026, 1, 14, 17, 10))
    submitted = campaign_of(services, campaign_id)
    assert submitted.status == "submitted"
    assert submitted.submitted_at == local(2026, 1, 14, 17, 10)
    assert (submitted.dispatch_number, submitted.dispatch_date) == ("71/UBND-VHXH", date(2026, 1, 14))
    assert submitted.submission == aggregation
    assert submitted.city_deadline_missed_at is None
    services.clock.set(local(2026, 1, 15, 0, 0))
    assert services.tick().fired == 0  # the escalation timer was cancelled by the submission


def test_tasks_belong_to_their_unit_and_role(commune):
    services = commune
    open_campaign(services)
    own = task_named(services, "cg_vp.canbo", "draft_proposal")
    for intruder in ("cg_pkt.canbo", "cg_vp.truong", "vhxh.canbo", "chutich"):
        assert own.id not in {task.id for task in inbox(services, intruder)}
        with pytest.raises(PermissionDenied):
            with services.db.transaction() as session:
                from services import tasks

                tasks.complete_task(session, services.runtime, intruder, own.id, {"no_demand": True})
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True})
    with pytest.raises(TaskNotReady):
        with services.db.transaction() as session:
            from services import tasks

            tasks.complete_task(session, services.runtime, "cg_vp.canbo", own.id, {"no_demand": True})
