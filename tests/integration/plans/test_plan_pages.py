"""The plans pages (docs/plans.md): Sở Nội vụ imports a plan's document, sees each task with
what it lacks of the six "rõ", confirms the units a class stood for, adds an organisation the
directory lacks, chooses the lead unit of a task that named only its leaders; a bad file is
refused with the reason; officers of other roles do not see the pages."""

import io
from pathlib import Path

from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import select

from services import plans

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _upload(browser, filename: str, content: bytes, follow: bool = False):
    return browser.post(
        "/plans/import",
        data={
            "csrf_token": csrf_token(browser, "/plans"),
            "plan_file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
        follow_redirects=follow,
    )


def _post(browser, url: str, data: dict, follow: bool = False):
    return browser.post(
        url, data={"csrf_token": csrf_token(browser, "/plans"), **data}, follow_redirects=follow
    )


def _tasks(services, plan_id: int) -> list[plans.PlanTask]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(plans.PlanTask).where(plans.PlanTask.plan_id == plan_id).order_by(plans.PlanTask.seq)
            )
        )


def _lacks(services, task_id: int) -> list[str]:
    with services.db.read() as session:
        return [str(missing).split(" (")[0] for missing in plans.missing_clarity(session, task_id)]


def test_sở_nội_vụ_imports_a_plan_and_settles_its_tasks(commune):
    app = web_app(commune)
    officer = signed_in(app, "snv.canbo")
    assert "Kế hoạch" in officer.get("/inbox").get_data(as_text=True)  # the menu

    refused = _upload(officer, "ke-hoach.docx", b"%PDF-1.7 not a plan", follow=True)
    body = shown_after_refusal(refused, "/plans")
    assert "Tệp kế hoạch (.docx)" in body and "Tệp không phải văn bản Word (.docx)." in body

    imported = _upload(officer, "67-KH-UBND.docx", (FIXTURES / "67-KH-UBND-hung-yen-2026.docx").read_bytes())
    assert imported.status_code == 302
    page_url = imported.headers["Location"]
    plan_id = int(page_url.rsplit("/", 1)[1])
    page = officer.get(page_url).get_data(as_text=True)
    for expected in (
        "67/KH-UBND",
        "Nhiệm vụ 1",
        "«Sở Nội vụ» là cơ quan chủ trì đồng thời được ghi là cơ quan phối hợp: đã bỏ khỏi cơ quan phối hợp.",
        "Chưa thể ban hành; còn thiếu:",
        "rõ trách nhiệm",
        "Đã đủ «6 rõ»: sẵn sàng ban hành.",
        "Tổ chức chưa có trong danh mục",
        "Kho bạc Nhà nước tỉnh",
        "thường xuyên",
    ):
        assert expected in page, expected
    assert "67/KH-UBND" in officer.get("/plans").get_data(as_text=True)

    tasks = _tasks(commune, plan_id)
    # Row 2: its lead classes, confirmed keeping all but the hospital.
    with commune.db.read() as session:
        rows = session.scalars(
            select(plans.PlanTaskUnit).where(plans.PlanTaskUnit.task_id == tasks[1].id)
        ).all()
        names = {row.id: row.words for row in rows if row.unit_class}
    kept = [row_id for row_id, words in names.items() if words != "đơn vị sự nghiệp công lập"]
    assert _lacks(commune, tasks[1].id) == ["rõ người", "rõ trách nhiệm"]
    confirmed = _post(officer, f"/plans/{plan_id}/tasks/{tasks[1].id}/confirm", {"unit": kept, "seq": "2"})
    assert confirmed.status_code == 302
    assert _lacks(commune, tasks[1].id) == []
    with commune.db.read() as session:
        left = session.scalars(
            select(plans.PlanTaskUnit.words).where(plans.PlanTaskUnit.task_id == tasks[1].id)
        ).all()
    assert "đơn vị sự nghiệp công lập" not in left

    # Row 7: the State Treasury added to the directory settles it.
    assert _lacks(commune, tasks[6].id) == ["rõ trách nhiệm"]
    refused = _post(
        officer,
        f"/plans/{plan_id}/organisations",
        {"words": "Kho bạc Nhà nước tỉnh", "name": " ", "kind": "state_treasury"},
        follow=True,
    )
    assert "Nhập tên tổ chức (tối đa 300 ký tự)." in shown_after_refusal(refused, f"/plans/{plan_id}")
    added = _post(
        officer,
        f"/plans/{plan_id}/organisations",
        {
            "words": "Kho bạc Nhà nước tỉnh",
            "name": "Kho bạc Nhà nước khu vực Hưng Yên",
            "kind": "state_treasury",
        },
    )
    assert added.status_code == 302 and _lacks(commune, tasks[6].id) == []
    assert "Kho bạc Nhà nước khu vực Hưng Yên" in officer.get(f"/plans/{plan_id}").get_data(as_text=True)

    # How it is followed: the reporting rule and the monitoring office.
    with commune.db.read() as session:
        plan = session.get(plans.Plan, plan_id)
        monitor, other = (
            plan.monitor_id,
            next(u.id for u in plans.province_units(session, plan) if u.id != plan.monitor_id),
        )
    body = shown_after_refusal(
        _post(
            officer,
            f"/plans/{plan_id}/follow-up",
            {"reporting_text": "Khi nào xong", "monitor_id": monitor},
            follow=True,
        ),
        f"/plans/{plan_id}",
    )
    assert "Nhập chế độ báo cáo của kế hoạch" in body and 'value="Khi nào xong"' in body
    saved = _post(
        officer,
        f"/plans/{plan_id}/follow-up",
        {"reporting_text": "Định kỳ 6 tháng và hằng năm", "monitor_id": other},
    )
    assert saved.status_code == 302
    with commune.db.read() as session:
        plan = session.get(plans.Plan, plan_id)
        assert (plan.reporting_rule["kind"], plan.monitor_id) == ("semiannual", other)

    # The approving authority: the issuing body until the officer chooses a unit.
    page = officer.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Cấp phê duyệt" in page and "cơ quan ban hành kế hoạch" in page
    approver_url = f"/plans/{plan_id}/tasks/{tasks[0].id}/approver"
    assert _post(officer, approver_url, {"approver_id": str(other)}).status_code == 302
    assert _tasks(commune, plan_id)[0].approver_id == other
    _post(officer, approver_url, {"approver_id": ""})
    assert _tasks(commune, plan_id)[0].approver_id is None

    # A time written again: refused with the reason and what was typed; understood; past.
    time_url = f"/plans/{plan_id}/tasks/{tasks[0].id}/time"
    body = shown_after_refusal(
        _post(officer, time_url, {"time_text": "Sớm nhất có thể"}, follow=True), f"/plans/{plan_id}"
    )
    assert "Không hiểu được thời gian «Sớm nhất có thể»" in body and 'value="Sớm nhất có thể"' in body
    assert _post(officer, time_url, {"time_text": "Quý IV/2026"}).status_code == 302
    assert _tasks(commune, plan_id)[0].time_rule["kind"] == "within_period"
    _post(officer, time_url, {"time_text": "Năm 2025"})
    assert (
        _tasks(commune, plan_id)[0].notes[-1]["template"]
        == "The time «%(time)s» is already past when the plan is issued."
    )


