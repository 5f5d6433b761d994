"""The two plans of the source documents imported as drafts (docs/plans.md#import), every row
checked: the units matched to the directory (Hưng Yên's beside Hải Phòng's), a lead also
listed among the coordinators flagged and removed from them, a class of units expanded, a
unit not in the directory named, the leaders-only table of a Party resolution asking for its
lead units, each time parsed into its rule and each product given its own time."""

import io
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from services import plans
from services.common.display import in_language
from services.common.errors import InvalidInput
from services.identity import OrgUnit
from services.plans import _time_rules as rules

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _imported(services, filename: str):
    with services.db.read() as session:
        names = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
        return plans.import_plan(session, (FIXTURES / filename).read_bytes()), names


def _units(refs, names) -> list[tuple[str, list[str]]]:
    return [(ref.text, sorted(names[unit_id] for unit_id in ref.unit_ids)) for ref in refs]


def _notes(task) -> list[str]:
    return [str(note) for note in task.notes]


SNV, STC, SKHCN = (
    "Sở Nội vụ tỉnh Hưng Yên",
    "Sở Tài chính tỉnh Hưng Yên",
    "Sở Khoa học và Công nghệ tỉnh Hưng Yên",
)
COMMUNES = ["UBND phường Phố Hiến", "UBND xã Văn Giang"]


def test_the_plan_of_hung_yen_67_kh_ubnd(commune):
    plan, names = _imported(commune, "67-KH-UBND-hung-yen-2026.docx")
    assert (plan.code, plan.kind, plan.doc_type, plan.place, plan.issued_on) == (
        "67/KH-UBND",
        "administrative",
        "ke_hoach",
        "Hưng Yên",
        date(2026, 2, 23),
    )
    assert names[plan.issuer_id] == names[plan.province_id] == "UBND tỉnh Hưng Yên" and plan.notes == []
    assert plan.implements == ["798/2025/NQ-HĐND"] and names[plan.monitor_id] == SNV
    assert plan.reporting_rule is None  # the document does not say: the officer sets it
    # The table's columns, as the board's export repeats them.
    assert [column for column, _ in plan.columns] == [
        "seq",
        "title",
        "leads",
        "coordinators",
        "time",
        "deliverables",
    ]
    assert plan.title.startswith("KẾ HOẠCH Triển khai thực hiện Nghị quyết số 798/2025/NQ-HĐND")
    tasks = plan.tasks
    assert [task.seq for task in tasks] == list(range(1, 10))
    assert all(task.leaders == [] for task in tasks)
    assert {task.assignment_kind for task in tasks} == {"giao"} and {task.precondition for task in tasks} == {
        ""
    }

    # Row 1: Sở Nội vụ leads and was listed among the coordinators: flagged, removed from them;
    # the classes among the coordinators stand for the units the row does not name.
    one = tasks[0]
    assert _units(one.leads, names) == [("Sở Nội vụ", [SNV])]
    assert _units(one.coordinators, names) == [
        ("Sở Khoa học và Công nghệ", [SKHCN]),
        ("các sở, ban, ngành tỉnh", [STC]),
        ("Ủy ban nhân dân xã, phường", COMMUNES),
    ]
    assert "«Sở Nội vụ» leads the task and was also a coordinator: removed from them." in _notes(one)

    # Row 2: a class of units leads, expanded for the officer to confirm.
    two = tasks[1]
    assert _units(two.leads, names) == [
        ("Các sở, ban, ngành tỉnh", [STC]),
        ("Ủy ban nhân dân xã, phường", COMMUNES),
        ("đơn vị sự nghiệp công lập", ["Bệnh viện Đa khoa tỉnh Hưng Yên"]),
    ]
    assert [ref.unit_class for ref in two.leads] == ["departments", "communes", "public_service_units"]
    assert _units(two.coordinators, names) == [("Sở Nội vụ", [SNV]), ("Sở Khoa học và Công nghệ", [SKHCN])]
    assert "«Ủy ban nhân dân xã, phường» stands for 2 units of the directory: confirm them." in _notes(two)

    assert _units(tasks[2].coordinators, names) == [
        ("Sở Khoa học và Công nghệ", [SKHCN]),
        ("Văn phòng Ủy ban nhân dân tỉnh", ["Văn phòng UBND tỉnh Hưng Yên"]),
    ]
    # Classes each case decides ("the units that need them") are kept as words.
    assert [(ref.text, ref.unit_class) for ref in tasks[3].coordinators] == [
        ("Các cơ quan, đơn vị có nhu cầu", "by_case")
    ]
    assert [(ref.text, ref.unit_class) for ref in tasks[4].leads] == [
        ("Cơ quan, đơn vị sử dụng nhân lực", "by_case")
    ]
    assert _units(tasks[5].leads, names) == [("Sở Tài chính", [STC])]
    # Row 7: the State Treasury is not in the directory.
    assert _units(tasks[6].coordinators, names) == [("Sở Nội vụ", [SNV]), ("Kho bạc Nhà nước tỉnh", [])]
    assert _notes(tasks[6]) == ["«Kho bạc Nhà nước tỉnh» is not in the directory: add it or choose a unit."]
    assert (
        _notes(tasks[2]) == _notes(tasks[3]) == _notes(tasks[4]) == _notes(tasks[5]) == _notes(tasks[7]) == []
    )

    assert [(task.time_text, task.time_rule.kind) for task in tasks] == [
        ("Thường xuyên", rules.CONTINUOUS),
        ("Hàng năm", rules.ANNUAL),
        ("Hàng năm", rules.ANNUAL),
        ("Theo kế hoạch", rules.PER_PLAN),
        ("Khi tuyển dụng, tiếp nhận", rules.EVENT),
        ("Hằng năm", rules.ANNUAL),
        ("Thường xuyên", rules.CONTINUOUS),
        ("Thường xuyên", rules.CONTINUOUS),
        ("Định kỳ hằng năm", rules.ANNUAL),
    ]
    assert [[product.name for product in task.deliverables] for task in tasks] == [
        ["Nội dung tuyên truyền"],
        ["Báo cáo nhu cầu", "danh mục vị trí việc làm"],
        ["Văn bản phê duyệt của Ủy ban nhân dân tỉnh"],
        ["Kết quả xét tuyển, tiếp nhận"],
        ["Cam kết", "quyết định phân công"],
        ["Dự toán kinh phí"],
        ["Văn bản hướng dẫn", "Báo cáo quyết toán"],
        ["Báo cáo"],
        ["Báo cáo"],
    ]


