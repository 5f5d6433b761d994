"""A plan's monitoring board as an Excel workbook for its 6-monthly and yearly report: the
plan's own assignment table, column for column as the document has it, with where each task
stands; and a sheet with every unit of every task."""

from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services import plans
from services.common.display import deadline_words, in_language, local_time

STATUS_HEADING = "Tình trạng thực hiện"
# The columns of a table with none recorded (a plan drafted before they were): 67/KH-UBND's.
DEFAULT_COLUMNS = [
    ["seq", "STT"],
    ["title", "Nhiệm vụ"],
    ["leads", "Cơ quan chủ trì"],
    ["coordinators", "Cơ quan phối hợp"],
    ["time", "Thời gian thực hiện"],
    ["deliverables", "Sản phẩm"],
]
ROLES = {"leads": "lead", "coordinators": "coordinator", "executors": "executor"}


def _words(standing: str) -> str:
    return in_language(plans.STANDING_WORDS[standing], "vi")


def _status(row: plans.ExportTask) -> str:
    """The task's standing, and each unit that is not on time or done by name."""
    counted = row.row.counts
    units = sum(counted.values())
    parts = [_words(row.row.standing)]
    if units > 1:
        parts.append(f"hoàn thành {counted.get('done', 0)}/{units} cơ quan")
    behind = [line.unit_name for line in row.lines if line.standing in ("overdue", "late")]
    if behind:
        parts.append("chậm, quá hạn: " + ", ".join(behind))
    return "; ".join(parts)


def _cell(column: str, row: plans.ExportTask) -> object:
    task = row.row.task
    if column == "seq":
        return task.seq
    if column == "title":
        return task.title
    if column in ROLES:
        return "\n".join(row.units.get(ROLES[column], []))
    if column == "leaders":
        return "\n".join(row.leaders)
    if column == "time":
        return task.time_text
    received = [
        report.deliverable_note for line in row.lines for report in line.reports if report.deliverable_note
    ]
    return "\n".join(row.row.products + ([f"Đã có: {'; '.join(received)}"] if received else []))


def board_workbook(board: plans.Board, rows: list[plans.ExportTask], at: datetime) -> Workbook:
    plan = board.plan
    columns = plan.columns or DEFAULT_COLUMNS
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tình hình thực hiện"
    sheet.append([f"Tình hình thực hiện {plan.code}: {plan.title}"])
    sheet.append([f"Tính đến {local_time(at)}; cơ quan ban hành: {plan.issuer_text}"])
    sheet.append([])
    sheet.append([heading for _, heading in columns] + [STATUS_HEADING])
    for row in rows:
        sheet.append([_cell(column, row) for column, _ in columns] + [_status(row)])
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    units = workbook.create_sheet("Từng cơ quan")
    units.append(
        [
            "STT",
            "Nhiệm vụ",
            "Cơ quan",
            "Vai trò",
            "Tình trạng",
            "Hạn báo cáo",
            "Hạn hoàn thành",
            "Báo cáo gần nhất",
        ]
    )
    for row in rows:
        for line in row.lines:
            last = line.reports[-1] if line.reports else None
            units.append(
                [
                    row.row.task.seq,
                    row.row.task.title,
                    line.unit_name,
                    in_language(plans.ROLE_WORDS[line.assignment.role], "vi"),
                    _words(line.standing),
                    deadline_words(line.assignment.due_at),
                    deadline_words(line.assignment.deadline_at),
                    f"{local_time(last.sent_at)}: {last.progress}" if last else "",
                ]
            )
    for cell in units[1]:
        cell.font = Font(bold=True)
    return workbook
