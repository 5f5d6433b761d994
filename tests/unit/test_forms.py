import copy
import json

import pytest
from factories import REPO_ROOT
from factories.words import in_vietnamese
from jsonschema import Draft202012Validator

from engine.forms import (
    FORMAT_CHECKER,
    FieldError,
    check_form_schema,
    form_validator,
    validate_form_data,
)

FORM_FILES = sorted(REPO_ROOT.glob("bpmn/*/forms/*.schema.json"))


def load(process_key: str, name: str) -> dict:
    return json.loads((REPO_ROOT / "bpmn" / process_key / "forms" / f"{name}.schema.json").read_text("utf-8"))


DRAFT = load("unit_proposal", "draft_proposal")
APPROVE = load("unit_proposal", "approve_proposal")
# A number and symbol typed by its pattern, and a date: how a dispatch was recorded before
# the records office gave numbers (docs/records.md); the checks of such fields stay tested.
RECORD = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["dispatch_number", "dispatch_date"],
    "properties": {
        "dispatch_number": {
            "title": "Số, ký hiệu công văn",
            "type": "string",
            "maxLength": 50,
            "pattern": "^[0-9]{1,5}/[A-ZĐ]+(-[A-ZĐ0-9]+)+$",
            "examples": ["71/UBND-VHXH"],
        },
        "dispatch_date": {"title": "Ngày ban hành công văn", "type": "string", "format": "date"},
        "note": {"title": "Ghi chú", "type": "string", "maxLength": 2000},
    },
}


def a_line(**changes) -> dict:
    line = {
        "field": "ict",
        "major": "Công nghệ thông tin",
        "specialisation": "Khoa học máy tính",
        "training_institutions": ["Đại học Bách khoa Hà Nội"],
        "institution_tier": "domestic",
        "criteria": "Tốt nghiệp đại học loại xuất sắc",
        "target_group": "excellent_graduate",
        "job_position": "Chuyên viên chuyển đổi số",
        "employee_category": "civil_servant",
        "quantity_year": 1,
        "quantity_period": 3,
    }
    line.update(changes)
    return line


def a_draft(*lines, **changes) -> dict:
    draft = {"no_demand": False, "lines": list(lines) or [a_line()], "note": "Đề xuất năm 2026"}
    draft.update(changes)
    return draft


def by_field(errors):
    return {e.field: e for e in errors}


# --- the shipped forms ----------------------------------------------------------------


def test_the_expected_forms_are_shipped():
    names = {f"{p.parent.parent.name}/{p.name}" for p in FORM_FILES}
    assert {
        "unit_proposal/draft_proposal.schema.json",
        "unit_proposal/approve_proposal.schema.json",
        "commune_campaign/aggregate_proposals.schema.json",
        "commune_campaign/approve_aggregation.schema.json",
        "commune_campaign/record_city_submission.schema.json",
        "commune_campaign/handle_city_deadline_missed.schema.json",
    } <= names


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_shipped_form_is_acceptable(path):
    schema = json.loads(path.read_text("utf-8"))
    assert check_form_schema(schema) == []
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _properties(schema):
    """Every (name, property schema) in the form, nested ones included."""
    stack = [schema]
    while stack:
        node = stack.pop()
        for name, sub in node.get("properties", {}).items():
            yield name, sub
            stack.append(sub)
            if isinstance(sub.get("items"), dict):
                stack.append(sub["items"])


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_property_has_a_title_and_every_choice_a_label(path):
    schema = json.loads(path.read_text("utf-8"))
    for name, sub in _properties(schema):
        assert sub.get("title"), f"{path.name}: {name} has no title"
        assert "enum" not in sub, f"{path.name}: {name} should use oneOf/const with titles"
        for choice in sub.get("oneOf", []):
            assert set(choice) == {"const", "title"} and choice["title"], (name, choice)


def test_start_data_examples():
    unit = json.loads((REPO_ROOT / "bpmn/unit_proposal/process.json").read_text("utf-8"))
    campaign = json.loads((REPO_ROOT / "bpmn/commune_campaign/process.json").read_text("utf-8"))
    assert unit["start_data_example"]["unit_deadline"] == "2026-01-14T12:00:00+07:00"
    assert unit["start_data_example"]["unit_code"] == "cg_vp"
    assert campaign["start_data_example"]["city_deadline"] == "2026-01-15T00:00:00+07:00"
    assert "unit_code" not in campaign["start_data_example"]
    for process in (unit, campaign):
        assert process["title"] and process["title_en"] and process["description"]


