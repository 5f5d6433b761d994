"""Document numbers and symbols (docs/records.md#numbers-and-symbols).

The number is the body's sequence of the calendar year, zero-padded below 10; the symbol
follows the document's kind:

- administrative: ``64/UBND-VHXH`` (a Công văn: body, then drafting unit), ``12/QĐ-UBND``
  (type, then body, then optionally the drafting unit);
- normative (văn bản quy phạm pháp luật): ``53/2025/NQ-HĐND`` (number, year, type-body);
- Party: ``17-NQ/TU`` (number-type, then the body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.messages import Message
from services.common.errors import InvalidInput

ADMINISTRATIVE, NORMATIVE, PARTY = "administrative", "normative", "party"

_NUMBER = r"(?:0[1-9]|[1-9]\d{1,5})"  # 01..09, then 10.. without a leading zero
# A type, a body or a unit: capitals (and digits after the first letter); the only small
# letters are in Tờ trình (TTr) and Thủ tướng (TTg).
_GROUP = r"(?:TTr|TTg|[A-ZĐ][A-ZĐ0-9]*)"
_WORD = _GROUP


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    words: Message
    example: str


# The abbreviation of a unit of each kind, when the unit does not name its own
# (services.identity's OrgUnit.symbol).
KIND_SYMBOLS = {
    "people_committee": "UBND",
    "people_council": "HĐND",
    "office_council_committee": "VP",
    "office_culture_society": "VHXH",
    "office_economic": "KT",
    "office_economic_infra_urban": "KTHTĐT",
    "dept_home_affairs": "SNV",
    "dept_finance": "STC",
    "dept_science_technology": "SKHCN",
    "party_committee": "ĐU",
}

RULES = {
    ADMINISTRATIVE: Rule(
        re.compile(rf"^{_NUMBER}/{_WORD}(?:-{_GROUP})+$"),
        Message("administrative document: number/TYPE-BODY or number/BODY-UNIT, in capitals"),
        "64/UBND-VHXH, 12/QĐ-UBND",
    ),
    NORMATIVE: Rule(
        re.compile(rf"^{_NUMBER}/(?:19|20)\d\d/{_WORD}-{_GROUP}$"),
        Message("legal normative document: number/YEAR/TYPE-BODY"),
        "53/2025/NQ-HĐND",
    ),
    PARTY: Rule(
        re.compile(rf"^{_NUMBER}-{_WORD}/{_GROUP}$"),
        Message("Party document: number-TYPE/BODY"),
        "17-NQ/TU",
    ),
}


@dataclass(frozen=True)
class DocumentType:
    abbreviation: str | None  # a Công văn has none
    name: str  # as the document's title shows it


DOCUMENT_TYPES = {
    "cong_van": DocumentType(None, "CÔNG VĂN"),
    "quyet_dinh": DocumentType("QĐ", "QUYẾT ĐỊNH"),
    "bien_ban": DocumentType("BB", "BIÊN BẢN"),
    "ke_hoach": DocumentType("KH", "KẾ HOẠCH"),
    "thong_bao": DocumentType("TB", "THÔNG BÁO"),
    "bao_cao": DocumentType("BC", "BÁO CÁO"),
    "to_trinh": DocumentType("TTr", "TỜ TRÌNH"),
    "nghi_quyet": DocumentType("NQ", "NGHỊ QUYẾT"),
    "ket_luan": DocumentType("KL", "KẾT LUẬN"),
    "chi_thi": DocumentType("CT", "CHỈ THỊ"),
    "huong_dan": DocumentType("HD", "HƯỚNG DẪN"),
}


def symbol_of(kind: str, doc_type: str, body: str, unit: str | None) -> str:
    """The symbol (what follows the number, and the year for a normative document),
    checked against the kind's rule."""
    if kind not in RULES:
        raise InvalidInput("kind", Message("There is no document kind «%(kind)s».", kind=kind))
    if doc_type not in DOCUMENT_TYPES:
        raise InvalidInput("doc_type", Message("There is no document type «%(type)s».", type=doc_type))
    abbreviation = DOCUMENT_TYPES[doc_type].abbreviation
    if abbreviation is None:
        if kind != ADMINISTRATIVE or not unit:
            raise InvalidInput(
                "symbol",
                Message("A Công văn is an administrative document whose symbol names its drafting unit."),
            )
        symbol = f"{body}-{unit}"
    elif kind == PARTY:
        symbol = f"{abbreviation}/{body}"
    else:
        symbol = f"{abbreviation}-{body}" + (f"-{unit}" if unit and kind == ADMINISTRATIVE else "")
    check(kind, code_of(kind, 1, symbol, 2000))
    return symbol


def unit_symbol(symbol: str | None, kind: str) -> str | None:
    """A unit's abbreviation: its own, else the one of its kind."""
    return symbol or KIND_SYMBOLS.get(kind)


def code_of(kind: str, number: int, symbol: str, year: int) -> str:
    """``64/UBND-VHXH``, ``01/2026/NQ-HĐND``, ``17-NQ/TU``."""
    return _joined(kind, f"{number:02d}", symbol, str(year))


def draft_code(kind: str, symbol: str) -> str:
    """The code of a draft, its number (and year) left blank: ``    /UBND-VHXH``."""
    return _joined(kind, "    ", symbol, "    ")


def _joined(kind: str, number: str, symbol: str, year: str) -> str:
    if kind == PARTY:
        return f"{number}-{symbol}"
    if kind == NORMATIVE:
        return f"{number}/{year}/{symbol}"
    return f"{number}/{symbol}"


def check(kind: str, code: str) -> None:
    rule = RULES[kind]
    if not rule.pattern.match(code):
        raise InvalidInput(
            "symbol",
            Message(
                "«%(code)s» breaks the rule of its kind: %(rule)s (e.g. %(example)s).",
                code=code,
                rule=rule.words,
                example=rule.example,
            ),
        )