def test_a_task_naming_only_its_leaders_gets_a_lead_unit(commune):
    app = web_app(commune)
    officer = signed_in(app, "snv.canbo")
    imported = _upload(officer, "17-NQ-TU.docx", (FIXTURES / "17-NQ-TU-hai-phong-2024.docx").read_bytes())
    plan_id = int(imported.headers["Location"].rsplit("/", 1)[1])
    first = _tasks(commune, plan_id)[0]
    assert _lacks(commune, first.id) == ["rõ người", "rõ trách nhiệm", "rõ thẩm quyền"]
    page = officer.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Lãnh đạo chỉ đạo" in page and "Chủ tịch Hội đồng nhân dân thành phố" in page
    with commune.db.read() as session:
        plan = session.get(plans.Plan, plan_id)
        units = {unit.name: unit.id for unit in plans.province_units(session, plan)}
    assert "UBND tỉnh Hưng Yên" not in units  # Hải Phòng's units only
    refused = _post(officer, f"/plans/{plan_id}/tasks/{first.id}/lead", {"org_unit_id": "abc"}, follow=True)
    assert "Chọn một cơ quan, đơn vị thuộc tỉnh, thành phố của kế hoạch." in shown_after_refusal(
        refused, f"/plans/{plan_id}"
    )
    chosen = _post(
        officer,
        f"/plans/{plan_id}/tasks/{first.id}/lead",
        {"org_unit_id": units["Sở Nội vụ thành phố Hải Phòng"]},
    )
    assert chosen.status_code == 302
    # A Party resolution's task led by a government department: requested (đề nghị), not assigned.
    assert _tasks(commune, plan_id)[0].assignment_kind == "de_nghi"
    # The Party committee, added as the issuing body: every "rõ" is met.
    _post(
        officer,
        f"/plans/{plan_id}/organisations",
        {"words": "THÀNH ỦY", "name": "Thành ủy Hải Phòng", "kind": "party_committee"},
    )
    assert _lacks(commune, first.id) == []


def test_other_officers_do_not_see_the_plans(commune):
    app = web_app(commune)
    imported = _upload(
        signed_in(app, "snv.canbo"), "67.docx", (FIXTURES / "67-KH-UBND-hung-yen-2026.docx").read_bytes()
    )
    plan_url = imported.headers["Location"]
    # Phòng VH-XH of a commune of Hải Phòng manages plans, not Hưng Yên's.
    vhxh = signed_in(app, "vhxh.canbo")
    assert vhxh.get("/plans").status_code == 200 and "67/KH-UBND" not in vhxh.get("/plans").get_data(
        as_text=True
    )
    assert vhxh.get(plan_url).status_code == 404
    for username in ("cg_vp.canbo", "chutich", "vanthu"):
        browser = signed_in(app, username)
        assert browser.get("/plans").status_code == 404
        assert "/plans" not in browser.get("/inbox").get_data(as_text=True)
