"""The whole commune campaign of Công văn 64/UBND-VHXH of xã Cẩm Giang
(docs/example.md#the-commune-campaign) in simulated time, through the service layer. Every
step reloads the instance from the database."""

from datetime import date

import pytest
from factories.campaigns import campaign_of, line, open_campaign, proposal_of, statuses, submit_proposal
from factories.dates import local
from factories.tasks import act, inbox, task_named
from sqlalchemy import select

from engine.errors import FormInvalid, TaskNotReady
from engine.models import ProcessInstance
from services.campaigns import _campaigns as campaigns, dispatch_of
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.work import _tasks as tasks

JUST_BEFORE = local(2026, 1, 14, 11, 59, 59)
CUTOFF = local(2026, 1, 14, 12, 0, 0)


def test_campaign_from_dispatch_to_city_submission(commune):
    """The campaign of docs/example.md, stage by stage, in the order it happened."""
    services = commune
    campaign_id = _the_campaign_opens_for_the_ten_units_in_scope(services)
    _units_propose_on_time_early_and_at_the_last_second(services)
    _a_returned_proposal_comes_back_with_its_reason_and_is_sent_again(services, campaign_id)
    _a_unit_declares_no_demand(services)
    _a_proposal_received_at_the_cutoff_instant_is_late(services)
    _the_last_unit_proposes_and_two_stay_silent(services, campaign_id)
    _the_cutoff_passes(services, campaign_id)
    aggregation = _phong_vhxh_aggregates(services, campaign_id)
    _the_chair_approves_and_the_dispatch_to_the_city_is_recorded(services, campaign_id, aggregation)


def _the_campaign_opens_for_the_ten_units_in_scope(services) -> int:
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))
    assert set(statuses(services, campaign_id).values()) == {"not_started"}
    assert "cg_ca" not in statuses(services, campaign_id)  # police: outside Decree 179
    return campaign_id


def _units_propose_on_time_early_and_at_the_last_second(services) -> None:
    submit_proposal(services, "cg_vp", [line(quantity_year=1, quantity_period=2)], local(2026, 1, 13, 16, 20))
    submit_proposal(
        services,
        "cg_tyt",
        [line(field="health", target_group="specialist_level_1", quantity_year=1, quantity_period=2)],
        local(2026, 1, 14, 8, 15),
    )
    submit_proposal(services, "cg_bxdd", [line(quantity_year=1, quantity_period=1)], JUST_BEFORE)
    act(
        services,
        "cg_pkt.canbo",
        "draft_proposal",
        {
            "no_demand": False,
            "lines": [line(field="high_tech_agriculture", quantity_year=1, quantity_period=1)],
        },
        local(2026, 1, 14, 11, 0),
    )
    act(services, "cg_pkt.truong", "approve_proposal", {"head_decision": "submit"}, JUST_BEFORE)


def _a_returned_proposal_comes_back_with_its_reason_and_is_sent_again(services, campaign_id: int) -> None:
    """Returned by Phòng VH-XH for clarification, then resubmitted before the cutoff."""
    submit_proposal(
        services,
        "cg_thcs",
        [line(field="education", quantity_year=5, quantity_period=5)],
        local(2026, 1, 12, 8, 30),
    )
    with services.db.transaction() as session:
        campaigns.return_proposal(
            session,
            services.runtime,
            "vhxh.canbo",
            campaign_id,
            "cg_thcs",
            "Đề nghị làm rõ tiêu chí tuyển chọn",
            local(2026, 1, 12, 10, 0),
        )
    assert statuses(services, campaign_id)["cg_thcs"] == "returned"
    redraft = task_named(services, "cg_thcs.canbo", "draft_proposal")
    with services.db.transaction() as session:  # the new round carries what was sent, and why it came back
        data = services.runtime.task_data(session, redraft.id)
    assert data["return_reason"] == "Đề nghị làm rõ tiêu chí tuyển chọn"
    assert [row["quantity_year"] for row in data["previous_lines"]] == [5]
    submit_proposal(
        services,
        "cg_thcs",
        [line(field="education", quantity_year=1, quantity_period=2)],
        local(2026, 1, 13, 9, 0),
    )