# --- the draft proposal ------------------------------------------------------------------


def test_a_good_draft_passes():
    assert (
        validate_form_data(DRAFT, a_draft(a_line(), a_line(field="health", target_group="resident_doctor")))
        == []
    )


def test_a_minimal_line_passes():
    line = {
        k: a_line()[k]
        for k in (
            "field",
            "major",
            "criteria",
            "target_group",
            "job_position",
            "quantity_year",
            "quantity_period",
        )
    }
    assert validate_form_data(DRAFT, {"no_demand": False, "lines": [line]}) == []


def test_declaring_no_demand_passes_without_lines():
    assert validate_form_data(DRAFT, {"no_demand": True}) == []
    assert validate_form_data(DRAFT, {"no_demand": True, "lines": []}) == []


def test_no_demand_with_lines_fails():
    errors = validate_form_data(DRAFT, {"no_demand": True, "lines": [a_line()]})
    assert [(e.field, e.code) for e in errors] == [("lines", "max_items")]
    assert "«Danh sách nhu cầu»" in in_vietnamese(errors[0].message)


def test_empty_lines_with_demand_fails_naming_the_field():
    errors = validate_form_data(DRAFT, {"no_demand": False, "lines": []})
    assert [(e.field, e.code) for e in errors] == [("lines", "min_items")]
    assert in_vietnamese(errors[0].message) == "«Danh sách nhu cầu» phải có ít nhất 1 dòng."


def test_missing_lines_and_missing_no_demand():
    errors = validate_form_data(DRAFT, {})
    assert [(e.field, e.code) for e in errors] == [("lines", "required"), ("no_demand", "required")]
    assert in_vietnamese(errors[1].message) == "Vui lòng chọn «Đơn vị không có nhu cầu»."


def test_quantity_year_above_quantity_period():
    errors = validate_form_data(DRAFT, a_draft(a_line(), a_line(quantity_year=4, quantity_period=3)))
    assert [FieldError(e.field, e.code, in_vietnamese(e.message)) for e in errors] == [
        FieldError(
            "lines[1].quantity_year",
            "not_lte_field",
            "«Số lượng năm kế hoạch» (dòng 2) phải nhỏ hơn hoặc bằng «Số lượng cả giai đoạn».",
        )
    ]


def test_quantity_year_equal_to_period_passes():
    assert validate_form_data(DRAFT, a_draft(a_line(quantity_year=3, quantity_period=3))) == []


def test_lte_is_skipped_when_the_other_value_is_missing_or_not_a_number():
    errors = validate_form_data(DRAFT, a_draft(a_line(quantity_year=5, quantity_period="3")))
    assert [(e.field, e.code) for e in errors] == [("lines[0].quantity_period", "type")]
    line = a_line(quantity_year=5)
    del line["quantity_period"]
    errors = validate_form_data(DRAFT, a_draft(line))
    assert [(e.field, e.code) for e in errors] == [("lines[0].quantity_period", "required")]


def test_lte_field_keyword_on_a_custom_schema():
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "low": {"type": "number", "title": "Mức thấp", "x-lte-field": "high"},
            "high": {"type": "number"},
        },
    }
    assert validate_form_data(schema, {"low": 1.5, "high": 2}) == []
    [error] = validate_form_data(schema, {"low": 3, "high": 2})
    assert (error.field, error.code) == ("low", "not_lte_field")
    assert in_vietnamese(error.message) == "«Mức thấp» phải nhỏ hơn hoặc bằng «high»."


def test_length_limits_and_required_fields_in_a_line():
    line = a_line(major="", job_position="x" * 201)
    del line["criteria"]
    errors = by_field(validate_form_data(DRAFT, a_draft(a_line(), line)))
    assert set(errors) == {"lines[1].major", "lines[1].job_position", "lines[1].criteria"}
    assert errors["lines[1].major"].code == "min_length"
    assert in_vietnamese(errors["lines[1].major"].message) == "«Ngành đào tạo» (dòng 2) không được để trống."
    assert errors["lines[1].job_position"].code == "max_length"
    assert (
        in_vietnamese(errors["lines[1].job_position"].message)
        == "«Vị trí việc làm» (dòng 2) không được dài quá 200 ký tự."
    )
    assert errors["lines[1].criteria"].code == "required"
    assert in_vietnamese(errors["lines[1].criteria"].message) == "Vui lòng nhập «Tiêu chí» (dòng 2)."


