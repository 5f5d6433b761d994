"""The yearly evaluation of the talents in service, the report to the city before 30/11 and
the 5-year review of the talent list (docs/processes.md#yearly-evaluation-and-the-talent-list;
docs/legal-rules.md, "The five-year review proposes and an authority removes";
docs/deadlines.md#fixed-dates-set-by-an-authority-are-never-moved), in simulated time."""

from datetime import date

from factories.bpmn import stored_text
from factories.dates import local
from factories.evaluation import (
    add_talent,
    aggregate,
    decide_removals,
    evaluate_all,
    open_year,
    rounds,
    run_first_evaluation,
    submit,
)
from factories.tasks import inbox, task_named
from sqlalchemy import func, select

from engine.models import HumanTask, ProcessInstance
from services.common.models import AuditEvent
from services.evaluation import _evaluations as evaluations
from services.evaluation._models import Evaluation, EvaluationRound
from services.identity import AppUser, unit_by_code
from services.notifications import Notification
from services.people import TalentListEntry, _talents as talents

REPORT_DUE = local(2026, 11, 30, 0, 0)


def test_the_first_yearly_evaluation_opens_on_its_date_and_only_once(commune):
    services = commune
    hung = add_talent(services, "Lê Văn Hưng", "cg_pkt", date(2020, 3, 1))
    khoa = add_talent(
        services,
        "Trần Minh Khoa",
        "cg_vp",
        date(2026, 3, 16),
        legal_basis="hp_res_53_2025",
        category="excellent_graduate",
    )
    add_talent(services, "Đỗ Thị Hoa", "ltn_thcs", date(2021, 9, 1))
    left = add_talent(services, "Vũ Văn Nam", "cg_tyt", date(2019, 5, 1))
    with services.db.transaction() as session:
        session.get(TalentListEntry, left["entry_id"]).removed_on = date(2025, 12, 31)

    just_before = local(2026, 10, 14, 23, 59)
    services.clock.set(just_before)
    assert services.tick(just_before).evaluations == 0
    assert rounds(services, 2026) == {}

    assert open_year(services, 2026) == 2  # Cẩm Giang and Lê Thanh Nghị
    assert open_year(services, 2026) == 0  # the next tick finds them open
    with services.db.transaction() as session:  # and so does a second scheduler in one transaction
        assert evaluations.open_due_rounds(session, services.runtime, local(2026, 10, 15, 0, 5)) == 0

    opened = rounds(services, 2026)
    assert set(opened) == {"xa_cam_giang_ubnd", "phuong_le_thanh_nghi_ubnd"}
    cam_giang = opened["xa_cam_giang_ubnd"]
    assert (cam_giang.status, cam_giang.report_due_at, cam_giang.opened_at) == (
        "evaluating",
        REPORT_DUE,
        local(2026, 10, 15, 0, 0),
    )
    with services.db.transaction() as session:
        evaluated = session.scalars(
            select(Evaluation.person_id)
            .where(Evaluation.round_id == cam_giang.id)
            .order_by(Evaluation.person_id)
        ).all()
        # Each evaluation is a child of the report's call activity evaluate_talents.
        callers = session.execute(
            select(ProcessInstance.parent_id, ProcessInstance.call_id.is_not(None))
            .join(Evaluation, Evaluation.instance_id == ProcessInstance.id)
            .where(Evaluation.round_id == cam_giang.id)
        ).all()
    assert evaluated == [hung["person_id"], khoa["person_id"]]  # Nam left the list
    assert callers == [(cam_giang.instance_id, True)] * 2

    # The head of the talent's unit evaluates, 10 working days before the report is due.
    [task] = [task for task in inbox(services, "cg_pkt.truong") if task.task_name == "evaluate_talent"]
    assert task.due_at == local(2026, 11, 16, 8, 0)
    assert [task.task_name for task in inbox(services, "cg_vp.truong")] == ["evaluate_talent"]
    assert [task.task_name for task in inbox(services, "ltn_thcs.truong")] == ["evaluate_talent"]
    assert inbox(services, "cg_tyt.truong") == []
    with services.db.transaction() as session:
        data = services.runtime.task_data(session, task.id)
    assert (data["year"], data["full_name"], data["unit_name"], data["included_on"]) == (
        2026,
        "Lê Văn Hưng",
        "Phòng Kinh tế xã Cẩm Giang",
        "2020-03-01",
    )

    report_task = task_named(services, "vhxh.canbo", "aggregate_evaluations")
    assert report_task.due_at == REPORT_DUE  # a fixed date: never moved
    assert report_task.next_alert_at == local(2026, 11, 16, 8, 0)
    assert [task.task_name for task in inbox(services, "ltn_vhxh.chuyenvien")] == ["aggregate_evaluations"]


