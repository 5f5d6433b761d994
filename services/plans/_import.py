"""A plan's document (.docx) read into a draft: its number and symbol, issuing body, date and
title, and its assignment table, row by row — the units matched to the directory, a class of
units expanded, the times parsed into rules — with what the officer must check flagged
(docs/plans.md#import).

The tables of the source documents: ``STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan
phối hợp | Thời gian thực hiện | Sản phẩm`` (a People's Committee's plan) and ``Stt | Nhiệm
vụ | Phân công lãnh đạo chỉ đạo | Sản phẩm | Thời gian hoàn thành`` (a Party resolution,
whose leaders are titles and whose lead unit the officer chooses)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date

import docx
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import Message
from services import records
from services.common.errors import InvalidInput
from services.identity import OrgUnit
from services.plans import _time_rules as time_rules
from services.plans._time_rules import TimeRule

MAX_DOCX_BYTES = 10 * 1024 * 1024
GIAO, DE_NGHI = "giao", "de_nghi"  # assigned within the issuer's system | requested of a body outside it

# The columns of an assignment table, by the words of their heading.
SEQ, TITLE, LEADS, COORDINATORS, EXECUTORS, LEADERS, TIME, DELIVERABLES = (
    "seq",
    "title",
    "leads",
    "coordinators",
    "executors",
    "leaders",
    "time",
    "deliverables",
)
COLUMNS = {
    "stt": SEQ,
    "nội dung nhiệm vụ": TITLE,
    "nhiệm vụ": TITLE,
    "nội dung": TITLE,
    "cơ quan chủ trì": LEADS,
    "đơn vị chủ trì": LEADS,
    "cơ quan phối hợp": COORDINATORS,
    "đơn vị phối hợp": COORDINATORS,
    "cơ quan thực hiện": EXECUTORS,
    "phân công lãnh đạo chỉ đạo": LEADERS,
    "lãnh đạo chỉ đạo": LEADERS,
    "thời gian thực hiện": TIME,
    "thời gian hoàn thành": TIME,
    "thời gian": TIME,
    "sản phẩm": DELIVERABLES,
}

# A class of units the document names instead of units: expanded to the matching units of
# the province for the officer to confirm; a class decided by each case is kept as words.
EVERY_DEPARTMENT, EVERY_COMMUNE, EVERY_PUBLIC_SERVICE_UNIT, BY_CASE = (
    "departments",
    "communes",
    "public_service_units",
    "by_case",
)
CLASSES = [
    (re.compile(r"^(?:các )?sở, ban, ngành(?: tỉnh| thành phố)?$"), EVERY_DEPARTMENT),
    (re.compile(r"^(?:các )?(?:ủy ban nhân dân|ubnd) (?:các )?xã, phường(?:, đặc khu)?$"), EVERY_COMMUNE),
    (re.compile(r"^(?:các )?đơn vị sự nghiệp công lập$"), EVERY_PUBLIC_SERVICE_UNIT),
    (re.compile(r"^(?:các )?cơ quan(?:, đơn vị)? (?:có nhu cầu|liên quan|sử dụng nhân lực)$"), BY_CASE),
]


@dataclass
class UnitRef:
    """One name of a cell: the units it stands for (one when matched, several for a class,
    none for a name not in the directory or a class decided by each case)."""

    text: str
    unit_ids: list[int] = field(default_factory=list)
    unit_class: str | None = None  # a class of units, expanded or decided by each case

    @property
    def matched(self) -> bool:
        return bool(self.unit_ids) or self.unit_class == BY_CASE


@dataclass
class Deliverable:
    name: str
    time_text: str
    time_rule: TimeRule | None


@dataclass
class ImportedTask:
    seq: int
    title: str
    leads: list[UnitRef]
    coordinators: list[UnitRef]
    executors: list[UnitRef]
    leaders: list[str]  # directing leaders, by title
    time_text: str
    time_rule: TimeRule | None
    deliverables: list[Deliverable]
    assignment_kind: str = GIAO  # giao | de_nghi
    precondition: str = ""  # what must happen first ("Sau khi có quyết định giao biên chế")
    notes: list[Message] = field(default_factory=list)  # what the officer must check


@dataclass
class ImportedPlan:
    code: str  # number and symbol, "67/KH-UBND"
    kind: str  # records' document kind: administrative | party
    doc_type: str  # ke_hoach | nghi_quyet ...
    title: str
    issuer_text: str  # the issuing body as the document writes it
    superior_text: str  # the body above it, if any
    issuer_id: int | None
    province_id: int | None
    place: str
    issued_on: date | None
    tasks: list[ImportedTask]
    implements: list[str] = field(default_factory=list)  # the codes of the documents it carries out
    reporting_rule: TimeRule | None = None  # "Định kỳ 6 tháng và hằng năm"
    monitor_id: int | None = None  # the province's Sở Nội vụ, unless the officer chooses
    # The assignment table's columns as [column, heading], in the document's order: the
    # monitoring board's export follows them.
    columns: list[list[str]] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)


def import_plan(session: Session, content: bytes) -> ImportedPlan:
    """The draft of the plan in ``content``; InvalidInput("file") when it is not a Word
    document holding an assignment table."""
    document = _document(content)
    header = _header([paragraph.text for paragraph in document.paragraphs])
    province = _province(session, header["place"])
    directory = _Directory(session, province)
    columns, table = _assignment_table(document)
    issuer = directory.match(header["issuer"]) if header["issuer"] else None
    issuer_bloc = "party_mass" if header["kind"] == records.PARTY else "state"
    texts = [paragraph.text for paragraph in document.paragraphs]
    plan = ImportedPlan(
        code=header["code"],
        kind=header["kind"],
        doc_type=header["doc_type"],
        title=header["title"],
        issuer_text=header["issuer"],
        superior_text=header["superior"],
        issuer_id=issuer.unit_ids[0] if issuer and len(issuer.unit_ids) == 1 else None,
        province_id=province.id if province else None,
        place=header["place"],
        issued_on=header["issued_on"],
        tasks=[_task(row, directory, header["issued_on"], issuer_bloc) for row in table],
        implements=_implements(texts, header["code"]),
        reporting_rule=_reporting_rule(texts),
        monitor_id=directory.home_affairs(),
        columns=columns,
    )
    if province is None:
        plan.notes.append(
            Message("The place «%(place)s» is no province of the directory.", place=header["place"])
        )
    if plan.issuer_id is None:
        plan.notes.append(
            Message("The issuing body «%(body)s» is not in the directory: add it.", body=header["issuer"])
        )
    return plan


def _document(content: bytes):
    if len(content) > MAX_DOCX_BYTES:
        raise InvalidInput("file", Message("The file is larger than 10 MB."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except zipfile.BadZipFile as error:
        raise InvalidInput("file", Message("The file is not a Word document (.docx).")) from error
    if unpacked > 10 * MAX_DOCX_BYTES:  # a zip bomb stops here
        raise InvalidInput("file", Message("The file unpacks to more than 100 MB."))
    try:
        return docx.Document(io.BytesIO(content))
    except Exception as error:  # noqa: BLE001 - python-docx raises many kinds for a bad package
        raise InvalidInput("file", Message("The file is not a Word document (.docx).")) from error


def normal(text: str) -> str:
    """Lower case, one space, NFC, the old placement of tone marks (uỷ, hoà) made new."""
    text = unicodedata.normalize("NFC", text).lower().replace("uỷ", "ủy")
    text = re.sub(r"\bhoà\b", "hòa", text)
    return re.sub(r"\s+", " ", text).strip(" .;:,-")


# -- the header ---------------------------------------------------------------------------------

_CODE = re.compile(r"^số:?\s*(\S+)$", re.IGNORECASE)
_PLACE_AND_DATE = re.compile(r"^(.+?),\s*ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})$", re.IGNORECASE)
_NATIONAL = ("cộng hòa xã hội chủ nghĩa việt nam", "độc lập - tự do - hạnh phúc", "đảng cộng sản việt nam")
_TITLES = {
    records.DOCUMENT_TYPES[key].name: key for key in ("ke_hoach", "nghi_quyet", "quyet_dinh", "chi_thi")
}


def _header(paragraphs: list[str]) -> dict:
    header: dict = {
        "code": "",
        "issuer": "",
        "place": "",
        "issued_on": None,
        "title": "",
        "doc_type": "ke_hoach",
    }
    issuer_lines: list[str] = []
    for text in (paragraph.strip() for paragraph in paragraphs):
        if not text:
            continue
        if (code := _CODE.match(text)) and not header["code"]:
            header["code"] = code.group(1)
        elif (dated := _PLACE_AND_DATE.match(text)) and header["issued_on"] is None:
            place, day, month, year = dated.groups()
            header["place"] = place.strip()
            try:
                header["issued_on"] = date(int(year), int(month), int(day))
            except ValueError:
                header["issued_on"] = None
        elif not header["title"] and (
            kind := next((k for n, k in _TITLES.items() if text.startswith(n)), None)
        ):
            header["title"], header["doc_type"] = text, kind
        elif not header["code"] and normal(text) not in _NATIONAL:
            issuer_lines.append(text)
    # The issuing body is the last line above the number, under its superior ("ĐẢNG BỘ THÀNH
    # PHỐ HẢI PHÒNG" / "THÀNH ỦY").
    header["issuer"] = issuer_lines[-1] if issuer_lines else ""
    header["superior"] = " ".join(issuer_lines[:-1])
    header["kind"] = records.PARTY if re.match(r"^\d+-", header["code"]) else records.ADMINISTRATIVE
    if not header["code"]:
        raise InvalidInput("file", Message("The document has no number and symbol («Số: …»)."))
    records.check(header["kind"], header["code"])
    return header


def _province(session: Session, place: str) -> OrgUnit | None:
    """The province whose name ends with the place of the date line ("Hưng Yên")."""
    if not place:
        return None
    wanted = normal(place)
    for province in session.scalars(select(OrgUnit).where(OrgUnit.level == "province").order_by(OrgUnit.id)):
        if normal(province.name).endswith(" " + wanted):
            return province
    return None


# -- the table --------------------------------------------------------------------------------


def _assignment_table(document) -> tuple[list[list[str]], list[dict]]:
    """The first table whose heading names a task and a time: its columns as [column,
    heading] in the document's order, and its rows as {column: text}."""
    for table in document.tables:
        if not table.rows:
            continue
        headings = [cell.text.strip() for cell in table.rows[0].cells]
        columns = [COLUMNS.get(normal(heading)) for heading in headings]
        if TITLE in columns and TIME in columns:
            rows = []
            for row in table.rows[1:]:
                values = {column: cell.text.strip() for column, cell in zip(columns, row.cells) if column}
                if values.get(TITLE):
                    rows.append(values)
            layout = [[column, heading] for column, heading in zip(columns, headings) if column]
            return layout, rows
    raise InvalidInput(
        "file",
        Message("The document has no assignment table (a heading with «Nhiệm vụ» and «Thời gian»)."),
    )


