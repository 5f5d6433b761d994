"""The layout of a document under Decree 30/2020/NĐ-CP (Appendix I): what a template is
given (``Layout``) and the default template, a Word document with the places where the
values go written as docxtpl (Jinja) tags (docs/records.md#templates).

A4, margins 20/20/30/15 mm, Times New Roman (Liberation Serif, metric-compatible, where
Times is not installed). The header is a borderless table: the issuing body, the number
and symbol and, for a Công văn, its subject (V/v) on the left; the national title and
motto, then the place and date on the right (a document of a person, with no issuing
body, has the national title and motto centred). Then the title and subject (not for a
Công văn), Kính gửi, the body (paragraphs, headings and tables with their totals), and the
borderless footer: Nơi nhận (or a first signer) on the left, the signer's block on the
right."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
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

# -- what a template is given ------------------------------------------------------------------

PARAGRAPH, HEADING, CENTRED = "paragraph", "heading", "centred"


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    totals: list[str] = field(default_factory=list)  # none: no totals row
    title: str = ""


@dataclass(frozen=True)
class Block:
    """One piece of the body: a paragraph (justified, indented), a heading (bold), a
    centred line (bold: "QUYẾT ĐỊNH:") or a table."""

    text: str = ""
    style: str = PARAGRAPH
    table: Table | None = None


@dataclass(frozen=True)
class Signer:
    authority: str = ""  # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "" for a person
    title: str = ""  # "CHỦ TỊCH", "NGƯỜI CAM KẾT"
    name: str = ""
    hint: str = ""  # "(Ký, ghi rõ họ tên)" where the document is signed by hand


@dataclass(frozen=True)
class Layout:
    """Everything a Decree 30 document shows, as its template sees it."""

    place_and_date: str
    title: str = ""  # "QUYẾT ĐỊNH"; none for a Công văn
    subject: str = ""  # trích yếu: under the title, or "V/v …" for a Công văn
    letter: bool = False  # a Công văn: its subject in the header, no title
    superior: str = ""  # the managing body, above the issuing body
    body_lines: list[str] = field(default_factory=list)  # none: a person's document
    number_and_symbol: str = ""  # none: no "Số:" line
    addressees: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # Nơi nhận, with "Như trên", "Lưu: VT, …"
    signers: list[Signer] = field(default_factory=list)  # one, or two side by side (no Nơi nhận)

    def context(self) -> dict:
        return dataclasses.asdict(self)


def paragraphs(*texts: str) -> list[Block]:
    return [Block(text) for text in texts]


# -- the default template ------------------------------------------------------------------


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


def _write(cell, text: str, size: int, *, bold=False, italic=False, align=CENTER, first=False):
    """A line in a table cell; a new cell holds one empty paragraph, the ``first`` line's."""
    if first:
        paragraph = cell.paragraphs[0]
        paragraph.alignment = align
        run = paragraph.add_run(text)
        run.font.size, run.font.bold, run.font.italic, run.font.name = Pt(size), bold, italic, FONT
        return paragraph
    return _paragraph(cell, text, size, bold=bold, italic=italic, align=align)