def _a_unit_declares_no_demand(services) -> None:
    act(services, "cg_th.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 13, 10, 0))
    act(services, "cg_th.truong", "approve_proposal", {"head_decision": "submit"}, local(2026, 1, 13, 10, 5))


def _a_proposal_received_at_the_cutoff_instant_is_late(services) -> None:
    """Received at 12:00:00 while the task was still open: late."""
    act(
        services,
        "cg_pvhcc.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": [line(quantity_year=3, quantity_period=3)]},
        local(2026, 1, 14, 11, 30),
    )
    act(services, "cg_pvhcc.truong", "approve_proposal", {"head_decision": "submit"}, CUTOFF)


def _the_last_unit_proposes_and_two_stay_silent(services, campaign_id: int) -> None:
    """One more unit submits on time; cg_mn and cg_dvsnc never answer."""
    submit_proposal(
        services,
        "xa_cam_giang_vhxh",
        [line(field="law", target_group="master", quantity_year=0, quantity_period=1)],
        local(2026, 1, 14, 9, 5),
    )
    before_cutoff = statuses(services, campaign_id)
    assert before_cutoff["cg_pvhcc"] == "submitted_late"
    assert before_cutoff["cg_th"] == "declared_no_demand"
    assert before_cutoff["cg_mn"] == before_cutoff["cg_dvsnc"] == "not_started"


def _the_cutoff_passes(services, campaign_id: int) -> None:
    services.clock.set(CUTOFF)
    first = services.fire_timers()
    assert services.fire_timers().fired == 0  # nothing fires twice
    # The 2 silent units, and the 6 proposals received on time, which wait for the cutoff
    # (until then Phòng VH-XH may return them); the late and no-demand ones have ended.
    assert first.fired == 2 + 6
    assert services.deliver_inbox().delivered == 1  # the last unit's end: the campaign goes on
    after_cutoff = statuses(services, campaign_id)
    assert after_cutoff == {
        "cg_vp": "submitted",
        "xa_cam_giang_vhxh": "submitted",
        "cg_pkt": "submitted",
        "cg_dvsnc": "deemed_no_demand",
        "cg_pvhcc": "submitted_late",
        "cg_thcs": "submitted",
        "cg_th": "declared_no_demand",
        "cg_mn": "deemed_no_demand",
        "cg_tyt": "submitted",
        "cg_bxdd": "submitted",
    }
    silent = proposal_of(services, campaign_id, "cg_mn")
    assert silent.closed_at == CUTOFF and silent.received_at is None
    late = proposal_of(services, campaign_id, "cg_pvhcc")
    assert late.received_at == CUTOFF  # kept, with its lines, but not counted
    assert inbox(services, "cg_mn.canbo") == []


def _phong_vhxh_aggregates(services, campaign_id: int) -> dict:
    act(services, "vhxh.canbo", "aggregate_proposals", {}, local(2026, 1, 14, 14, 0))
    aggregation = campaign_of(services, campaign_id).aggregation
    assert aggregation["units"]["submitted"] == sorted(
        ["cg_vp", "xa_cam_giang_vhxh", "cg_pkt", "cg_thcs", "cg_tyt", "cg_bxdd"]
    )
    assert aggregation["units"]["deemed_no_demand"] == ["cg_dvsnc", "cg_mn"]
    assert aggregation["units"]["declared_no_demand"] == ["cg_th"]
    assert aggregation["units"]["submitted_late"] == ["cg_pvhcc"]  # once, not also as deemed no demand
    assert sum(len(codes) for codes in aggregation["units"].values()) == 10
    assert aggregation["totals"] == {
        "quantity_year": 1 + 0 + 1 + 1 + 1 + 1,
        "quantity_period": 2 + 1 + 1 + 2 + 2 + 1,
    }
    assert {(row["field"], row["unit_code"]) for row in aggregation["lines"]} == {
        ("ict", "cg_vp"),
        ("law", "xa_cam_giang_vhxh"),
        ("high_tech_agriculture", "cg_pkt"),
        ("education", "cg_thcs"),
        ("health", "cg_tyt"),
        ("ict", "cg_bxdd"),
    }
    assert next(row for row in aggregation["lines"] if row["unit_code"] == "cg_thcs")["quantity_year"] == 1
    return aggregation


