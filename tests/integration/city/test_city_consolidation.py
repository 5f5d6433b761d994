"""The city stage (docs/processes.md#city-consolidation) in simulated time: two communes'
dispatches arrive at Sở Nội vụ as cases, are registered, consolidated by field and job
position, returned once by the city chair and approved."""

import pytest
from factories.city import (
    CAM_GIANG,
    DIGITAL,
    LE_THANH_NGHI,
    MATHS,
    YEAR,
    approve_city_round,
    city_round_approved,
    open_both_campaigns,
    register_both,
    register_submission,
    registration_task,
    send_to_city,
    submit_both_communes,
)
from factories.dates import local
from factories.tasks import act, inbox, task_named
from factories.words import in_vietnamese
from sqlalchemy import select

from engine.errors import FormInvalid, NotFound
from engine.models import HumanTask, ProcessInstance
from services.campaigns import Campaign
from services.city import CityRound, _consolidation as city_consolidation
from services.city._models import CommuneSubmission
from services.common.errors import PermissionDenied
from services.common.models import AuditEvent
from services.identity import unit_by_code, user_by_username
from services.selection import Position, RecruitmentRound
from services.work import _tasks as tasks


def city_round(services, round_id: int) -> CityRound:
    with services.db.transaction() as session:
        return session.get(CityRound, round_id)


def submissions(services, round_id: int) -> dict[str, dict]:
    with services.db.transaction() as session:
        return {row["commune_code"]: row for row in city_consolidation.submissions_of(session, round_id)}


def consolidated(services, round_id: int) -> dict:
    with services.db.transaction() as session:
        return city_consolidation.consolidated_list(session, session.get(CityRound, round_id))


def audit_actions(services, subject: str) -> list[str]:
    with services.db.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.subject == subject).order_by(AuditEvent.id)
            )
        )


def sees(services, username: str) -> bool:
    with services.db.transaction() as session:
        return city_consolidation.may_see_city_round(session, user_by_username(session, username).id)