def test_choices_and_numeric_limits():
    line = a_line(field="astrology", target_group="genius", quantity_year=-1, quantity_period=5001)
    errors = by_field(validate_form_data(DRAFT, a_draft(line)))
    assert {f: e.code for f, e in errors.items()} == {
        "lines[0].field": "enum",
        "lines[0].target_group": "enum",
        "lines[0].quantity_year": "minimum",
        "lines[0].quantity_period": "maximum",
    }
    assert "«Lĩnh vực» (dòng 1)" in in_vietnamese(errors["lines[0].field"].message)
    assert (
        in_vietnamese(errors["lines[0].quantity_period"].message)
        == "«Số lượng cả giai đoạn» (dòng 1) phải nhỏ hơn hoặc bằng 5000."
    )


def test_training_institutions_items_are_numbered():
    line = a_line(training_institutions=["Đại học Y Hà Nội", ""])
    [error] = validate_form_data(DRAFT, a_draft(line))
    assert error.field == "lines[0].training_institutions[1]"
    assert error.code == "min_length"
    assert in_vietnamese(error.message) == "«Cơ sở đào tạo» (dòng 1, mục 2) không được để trống."


def test_too_many_lines():
    errors = validate_form_data(DRAFT, a_draft(*[a_line() for _ in range(51)]))
    assert [(e.field, e.code) for e in errors] == [("lines", "max_items")]
    assert in_vietnamese(errors[0].message) == "«Danh sách nhu cầu» không được có quá 50 dòng."


def test_unknown_fields_are_named():
    errors = validate_form_data(DRAFT, a_draft(a_line(salary=10), extra="x"))
    assert [(e.field, e.code) for e in errors] == [
        ("extra", "unknown_field"),
        ("lines[0].salary", "unknown_field"),
    ]
    assert in_vietnamese(errors[0].message) == "Trường «extra» không có trong biểu mẫu."
    assert in_vietnamese(errors[1].message) == "Trường «salary» (dòng 1) không có trong biểu mẫu."


def test_reserved_keys_anywhere_are_rejected():
    errors = validate_form_data(DRAFT, a_draft(a_line(typename="BpmnWorkflow"), _internal=1))
    assert [(e.field, e.code) for e in errors] == [
        ("_internal", "reserved_key"),
        ("lines[0].typename", "reserved_key"),
    ]
    assert "«typename» (dòng 1)" in in_vietnamese(errors[1].message)


def test_reserved_keys_are_rejected_even_where_the_schema_allows_any_key():
    schema = {"type": "object", "properties": {"meta": {"type": "object"}}}
    errors = validate_form_data(schema, {"meta": {"typename": "x"}, "other": 1})
    assert [(e.field, e.code) for e in errors] == [("meta.typename", "reserved_key")]
    assert in_vietnamese(errors[0].message) == "Không được dùng tên trường «typename»."


def test_reserved_key_deep_inside_an_unknown_field():
    errors = validate_form_data(DRAFT, a_draft(extra={"a": [{"typename": 1}]}))
    assert ("extra.a[0].typename", "reserved_key") in [(e.field, e.code) for e in errors]


def test_wrong_types_are_reported_once_per_field():
    errors = validate_form_data(
        DRAFT, {"no_demand": "no", "lines": [a_line(quantity_year="2", field=7, major=None)]}
    )
    assert [(e.field, e.code) for e in errors] == [
        ("lines[0].field", "type"),
        ("lines[0].major", "type"),
        ("lines[0].quantity_year", "type"),
        ("no_demand", "type"),
    ]
    assert in_vietnamese(errors[2].message) == "«Số lượng năm kế hoạch» (dòng 1) phải là số nguyên."


def test_booleans_are_not_numbers():
    [error] = validate_form_data(DRAFT, a_draft(a_line(quantity_year=True)))
    assert (error.field, error.code) == ("lines[0].quantity_year", "type")


def test_lines_must_be_a_list_of_objects():
    errors = validate_form_data(DRAFT, {"no_demand": False, "lines": ["một dòng"]})
    assert [(e.field, e.code) for e in errors] == [("lines[0]", "type")]
    assert in_vietnamese(errors[0].message) == "«Danh sách nhu cầu» (dòng 1) phải là nhóm thông tin."


