"""Validation of task form data against the task's JSON Schema (Draft 2020-12).

``validate_form_data`` returns every problem at once as :class:`FieldError` values whose
``message`` is a Vietnamese sentence naming the field by its schema ``title``. The
``x-lte-field`` keyword on a property says "this number must be <= that sibling property".
``check_form_schema`` says (in English) why a schema is unacceptable as a task form.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from dataclasses import dataclass

from jsonschema import FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

# Vietnamese message templates, keyed by error code (later: message catalogs).
# {label} is the quoted field title plus its row, e.g. «Ngành đào tạo» (dòng 2).
MESSAGES = {
    "not_object": "Dữ liệu biểu mẫu phải là một đối tượng JSON.",
    "required": "Vui lòng nhập {label}.",
    "required_choice": "Vui lòng chọn {label}.",
    "type": "{label} phải là {expected}.",
    "type.string": "chuỗi ký tự",
    "type.integer": "số nguyên",
    "type.number": "số",
    "type.boolean": "giá trị có/không",
    "type.array": "danh sách",
    "type.object": "nhóm thông tin",
    "type.null": "giá trị rỗng",
    "type_or": " hoặc ",
    "minimum": "{label} phải lớn hơn hoặc bằng {limit}.",
    "maximum": "{label} phải nhỏ hơn hoặc bằng {limit}.",
    "exclusive_minimum": "{label} phải lớn hơn {limit}.",
    "exclusive_maximum": "{label} phải nhỏ hơn {limit}.",
    "multiple_of": "{label} phải là bội số của {limit}.",
    "min_length": "{label} phải có ít nhất {limit} ký tự.",
    "min_length_empty": "{label} không được để trống.",
    "max_length": "{label} không được dài quá {limit} ký tự.",
    "pattern": "{label} không đúng định dạng.",
    "pattern_example": "{label} không đúng định dạng (ví dụ: {example}).",
    "enum": "Giá trị của {label} không nằm trong danh sách được chọn.",
    "format": "{label} không đúng định dạng {format}.",
    "format.date": "{label} phải là ngày hợp lệ theo dạng năm-tháng-ngày (ví dụ: 2026-01-14).",
    "format.date-time": "{label} phải là thời điểm hợp lệ (ví dụ: 2026-01-14T12:00:00+07:00).",
    "format.email": "{label} phải là địa chỉ email hợp lệ.",
    "min_items": "{label} phải có ít nhất {limit} {unit}.",
    "max_items": "{label} không được có quá {limit} {unit}.",
    "max_items_zero": "{label} phải để trống.",
    "unit.row": "dòng",
    "unit.item": "mục",
    "unique_items": "{label} có giá trị bị trùng lặp.",
    "unknown_field": "Trường {label} không có trong biểu mẫu.",
    "reserved_key": "Không được dùng tên trường {label}.",
    "not_lte_field": "{label} phải nhỏ hơn hoặc bằng {other}.",
    "invalid": "{label} không hợp lệ.",
    "whole_form": "Biểu mẫu",
    "row": "dòng {n}",
    "item": "mục {n}",
}

# A key named ``typename`` anywhere in task data breaks SpiffWorkflow deserialization;
# keys starting with "_" are kept for the engine's own bookkeeping.
RESERVED_KEYS = frozenset({"typename"})

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
LTE_KEYWORD = "x-lte-field"

_CODES = {
    "required": "required",
    "type": "type",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "enum": "enum",
    "const": "enum",
    "format": "format",
    "minItems": "min_items",
    "maxItems": "max_items",
    "uniqueItems": "unique_items",
    "additionalProperties": "unknown_field",
    LTE_KEYWORD: "not_lte_field",
}


@dataclass(frozen=True)
class FieldError:
    field: str  # e.g. "lines[0].quantity_year"; "" for the whole form
    code: str
    message: str


def is_reserved_key(key) -> bool:
    return not isinstance(key, str) or key in RESERVED_KEYS or key.startswith("_")


# --- formats -------------------------------------------------------------------------

FORMAT_CHECKER = FormatChecker(formats=())
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE_RE.fullmatch(value)) and bool(datetime.date.fromisoformat(value))


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME_RE.fullmatch(value):
        return False
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@FORMAT_CHECKER.checks("email")
def _is_email(value) -> bool:
    return not isinstance(value, str) or bool(_EMAIL_RE.fullmatch(value))


# --- the validator class -------------------------------------------------------------

_Base = validators.Draft202012Validator
_base_additional = _Base.VALIDATORS["additionalProperties"]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _lte_violation(name: str, subschema, instance: dict):
    """(value, other, limit) when ``instance[name]`` breaks its ``x-lte-field``, else None."""
    other = subschema.get(LTE_KEYWORD) if isinstance(subschema, dict) else None
    if not isinstance(other, str) or other not in instance:
        return None
    value, limit = instance[name], instance[other]
    if _is_number(value) and _is_number(limit) and value > limit:
        return value, other, limit
    return None


# Speed: jsonschema costs about 10 microseconds for each subschema it descends into, so a
# draft of a few lines cost about a millisecond. Subschemas made only of the keywords below
# are first checked inline; only when that check cannot vouch for the value does jsonschema
# descend, so every error message still comes from jsonschema itself.

_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment",
                          "readOnly", "writeOnly", "deprecated", LTE_KEYWORD})
_CONST_BRANCH_KEYS = frozenset({"const", "title", "description"})
_PY_TYPES = {"string": str, "boolean": bool, "array": list, "object": dict}


def _quick_type(expected, value, _schema) -> bool:
    if isinstance(expected, list):
        return any(_quick_type(each, value, _schema) for each in expected)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return _is_number(value)
    if expected == "null":
        return value is None
    kind = _PY_TYPES.get(expected)
    return kind is not None and isinstance(value, kind)


def _quick_one_of(branches, value, _schema) -> bool:
    # Only a labelled enum: every branch is {"const": <string>, "title": ...}.
    if not isinstance(value, str) or not isinstance(branches, list):
        return False
    matches = 0
    for branch in branches:
        if branch.__class__ is not dict or not branch.keys() <= _CONST_BRANCH_KEYS or "const" not in branch:
            return False
        if branch["const"] == value:
            matches += 1
    return matches == 1


def _quick_unique(unique, value, _schema) -> bool:
    if unique is False or not isinstance(value, list):
        return True
    return all(isinstance(each, str) for each in value) and len(set(value)) == len(value)


def _quick_items(items, value, _schema) -> bool:
    return not isinstance(value, list) or all(_quick_valid(items, each) for each in value)


def _quick_properties(properties, value, _schema) -> bool:
    if not isinstance(value, dict):
        return True
    for name, subschema in properties.items():
        if name in value and (
            not _quick_valid(subschema, value[name]) or _lte_violation(name, subschema, value)
        ):
            return False
    return True


def _quick_additional(allowed, value, schema) -> bool:
    if not isinstance(value, dict):
        return True
    if allowed is not False or "patternProperties" in schema:
        return False
    return value.keys() <= schema.get("properties", {}).keys()


_QUICK = {
    "type": _quick_type,
    "minLength": lambda n, v, _: not isinstance(v, str) or len(v) >= n,
    "maxLength": lambda n, v, _: not isinstance(v, str) or len(v) <= n,
    "minimum": lambda n, v, _: not _is_number(v) or v >= n,
    "maximum": lambda n, v, _: not _is_number(v) or v <= n,
    "exclusiveMinimum": lambda n, v, _: not _is_number(v) or v > n,
    "exclusiveMaximum": lambda n, v, _: not _is_number(v) or v < n,
    "pattern": lambda p, v, _: not isinstance(v, str) or re.search(p, v) is not None,
    "format": lambda f, v, _: FORMAT_CHECKER.conforms(v, f),
    "const": lambda c, v, _: isinstance(c, str) and c == v,
    "enum": lambda e, v, _: isinstance(v, str) and isinstance(e, list) and v in e,
    "oneOf": _quick_one_of,
    "minItems": lambda n, v, _: not isinstance(v, list) or len(v) >= n,
    "maxItems": lambda n, v, _: not isinstance(v, list) or len(v) <= n,
    "uniqueItems": _quick_unique,
    "items": _quick_items,
    "required": lambda r, v, _: not isinstance(v, dict) or all(name in v for name in r),
    "properties": _quick_properties,
    "additionalProperties": _quick_additional,
}


def _quick_valid(schema, value) -> bool:
    """True only if ``value`` certainly satisfies ``schema``; False means "ask jsonschema"."""
    if not isinstance(schema, dict):
        return False
    for keyword, argument in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        check = _QUICK.get(keyword)
        if check is None or not check(argument, value, schema):
            return False
    return True


def _properties(validator, properties, instance, schema):
    # The standard keyword (after the quick check), plus ``x-lte-field``.
    if not isinstance(instance, dict):
        return
    for name, subschema in properties.items():
        if name not in instance:
            continue
        value = instance[name]
        if not _quick_valid(subschema, value):
            yield from validator.descend(value, subschema, path=name, schema_path=name)
        violation = _lte_violation(name, subschema, instance)
        if violation:
            value, other, limit = violation
            yield ValidationError(
                f"{value!r} is greater than {other!r} ({limit!r})",
                validator=LTE_KEYWORD, validator_value=other, instance=value,
                schema=subschema, path=(name,),
            )


def _required(validator, required, instance, schema):
    # Same as the standard keyword, but the error points at the missing property.
    if not isinstance(instance, dict):
        return
    for name in required:
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property", path=(name,))


def _additional_properties(validator, aP, instance, schema):
    # One error per unexpected property, pointing at it (the standard one reports all at once).
    if aP is not False or not isinstance(instance, dict):
        yield from _base_additional(validator, aP, instance, schema)
        return
    known = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    for name in instance:
        if name in known or any(re.search(p, name) for p in patterns):
            continue
        yield ValidationError(f"{name!r} is not allowed", path=(name,))


def _is_labelled_enum(one_of) -> bool:
    """``oneOf`` is a list of ``{"const": ..., "title": ...}`` choices (shown as a select)."""
    return isinstance(one_of, list) and all(
        isinstance(branch, dict) and "const" in branch and branch.keys() <= _CONST_BRANCH_KEYS
        for branch in one_of
    )


FormValidator = validators.extend(
    _Base,
    {
        "properties": _properties,
        "required": _required,
        "additionalProperties": _additional_properties,
    },
)

_CACHE: dict[str, object] = {}
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()


def form_validator(schema: dict):
    """A validator for ``schema``, built once per distinct schema content and reused.

    Callers that hold a schema for long (a loaded definition) can keep the result and pass
    it to :func:`validate_form_data`, which saves serialising the schema on every call.
    """
    key = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    validator = _CACHE.get(key)
    if validator is None:
        # The validator owns a private copy, so later edits to the caller's dict cannot
        # make it disagree with its cache key.
        validator = FormValidator(json.loads(key), format_checker=FORMAT_CHECKER)
        with _CACHE_LOCK:
            while len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = validator
    return validator


# --- validation ----------------------------------------------------------------------


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _node_schema(root: dict, path) -> dict | None:
    """The subschema that describes the data at ``path`` (following properties and items)."""
    node = root
    for part in path:
        if not isinstance(node, dict):
            return None
        if isinstance(part, int):
            node = node.get("items")
        else:
            node = node.get("properties", {}).get(part)
    return node if isinstance(node, dict) else None


def _label(root: dict, path, *, by_name: bool = False) -> str:
    """«Title» of the innermost named field in ``path``, plus its row and item numbers."""
    names = [i for i, part in enumerate(path) if not isinstance(part, int)]
    if not names:
        title = MESSAGES["whole_form"]
        last = -1
    else:
        last = names[-1]
        node = {} if by_name else _node_schema(root, path[: last + 1]) or {}
        title = node.get("title") if isinstance(node.get("title"), str) else str(path[last])
    places = [
        MESSAGES["row" if i < last else "item"].format(n=part + 1)
        for i, part in enumerate(path)
        if isinstance(part, int)
    ]
    label = f"«{title}»"
    return f"{label} ({', '.join(places)})" if places else label


def _message(root: dict, error: ValidationError, code: str, path) -> str:
    label = _label(root, path)
    keyword = error.validator
    value = error.validator_value
    node = _node_schema(root, path) or {}
    if code == "required":
        choice = node.get("type") == "boolean" or "oneOf" in node or "enum" in node
        return MESSAGES["required_choice" if choice else "required"].format(label=label)
    if code == "type":
        types = value if isinstance(value, list) else [value]
        expected = MESSAGES["type_or"].join(MESSAGES.get(f"type.{t}", str(t)) for t in types)
        return MESSAGES["type"].format(label=label, expected=expected)
    if code == "min_length" and value == 1:
        return MESSAGES["min_length_empty"].format(label=label)
    if code in ("min_items", "max_items"):
        if code == "max_items" and value == 0:
            return MESSAGES["max_items_zero"].format(label=label)
        items = node.get("items")
        unit = MESSAGES["unit.row" if isinstance(items, dict) and items.get("type") == "object" else "unit.item"]
        return MESSAGES[code].format(label=label, limit=value, unit=unit)
    if code == "pattern":
        examples = node.get("examples")
        if isinstance(examples, list) and examples:
            return MESSAGES["pattern_example"].format(label=label, example=examples[0])
        return MESSAGES["pattern"].format(label=label)
    if code == "format":
        template = MESSAGES.get(f"format.{value}", MESSAGES["format"])
        return template.format(label=label, format=value)
    if code == "not_lte_field":
        other_path = list(path[:-1]) + [value]
        other = _node_schema(root, other_path) or {}
        other_title = other.get("title") if isinstance(other.get("title"), str) else value
        return MESSAGES[code].format(label=label, other=f"«{other_title}»")
    if code == "unknown_field":
        return MESSAGES[code].format(label=_label(root, path, by_name=True))
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength"):
        return MESSAGES[code].format(label=label, limit=value)
    return MESSAGES.get(code, MESSAGES["invalid"]).format(label=label)


def _code(error: ValidationError) -> str:
    keyword = error.validator
    if keyword in ("oneOf", "anyOf") and _is_labelled_enum(error.validator_value):
        return "enum"
    return _CODES.get(keyword, "invalid")


def _reserved_paths(data) -> list[tuple]:
    found, stack = [], [((), data)]
    while stack:
        path, node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in pairs:
            if isinstance(node, dict) and is_reserved_key(key):
                found.append(path + (key,))
            elif isinstance(value, (dict, list)):
                stack.append((path + (key,), value))
    return found


def _sort_key(path) -> tuple:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in path)


def validate_form_data(schema: dict, data, *, validator=None) -> list[FieldError]:
    """Every problem with ``data`` as a form for ``schema``, sorted by field path.

    ``validator`` may be one already built with :func:`form_validator` for this schema.
    An empty list means the data is acceptable.
    """
    if not isinstance(data, dict):
        return [FieldError("", "type", MESSAGES["not_object"])]
    if validator is None:
        validator = form_validator(schema)
    found: dict[tuple, None] = {}  # (path, code, message), in a stable order, no duplicates

    reserved = _reserved_paths(data)
    for path in reserved:
        message = MESSAGES["reserved_key"].format(label=_label(schema, path, by_name=True))
        found[(path, "reserved_key", message)] = None

    errors = []
    for error in validator.iter_errors(data):
        path = tuple(error.absolute_path)
        if not any(path[: len(r)] == r for r in reserved):  # else: reported as reserved
            errors.append((path, _code(error), error))
    # A value of the wrong type also fails its enum or limits; report only the type.
    mistyped = {path for path, code, _ in errors if code == "type"}
    for path, code, error in errors:
        if code == "type" or path not in mistyped:
            found[(path, code, _message(schema, error, code, path))] = None

    ordered = sorted(found, key=lambda item: (_sort_key(item[0]), item[1], item[2]))
    return [FieldError(format_path(path), code, message) for path, code, message in ordered]


# --- schema acceptance ---------------------------------------------------------------

_DATA_CHILDREN = ("additionalProperties", "items", "contains", "propertyNames",
                  "unevaluatedItems", "unevaluatedProperties")
_DATA_CHILD_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_BRANCHES = ("if", "then", "else", "not")
_BRANCH_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _is_object_schema(node: dict) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def _walk(node, where: str, problems: list[str]) -> None:
    if not isinstance(node, dict):
        return
    if _is_object_schema(node) and node.get("additionalProperties") is not False:
        problems.append(f"{where}: an object schema must set additionalProperties: false")
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            if is_reserved_key(name):
                problems.append(f"{where}/properties/{name}: property name {name!r} is reserved")
            other = sub.get(LTE_KEYWORD) if isinstance(sub, dict) else None
            if other is not None and (not isinstance(other, str) or other not in properties):
                problems.append(
                    f"{where}/properties/{name}: {LTE_KEYWORD} names {other!r}, which is not a sibling property"
                )
    for key in _DATA_CHILDREN + _BRANCHES:
        _walk(node.get(key), f"{where}/{key}", problems)
    for key in _DATA_CHILD_MAPS:
        children = node.get(key)
        if isinstance(children, dict):
            for name, sub in children.items():
                _walk(sub, f"{where}/{key}/{name}", problems)
    for key in _BRANCH_LISTS:
        children = node.get(key)
        if isinstance(children, list):
            for i, sub in enumerate(children):
                _walk(sub, f"{where}/{key}/{i}", problems)


def check_form_schema(schema: dict) -> list[str]:
    """Problems (English) that make ``schema`` unacceptable for a task form; [] if none."""
    if not isinstance(schema, dict):
        return ["the form schema must be a JSON object"]
    problems = []
    declared = schema.get("$schema")
    if declared is not None and (not isinstance(declared, str) or declared.rstrip("#") != DRAFT_2020_12):
        problems.append(f"$schema must be {DRAFT_2020_12!r}, not {declared!r}")
    try:
        FormValidator.check_schema(schema)
    except SchemaError as error:
        at = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"not a valid Draft 2020-12 schema at #/{at}: {error.message}")
        return problems
    if schema.get("type") != "object":
        problems.append("the top level must be 'type: object'")
    _walk(schema, "#", problems)
    return problems