def test_two_communes_are_registered_consolidated_returned_once_and_approved(commune):
    services = commune
    round_id = submit_both_communes(services)

    # The year's round opened with the first dispatch (Lê Thanh Nghị, 16:30); Cẩm Giang joined it.
    opened = city_round(services, round_id)
    assert (opened.year, opened.status, opened.opened_at) == (YEAR, "collecting", local(2026, 1, 14, 16, 30))
    cases = submissions(services, round_id)
    assert list(cases) == [LE_THANH_NGHI, CAM_GIANG]  # in order of arrival
    assert cases[CAM_GIANG]["dispatch_number"] == "01/UBND-VHXH"  # from the commune's register
    assert cases[CAM_GIANG]["received_at"] == local(2026, 1, 14, 17, 10)
    assert cases[CAM_GIANG]["status"] == "received" and cases[CAM_GIANG]["registered_at"] is None
    assert (cases[CAM_GIANG]["quantity_year"], cases[CAM_GIANG]["quantity_period"]) == (4, 7)
    assert (cases[LE_THANH_NGHI]["quantity_year"], cases[LE_THANH_NGHI]["quantity_period"]) == (4, 6)
    with services.db.transaction() as session:
        lines = session.scalar(
            select(CommuneSubmission.lines).where(CommuneSubmission.id == cases[CAM_GIANG]["id"])
        )
    assert {(row["unit_code"], row["field"], row["job_position"], row["quantity_year"]) for row in lines} == {
        ("cg_vp", "ict", DIGITAL, 1),
        ("cg_tyt", "health", "Bác sĩ đa khoa", 1),
        ("cg_thcs", "education", MATHS, 2),
    }

    # The cases are in Sở Nội vụ's inbox, with the consolidation; the due dates count working days.
    assert [task.task_name for task in inbox(services, "snv.canbo")] == ["consolidate_demand"]
    assert [task.task_name for task in inbox(services, "snv.vanthu")] == [
        "register_submission",
        "register_submission",
    ]
    registration = registration_task(services, CAM_GIANG)
    assert registration.due_at == local(2026, 1, 16, 0, 0)  # by the end of the next working day
    # The case was started by the commune's message commune_dispatch: its payload is the case's
    # data (the task's title names the commune), its sender is its parent in the instance viewer.
    assert registration.title == "Vào sổ văn bản đến công văn đề xuất của UBND xã Cẩm Giang"
    with services.db.transaction() as session:
        case = session.get_one(ProcessInstance, registration.instance_id)
        sender = session.get_one(ProcessInstance, case.parent_id)
    assert (sender.process_key, sender.business_key) == ("commune_campaign", case.business_key)
    consolidation_task = task_named(services, "snv.canbo", "consolidate_demand")
    assert consolidation_task.due_at == local(2026, 1, 29, 0, 0)  # 10 working days after 14/01

    # Only registered submissions count: with one registered, the live list has one commune.
    register_submission(services, LE_THANH_NGHI, local(2026, 1, 15, 8, 30), note="Đủ hồ sơ")
    assert [row["code"] for row in consolidated(services, round_id)["communes"]] == [LE_THANH_NGHI]
    register_submission(services, CAM_GIANG, local(2026, 1, 15, 8, 45))
    cases = submissions(services, round_id)
    # The incoming numbers come from Sở Nội vụ's register of documents received, in order.
    assert cases[CAM_GIANG]["status"] == "registered" and cases[CAM_GIANG]["incoming_number"] == "2"
    assert cases[CAM_GIANG]["registered_at"] == local(2026, 1, 15, 8, 45)
    assert audit_actions(services, f"commune_submission:{cases[CAM_GIANG]['id']}") == [
        "commune_submission_received",
        "commune_submission_registered",
    ]

    act(
        services,
        "snv.canbo",
        "consolidate_demand",
        {"consolidation_note": "Trình phê duyệt"},
        local(2026, 1, 16, 9, 0),
    )
    snapshot = city_round(services, round_id)
    assert snapshot.status == "awaiting_approval" and snapshot.consolidated_at == local(2026, 1, 16, 9, 0)
    listing = snapshot.consolidation
    assert [
        (row["field"], row["job_position"], row["quantity_year"], row["quantity_period"])
        for row in listing["rows"]
    ] == [
        ("education", "Giáo viên Tin học", 1, 1),
        ("education", MATHS, 3, 5),
        ("health", "Bác sĩ đa khoa", 1, 2),
        ("ict", "chuyên viên chuyển đổi số", 3, 5),
    ]  # both communes' spellings, one position
    maths = listing["rows"][1]
    assert maths["by_commune"] == {
        CAM_GIANG: {"quantity_year": 2, "quantity_period": 3},
        LE_THANH_NGHI: {"quantity_year": 1, "quantity_period": 2},
    }
    assert sorted(listing["rows"][3]["target_groups"]) == ["excellent_graduate", "master"]
    assert listing["by_field"] == [
        {"field": "education", "quantity_year": 4, "quantity_period": 6},
        {"field": "health", "quantity_year": 1, "quantity_period": 2},
        {"field": "ict", "quantity_year": 3, "quantity_period": 5},
    ]
    assert listing["totals"] == {"quantity_year": 8, "quantity_period": 13}
    assert [(row["code"], row["incoming_number"]) for row in listing["communes"]] == [
        (LE_THANH_NGHI, "1"),
        (CAM_GIANG, "2"),
    ]
    assert consolidated(services, round_id) == listing
    assert task_named(services, "ct.thanhpho", "approve_demand").due_at == local(2026, 1, 24, 0, 0)  # 5 WD

    # The chair returns it once; Sở Nội vụ consolidates again, within 5 working days of the return.
    with pytest.raises(FormInvalid):  # a return needs the chair's comment
        act(services, "ct.thanhpho", "approve_demand", {"chair_decision": "return"}, local(2026, 1, 19, 9, 0))
    act(
        services,
        "ct.thanhpho",
        "approve_demand",
        {"chair_decision": "return", "chair_comment": "Đề nghị rà soát lại vị trí việc làm ngành giáo dục"},
        local(2026, 1, 19, 9, 0),
    )
    returned = city_round(services, round_id)
    assert (returned.status, returned.consolidation, returned.approved_at) == ("collecting", None, None)
    again = task_named(services, "snv.canbo", "consolidate_demand")
    assert again.due_at == local(2026, 1, 27, 0, 0)  # 5 working days after 19/01
    act(services, "snv.canbo", "consolidate_demand", {}, local(2026, 1, 19, 15, 0))

    # Approving needs a decision number; a target above the demand or for a field not asked is refused.
    for refused in (
        {"chair_decision": "approve"},
        {
            "chair_decision": "approve",
            "decision_number": "125/QĐ-UBND",
            "targets": [{"field": "education", "quantity_year": 5}],
        },
        {
            "chair_decision": "approve",
            "decision_number": "125/QĐ-UBND",
            "targets": [{"field": "law", "quantity_year": 1}],
        },
    ):
        with pytest.raises(FormInvalid):
            act(services, "ct.thanhpho", "approve_demand", refused, local(2026, 1, 20, 10, 0))
    assert city_round(services, round_id).status == "awaiting_approval"
    act(
        services,
        "ct.thanhpho",
        "approve_demand",
        {
            "chair_decision": "approve",
            "decision_number": "125/QĐ-UBND",
            "targets": [{"field": "education", "quantity_year": 3}],
        },
        local(2026, 1, 20, 10, 0),
    )
    approved = city_round(services, round_id)
    assert approved.status == "approved" and approved.decision_number == "125/QĐ-UBND"
    assert approved.targets == {"education": 3, "health": 1, "ict": 3}
    assert approved.approved_at == local(2026, 1, 20, 10, 0)
    with services.db.transaction() as session:
        assert approved.approved_by == user_by_username(session, "ct.thanhpho").id
    assert audit_actions(services, f"city_round:{round_id}") == [
        "city_round_opened",
        "city_demand_consolidated",
        "city_demand_returned",
        "city_demand_consolidated",
        "city_demand_approved",
    ]
    # The approved year goes on to its selection round, which Sở Nội vụ prepares.
    assert [task.task_name for task in inbox(services, "snv.canbo")] == ["prepare_selection_round"]
    assert inbox(services, "ct.thanhpho") == []