class _Directory:
    """The units of one province, by their name as a document writes them."""

    def __init__(self, session: Session, province: OrgUnit | None):
        self.by_name: dict[str, list[OrgUnit]] = {}
        self.units: list[OrgUnit] = []
        if province is None:
            return
        # "Sở Nội vụ tỉnh Hưng Yên" is "Sở Nội vụ" in the province's own documents.
        region = normal(province.name).removeprefix("ubnd ").removeprefix("ủy ban nhân dân ")
        suffixes = (" " + region, " " + region.removeprefix("tỉnh ").removeprefix("thành phố "))
        children: dict[int | None, list[OrgUnit]] = {}
        for unit in session.scalars(select(OrgUnit).order_by(OrgUnit.id)):
            children.setdefault(unit.parent_id, []).append(unit)
        pending = [province]
        while pending:
            unit = pending.pop()
            self.units.append(unit)
            pending.extend(children.get(unit.id, []))
            for key in _keys(unit.name, suffixes):
                self.by_name.setdefault(key, []).append(unit)

    def bloc(self, unit_id: int) -> str:
        return next((unit.bloc for unit in self.units if unit.id == unit_id), "state")

    def home_affairs(self) -> int | None:
        """The province's Sở Nội vụ, which monitors its plans unless the officer chooses."""
        return next((unit.id for unit in self.units if unit.kind == "dept_home_affairs"), None)

    def match(self, text: str) -> UnitRef:
        wanted = normal(text)
        for pattern, unit_class in CLASSES:
            if pattern.match(wanted):
                return UnitRef(text, [unit.id for unit in self._of_class(unit_class)], unit_class)
        for key in _keys(text, ()):
            if key in self.by_name:
                return UnitRef(text, [unit.id for unit in self.by_name[key]])
        return UnitRef(text)

    def _of_class(self, unit_class: str) -> list[OrgUnit]:
        if unit_class == EVERY_DEPARTMENT:
            return [
                unit for unit in self.units if unit.level == "department" and unit.kind.startswith("dept_")
            ]
        if unit_class == EVERY_COMMUNE:
            return [unit for unit in self.units if unit.level == "commune"]
        if unit_class == EVERY_PUBLIC_SERVICE_UNIT:
            return [unit for unit in self.units if unit.kind == "public_service_unit"]
        return []