def test_the_resolution_of_hai_phong_17_nq_tu_names_leaders_only(commune):
    plan, names = _imported(commune, "17-NQ-TU-hai-phong-2024.docx")
    assert (plan.code, plan.kind, plan.doc_type, plan.issued_on) == (
        "17-NQ/TU",
        "party",
        "nghi_quyet",
        date(2024, 12, 31),
    )
    assert names[plan.province_id] == "UBND thành phố Hải Phòng"
    assert [column for column, _ in plan.columns] == ["seq", "title", "leaders", "deliverables", "time"]
    # The Party committee is not in the directory: the officer adds it.
    assert (plan.superior_text, plan.issuer_text, plan.issuer_id) == (
        "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG",
        "THÀNH ỦY",
        None,
    )
    assert [str(note) for note in plan.notes] == [
        "The issuing body «THÀNH ỦY» is not in the directory: add it."
    ]
    tasks = plan.tasks
    assert [task.seq for task in tasks] == list(range(1, 9))
    both = ["Trưởng Ban Tổ chức Thành ủy", "Phó Chủ tịch Ủy ban nhân dân thành phố phụ trách lĩnh vực nội vụ"]
    assert [task.leaders for task in tasks] == [
        ["Chủ tịch Hội đồng nhân dân thành phố"],
        ["Trưởng Ban Tuyên giáo Thành ủy"],
        *[both] * 6,
    ]
    for task in tasks:  # no lead unit: asked for before the task can be issued
        assert task.leads == [] and task.coordinators == []
        assert (
            "The task names no lead unit (only its directing leaders): choose one before issuing."
            in _notes(task)
        )

    assert [(task.time_text, task.time_rule.kind) for task in tasks] == [
        ("Năm 2025", rules.WITHIN_PERIOD),
        ("Thường xuyên", rules.CONTINUOUS),
        ("Hàng năm", rules.ANNUAL),
        ("Năm 2025 Giai đoạn 2030 - 2050", rules.SEVERAL),
        ("Hàng năm\nNăm 2025 - 2050\nNăm 2030", rules.SEVERAL),
        ("Hàng năm\nHàng năm", rules.SEVERAL),
        ("Hàng năm", rules.ANNUAL),
        ("Hàng năm", rules.ANNUAL),
    ]
    # Each product with its own time: a line each (row 5), a rule of as many parts (row 4).
    assert [(product.time_text, product.time_rule.kind) for product in tasks[3].deliverables] == [
        ("Năm 2025", rules.WITHIN_PERIOD),
        ("Giai đoạn 2030 - 2050", rules.RANGE),
    ]
    assert [(product.time_rule.kind, product.time_rule.last) for product in tasks[4].deliverables] == [
        (rules.ANNUAL, None),
        (rules.RANGE, date(2050, 12, 31)),
        (rules.WITHIN_PERIOD, date(2030, 12, 31)),
    ]
    assert [len(task.deliverables) for task in tasks] == [1, 1, 2, 2, 3, 1, 1, 2]
    # Row 6: two times for what reads as one product: the officer checks.
    assert "2 times for 1 products: check which time each product has." in _notes(tasks[5])