def _rule(cell, width_cm: float, cell_cm: float) -> None:
    """The short solid line under the issuing body (Decree 30: a third to a half of its
    line, centred): the bottom border of an empty paragraph that wide."""
    paragraph = _paragraph(cell, "", 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Cm(
        (cell_cm - width_cm) / 2
    )
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "auto")):
        bottom.set(qn(f"w:{name}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _motto(container, *, first: bool = False) -> None:
    """Tiêu ngữ, underlined as long as its line (Decree 30)."""
    paragraph = _write(container, "Độc lập - Tự do - Hạnh phúc", 14, bold=True, first=first)
    paragraph.runs[0].font.underline = True


def _header(document) -> None:
    _paragraph(document, "{%p if body_lines %}", 13)
    left, right = _two_columns(document, 6.5, 10)
    _write(left, "{%p if superior %}", 13, first=True)
    _write(left, "{{ superior }}", 13)
    _write(left, "{%p endif %}", 13)
    _write(left, "{%p for line in body_lines %}", 13)
    _write(left, "{{ line }}", 13, bold=True)
    _write(left, "{%p endfor %}", 13)
    _rule(left, 2.2, 6.5)
    _write(left, "{%p if number_and_symbol %}", 13)
    _write(left, "Số: {{ number_and_symbol }}", 13)
    _write(left, "{%p endif %}", 13)
    _write(left, "{%p if letter %}", 12)
    _write(left, "V/v {{ subject }}", 12)
    _write(left, "{%p endif %}", 12)
    _write(left, "", 12)  # a cell keeps a paragraph whatever the tags remove
    _write(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True, first=True)
    _motto(right)
    _write(right, "", 13)
    _write(right, "{{ place_and_date }}", 14, italic=True)
    _paragraph(document, "{%p else %}", 13)
    _paragraph(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True)
    _motto(document)
    _paragraph(document, "", 13)
    _paragraph(document, "{{ place_and_date }}", 14, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "{%p endif %}", 13)


def _title(document) -> None:
    _paragraph(document, "{%p if title and not letter %}", 14)
    _paragraph(document, "", 14)
    _paragraph(document, "{{ title }}", 14, bold=True)
    _paragraph(document, "{{ subject }}", 14, bold=True)
    _paragraph(document, "{%p endif %}", 14)


def _addressees(document) -> None:
    _paragraph(document, "", 14)
    _paragraph(document, "{%p if addressees|length == 1 %}", 14)
    _paragraph(document, "Kính gửi: {{ addressees[0] }}.", 14)
    _paragraph(document, "{%p elif addressees %}", 14)
    _paragraph(document, "Kính gửi:", 14)
    _paragraph(document, "{%p for each in addressees %}", 14)
    _paragraph(document, "- {{ each }}{{ '.' if loop.last else ';' }}", 14)
    _paragraph(document, "{%p endfor %}", 14)
    _paragraph(document, "", 14)
    _paragraph(document, "{%p endif %}", 14)


def _blocks(document) -> None:
    _paragraph(document, "{%p for block in blocks %}", 14)
    _paragraph(document, "{%p if block.table %}", 14)
    _table(document)
    _paragraph(document, "{%p elif block.style == 'heading' %}", 14)
    _paragraph(document, "{{ block.text }}", 14, bold=True, align=JUSTIFY, indent=True)
    _paragraph(document, "{%p elif block.style == 'centred' %}", 14)
    _paragraph(document, "{{ block.text }}", 14, bold=True)
    _paragraph(document, "{%p else %}", 14)
    _paragraph(document, "{{ block.text }}", 14, align=JUSTIFY, indent=True)
    _paragraph(document, "{%p endif %}", 14)
    _paragraph(document, "{%p endfor %}", 14)


def _table(document) -> None:
    """A table of the body (a Công văn's aggregation, a council's scores): a title, a header
    row, its rows and a totals row, as many columns as the header has."""
    _paragraph(document, "{%p if block.table.title %}", 13)
    _paragraph(document, "{{ block.table.title }}", 13, bold=True)
    _paragraph(document, "{%p endif %}", 13)
    grid = document.add_table(rows=7, cols=3)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    # A column loop takes three cells (docxtpl): the loop's start, the cell repeated, its end.
    for row, values, bold in (
        (0, "block.table.header", True),
        (2, "row", False),
        (5, "block.table.totals", True),
    ):
        cells = grid.rows[row].cells
        _write(cells[0], f"{{%tc for value in {values} %}}", 12, first=True)
        _write(cells[1], "{{ value }}", 12, bold=bold, first=True)
        _write(cells[2], "{%tc endfor %}", 12, first=True)
    _write(grid.cell(1, 0), "{%tr for row in block.table.rows %}", 12, first=True)
    _write(grid.cell(3, 0), "{%tr endfor %}", 12, first=True)
    _write(grid.cell(4, 0), "{%tr if block.table.totals %}", 12, first=True)
    _write(grid.cell(6, 0), "{%tr endif %}", 12, first=True)
    _paragraph(document, "", 12)


def _signer_block(cell, signer: str, *, first: bool) -> None:
    _write(cell, f"{{{{ {signer}.authority }}}}", 14, bold=True, first=first)
    _write(cell, f"{{{{ {signer}.title }}}}", 14, bold=True)
    _write(cell, f"{{%p if {signer}.hint %}}", 13)
    _write(cell, f"{{{{ {signer}.hint }}}}", 13, italic=True)
    _write(cell, "{%p endif %}", 13)
    for _ in range(4):
        _write(cell, "", 14)
    _write(cell, f"{{{{ {signer}.name }}}}", 14, bold=True)


def _footer(document) -> None:
    _paragraph(document, "", 14)
    left, right = _two_columns(document, 7.5, 9)
    _write(left, "{%p if recipients %}", 12, align=LEFT, first=True)
    _write(left, "Nơi nhận:", 12, bold=True, italic=True, align=LEFT)
    _write(left, "{%p for each in recipients %}", 11, align=LEFT)
    _write(left, "- {{ each }}{{ '.' if loop.last else ';' }}", 11, align=LEFT)
    _write(left, "{%p endfor %}", 11, align=LEFT)
    _write(left, "{%p elif signers|length > 1 %}", 14)
    _signer_block(left, "signers[0]", first=False)
    _write(left, "{%p endif %}", 14)
    _write(left, "", 11)  # a cell keeps a paragraph whatever the tags remove
    _write(right, "{%p if signers %}", 14, first=True)
    _signer_block(right, "signers[-1]", first=False)
    _write(right, "{%p endif %}", 14)
    _write(right, "", 11)


@cache
def default_template() -> bytes:
    """The template every document has until an administrator publishes its own (a .docx
    with docxtpl tags)."""
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
    _header(document)
    _title(document)
    _addressees(document)
    _blocks(document)
    _footer(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
