"""A plan followed for two years of simulated time (docs/plans.md#followed-to-the-end):
issued as one `plan` instance calling a `plan_task` per task and unit; reports due and sent
at the plan's cadence, a task overdue and escalated to the unit's head, a recurring task
opening again each year, a continuous task reporting without a due date, an event-triggered
task opening on its event, an amendment adding a task and one withdrawing another; the
monitoring board's standings at each point."""

from datetime import date

import pytest
from factories.dates import local
from factories.plans import TaskSpec, draft_plan
from factories.tasks import act, inbox, task_named
from sqlalchemy import select

from engine.errors import FormInvalid
from engine.models import HumanTask, ProcessInstance
from services import plans
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.deadlines import escalations_of
from services.identity import unit_by_code, user_by_username
from web.plans.board_xlsx import board_workbook

ISSUED_AT = local(2026, 1, 10, 9, 0)
TASKS = [
    TaskSpec("Rà soát, đánh giá nhu cầu nhân tài", "Quý II/2026", ["cg_pkt"], ["cg_vp"]),
    TaskSpec(
        "Báo cáo kết quả đánh giá người có tài năng", "Trước ngày 30/11 hằng năm", ["tp_hai_phong_skhcn"]
    ),
    TaskSpec("Tuyên truyền chính sách thu hút nhân tài", "Thường xuyên", ["cg_dvsnc"]),
    TaskSpec("Thực hiện chế độ hỗ trợ ban đầu", "Khi tuyển dụng, tiếp nhận", ["cg_thcs"]),
    TaskSpec("Xây dựng môi trường làm việc", "Giai đoạn 2026 - 2027", ["cg_th"]),
]


def _user_id(services, username: str) -> int:
    with services.db.read() as session:
        return user_by_username(session, username).id


def _issue(services, plan_id: int, at=ISSUED_AT):
    services.clock.set(at)
    with services.db.transaction() as session:
        return plans.issue_plan(
            session, services.runtime, services.calendar, _user_id(services, "snv.canbo"), plan_id, at
        )


def _amend(services, session, plan_id: int, amendment: plans.Amendment, at):
    return plans.amend_plan(
        session, services.runtime, services.calendar, _user_id(services, "snv.canbo"), plan_id, amendment, at
    )


def _board(services, plan_id: int, at) -> dict[int, tuple[str, dict[str, int]]]:
    with services.db.read() as session:
        shown = plans.board(session, _user_id(services, "snv.canbo"), plan_id, at)
        return {row.task.seq: (row.standing, row.counts) for row in shown.tasks}


def _tick(services, at):
    services.clock.set(at)
    return services.tick(at)


def _open(services, username: str, task_name: str) -> list[HumanTask]:
    return [task for task in inbox(services, username) if task.task_name == task_name]