def _plan_docx(*rows: tuple[str, str, str], said: str = "") -> bytes:
    """A plan of UBND tỉnh Hưng Yên issued on 10/03/2026, its table rows (task, lead, time),
    and what it ``said`` before its table."""
    document = docx.Document()
    for line in ("ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN", "Số: 12/KH-UBND", "Hưng Yên, ngày 10 tháng 3 năm 2026"):
        document.add_paragraph(line)
    document.add_paragraph("KẾ HOẠCH Thực hiện Nghị quyết số 53/2025/NQ-HĐND và Kế hoạch số 67/KH-UBND")
    document.add_paragraph(said)
    table = document.add_table(rows=1, cols=5)
    for cell, heading in zip(
        table.rows[0].cells,
        ("STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện", "Sản phẩm"),
    ):
        cell.text = heading
    for number, (task, lead, time_text) in enumerate(rows, start=1):
        for cell, text in zip(table.add_row().cells, (str(number), task, lead, time_text, "Báo cáo")):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_what_the_plan_carries_out_how_it_is_reported_and_a_task_s_precondition(commune):
    content = _plan_docx(
        ("Bố trí người được thu hút", "Sở Nội vụ", "Sau khi có quyết định giao biên chế chính thức"),
        said="Định kỳ 6 tháng và hằng năm, Sở Nội vụ tổng hợp, báo cáo Ủy ban nhân dân tỉnh.",
    )
    with commune.db.read() as session:
        plan = plans.import_plan(session, content)
    assert plan.implements == ["53/2025/NQ-HĐND", "67/KH-UBND"]
    assert plan.reporting_rule.kind == rules.SEMIANNUAL
    assert plan.tasks[0].precondition == "Sau khi có quyết định giao biên chế chính thức"
    assert plan.tasks[0].time_rule.kind == rules.EVENT