def test_no_round_opens_for_a_commune_without_talents_nor_before_the_year_s_date(commune):
    services = commune
    add_talent(services, "Lê Văn Hưng", "cg_pkt", date(2020, 3, 1))
    add_talent(services, "Đỗ Thị Hoa", "ltn_thcs", date(2026, 12, 15))  # included after the round opens
    with services.db.transaction() as session:
        assert evaluations.open_due_rounds(session, services.runtime, local(2027, 1, 5, 9, 0)) == 0
        # A scheduler down across the opening date opens the round late, that same year.
        assert evaluations.open_due_rounds(session, services.runtime, local(2026, 12, 1, 9, 0)) == 1
    assert set(rounds(services, 2026)) == {"xa_cam_giang_ubnd"}  # Lê Thanh Nghị has no talent yet


def test_a_second_scheduler_racing_for_the_same_round_opens_nothing(commune):
    """Both saw no round; the unique (year, commune) lets only the first insert it."""
    services = commune
    add_talent(services, "Lê Văn Hưng", "cg_pkt", date(2020, 3, 1))
    assert open_year(services, 2026) == 1
    with services.db.transaction() as session:
        instances = session.scalar(select(func.count()).select_from(ProcessInstance))
        late = evaluations._open_round(
            session,
            services.runtime,
            2026,
            unit_by_code(session, "xa_cam_giang_ubnd"),
            local(2026, 10, 15, 0, 5),
        )
        assert late is False
        assert session.scalar(select(func.count()).select_from(ProcessInstance)) == instances == 2
        assert session.scalar(select(func.count()).select_from(EvaluationRound)) == 1


def _reminders_of(services, task_id: str) -> list[tuple[str, str]]:
    with services.db.transaction() as session:
        return [
            (username, key.split(":")[0] + ":" + key.split(":")[2])
            for username, key in session.execute(
                select(AppUser.username, Notification.key)
                .join(AppUser)
                .where(Notification.task_id == task_id)
                .order_by(Notification.id)
            )
        ]


def test_reminders_ten_and_three_working_days_before_the_fixed_due_date(commune):
    services = commune
    add_talent(services, "Lê Văn Hưng", "cg_pkt", date(2020, 3, 1))
    open_year(services, 2026)
    evaluate_all(services, local(2026, 11, 2, 9, 0))
    report_task = task_named(services, "vhxh.canbo", "aggregate_evaluations")

    def tick(at):
        services.clock.set(at)
        return services.tick(at).alerts

    assert tick(local(2026, 11, 16, 7, 59)).reminders == 0
    assert tick(local(2026, 11, 16, 8, 0)).reminders == 1  # T-10 working days
    assert tick(local(2026, 11, 16, 8, 0)).reminders == 0  # once
    assert tick(local(2026, 11, 25, 7, 59)).reminders == 0
    assert tick(local(2026, 11, 25, 8, 0)).reminders == 1  # T-3 working days
    assert _reminders_of(services, report_task.id) == [
        ("vhxh.canbo", "reminder:10WD"),
        ("vhxh.canbo", "reminder:3WD"),
    ]
    # 30/11/2026 is a Monday: the due stays at its 00:00, and the escalation comes then.
    assert tick(local(2026, 11, 29, 23, 59)).escalations == 0
    assert tick(REPORT_DUE).escalations == 1
    with services.db.transaction() as session:
        assert session.get(HumanTask, report_task.id).due_at == REPORT_DUE
    assert _reminders_of(services, report_task.id)[-1] == ("xa_cam_giang_vhxh.truong", "escalation:1")