@pytest.mark.parametrize("data", [None, [], "no_demand", 1, [("no_demand", True)]])
def test_data_must_be_an_object(data):
    errors = validate_form_data(DRAFT, data)
    assert [(e.field, e.code) for e in errors] == [("", "type")]
    assert in_vietnamese(errors[0].message) == "Dữ liệu biểu mẫu phải là một đối tượng JSON."


# --- the other forms --------------------------------------------------------------------


def test_returning_requires_a_comment():
    assert validate_form_data(APPROVE, {"head_decision": "submit"}) == []
    assert validate_form_data(APPROVE, {"head_decision": "return", "head_comment": "Bổ sung tiêu chí"}) == []
    errors = validate_form_data(APPROVE, {"head_decision": "return"})
    assert [(e.field, e.code) for e in errors] == [("head_comment", "required")]
    errors = validate_form_data(APPROVE, {"head_decision": "return", "head_comment": ""})
    assert [(e.field, e.code) for e in errors] == [("head_comment", "min_length")]
    errors = validate_form_data(APPROVE, {"head_decision": "maybe"})
    assert [(e.field, e.code) for e in errors] == [("head_decision", "enum")]


def test_head_and_chair_forms_require_a_comment_when_returning():
    head = load("unit_proposal", "approve_proposal")
    chair = load("commune_campaign", "approve_aggregation")
    assert validate_form_data(head, {"head_decision": "submit"}) == []
    assert [e.field for e in validate_form_data(head, {"head_decision": "return"})] == ["head_comment"]
    assert validate_form_data(chair, {"chair_decision": "approve"}) == []
    assert [e.field for e in validate_form_data(chair, {"chair_decision": "return"})] == ["chair_comment"]


def test_explanation_of_a_missed_city_deadline():
    schema = load("commune_campaign", "handle_city_deadline_missed")
    [error] = validate_form_data(schema, {"explanation": "Muộn"})
    assert (error.field, error.code) == ("explanation", "min_length")
    assert in_vietnamese(error.message) == "«Lý do và biện pháp khắc phục» phải có ít nhất 10 ký tự."
    assert validate_form_data(schema, {"explanation": "Chờ đơn vị bổ sung số liệu"}) == []


@pytest.mark.parametrize(
    "number", ["71/UBND-VHXH", "64/UBND-VHXH", "3245/UBND-NVKTGS", "68/SNV-CCVC", "1/UBND-VP-Đ2"]
)
def test_dispatch_numbers_accepted(number):
    assert validate_form_data(RECORD, {"dispatch_number": number, "dispatch_date": "2026-01-14"}) == []


@pytest.mark.parametrize(
    "number",
    [
        "71-UBND-VHXH",
        "71/ubnd-vhxh",
        "71/UBND",
        "123456/UBND-VHXH",
        "71/UBND-VHXH ",
        "Số 71/UBND-VHXH",
        "53/2025/NQ-HĐND",
    ],
)
def test_dispatch_numbers_rejected(number):
    [error] = validate_form_data(RECORD, {"dispatch_number": number, "dispatch_date": "2026-01-14"})
    assert (error.field, error.code) == ("dispatch_number", "pattern")
    assert (
        in_vietnamese(error.message) == "«Số, ký hiệu công văn» không đúng định dạng (ví dụ: 71/UBND-VHXH)."
    )


@pytest.mark.parametrize("date", ["2026-02-30", "14/01/2026", "2026-1-14", "2026-01-14T00:00:00+07:00", ""])
def test_dispatch_date_must_be_a_date(date):
    [error] = validate_form_data(RECORD, {"dispatch_number": "71/UBND-VHXH", "dispatch_date": date})
    assert (error.field, error.code) == ("dispatch_date", "format")
    assert "«Ngày ban hành công văn»" in in_vietnamese(error.message)


def test_date_time_and_email_formats_are_checked():
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "at": {"type": "string", "format": "date-time", "title": "Thời điểm"},
            "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
        },
    }
    assert (
        validate_form_data(schema, {"at": "2026-01-14T12:00:00+07:00", "email": "vhxh@camgiang.gov.vn"}) == []
    )
    errors = validate_form_data(schema, {"at": "2026-01-14 12:00", "email": "vhxh.camgiang.gov.vn"})
    assert [(e.field, e.code) for e in errors] == [("at", "format"), ("email", "format")]
    assert in_vietnamese(errors[1].message) == "«Thư điện tử» phải là địa chỉ email hợp lệ."
    [error] = validate_form_data(schema, {"at": "2026-01-14T25:00:00+07:00"})
    assert error.field == "at"


