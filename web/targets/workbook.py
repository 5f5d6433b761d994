"""The targets as an Excel workbook for a leader's report (docs/targets.md#the-excel-export):
the year's targets with their parts, value and status; each target year by year; the
communes side by side (the city's); the figures entered with their history. The same
numbers as the dashboard, since both read ``services.targets.dashboard``."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services import targets
from services.common.display import in_language, local_time


def _vi(text) -> str:
    return in_language(text, "vi")


def targets_workbook(
    board: targets.Dashboard,
    compared: list[tuple[targets.Scope, targets.Dashboard]],
    history: list[targets.FigureRow],
) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Chỉ tiêu"
    sheet.append([f"Chỉ tiêu Nghị quyết 17-NQ/TU — {board.scope.name} — năm {board.year}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    heading = [
        "Mã",
        "Chỉ tiêu",
        "Nội dung theo nghị quyết",
        "Tử số",
        "Giá trị tử số",
        "Mẫu số",
        "Giá trị mẫu số",
        "Kết quả (% hoặc số)",
        "Chỉ tiêu của năm",
        "Đánh giá",
        "Thời hạn",
        "Căn cứ",
    ]
    sheet.append(heading)
    for view in board.targets:
        target, point = view.target, view.current
        sheet.append(
            [
                target.code,
                _vi(target.name),
                target.definition,
                _vi(targets.MEASURES[target.numerator].name),
                point.numerator,
                _vi(targets.MEASURES[target.denominator].name) if target.denominator else None,
                point.denominator,
                point.value,
                point.expected,
                _vi(targets.STATUS_WORDS[point.status]),
                _vi(target.period),
                target.legal_source,
            ]
        )
    _bold_row(sheet, 3)
    _widths(sheet, [30, 36, 60, 30, 12, 30, 12, 14, 14, 22, 22, 40])

    series = workbook.create_sheet("Theo năm")
    series.append(["Mã", "Chỉ tiêu", "Năm", "Tử số", "Mẫu số", "Kết quả", "Chỉ tiêu của năm", "Đánh giá"])
    for view in board.targets:
        for point in view.points:
            series.append(
                [
                    view.target.code,
                    _vi(view.target.name),
                    point.year,
                    point.numerator,
                    point.denominator,
                    point.value,
                    point.expected,
                    _vi(targets.STATUS_WORDS[point.status]),
                ]
            )
    _bold_row(series, 1)
    _widths(series, [30, 36, 8, 10, 10, 10, 14, 22])

    if compared:
        communes = workbook.create_sheet("So sánh các xã")
        codes = [view.target for view in compared[0][1].targets]
        communes.append(["Xã, phường"] + [f"{_vi(target.name)} (%)" for target in codes])
        for commune, each in compared:
            communes.append([commune.name] + [view.current.value for view in each.targets])
        _bold_row(communes, 1)
        _widths(communes, [36] + [24] * len(codes))

    entered = workbook.create_sheet("Số liệu nhập")
    entered.append(
        [
            "Số liệu",
            "Năm",
            "Giá trị",
            "Theo văn bản",
            "Lý do điều chỉnh",
            "Người nhập",
            "Thời điểm",
            "Đang dùng",
        ]
    )
    for row in history:
        figure = row.figure
        entered.append(
            [
                _vi(targets.MEASURES[figure.measure].name),
                figure.year,
                figure.value,
                figure.document,
                figure.reason,
                row.entered_by,
                local_time(figure.entered_at),
                "Có" if row.in_force else "Không",
            ]
        )
    _bold_row(entered, 1)
    _widths(entered, [40, 8, 10, 30, 30, 24, 18, 10])
    return workbook


def _bold_row(sheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