def _keys(name: str, suffixes: tuple[str, ...]) -> set[str]:
    """The ways a document may write a unit's name: in full, without its province, with
    "Ủy ban nhân dân" for "UBND" and back."""
    full = normal(name)
    keys = {full, *(full.removesuffix(suffix) for suffix in suffixes)}
    for key in list(keys):
        keys.add(key.replace("ubnd ", "ủy ban nhân dân "))
        keys.add(key.replace("ủy ban nhân dân ", "ubnd "))
    for key in list(keys):
        for level in (" tỉnh", " thành phố"):  # "Văn phòng Ủy ban nhân dân tỉnh"
            keys.add(key.removesuffix(level))
    return {key for key in keys if key}


def _names(cell: str, directory: _Directory) -> list[UnitRef]:
    """The units of a cell: parts split at ";" and line breaks; a part that is not a class
    nor a unit is split again at ","."""
    refs: list[UnitRef] = []
    for part in re.split(r"\s*[;\n]\s*", cell):
        part = part.strip(" .-")
        if not part:
            continue
        whole = directory.match(part)
        if whole.matched or "," not in part:
            refs.append(whole)
            continue
        refs.extend(directory.match(piece.strip()) for piece in part.split(",") if piece.strip())
    return refs


_LEADERS_PREFIX = re.compile(r"^(?:các )?đồng chí:?\s*", re.IGNORECASE)