def test_aggregation_five_year_review_removal_decisions_and_submission(commune):
    services = commune
    an = add_talent(services, "Nguyễn Văn An", "cg_pkt", date(2020, 3, 1))  # > 5 years, no prospects
    binh = add_talent(services, "Trần Thị Bình", "cg_thcs", date(2020, 5, 1))  # > 5 years, prospects
    chi = add_talent(services, "Lê Minh Chi", "cg_vp", date(2023, 1, 10))  # newer, no prospects
    dung = add_talent(
        services, "Phạm Văn Dũng", "cg_tyt", date(2021, 11, 20)
    )  # exactly 5 years at the review
    em = add_talent(services, "Hoàng Thị Em", "cg_pkt", date(2019, 1, 7))  # not evaluated this year
    with services.db.transaction() as session:  # last year's head said "no prospects"
        entry = session.get(TalentListEntry, em["entry_id"])
        entry.head_assessment, entry.last_review_on = "no_prospects", date(2025, 11, 3)

    result = run_first_evaluation(
        services,
        2026,
        assessments={
            "Nguyễn Văn An": ("hoan_thanh", "no_prospects"),
            "Trần Thị Bình": ("hoan_thanh_xuat_sac", "has_prospects"),
            "Lê Minh Chi": ("khong_hoan_thanh", "no_prospects"),
            "Phạm Văn Dũng": ("hoan_thanh_tot", "no_prospects"),
        },
        keep={"Hoàng Thị Em"},
        skip={"Hoàng Thị Em"},
    )

    assert result["opened"] == 1
    assert sorted(result["flagged"]) == sorted([an["person_id"], dung["person_id"], em["person_id"]])
    assert sorted(result["removed"]) == sorted([an["person_id"], dung["person_id"]])
    assert result["kept"] == [em["person_id"]]

    round_ = rounds(services, 2026)["xa_cam_giang_ubnd"]
    assert round_.status == "submitted" and round_.submitted_at == local(2026, 11, 25, 10, 0)
    report = round_.report
    assert (report["talents"], report["evaluated"]) == (5, 4)
    assert report["by_rating"] == {
        "hoan_thanh_xuat_sac": 1,
        "hoan_thanh_tot": 1,
        "hoan_thanh": 1,
        "khong_hoan_thanh": 1,
    }
    assert report["prospects"] == {"has_prospects": 1, "no_prospects": 3}
    assert [(unit["unit_code"], unit["talents"], unit["evaluated"]) for unit in report["by_unit"]] == [
        ("cg_pkt", 2, 1),
        ("cg_thcs", 1, 1),
        ("cg_tyt", 1, 1),
        ("cg_vp", 1, 1),
    ]
    assert [row["full_name"] for row in report["missing"]] == ["Hoàng Thị Em"]
    assert report["submission"]["dispatch_number"] == "305/BC-UBND"
    decisions = {
        row["full_name"]: (row["decision"], row.get("decision_number")) for row in report["removal_proposals"]
    }
    assert decisions == {
        "Hoàng Thị Em": ("keep", None),
        "Nguyễn Văn An": ("remove", "412/QĐ-UBND"),
        "Phạm Văn Dũng": ("remove", "413/QĐ-UBND"),
    }

    with services.db.transaction() as session:
        removed = session.get(TalentListEntry, an["entry_id"])
        assert (removed.removed_on, removed.removal_decision) == (date(2026, 11, 23), "412/QĐ-UBND")
        assert "không có triển vọng phát triển" in removed.removal_reason
        assert talents.person_view(session, services.citizen_id_keys, an["person_id"])["status"] == "removed"
        for kept in (binh, chi, em):
            assert session.get(TalentListEntry, kept["entry_id"]).removed_on is None
        assert session.get(TalentListEntry, chi["entry_id"]).head_assessment == "no_prospects"
        assert session.get(TalentListEntry, binh["entry_id"]).last_review_on == date(2026, 11, 2)
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {
        "evaluation_round.opened",
        "evaluation.recorded",
        "talent_list.removals_proposed",
        "talent_list.removal_decided",
        "evaluation_report.submitted",
    } <= actions

    # Next year, the removed talents are no longer evaluated; the kept one is.
    assert open_year(services, 2027) == 1
    evaluated_2027 = {data for data in evaluate_all(services, local(2027, 11, 2, 9, 0))}
    assert evaluated_2027 == {"Trần Thị Bình", "Lê Minh Chi", "Hoàng Thị Em"}