# --- order, caching and the quick path ----------------------------------------------------


def _messy_draft():
    bad = a_line(major="", quantity_year=9, salary=1, typename="x")
    lines = [a_line() for _ in range(12)]
    lines[2], lines[10] = a_line(field="?"), bad
    return {"lines": lines, "x": 1}


def test_errors_are_sorted_by_path_with_rows_in_numeric_order():
    fields = [e.field for e in validate_form_data(DRAFT, _messy_draft())]
    assert fields == [
        "lines[2].field",
        "lines[10].major",
        "lines[10].quantity_year",
        "lines[10].salary",
        "lines[10].typename",
        "no_demand",
        "x",
    ]


def test_errors_keep_a_stable_order():
    data = _messy_draft()
    first = validate_form_data(DRAFT, data)
    reordered = {key: data[key] for key in reversed(list(data))}
    reordered["lines"] = [dict(reversed(list(line.items()))) for line in data["lines"]]
    assert validate_form_data(DRAFT, reordered) == first
    assert validate_form_data(copy.deepcopy(DRAFT), data) == first


def test_validators_are_cached_by_content():
    assert form_validator(DRAFT) is form_validator(copy.deepcopy(DRAFT))
    changed = copy.deepcopy(APPROVE)
    changed["properties"]["head_comment"]["maxLength"] = 5
    assert form_validator(changed) is not form_validator(APPROVE)
    data = {"head_decision": "return", "head_comment": "quá dài"}
    assert [e.code for e in validate_form_data(changed, data)] == ["max_length"]
    assert validate_form_data(APPROVE, data) == []


def test_editing_a_schema_after_use_takes_effect():
    schema = copy.deepcopy(APPROVE)
    data = {"head_decision": "return", "head_comment": "quá dài"}
    assert validate_form_data(schema, data) == []
    schema["properties"]["head_comment"]["maxLength"] = 5
    assert [e.code for e in validate_form_data(schema, data)] == ["max_length"]


def test_a_prebuilt_validator_can_be_passed():
    validator = form_validator(DRAFT)
    assert validate_form_data(DRAFT, a_draft(), validator=validator) == []
    assert [e.code for e in validate_form_data(DRAFT, {"no_demand": False}, validator=validator)] == [
        "required"
    ]


LINE_CASES = [
    a_line(),
    a_line(quantity_year=1.0),
    a_line(quantity_period=2.5),
    a_line(field=""),
    a_line(field=["ict"]),
    a_line(institution_tier="top_ranking"),
    a_line(institution_tier="Top"),
    a_line(training_institutions=[]),
    a_line(training_institutions=["A", "A"]),
    a_line(training_institutions=["A", 1]),
    a_line(training_institutions="A"),
    a_line(training_institutions=["x" * 201]),
    a_line(training_institutions=[str(i) for i in range(11)]),
    a_line(specialisation="x" * 200),
    a_line(specialisation="x" * 201),
    a_line(employee_category=None),
    a_line(quantity_year=1000, quantity_period=5000),
    a_line(quantity_year=1001, quantity_period=5000),
    a_line(quantity_period=0),
]
FORM_CASES = [
    (DRAFT, {"no_demand": True}),
    (DRAFT, {"no_demand": True, "lines": []}),
    (DRAFT, {"no_demand": True, "lines": [a_line()]}),
    (DRAFT, {"no_demand": 1, "lines": [a_line()]}),
    (DRAFT, {"no_demand": False}),
    (DRAFT, {"lines": [a_line()]}),
    (DRAFT, {"no_demand": False, "lines": {}}),
    (DRAFT, {"no_demand": False, "lines": [a_line()], "note": None}),
    (APPROVE, {"head_decision": "return", "head_comment": ""}),
    (APPROVE, {"head_decision": "return", "head_comment": "x"}),
    (APPROVE, {"head_decision": "submit", "head_comment": ""}),
    (RECORD, {"dispatch_number": "71/UBND-VHXH", "dispatch_date": "2026-01-14"}),
    (RECORD, {"dispatch_number": "71/UBND-VHXH", "dispatch_date": "2026-13-14"}),
]
ODD_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "n": {"type": ["integer", "null"], "multipleOf": 2},
        "c": {"const": 1},
        "e": {"enum": ["a", 1, None]},
        "any": {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]},
        "not": {"not": {"const": "x"}},
        "all": {"allOf": [{"type": "string"}, {"minLength": 2}]},
        "ref": {"$ref": "#/$defs/short"},
        "tags": {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}},
    },
    "$defs": {"short": {"type": "string", "maxLength": 1}},
}
ODD_CASES = [
    {"n": 4},
    {"n": 3},
    {"n": 4.0},
    {"n": None},
    {"n": True},
    {"c": 1},
    {"c": 1.0},
    {"c": True},
    {"c": "1"},
    {"e": "a"},
    {"e": 1},
    {"e": None},
    {"e": True},
    {"e": "b"},
    {"e": 1.0},
    {"any": "ab"},
    {"any": "abc"},
    {"any": 3},
    {"any": 3.5},
    {"not": "x"},
    {"not": "y"},
    {"all": "ab"},
    {"all": "a"},
    {"all": 5},
    {"ref": "a"},
    {"ref": "ab"},
    {"tags": ["a", 1]},
    {"tags": ["a", "b"]},
    {"tags": [1]},
]


