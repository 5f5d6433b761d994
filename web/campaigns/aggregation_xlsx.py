"""The aggregation as an Excel workbook with Vietnamese headers, ready to attach to
the commune's dispatch to the city (Sở Nội vụ)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services.campaigns import Campaign
from services.common.display import deadline_words, local_time

HEADERS = [
    "STT",
    "Lĩnh vực",
    "Cơ quan, đơn vị",
    "Số lượng năm {year}",
    "Số lượng giai đoạn {start}-{end}",
    "Số nhu cầu",
]


def aggregation_workbook(
    campaign: Campaign,
    aggregation: dict,
    units: list[dict],
    lines: list[dict],
    standing_labels: dict[str, str],
    columns: list[tuple[str, str, dict[str, str]]],
) -> Workbook:
    """The aggregated table; each unit's standing (the board's words); every counted line,
    each field under the proposal form's title, each choice in its words."""
    field_titles = next(choices for name, _, choices in columns if name == "field")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp nhu cầu"
    sheet.append([campaign.title])
    sheet.append(
        [
            f"Đơn vị gửi đề xuất {deadline_words(campaign.unit_deadline)}; gửi UBND thành phố "
            f"{deadline_words(campaign.city_deadline)}"
        ]
    )
    sheet.append([])
    sheet.append(
        [
            header.format(year=campaign.target_year, start=campaign.period_from, end=campaign.period_to)
            for header in HEADERS
        ]
    )
    for index, line in enumerate(aggregation["lines"], start=1):
        sheet.append(
            [
                index,
                field_titles.get(line["field"], line["field"]),
                line["unit_name"],
                line["quantity_year"],
                line["quantity_period"],
                line["needs"],
            ]
        )
    totals = aggregation["totals"]
    sheet.append(
        [
            "",
            "Tổng cộng",
            "",
            totals["quantity_year"],
            totals["quantity_period"],
            sum(line["needs"] for line in aggregation["lines"]),
        ]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[4] + sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (6, 36, 44, 16, 22, 12)):
        sheet.column_dimensions[column].width = width
    for cell in sheet[4]:
        cell.alignment = Alignment(wrap_text=True, vertical="center")

    standings = workbook.create_sheet("Đơn vị")
    standings.append(["Cơ quan, đơn vị", "Mã đơn vị", "Tình trạng", "Ngày nhận"])
    for unit in units:
        standings.append(
            [
                unit["unit_name"],
                unit["unit_code"],
                standing_labels[unit["status"]],
                local_time(unit["received_at"]) if unit["received_at"] else "",
            ]
        )
    for column, width in zip("ABCD", (44, 20, 44, 20)):
        standings.column_dimensions[column].width = width

    details = workbook.create_sheet("Chi tiết đề xuất")
    details.append(["Cơ quan, đơn vị"] + [title for _, title, _ in columns])
    for line in lines:
        details.append([line["unit_name"]] + [_cell(line.get(name), choices) for name, _, choices in columns])
    return workbook


def _cell(value, choices: dict[str, str]):
    if isinstance(value, str):
        return choices.get(value, value)
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else value
