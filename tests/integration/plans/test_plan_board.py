"""The pages of an issued plan (docs/plans.md#the-monitoring-board): Sở Nội vụ issues a draft
(refused, naming the tasks, while one lacks a "rõ"), follows it on the board and a task's
page, downloads it as .xlsx in the plan's own columns with a status column, records an
amendment (a refusal keeps what was typed) and a task's event."""

import io

from factories.dates import local
from factories.plans import TaskSpec, draft_plan
from factories.tasks import act, task_named
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from openpyxl import load_workbook
from sqlalchemy import select

from services import plans

TASKS = [
    TaskSpec("Rà soát nhu cầu nhân tài", "Quý II/2026", ["cg_pkt"], ["cg_vp"]),
    TaskSpec("Thực hiện chế độ hỗ trợ", "Khi tuyển dụng, tiếp nhận", ["cg_thcs"]),
]


def _post(browser, url: str, data: dict, follow: bool = False):
    return browser.post(
        url, data={"csrf_token": csrf_token(browser, "/plans"), **data}, follow_redirects=follow
    )


def test_sở_nội_vụ_issues_a_plan_and_follows_it(commune):
    services = commune
    plan_id = draft_plan(services, TASKS)
    with services.db.transaction() as session:  # a task without a product is not ready
        task = session.scalar(
            select(plans.PlanTask).where(plans.PlanTask.plan_id == plan_id, plans.PlanTask.seq == 2)
        )
        for product in session.scalars(
            select(plans.PlanDeliverable).where(plans.PlanDeliverable.task_id == task.id)
        ):
            session.delete(product)
    app = web_app(services)
    officer = signed_in(app, "snv.canbo")
    refused = _post(officer, f"/plans/{plan_id}/issue", {}, follow=True)
    body = shown_after_refusal(refused, f"/plans/{plan_id}")
    assert "Nhiệm vụ 2 chưa đáp ứng" in body or "2" in body
    assert "Ban hành kế hoạch" in body
    with services.db.transaction() as session:
        session.add(plans.PlanDeliverable(task_id=task.id, name="Báo cáo", time_text="", time_rule=None))

    services.clock.set(local(2026, 1, 12, 9, 0))
    issued = _post(officer, f"/plans/{plan_id}/issue", {})
    assert issued.headers["Location"].endswith(f"/plans/{plan_id}/board")
    board = officer.get(f"/plans/{plan_id}/board").get_data(as_text=True)
    assert "Bảng theo dõi" in board and "Rà soát nhu cầu nhân tài" in board and "Đúng hạn" in board

    act(services, "cg_pkt.truong", "receive_task", {"officer_username": "cg_pkt.canbo"})
    act(services, "cg_thcs.truong", "receive_task", {"officer_username": "cg_thcs.canbo"})
    services.clock.set(local(2026, 7, 2, 9, 0))
    services.tick(local(2026, 7, 2, 9, 0))
    board = officer.get(f"/plans/{plan_id}/board").get_data(as_text=True)
    assert "Quá hạn" in board

    with services.db.read() as session:
        tasks = {
            task.seq: task.id
            for task in session.scalars(select(plans.PlanTask).where(plans.PlanTask.plan_id == plan_id))
        }
    page = officer.get(f"/plans/{plan_id}/board/tasks/{tasks[2]}").get_data(as_text=True)
    assert "đang chờ sự kiện" in page
    with services.db.read() as session:
        assignment = session.scalar(select(plans.PlanTaskUnit).where(plans.PlanTaskUnit.task_id == tasks[2]))
    recorded = _post(
        officer, f"/plans/{plan_id}/board/units/{assignment.id}/event", {"note": "Tiếp nhận 01 giáo viên"}
    )
    assert recorded.headers["Location"].endswith(f"/plans/{plan_id}/board/tasks/{tasks[2]}")
    assert task_named(services, "cg_thcs.canbo", "report_progress")

    workbook = load_workbook(io.BytesIO(officer.get(f"/plans/{plan_id}/board.xlsx").get_data()))
    sheet = workbook["Tình hình thực hiện"]
    assert [cell.value for cell in sheet[4]] == [
        "STT",
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời gian thực hiện",
        "Sản phẩm",
        "Tình trạng thực hiện",
    ]
    first = [cell.value for cell in sheet[5]]
    assert first[:5] == [
        1,
        "Rà soát nhu cầu nhân tài",
        "Phòng Kinh tế xã Cẩm Giang",
        "Văn phòng HĐND và UBND xã Cẩm Giang",
        "Quý II/2026",
    ]
    assert first[6].startswith("Quá hạn") and "chậm, quá hạn: Phòng Kinh tế xã Cẩm Giang" in first[6]
    units = workbook["Từng cơ quan"]
    assert units.max_row == 4  # the heading, two units of task 1, one of task 2

    refused = _post(
        officer,
        f"/plans/{plan_id}/amendments",
        {
            "code": "12/KH-UBND",
            "issued_on": "2026-07-01",
            "title": "Tổ chức hội nghị",
            "time_text": "sớm nhất có thể",
        },
        follow=True,
    )
    body = shown_after_refusal(refused, f"/plans/{plan_id}/board")
    assert "Tổ chức hội nghị" in body and "12/KH-UBND" in body  # what was typed is kept
    with services.db.read() as session:
        assert not session.scalars(select(plans.PlanAmendment)).all()
    with services.db.read() as session:
        from services.identity import unit_by_code

        lead = unit_by_code(session, "cg_mn").id
    amended = _post(
        officer,
        f"/plans/{plan_id}/amendments",
        {
            "code": "12/KH-UBND",
            "issued_on": "2026-07-01",
            "title": "Tổ chức hội nghị",
            "lead_id": str(lead),
            "time_text": "Quý IV/2026",
            "product": "Hội nghị",
            "withdraw": str(tasks[2]),
        },
        follow=True,
    )
    body = amended.get_data(as_text=True)
    assert "12/KH-UBND" in body and "Đã dừng" in body
    assert task_named(services, "cg_mn.truong", "receive_task")


def test_other_officers_do_not_see_a_plans_board(commune):
    plan_id = draft_plan(commune, TASKS)
    app = web_app(commune)
    head = signed_in(app, "cg_pkt.truong")
    assert head.get(f"/plans/{plan_id}/board").status_code == 404
    assert head.get(f"/plans/{plan_id}/board.xlsx").status_code == 404