def _leaders(cell: str) -> list[str]:
    text = _LEADERS_PREFIX.sub("", cell.strip())
    return [part.strip(" .") for part in re.split(r"\s*[;\n]\s*", text) if part.strip(" .")]


def _items(cell: str) -> list[str]:
    """A cell's items: one per line (a leading "- " dropped), else parts split at ";"."""
    lines = [line.strip().lstrip("-–•").strip() for line in cell.split("\n") if line.strip()]
    if len(lines) > 1:
        return [line.rstrip(";.") for line in lines]
    return [part.strip(" .") for part in cell.split(";") if part.strip(" .")]


_CODE_IN_TEXT = re.compile(r"\b\d{1,4}(?:/\d{4}/[A-ZĐ]+|-[A-ZĐ]+/[A-ZĐ]+|/[A-ZĐ]+)(?:-[A-ZĐ]+)*\b")
_CADENCE_SENTENCE = re.compile(r"định kỳ[^.;,]*?(?:hằng|hàng) năm", re.IGNORECASE)


def _implements(texts: list[str], own_code: str) -> list[str]:
    """The documents the plan carries out: the codes its title and heading name, its own aside."""
    found: list[str] = []
    for text in texts:
        for code in _CODE_IN_TEXT.findall(text):
            if code != own_code and code not in found:
                found.append(code)
    return found


def _reporting_rule(texts: list[str]) -> TimeRule | None:
    """ "Định kỳ 6 tháng và hằng năm" where the document says how it is reported on."""
    for text in texts:
        for match in _CADENCE_SENTENCE.finditer(text):
            rule = time_rules.parse(match.group())
            if rule is not None:
                return rule
    return None


def _kind_of(leads: list[UnitRef], directory: _Directory, issuer_bloc: str) -> str:
    """giao to units of the issuer's own system; đề nghị when a lead is outside it (a Party
    body asked by a People's Committee, a government body by a Party committee)."""
    blocs = {directory.bloc(unit_id) for ref in leads if ref.unit_class is None for unit_id in ref.unit_ids}
    return DE_NGHI if blocs - {issuer_bloc} else GIAO