def test_a_period_already_past_or_a_time_not_understood_is_flagged(commune):
    content = _plan_docx(
        ("Tổng kết năm trước", "Sở Nội vụ", "Năm 2025"),
        ("Báo cáo quý", "Sở Nội vụ", "Quý I/2026"),
        ("Việc chưa rõ lúc nào", "Sở Tài chính", "Sớm nhất có thể"),
    )
    with commune.db.read() as session:
        past, current, unclear = plans.import_plan(session, content).tasks
    assert _notes(past) == ["The time «Năm 2025» is already past when the plan is issued."]
    assert _notes(current) == []  # the quarter the plan is issued in
    assert unclear.time_rule is None
    assert _notes(unclear) == ["The time «Sớm nhất có thể» is not understood: set it."]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7", "không phải văn bản Word"),
        ((FIXTURES / "camunda_review.bpmn").read_bytes(), "không phải văn bản Word"),
        (_plan_docx(), None),  # a table with no row is still a plan: refused only without a heading
    ],
)
def test_a_file_that_is_no_plan_is_refused_with_the_reason(commune, content, words):
    with commune.db.read() as session:
        if words is None:
            assert plans.import_plan(session, content).tasks == []
            return
        with pytest.raises(InvalidInput) as refused:
            plans.import_plan(session, content)
    assert refused.value.field == "file" and words in in_language(refused.value.message, "vi")


def test_a_document_without_an_assignment_table_is_refused(commune):
    document = docx.Document()
    document.add_paragraph("Số: 12/KH-UBND")
    out = io.BytesIO()
    document.save(out)
    with commune.db.read() as session, pytest.raises(InvalidInput) as refused:
        plans.import_plan(session, out.getvalue())
    assert "không có bảng phân công nhiệm vụ" in in_language(refused.value.message, "vi")


def test_an_imported_plan_kept_as_a_draft_says_which_rõ_each_task_lacks(commune):
    at = commune.clock.now()
    with commune.db.transaction() as session:
        kept = {}
        for filename in ("67-KH-UBND-hung-yen-2026.docx", "17-NQ-TU-hai-phong-2024.docx"):
            content = (FIXTURES / filename).read_bytes()
            imported = plans.import_plan(session, content)
            kept[filename] = plans.keep_import(session, at, None, imported, content, filename).id
    with commune.db.read() as session:
        hung_yen = session.get(plans.Plan, kept["67-KH-UBND-hung-yen-2026.docx"])
        assert (hung_yen.code, hung_yen.status, hung_yen.issued_on) == (
            "67/KH-UBND",
            "draft",
            date(2026, 2, 23),
        )
        tasks = session.scalars(
            select(plans.PlanTask).where(plans.PlanTask.plan_id == hung_yen.id).order_by(plans.PlanTask.seq)
        ).all()
        assert len(tasks) == 9 and tasks[0].time_rule == {"kind": "continuous", "text": "Thường xuyên"}
        units = session.scalars(
            select(plans.PlanTaskUnit).where(plans.PlanTaskUnit.task_id == tasks[1].id)
        ).all()
        # Row 2: the classes leading it, one row per unit to confirm; its named coordinators confirmed.
        assert sorted((row.role, row.unit_class, row.confirmed) for row in units) == [
            ("coordinator", None, True),
            ("coordinator", None, True),
            ("lead", "communes", False),
            ("lead", "communes", False),
            ("lead", "departments", False),
            ("lead", "public_service_units", False),
        ]
        clarity = [
            [str(missing).split(" (")[0] for missing in plans.missing_clarity(session, task.id)]
            for task in tasks
        ]
        assert clarity == [
            ["rõ trách nhiệm"],  # the classes among its coordinators to confirm
            ["rõ người", "rõ trách nhiệm"],  # its leads are classes to confirm
            [],
            [],  # "the units that need them" coordinate, decided by each case
            [],
            [],
            ["rõ trách nhiệm"],  # the State Treasury is not in the directory
            [],
            ["rõ trách nhiệm"],
        ]
        resolution = session.scalars(
            select(plans.PlanTask).where(plans.PlanTask.plan_id == kept["17-NQ-TU-hai-phong-2024.docx"])
        ).first()
        assert [str(missing).split(" (")[0] for missing in plans.missing_clarity(session, resolution.id)] == [
            "rõ người",
            "rõ trách nhiệm",
            "rõ thẩm quyền",
        ]