@pytest.mark.parametrize(
    "schema, data",
    [(DRAFT, a_draft(line)) for line in LINE_CASES] + FORM_CASES + [(ODD_SCHEMA, data) for data in ODD_CASES],
)
def test_the_quick_check_agrees_with_plain_jsonschema(schema, data):
    plain = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    assert (validate_form_data(schema, data) == []) == plain.is_valid(data)


# --- schema acceptance ------------------------------------------------------------------


def a_schema(**properties) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": properties or {"name": {"type": "string", "title": "Tên"}},
    }


def test_a_small_schema_is_acceptable():
    assert check_form_schema(a_schema()) == []


def test_missing_additional_properties_false_is_rejected():
    schema = a_schema()
    del schema["additionalProperties"]
    [problem] = check_form_schema(schema)
    assert "additionalProperties" in problem and problem.startswith("#:")


def test_missing_additional_properties_false_in_array_items_is_rejected():
    schema = copy.deepcopy(DRAFT)
    schema["properties"]["lines"]["items"]["additionalProperties"] = True
    [problem] = check_form_schema(schema)
    assert problem.startswith("#/properties/lines/items:")
    assert "additionalProperties" in problem


def test_nested_object_without_additional_properties_is_rejected():
    schema = a_schema(address={"type": "object", "properties": {"street": {"type": "string"}}})
    [problem] = check_form_schema(schema)
    assert problem.startswith("#/properties/address:")


@pytest.mark.parametrize("name", ["typename", "_private"])
def test_reserved_property_names_are_rejected(name):
    problems = check_form_schema(a_schema(**{name: {"type": "string"}}))
    assert len(problems) == 1 and f"«{name}»" in problems[0] and "reserved" in problems[0]


def test_nested_reserved_property_name_is_rejected():
    schema = copy.deepcopy(DRAFT)
    schema["properties"]["lines"]["items"]["properties"]["typename"] = {"type": "string"}
    [problem] = check_form_schema(schema)
    assert "typename" in problem and "/items/properties/" in problem


def test_lte_field_must_name_a_sibling():
    schema = a_schema(a={"type": "integer", "x-lte-field": "b"})
    [problem] = check_form_schema(schema)
    assert "x-lte-field" in problem and "«b»" in problem
    schema["properties"]["b"] = {"type": "integer"}
    assert check_form_schema(schema) == []


def test_top_level_must_be_an_object():
    schema = {"type": "array", "items": {"type": "string"}}
    assert any("type: object" in p for p in check_form_schema(schema))


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "strin"}}},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"a": {"type": "string", "minLength": -1}},
        },
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"a": {"type": "string", "pattern": "("}},
        },
    ],
)
def test_invalid_json_schema_is_rejected(bad):
    problems = check_form_schema(bad)
    assert len(problems) == 1 and "not a valid Draft 2020-12 schema" in problems[0]


def test_other_drafts_are_rejected():
    schema = a_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    assert any("$schema" in p for p in check_form_schema(schema))


def test_a_schema_must_be_an_object():
    assert check_form_schema([]) != []