def test_nothing_is_consolidated_before_a_submission_is_registered(commune):
    services = commune
    round_id = submit_both_communes(services)
    with pytest.raises(FormInvalid) as refused:
        act(services, "snv.canbo", "consolidate_demand", {}, local(2026, 1, 15, 8, 0))
    assert refused.value.errors[0].code == "no_registered_submission"
    assert "vào sổ" in in_vietnamese(refused.value.errors[0].message)
    assert city_round(services, round_id).status == "collecting"
    assert city_round(services, round_id).consolidation is None
    task_named(services, "snv.canbo", "consolidate_demand")  # still open, nothing half-written


def test_a_later_submission_of_the_same_year_joins_the_round(commune):
    services = commune
    open_both_campaigns(services)
    send_to_city(services, LE_THANH_NGHI)
    with services.db.transaction() as session:
        first = city_consolidation.city_round_for_year(session, YEAR)
    assert list(submissions(services, first.id)) == [LE_THANH_NGHI]
    send_to_city(services, CAM_GIANG)
    with services.db.transaction() as session:
        assert len(session.scalars(select(CityRound)).all()) == 1
        assert (
            len(session.scalars(select(HumanTask).where(HumanTask.task_name == "consolidate_demand")).all())
            == 1
        )  # one consolidation for the year
    assert list(submissions(services, first.id)) == [LE_THANH_NGHI, CAM_GIANG]


def test_only_the_city_sees_and_acts(commune):
    services = commune
    round_id = submit_both_communes(services)
    for insider in ("snv.canbo", "snv.giamdoc", "ct.thanhpho"):
        assert sees(services, insider), insider
    for outsider in (
        "vhxh.canbo",
        "chutich",
        "ltn_vhxh.chuyenvien",
        "cg_vp.canbo",
        "stc.canbo",
        "skhcn.phogiamdoc",
    ):
        assert not sees(services, outsider), outsider
        with pytest.raises(NotFound):
            with services.db.transaction() as session:
                city_consolidation.city_round_for_board(
                    session, user_by_username(session, outsider).id, round_id
                )
    registration = registration_task(services, CAM_GIANG)
    for intruder in ("vhxh.canbo", "chutich", "ct.thanhpho", "snv.giamdoc", "vanthu"):
        assert registration.id not in {task.id for task in inbox(services, intruder)}
        with pytest.raises(PermissionDenied):
            tasks.complete_task(services.db, services.runtime, intruder, registration.id, {})
    register_both(services)
    act(services, "snv.canbo", "consolidate_demand", {}, local(2026, 1, 16, 9, 0))
    approval = task_named(services, "ct.thanhpho", "approve_demand")
    with pytest.raises(PermissionDenied):  # Sở Nội vụ advises, the city chair decides
        tasks.complete_task(
            services.db,
            services.runtime,
            "snv.canbo",
            approval.id,
            {"chair_decision": "approve", "decision_number": "125/QĐ-UBND"},
        )
    act(
        services,
        "ct.thanhpho",
        "approve_demand",
        {"chair_decision": "approve", "decision_number": "125/QĐ-UBND"},
        local(2026, 1, 20, 10, 0),
    )
    approved = city_round(services, round_id)
    assert approved.targets == {"education": 4, "health": 1, "ict": 3}  # as consolidated when none given


