"""The aggregation as an Excel workbook with Vietnamese headers, ready to attach to
the commune's dispatch to the city (Sở Nội vụ)."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services.display import local_time
from services.models import Campaign

# Excel runs a cell starting with one of these as a formula ("=HYPERLINK(...)" in a title).
FORMULA_STARTS = ("=", "+", "-", "@")
HEADERS = ["STT", "Lĩnh vực", "Cơ quan, đơn vị", "Số lượng năm {year}", "Số lượng giai đoạn {start}-{end}",
           "Số nhu cầu"]


def aggregation_workbook(campaign: Campaign, aggregation: dict, field_titles: dict[str, str]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp nhu cầu"
    sheet.append([campaign.title])
    sheet.append([f"Hạn đơn vị gửi: {local_time(campaign.unit_deadline)}; hạn gửi thành phố: "
                  f"{local_time(campaign.city_deadline)}"])
    sheet.append([])
    sheet.append([header.format(year=campaign.target_year, start=campaign.period_from, end=campaign.period_to)
                  for header in HEADERS])
    for index, line in enumerate(aggregation["lines"], start=1):
        sheet.append([index, field_titles.get(line["field"], line["field"]), line["unit_name"],
                      line["quantity_year"], line["quantity_period"], line["needs"]])
    totals = aggregation["totals"]
    sheet.append(["", "Tổng cộng", "", totals["quantity_year"], totals["quantity_period"],
                  sum(line["needs"] for line in aggregation["lines"])])
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[4] + sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (6, 36, 44, 16, 22, 12)):
        sheet.column_dimensions[column].width = width
    for cell in sheet[4]:
        cell.alignment = Alignment(wrap_text=True, vertical="center")

    units = workbook.create_sheet("Đơn vị")
    units.append(["Tình trạng", "Mã đơn vị"])
    names = {"included": "Đề xuất được tổng hợp", "declared_no_demand": "Không có nhu cầu",
             "deemed_no_demand": "Coi như không có nhu cầu (không gửi đúng hạn)",
             "submitted_late": "Gửi muộn (không tổng hợp nếu chưa được chấp nhận)"}
    for key, title in names.items():
        for code in aggregation["units"].get(key, []):
            units.append([title, code])
    units.column_dimensions["A"].width = 48
    units.column_dimensions["B"].width = 24
    _as_typed(workbook)
    return workbook


def _as_typed(workbook: Workbook) -> None:
    """What users typed (titles, names, codes) is text, never a formula: every text cell
    is stored as a string, and one that would start a formula is marked so that Excel
    keeps it as text even when the cell is edited."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