def _the_chair_approves_and_the_dispatch_to_the_city_is_recorded(
    services, campaign_id: int, aggregation: dict
) -> None:
    act(services, "chutich", "approve_aggregation", {"chair_decision": "approve"}, local(2026, 1, 14, 16, 0))
    # The commune's records clerk issues the Công văn the aggregation drafted and the chair
    # approved: its number and date come from the commune's register of documents sent.
    act(services, "vanthu", "record_city_submission", {}, local(2026, 1, 14, 17, 10))
    submitted = campaign_of(services, campaign_id)
    assert submitted.status == "submitted"
    assert submitted.submitted_at == local(2026, 1, 14, 17, 10)
    assert (submitted.dispatch_number, submitted.dispatch_date) == ("01/UBND-VHXH", date(2026, 1, 14))
    with services.db.read() as session:
        letter = dispatch_of(session, submitted)
        assert (letter.status, letter.code, letter.content["signer"]["name"]) == (
            "issued",
            "01/UBND-VHXH",
            "Vương Đức Dũng",
        )
        assert letter.content["table"]["totals"][3:] == [
            str(aggregation["totals"]["quantity_year"]),
            str(aggregation["totals"]["quantity_period"]),
        ]
    assert submitted.submission == aggregation
    assert submitted.city_deadline_missed_at is None
    services.clock.set(local(2026, 1, 15, 0, 0))
    assert services.fire_timers().fired == 0  # the escalation timer was cancelled by the submission


def test_tasks_belong_to_their_unit_and_role(commune):
    services = commune
    open_campaign(services)
    own = task_named(services, "cg_vp.canbo", "draft_proposal")
    for intruder in ("cg_pkt.canbo", "cg_vp.truong", "vhxh.canbo", "chutich"):
        assert own.id not in {task.id for task in inbox(services, intruder)}
        with pytest.raises(PermissionDenied):
            tasks.complete_task(services.db, services.runtime, intruder, own.id, {"no_demand": True})
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True})
    with pytest.raises(TaskNotReady):
        tasks.complete_task(services.db, services.runtime, "cg_vp.canbo", own.id, {"no_demand": True})


def _return(
    services, campaign_id, unit, reason="Đề nghị làm rõ tiêu chí tuyển chọn", by="vhxh.canbo", at=None
):
    with services.db.transaction() as session:
        return campaigns.return_proposal(session, services.runtime, by, campaign_id, unit, reason, at)


def test_a_returned_proposal_not_sent_again_is_deemed_no_demand(commune):
    services = commune
    campaign_id = open_campaign(services)
    submit_proposal(services, "cg_vp", [line()], local(2026, 1, 13, 9, 0))
    for refused, kwargs in ((PermissionDenied, {"by": "cg_vp.truong"}), (InvalidInput, {"reason": "ngắn"})):
        with pytest.raises(refused):
            _return(services, campaign_id, "cg_vp", **kwargs)
    _return(services, campaign_id, "cg_vp", at=local(2026, 1, 14, 10, 0))
    with pytest.raises(Conflict):  # already returned: nothing submitted to return
        _return(services, campaign_id, "cg_vp", at=local(2026, 1, 14, 10, 1))
    services.clock.set(CUTOFF)
    services.fire_timers()
    services.deliver_inbox()  # the last unit's end: the campaign goes on
    assert statuses(services, campaign_id)["cg_vp"] == "deemed_no_demand"
    with services.db.transaction() as session:
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject.like("unit_proposal:%"))
        ).all()
    assert events == ["proposal_returned"]


def test_no_return_after_the_cutoff(commune):
    services = commune
    campaign_id = open_campaign(services)
    submit_proposal(services, "cg_vp", [line()], JUST_BEFORE)
    with pytest.raises(Conflict, match="cutoff"):
        _return(services, campaign_id, "cg_vp", at=CUTOFF)
    assert statuses(services, campaign_id)["cg_vp"] == "submitted"