def test_an_unregistered_case_is_escalated_to_the_director(commune):
    services = commune
    submit_both_communes(services)
    registration = registration_task(services, CAM_GIANG)
    assert registration.due_at is not None
    services.clock.set(registration.due_at)
    services.tick(registration.due_at)
    with services.db.transaction() as session:
        from services.deadlines import Escalation
        from services.notifications import Notification

        escalated = session.scalars(select(Escalation).where(Escalation.task_id == registration.id)).all()
        director = user_by_username(session, "snv.giamdoc")
        told = session.scalars(
            select(Notification.user_id).where(Notification.task_id == registration.id)
        ).all()
    assert [row.level for row in escalated] == [1]
    assert director.id in told


def test_the_reusable_flow_ends_with_an_approved_round(commune):
    services = commune
    round_id = city_round_approved(services)
    approved = city_round(services, round_id)
    assert (approved.status, approved.decision_number) == ("approved", "125/QĐ-UBND")
    assert approved.consolidation["totals"] == {"quantity_year": 8, "quantity_period": 13}


def test_the_approved_year_calls_the_selection_round_sở_nội_vụ_prepares(commune):
    """The positions start from the approved targets, line by line of the registered
    submissions in order of arrival (a field's last line cut to its target); a position
    at fault is refused with its field; the round is then the year's call, its child."""
    services = commune
    round_id = submit_both_communes(services)
    register_both(services)
    approve_city_round(services, targets=[{"field": "education", "quantity_year": 3}])
    task = task_named(services, "snv.canbo", "prepare_selection_round")
    with services.db.read() as session:
        values = tasks.case_values(session, services.runtime, task, {}, task.created_at)
    # Lê Thanh Nghị's lines arrived first; of Cẩm Giang's 2 in education, 1 is left of the 3.
    assert [(p["org_unit_code"], p["field"], p["quantity"]) for p in values["positions"]] == [
        ("ltn_thcs", "education", 1),
        ("ltn_thcs", "education", 1),
        ("ltn_vp", "ict", 2),
        ("cg_thcs", "education", 1),
        ("cg_tyt", "health", 1),
        ("cg_vp", "ict", 1),
    ]
    data = {
        "title": "Tuyển chọn người có tài năng năm 2026",
        "legal_basis": "hp_res_53_2025",
        "applications_close_on": "2026-03-01",
        "positions": [{**values["positions"][0], "org_unit_code": "khong_co"}, *values["positions"][1:]],
    }
    with pytest.raises(FormInvalid) as refused:
        act(services, "snv.canbo", "prepare_selection_round", data, local(2026, 2, 2, 9, 0))
    assert [error.field for error in refused.value.errors] == ["positions[0].org_unit_code"]
    assert "khong_co" in in_vietnamese(refused.value.errors[0].message)

    act(services, "snv.canbo", "prepare_selection_round", {**data, "positions": values["positions"]})
    with services.db.read() as session:
        year = session.get_one(CityRound, round_id)
        (called,) = session.scalars(
            select(ProcessInstance).where(ProcessInstance.parent_id == year.instance_id)
        ).all()
        round_ = session.scalars(
            select(RecruitmentRound).where(RecruitmentRound.city_round_id == round_id)
        ).one()
        positions = session.scalars(select(Position).where(Position.round_id == round_.id)).all()
    assert (called.process_key, called.business_key, called.id) == (
        "selection_round",
        f"round:{round_.id}",
        round_.instance_id,
    )
    # Applications are received until the end of the day chosen.
    assert round_.applications_close_at == local(2026, 3, 2, 0, 0)
    assert sum(position.quantity for position in positions) == 7  # ict 3, health 1, education 3


def test_a_dispatch_is_refused_on_its_page_while_the_city_has_no_home_affairs_department(commune):
    services = commune
    campaign_ids = open_both_campaigns(services)
    with services.db.transaction() as session:
        unit_by_code(session, "tp_hai_phong_snv").kind = "dept_other"
    with pytest.raises(FormInvalid) as refused:
        send_to_city(services, CAM_GIANG)
    assert refused.value.errors[0].code == "no_home_affairs_department"
    with services.db.transaction() as session:
        assert session.scalars(select(CityRound)).all() == []
        assert (
            session.get(Campaign, campaign_ids[CAM_GIANG]).status == "awaiting_dispatch"
        )  # rolled back whole