def test_the_report_waits_for_no_one_and_a_late_chair_decision_still_counts(commune):
    """The report can go before the chair decides; the decision updates the snapshot."""
    services = commune
    an = add_talent(services, "Nguyễn Văn An", "cg_pkt", date(2020, 3, 1))
    open_year(services, 2026)
    evaluate_all(services, local(2026, 11, 2, 9, 0), {"Nguyễn Văn An": ("hoan_thanh", "no_prospects")})
    aggregate(services, local(2026, 11, 20, 9, 0))
    assert rounds(services, 2026)["xa_cam_giang_ubnd"].status == "reporting"
    assert [task.task_name for task in inbox(services, "chutich")] == ["decide_removal"]
    submit(services, local(2026, 11, 27, 9, 0))
    [proposal] = rounds(services, 2026)["xa_cam_giang_ubnd"].report["removal_proposals"]
    assert proposal["decision"] == "pending"
    assert decide_removals(services, local(2026, 12, 2, 9, 0)) == {"removed": [an["person_id"]], "kept": []}
    [proposal] = rounds(services, 2026)["xa_cam_giang_ubnd"].report["removal_proposals"]
    assert (proposal["decision"], proposal["decided_on"]) == ("remove", "2026-12-02")


def test_an_evaluation_not_done_when_the_report_is_due_is_closed(commune):
    """The report goes without it; at the due date the round stops waiting for it."""
    services = commune
    add_talent(services, "Nguyễn Văn An", "cg_pkt", date(2020, 3, 1))
    open_year(services, 2026)
    aggregate(services, local(2026, 11, 20, 9, 0))
    submit(services, local(2026, 11, 27, 9, 0))
    round_ = rounds(services, 2026)["xa_cam_giang_ubnd"]
    assert _status(services, round_.instance_id) == "running"  # its evaluation is still open
    services.tick(local(2026, 11, 29, 23, 59, 59))
    assert [task.task_name for task in inbox(services, "cg_pkt.truong")] == ["evaluate_talent"]

    services.tick(REPORT_DUE)
    services.tick(REPORT_DUE)  # the cancellation, then the join, through the inbox
    assert inbox(services, "cg_pkt.truong") == []
    with services.db.read() as session:
        evaluation = session.scalars(select(Evaluation).where(Evaluation.round_id == round_.id)).one()
    assert evaluation.quality_rating is None
    assert (_status(services, evaluation.instance_id), _status(services, round_.instance_id)) == (
        "cancelled",
        "completed",
    )


def _status(services, instance_id: int) -> str:
    with services.db.read() as session:
        return session.get_one(ProcessInstance, instance_id).status


def test_no_citizen_id_reaches_workflow_data_titles_or_audit(commune):
    services = commune
    at = local(2026, 6, 30, 9, 0)
    with services.db.transaction() as session:
        person = talents.register_person(
            session, services.citizen_id_keys, at, None, full_name="Lê Văn Hưng", citizen_id="999088000333"
        )
        session.add(
            TalentListEntry(
                person_id=person.id,
                org_unit_id=unit_by_code(session, "cg_pkt").id,
                included_on=date(2020, 3, 1),
            )
        )
    run_first_evaluation(services, 2026, assessments={"Lê Văn Hưng": ("hoan_thanh", "no_prospects")})
    with services.db.transaction() as session:
        blobs = [stored_text(blob) for blob in session.scalars(select(ProcessInstance.serialization))]
        titles = list(session.scalars(select(HumanTask.title)))
        details = [str(row) for row in session.scalars(select(AuditEvent.details))]
        reports = [str(row) for row in session.scalars(select(EvaluationRound.report))]
    assert len(blobs) == 3  # report, evaluation, removal decision
    for text in [*blobs, *titles, *details, *reports]:
        assert "999088000333" not in text and "000333" not in text
