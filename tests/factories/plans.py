"""A plan drafted straight into the tables, its tasks ready to issue (the import has its own
tests): for tests of following a plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services import plans
from services.identity import OrgUnit, unit_by_code, user_by_username


@dataclass
class TaskSpec:
    title: str
    time_text: str
    leads: list[str]  # unit codes
    coordinators: list[str] = field(default_factory=list)
    product: str = "Báo cáo kết quả thực hiện"


def draft_plan(
    services,
    tasks: list[TaskSpec],
    *,
    created_by: str = "snv.canbo",
    issued_on: date = date(2026, 1, 10),
    reporting: str = "Định kỳ 6 tháng và hằng năm",
    code: str = "05/KH-UBND",
) -> int:
    with services.db.transaction() as session:
        city = unit_by_code(session, "tp_hai_phong_ubnd")
        monitor = unit_by_code(session, "tp_hai_phong_snv")
        plan = plans.Plan(
            code=code,
            kind="administrative",
            doc_type="ke_hoach",
            title="Kế hoạch thực hiện chính sách thu hút, trọng dụng nhân tài năm 2026",
            issuer_text=city.name,
            issuer_id=city.id,
            province_id=city.id,
            place="Hải Phòng",
            issued_on=issued_on,
            status="draft",
            implements=[],
            reporting_rule=plans.parse(reporting).to_json(),
            monitor_id=monitor.id,
            notes=[],
            created_by=user_by_username(session, created_by).id,
            created_at=services.clock.now(),
            columns=[
                ["seq", "STT"],
                ["title", "Nhiệm vụ"],
                ["leads", "Cơ quan chủ trì"],
                ["coordinators", "Cơ quan phối hợp"],
                ["time", "Thời gian thực hiện"],
                ["deliverables", "Sản phẩm"],
            ],
        )
        session.add(plan)
        session.flush()
        for seq, spec in enumerate(tasks, start=1):
            rule = plans.parse(spec.time_text)
            assert rule is not None, spec.time_text
            task = plans.PlanTask(
                plan_id=plan.id,
                seq=seq,
                title=spec.title,
                leaders=[],
                time_text=spec.time_text,
                time_rule=rule.to_json(),
                status="draft",
                notes=[],
            )
            session.add(task)
            session.flush()
            for role, codes in (("lead", spec.leads), ("coordinator", spec.coordinators)):
                for unit_code in codes:
                    unit: OrgUnit = unit_by_code(session, unit_code)
                    session.add(
                        plans.PlanTaskUnit(
                            task_id=task.id, role=role, org_unit_id=unit.id, words=unit.name, confirmed=True
                        )
                    )
            session.add(
                plans.PlanDeliverable(task_id=task.id, name=spec.product, time_text="", time_rule=None)
            )
        return plan.id