def _task(row: dict, directory: _Directory, issued_on: date | None, issuer_bloc: str) -> ImportedTask:
    notes: list[Message] = []
    leads = _names(row.get(LEADS, ""), directory)
    coordinators = _names(row.get(COORDINATORS, ""), directory)
    named_leads = {unit_id for ref in leads if ref.unit_class is None for unit_id in ref.unit_ids}
    for ref in [ref for ref in coordinators if ref.unit_class is None and set(ref.unit_ids) & named_leads]:
        coordinators.remove(ref)
        notes.append(
            Message("«%(unit)s» leads the task and was also a coordinator: removed from them.", unit=ref.text)
        )
    _narrow_classes(leads, coordinators)
    for ref in leads + coordinators:
        if ref.unit_class in (EVERY_DEPARTMENT, EVERY_COMMUNE, EVERY_PUBLIC_SERVICE_UNIT):
            notes.append(
                Message(
                    "«%(words)s» stands for %(count)s units of the directory: confirm them.",
                    words=ref.text,
                    count=len(ref.unit_ids),
                )
            )
        elif not ref.matched:
            notes.append(
                Message("«%(unit)s» is not in the directory: add it or choose a unit.", unit=ref.text)
            )
    leaders = _leaders(row.get(LEADERS, ""))
    if not leads:
        notes.append(
            Message("The task names no lead unit (only its directing leaders): choose one before issuing.")
            if leaders
            else Message("The task names no lead unit: choose one before issuing.")
        )
    time_text = row.get(TIME, "")
    rule = time_rules.parse(time_text) if time_text else None
    if time_text and rule is None:
        notes.append(Message("The time «%(time)s» is not understood: set it.", time=time_text))
    if rule is not None and issued_on is not None and time_rules.is_past(rule, issued_on):
        notes.append(Message("The time «%(time)s» is already past when the plan is issued.", time=time_text))
    precondition = time_text.strip() if rule is not None and rule.kind == time_rules.EVENT else ""
    return ImportedTask(
        assignment_kind=_kind_of(leads, directory, issuer_bloc),
        precondition=precondition if normal(precondition).startswith("sau khi") else "",
        seq=_seq(row.get(SEQ, "")),
        title=row.get(TITLE, ""),
        leads=leads,
        coordinators=coordinators,
        executors=_names(row.get(EXECUTORS, ""), directory),
        leaders=leaders,
        time_text=time_text,
        time_rule=rule,
        deliverables=_deliverables(row.get(DELIVERABLES, ""), time_text, rule, notes),
        notes=notes,
    )


def _narrow_classes(leads: list[UnitRef], coordinators: list[UnitRef]) -> None:
    """A class stands for the units of its kind the row does not name otherwise: "các sở,
    ban, ngành" leading with "Sở Nội vụ" coordinating leaves Sở Nội vụ a coordinator; among
    the coordinators it leaves out the leads. A unit is in one class of a row only."""
    named = {unit_id for ref in leads + coordinators if ref.unit_class is None for unit_id in ref.unit_ids}
    taken = named | {unit_id for ref in leads for unit_id in ref.unit_ids if ref.unit_class is None}
    for ref in leads + coordinators:
        if ref.unit_class is not None:
            ref.unit_ids = [unit_id for unit_id in ref.unit_ids if unit_id not in taken]
            taken |= set(ref.unit_ids)


def _seq(text: str) -> int:
    digits = re.match(r"\d+", text.strip())
    return int(digits.group()) if digits else 0


def _deliverables(
    cell: str, time_text: str, rule: TimeRule | None, notes: list[Message]
) -> list[Deliverable]:
    """Each product with its own time when the time cell gives one per product (a line each,
    or a rule of as many parts), else the task's."""
    names = _items(cell)
    lines = [line.strip() for line in time_text.split("\n") if line.strip()]
    if len(names) > 1 and len(lines) == len(names):
        return [Deliverable(name, line, time_rules.parse(line)) for name, line in zip(names, lines)]
    if len(names) > 1 and rule is not None and len(rule.parts) == len(names):
        return [Deliverable(name, part.text, part) for name, part in zip(names, rule.parts)]
    if len(lines) > 1 and len(lines) != len(names):
        notes.append(
            Message(
                "%(times)s times for %(products)s products: check which time each product has.",
                times=len(lines),
                products=len(names),
            )
        )
    return [Deliverable(name, time_text, rule) for name in names]