def test_a_late_proposal_counts_only_when_a_leader_accepts_it_with_a_reason(commune):
    services = commune
    campaign_id = open_campaign(services)
    act(
        services,
        "cg_pkt.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": [line(quantity_year=2, quantity_period=3)]},
        local(2026, 1, 14, 11, 0),
    )
    act(services, "cg_pkt.truong", "approve_proposal", {"head_decision": "submit"}, local(2026, 1, 14, 12, 5))
    services.fire_timers()
    services.deliver_inbox()  # the last unit's end: the campaign goes on

    def accept(by, reason):
        with services.db.transaction() as session:
            campaigns.accept_late_proposal(
                session, by, campaign_id, "cg_pkt", reason, local(2026, 1, 14, 13, 0)
            )

    for by, reason, refused in (
        ("vhxh.canbo", "Lý do đầy đủ và rõ ràng", PermissionDenied),
        ("cg_pkt.truong", "Lý do đầy đủ và rõ ràng", PermissionDenied),
        ("xa_cam_giang_vhxh.truong", "ngắn", InvalidInput),
    ):
        with pytest.raises(refused):
            accept(by, reason)
    assert statuses(services, campaign_id)["cg_pkt"] == "submitted_late"
    accept("xa_cam_giang_vhxh.truong", "Đơn vị gửi muộn 5 phút do sự cố mạng, đã báo trước")
    assert statuses(services, campaign_id)["cg_pkt"] == "accepted_late"
    with services.db.transaction() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "late_proposal_accepted"))
    assert event.details["reason"].startswith("Đơn vị gửi muộn") and event.details["unit"] == "cg_pkt"

    act(services, "vhxh.canbo", "aggregate_proposals", {}, local(2026, 1, 14, 14, 0))
    aggregation = campaign_of(services, campaign_id).aggregation
    assert aggregation["units"]["accepted_late"] == ["cg_pkt"] and aggregation["units"]["submitted"] == []
    assert aggregation["totals"] == {"quantity_year": 2, "quantity_period": 3}
    with pytest.raises(Conflict):  # after the aggregation, too late to change what counts
        accept("chutich", "Chủ tịch chấp nhận sau khi đã tổng hợp")


def test_the_chair_is_escalated_to_when_the_city_deadline_passes_first(commune):
    services = commune
    campaign_id = open_campaign(services)
    submit_proposal(services, "cg_vp", [line()], local(2026, 1, 13, 9, 0))
    services.clock.set(CUTOFF)
    services.fire_timers()
    services.deliver_inbox()  # the last unit's end: the campaign goes on
    act(services, "vhxh.canbo", "aggregate_proposals", {}, local(2026, 1, 14, 15, 0))
    assert [task.task_name for task in inbox(services, "chutich")] == ["approve_aggregation"]

    services.clock.set(local(2026, 1, 14, 23, 59, 59))
    assert services.fire_timers().fired == 0
    services.clock.set(local(2026, 1, 15, 0, 0))  # "trước ngày 15/01": 00:00 on the 15th is late
    assert services.fire_timers().fired == 1
    assert services.fire_timers().fired == 0
    assert campaign_of(services, campaign_id).city_deadline_missed_at == local(2026, 1, 15, 0, 0)
    assert sorted(task.task_name for task in inbox(services, "chutich")) == [
        "approve_aggregation",
        "handle_city_deadline_missed",
    ]
    with pytest.raises(FormInvalid):
        act(services, "chutich", "handle_city_deadline_missed", {"explanation": "Muộn"})

    # The escalation is handled and the submission still goes through, late.
    act(
        services,
        "chutich",
        "handle_city_deadline_missed",
        {"explanation": "Chủ tịch đi công tác; đã ký gửi sáng 15/01 và báo cáo Sở Nội vụ"},
        local(2026, 1, 15, 8, 0),
    )
    act(services, "chutich", "approve_aggregation", {"chair_decision": "approve"}, local(2026, 1, 15, 8, 30))
    act(services, "vanthu", "record_city_submission", {}, local(2026, 1, 15, 9, 0))
    submitted = campaign_of(services, campaign_id)
    assert submitted.status == "submitted" and submitted.submitted_at == local(2026, 1, 15, 9, 0)
    assert submitted.submission["units"]["submitted"] == ["cg_vp"]
    with services.db.transaction() as session:
        campaign_instance = session.get(ProcessInstance, submitted.instance_id)
        assert (campaign_instance.status, campaign_instance.next_timer_at) == ("completed", None)
