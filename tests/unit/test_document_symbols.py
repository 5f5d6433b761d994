"""Document numbers and symbols (docs/records.md#numbers-and-symbols): the three kinds'
rules, with the codes of real documents, and the date line of Decree 30."""

from datetime import date

import pytest

from services.common.errors import InvalidInput
from services.records import ADMINISTRATIVE, NORMATIVE, PARTY, check, code_of, date_words, symbol_of

VALID = {
    ADMINISTRATIVE: [
        "64/UBND-VHXH",
        "68/SNV-CCVC",
        "3245/UBND-NVKTGS",
        "67/KH-UBND",
        "1637/QĐ-UBND",
        "899/QĐ-TTg",
        "18/CT-TTg",
        "05/TTr-UBND",
        "01/BB-HĐTC",
    ],
    NORMATIVE: ["53/2025/NQ-HĐND", "798/2025/NQ-HĐND", "179/2024/NĐ-CP", "30/2020/NĐ-CP", "01/2026/NQ-HĐND"],
    PARTY: ["17-NQ/TU", "205-KL/TW", "21-TB/VPTW", "71-QĐ/TU", "07-TB/CQTTBCĐ"],
}
INVALID = {
    ADMINISTRATIVE: [
        "1/UBND-VHXH",  # below 10 without its zero
        "064/UBND-VHXH",  # a zero before a number of two digits
        "64/ubnd-vhxh",  # small letters
        "64/UBND",  # no second group
        "64-UBND-VHXH",  # the Party's dash
        "64/UBND-VHXH ",
        "00/UBND-VHXH",
    ],
    NORMATIVE: ["53/25/NQ-HĐND", "53/NQ-HĐND", "53/2025/NQ", "53/2025/NQ-HĐND-VP"],
    PARTY: ["17/NQ-TU", "17-NQ-TU", "7-NQ/TU", "17-nq/TU"],
}


@pytest.mark.parametrize(("kind", "code"), [(kind, code) for kind, codes in VALID.items() for code in codes])
def test_the_codes_of_real_documents_pass_their_kind(kind, code):
    check(kind, code)


@pytest.mark.parametrize(
    ("kind", "code"), [(kind, code) for kind, codes in INVALID.items() for code in codes]
)
def test_a_code_that_breaks_its_kind_is_refused_with_the_rule_named(kind, code):
    with pytest.raises(InvalidInput) as refused:
        check(kind, code)
    assert refused.value.field == "symbol"
    assert "breaks the rule of its kind" in refused.value.message
    assert code in refused.value.message


def test_symbols_are_composed_by_kind_and_numbers_padded_below_ten():
    assert code_of(ADMINISTRATIVE, 64, symbol_of(ADMINISTRATIVE, "cong_van", "UBND", "VHXH"), 2026) == (
        "64/UBND-VHXH"
    )
    assert code_of(ADMINISTRATIVE, 1, symbol_of(ADMINISTRATIVE, "quyet_dinh", "UBND", None), 2026) == (
        "01/QĐ-UBND"
    )
    assert code_of(ADMINISTRATIVE, 9, symbol_of(ADMINISTRATIVE, "to_trinh", "UBND", "VHXH"), 2026) == (
        "09/TTr-UBND-VHXH"
    )
    assert code_of(NORMATIVE, 53, symbol_of(NORMATIVE, "nghi_quyet", "HĐND", None), 2025) == "53/2025/NQ-HĐND"
    assert code_of(PARTY, 17, symbol_of(PARTY, "nghi_quyet", "TU", None), 2026) == "17-NQ/TU"
    assert code_of(ADMINISTRATIVE, 100, "UBND-VHXH", 2026) == "100/UBND-VHXH"


def test_a_symbol_from_bad_parts_is_refused_before_any_number_is_taken():
    with pytest.raises(InvalidInput) as refused:
        symbol_of(ADMINISTRATIVE, "cong_van", "UBND", None)  # a Công văn names its drafting unit
    assert refused.value.field == "symbol"
    with pytest.raises(InvalidInput) as refused:
        symbol_of(ADMINISTRATIVE, "quyet_dinh", "ubnd", None)
    assert "breaks the rule" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        symbol_of(ADMINISTRATIVE, "sac_lenh", "UBND", None)
    assert refused.value.field == "doc_type"
    with pytest.raises(InvalidInput) as refused:
        symbol_of("secret", "quyet_dinh", "UBND", None)
    assert refused.value.field == "kind"


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 1, 5), "Cẩm Giang, ngày 05 tháng 01 năm 2026"),
        (date(2026, 2, 28), "Cẩm Giang, ngày 28 tháng 02 năm 2026"),
        (date(2027, 3, 9), "Cẩm Giang, ngày 09 tháng 3 năm 2027"),
        (date(2030, 12, 14), "Cẩm Giang, ngày 14 tháng 12 năm 2030"),
        (None, "Cẩm Giang, ngày      tháng      năm 2026"),
    ],
)
def test_the_date_line_pads_days_below_ten_and_the_first_two_months(day, words):
    assert date_words("Cẩm Giang", day, 2026) == words