def test_a_plan_followed_for_two_years(commune):
    services = commune
    plan_id = draft_plan(services, TASKS)
    plan = _issue(services, plan_id)
    assert (plan.status, plan.follow_until) == ("issued", date(2027, 12, 31))
    with services.db.read() as session:
        children = session.scalars(
            select(ProcessInstance).where(ProcessInstance.parent_id == plan.instance_id)
        ).all()
    assert len(children) == 6  # five leads and one coordinator
    assert {child.process_key for child in children} == {"plan_task"}

    # The heads receive their tasks; the coordinator's officer is asked to contribute.
    (receive,) = _open(services, "cg_pkt.truong", "receive_task")
    assert receive.title == "Giao cán bộ thực hiện nhiệm vụ 1 của 05/KH-UBND"
    assert _open(services, "cg_vp.chuyenvien", "contribute")
    with pytest.raises(FormInvalid) as refused:  # an officer of another unit
        act(services, "cg_pkt.truong", "receive_task", {"officer_username": "cg_vp.chuyenvien"})
    assert refused.value.errors[0].field == "officer_username"
    for head, officer in (
        ("cg_pkt.truong", "cg_pkt.canbo"),
        ("skhcn.phogiamdoc", "skhcn.phogiamdoc"),
        ("cg_dvsnc.truong", "cg_dvsnc.canbo"),
        ("cg_thcs.truong", "cg_thcs.canbo"),
        ("cg_th.truong", "cg_th.canbo"),
    ):
        act(services, head, "receive_task", {"officer_username": officer}, at=local(2026, 1, 12, 9, 0))

    # Each reporting unit owes its first report, due at the plan's six-monthly cut-off (15/06,
    # a Monday) or at its own date; the continuous task's report has none; the event-triggered
    # task waits for its event.
    (first,) = _open(services, "cg_pkt.canbo", "report_progress")
    assert first.title == "Báo cáo nhiệm vụ 1 của 05/KH-UBND: hạn hết ngày 15/06/2026"
    assert first.assignee_id == _user_id(services, "cg_pkt.canbo")
    (yearly,) = _open(services, "skhcn.phogiamdoc", "report_progress")
    assert yearly.due_at == local(2026, 11, 30, 0, 0)  # "trước ngày 30/11": a fixed date
    (continuing,) = _open(services, "cg_dvsnc.canbo", "report_continuing")
    assert continuing.due_at is None
    assert not _open(services, "cg_thcs.canbo", "report_progress")
    assert _board(services, plan_id, local(2026, 1, 12, 10, 0)) == {
        1: ("on_time", {"on_time": 2}),
        2: ("on_time", {"on_time": 1}),
        3: ("on_time", {"on_time": 1}),
        4: ("on_time", {"on_time": 1}),
        5: ("on_time", {"on_time": 1}),
    }

    act(
        services,
        "cg_vp.chuyenvien",
        "contribute",
        {"contribution": "Đã cung cấp số liệu"},
        at=local(2026, 3, 2, 9),
    )
    report = {"progress": "Đã rà soát 9 đơn vị", "finished": False}
    act(services, "cg_pkt.canbo", "report_progress", report, at=local(2026, 6, 1, 9, 0))
    # The next period (the deadline, end of June) opens when this one ends.
    assert not _open(services, "cg_pkt.canbo", "report_progress")
    _tick(services, local(2026, 6, 16, 0, 5))
    (second,) = _open(services, "cg_pkt.canbo", "report_progress")
    assert second.due_at == local(2026, 7, 1, 0, 0)  # the quarter's end, 30/06 a Tuesday: never moved
    act(
        services,
        "cg_dvsnc.canbo",
        "report_continuing",
        {"progress": "Đăng 4 tin bài"},
        at=local(2026, 6, 10, 9),
    )

    # Task 1 is not reported by the end of June: overdue, escalated to the unit's head.
    _tick(services, local(2026, 7, 1, 0, 5))
    assert _board(services, plan_id, local(2026, 7, 1, 0, 5))[1] == ("overdue", {"overdue": 1, "done": 1})
    with services.db.read() as session:
        (escalation,) = escalations_of(session, [second.id])[second.id]
        head = user_by_username(session, "cg_pkt.truong").id
    assert escalation.level == 1 and head in escalation.recipient_ids
    done = {"progress": "Đã hoàn thành", "finished": True, "deliverable_note": "Báo cáo số 12/BC-PKT"}
    act(services, "cg_pkt.canbo", "report_progress", done, at=local(2026, 7, 8, 9, 0))
    assert _board(services, plan_id, local(2026, 7, 8, 9, 0))[1] == ("done", {"done": 2})

    # The continuous task reports again when its next period opens, never overdue.
    assert len(_open(services, "cg_dvsnc.canbo", "report_continuing")) == 1
    assert _board(services, plan_id, local(2026, 12, 20, 9, 0))[3] == ("on_time", {"on_time": 1})

    # The event-triggered task opens on its event, due at the next cut-off.
    services.clock.set(local(2026, 9, 5, 9, 0))
    with services.db.transaction() as session:
        assignment = session.scalar(
            select(plans.PlanTaskUnit).where(
                plans.PlanTaskUnit.org_unit_id == unit_by_code(session, "cg_thcs").id
            )
        )
        plans.record_event(
            session,
            services.runtime,
            user_by_username(session, "cg_thcs.truong").id,
            assignment.id,
            "Tiếp nhận 01 giáo viên",
            local(2026, 9, 5, 9, 0),
        )
    (on_event,) = _open(services, "cg_thcs.canbo", "report_progress")
    assert on_event.due_at == local(2026, 12, 16, 0, 0)  # 15/12/2026 (a Tuesday), end of day
    for username, refusal in (("cg_thcs.truong", Conflict), ("cg_pkt.truong", PermissionDenied)):
        with services.db.transaction() as session, pytest.raises(refusal):
            plans.record_event(
                session, services.runtime, _user_id(services, username), assignment.id, "", local(2026, 9, 21)
            )
    act(services, "cg_thcs.canbo", "report_progress", {"progress": "Đã chi hỗ trợ"}, at=local(2026, 9, 20, 9))
    assert not _open(services, "cg_thcs.canbo", "report_progress")  # waits for the next event
    with services.db.read() as session:
        assert session.get(plans.PlanTaskUnit, assignment.id).status == "waiting"
    # The recurring task: this year's report, then next year's opens at this year's date.
    act(
        services,
        "skhcn.phogiamdoc",
        "report_progress",
        {"progress": "Đã báo cáo", "finished": True},
        at=local(2026, 11, 20, 9),
    )
    assert not _open(services, "skhcn.phogiamdoc", "report_progress")
    _tick(services, local(2026, 11, 30, 0, 5))
    (next_year,) = _open(services, "skhcn.phogiamdoc", "report_progress")
    assert next_year.due_at == local(2027, 11, 30, 0, 0)
    assert next_year.title.endswith("hạn hết ngày 29/11/2027")

    # An amendment adds a task (its own `plan` instance) and withdraws another.
    amended_at = local(2027, 3, 1, 9, 0)
    services.clock.set(amended_at)
    with services.db.transaction() as session:
        tasks = {
            task.seq: task.id
            for task in session.scalars(select(plans.PlanTask).where(plans.PlanTask.plan_id == plan_id))
        }
        with pytest.raises(InvalidInput):  # a time not understood
            _amend(
                services,
                session,
                plan_id,
                plans.Amendment(
                    "12/KH-UBND",
                    date(2027, 2, 27),
                    added=[
                        plans.NewTask(
                            "Tổ chức hội nghị", unit_by_code(session, "cg_mn").id, "sớm", "Hội nghị"
                        )
                    ],
                ),
                amended_at,
            )
    with services.db.transaction() as session:
        amendment = _amend(
            services,
            session,
            plan_id,
            plans.Amendment(
                "12/KH-UBND",
                date(2027, 2, 27),
                "Bổ sung nhiệm vụ tổ chức hội nghị; dừng nhiệm vụ 5",
                added=[
                    plans.NewTask(
                        "Tổ chức hội nghị gặp mặt nhân tài",
                        unit_by_code(session, "cg_mn").id,
                        "Quý IV/2027",
                        "Hội nghị",
                    )
                ],
                withdrawn=[tasks[5]],
            ),
            amended_at,
        )
        assert amendment.instance_id is not None
    act(
        services, "cg_mn.truong", "receive_task", {"officer_username": "cg_mn.canbo"}, at=local(2027, 3, 2, 9)
    )
    added = task_named(services, "cg_mn.canbo", "report_progress")
    assert added.title.startswith("Báo cáo nhiệm vụ 6 của 05/KH-UBND")
    assert not _open(services, "cg_th.canbo", "report_progress")  # withdrawn: its report closed

    # The end of the second year: the recurring report comes late.
    _tick(services, local(2027, 12, 1, 0, 5))
    assert _board(services, plan_id, local(2027, 12, 2, 9, 0))[2] == ("overdue", {"overdue": 1})
    act(
        services,
        "skhcn.phogiamdoc",
        "report_progress",
        {"progress": "Báo cáo năm 2027", "finished": True},
        at=local(2027, 12, 3, 9),
    )
    end = local(2027, 12, 31, 12, 0)
    _tick(services, end)
    standings = _board(services, plan_id, end)
    assert standings[1] == ("done", {"done": 2})
    assert standings[2] == ("done", {"done": 1})  # its last period is over
    assert standings[3] == ("on_time", {"on_time": 1})  # its report of the last period is open
    assert standings[4] == ("done", {"done": 1})  # no event came before the plan's last cut-off
    assert standings[5] == ("withdrawn", {"withdrawn": 1})
    assert standings[6] == ("overdue", {"overdue": 1})  # Quý IV/2027 is over, not reported
    with services.db.read() as session:
        plan_instance = session.get(ProcessInstance, plan.instance_id)
        assert plan_instance.status == "running"  # task 3 owes its last report
        # The recurring task's last period is over: its instance has ended.
        skhcn = session.scalar(
            select(plans.PlanTaskUnit).where(
                plans.PlanTaskUnit.org_unit_id == unit_by_code(session, "tp_hai_phong_skhcn").id
            )
        )
        assert (skhcn.status, skhcn.late) == ("done", True)  # its second report came after 30/11/2027

    # The 6-monthly and yearly report: the plan's own columns and a status column.
    with services.db.read() as session:
        board, rows = plans.export_rows(session, _user_id(services, "snv.canbo"), plan_id, end)
    sheet = board_workbook(board, rows, end)["Tình hình thực hiện"]
    assert [cell.value for cell in sheet[4]][-2:] == ["Sản phẩm", "Tình trạng thực hiện"]
    status = {
        sheet.cell(row=row, column=1).value: sheet.cell(row=row, column=7).value for row in range(5, 11)
    }
    assert status == {
        1: "Hoàn thành; hoàn thành 2/2 cơ quan",
        2: "Hoàn thành",
        3: "Đúng hạn",
        4: "Hoàn thành",
        5: "Đã dừng",
        6: "Quá hạn; chậm, quá hạn: Trường Mầm non Cẩm Giang",
    }
    assert "Đã có: Báo cáo số 12/BC-PKT" in sheet.cell(row=5, column=6).value
