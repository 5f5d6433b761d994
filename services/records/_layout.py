"""The default templates: Word documents laid out as Decree 30/2020/NĐ-CP (Appendix I) lays
out an administrative document, with the places where a document's values go written as
docxtpl (Jinja) tags (docs/records.md#templates).

A4, margins 20/20/30/15 mm, Times New Roman (Liberation Serif, metric-compatible, where
Times is not installed). The header is a borderless table: the issuing body, the number
and symbol and, for a Công văn, its subject (V/v) on the left; the national title and
motto, then the place and date on the right. Then the title and subject (not for a Công
văn), Kính gửi, the body, an optional table with its totals, and the borderless footer:
Nơi nhận on the left, the signer's block on the right."""

from __future__ import annotations

import io
from functools import cache

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT


def _paragraph(container, text: str, size: int = 14, *, bold=False, italic=False, align=CENTER, indent=False):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.paragraph_format.space_after = Pt(6)
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.italic, run.font.name = Pt(size), bold, italic, FONT
    return paragraph


def _two_columns(document, left_cm: float, right_cm: float):
    """A borderless table of one row and two columns of fixed widths (a header, a footer)."""
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _borderless(table)
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (left_cm, right_cm), strict=True):
        column.width = cell.width = Cm(width)
    return left, right


def _borderless(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _first_cell_paragraph(cell):
    """A new cell holds one empty paragraph: use it for the first line."""
    return cell.paragraphs[0]


def _write(cell, text: str, size: int, *, bold=False, italic=False, align=CENTER, first=False):
    if first:
        paragraph = _first_cell_paragraph(cell)
        paragraph.alignment = align
        run = paragraph.add_run(text)
        run.font.size, run.font.bold, run.font.italic, run.font.name = Pt(size), bold, italic, FONT
        return paragraph
    return _paragraph(cell, text, size, bold=bold, italic=italic, align=align)


def _header(document, with_subject_line: bool) -> None:
    left, right = _two_columns(document, 6.5, 10)
    _write(left, "{%p if superior %}", 13, first=True)
    _write(left, "{{ superior }}", 13)
    _write(left, "{%p endif %}", 13)
    _write(left, "{%p for line in body_lines %}", 13)
    _write(left, "{{ line }}", 13, bold=True)
    _write(left, "{%p endfor %}", 13)
    _write(left, "Số: {{ number_and_symbol }}", 13)
    if with_subject_line:
        _write(left, "V/v {{ subject }}", 12)
    _write(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True, first=True)
    _write(right, "Độc lập - Tự do - Hạnh phúc", 14, bold=True)
    _write(right, "", 13)
    _write(right, "{{ place_and_date }}", 14, italic=True)


def _addressees(document) -> None:
    _paragraph(document, "", 14)
    _paragraph(document, "{%p if addressees|length == 1 %}", 14)
    _paragraph(document, "Kính gửi: {{ addressees[0] }}.", 14)
    _paragraph(document, "{%p elif addressees %}", 14)
    _paragraph(document, "Kính gửi:", 14)
    _paragraph(document, "{%p for each in addressees %}", 14)
    _paragraph(document, "- {{ each }}{{ '.' if loop.last else ';' }}", 14)
    _paragraph(document, "{%p endfor %}", 14)
    _paragraph(document, "{%p endif %}", 14)
    _paragraph(document, "", 14)


def _body(document) -> None:
    _paragraph(document, "{%p for text in paragraphs %}", 14)
    _paragraph(document, "{{ text }}", 14, align=JUSTIFY, indent=True)
    _paragraph(document, "{%p endfor %}", 14)


def _table(document) -> None:
    """The attached table (a Công văn's aggregation, a minutes' scores): a title, a header
    row, its rows and a totals row, as many columns as the header has."""
    _paragraph(document, "{%p if table %}", 12)
    _paragraph(document, "{{ table.title }}", 13, bold=True)
    grid = document.add_table(rows=5, cols=3)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    # A column loop takes three cells (docxtpl): the loop's start, the cell repeated, its end.
    for row, values, bold in ((0, "table.header", True), (2, "row", False), (4, "table.totals", True)):
        cells = grid.rows[row].cells
        _write(cells[0], f"{{%tc for value in {values} %}}", 12, first=True)
        _write(cells[1], "{{ value }}", 12, bold=bold, first=True)
        _write(cells[2], "{%tc endfor %}", 12, first=True)
    _write(grid.cell(1, 0), "{%tr for row in table.rows %}", 12, first=True)
    _write(grid.cell(3, 0), "{%tr endfor %}", 12, first=True)
    _paragraph(document, "{%p endif %}", 12)


def _footer(document) -> None:
    _paragraph(document, "", 14)
    left, right = _two_columns(document, 7.5, 9)
    _write(left, "Nơi nhận:", 12, bold=True, italic=True, align=LEFT, first=True)
    _write(left, "{%p for each in recipients %}", 11, align=LEFT)
    _write(left, "- {{ each }}{{ '.' if loop.last else ';' }}", 11, align=LEFT)
    _write(left, "{%p endfor %}", 11, align=LEFT)
    _write(right, "{{ signer.authority }}", 14, bold=True, first=True)
    _write(right, "{{ signer.title }}", 14, bold=True)
    for _ in range(4):
        _write(right, "", 14)
    _write(right, "{{ signer.name }}", 14, bold=True)


@cache
def default_template(doc_type: str) -> bytes:
    """The default template of a document type, as a .docx file with docxtpl tags."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.paragraph_format.space_after = normal.paragraph_format.space_before = Pt(0)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    is_letter = doc_type == "cong_van"
    _header(document, with_subject_line=is_letter)
    if not is_letter:
        _paragraph(document, "", 14)
        _paragraph(document, "{{ title }}", 14, bold=True)
        _paragraph(document, "{{ subject }}", 14, bold=True)
    _addressees(document)
    _body(document)
    _table(document)
    _footer(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
