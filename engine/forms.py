"""Validation of task form data against the task's JSON Schema (Draft 2020-12).

``validate_form_data`` returns every problem at once as :class:`FieldError` values whose
``message`` is an ``engine.messages.Message`` naming the field by its schema ``title``. The
``x-lte-field`` keyword on a property says "this number must be <= that sibling property".
``check_form_schema`` says why a schema is unacceptable as a task form.
A top-level ``{"type": "integer", "format": "attachment"}`` property is a file field
(:func:`attachment_fields`): its value is the id of a file attached to the case, kept
outside the workflow's data (docs/working-together.md).
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from jsonschema import FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

from engine.messages import Message

# Message templates, keyed by error code (their Vietnamese is in the catalogs).
# %(label)s is the quoted field title plus its row, e.g. «Ngành đào tạo» (dòng 2).
MESSAGES = {
    "not_object": Message("The form data must be a JSON object."),
    "required": Message("Please enter %(label)s."),
    "required_choice": Message("Please choose %(label)s."),
    "type": Message("%(label)s must be %(expected)s."),
    "type.string": Message("text"),
    "type.integer": Message("a whole number"),
    "type.number": Message("a number"),
    "type.boolean": Message("a yes/no value"),
    "type.array": Message("a list"),
    "type.object": Message("a group of fields"),
    "type.null": Message("an empty value"),
    "type_or": Message("%(first)s or %(second)s"),
    "minimum": Message("%(label)s must be greater than or equal to %(limit)s."),
    "maximum": Message("%(label)s must be less than or equal to %(limit)s."),
    "exclusive_minimum": Message("%(label)s must be greater than %(limit)s."),
    "exclusive_maximum": Message("%(label)s must be less than %(limit)s."),
    "multiple_of": Message("%(label)s must be a multiple of %(limit)s."),
    "min_length": Message("%(label)s must have at least %(limit)s characters."),
    "min_length_empty": Message("%(label)s may not be empty."),
    "max_length": Message("%(label)s may not be longer than %(limit)s characters."),
    "pattern": Message("%(label)s is not in the right format."),
    "pattern_example": Message("%(label)s is not in the right format (example: %(example)s)."),
    "enum": Message("The value of %(label)s is not one of the choices."),
    "format": Message("%(label)s is not a valid %(format)s."),
    "format.date": Message("%(label)s must be a valid date as year-month-day (example: 2026-01-14)."),
    "format.date-time": Message("%(label)s must be a valid instant (example: 2026-01-14T12:00:00+07:00)."),
    "format.email": Message("%(label)s must be a valid email address."),
    "min_items": Message("%(label)s must have at least %(limit)s %(unit)s."),
    "max_items": Message("%(label)s may not have more than %(limit)s %(unit)s."),
    "max_items_zero": Message("%(label)s must be left empty."),
    "unit.row": Message("rows"),
    "unit.item": Message("items"),
    "unique_items": Message("%(label)s has repeated values."),
    "unknown_field": Message("The field %(label)s is not in the form."),
    "reserved_key": Message("The field name %(label)s may not be used."),
    "not_lte_field": Message("%(label)s must be less than or equal to %(other)s."),
    "invalid": Message("%(label)s is not valid."),
    "whole_form": Message("The form"),
    "row": Message("row %(n)s"),
    "item": Message("item %(n)s"),
    "label": Message("«%(title)s»"),
    "label_at": Message("«%(title)s» (%(place)s)"),
    "places": Message("%(first)s, %(second)s"),
}


def say(code: str, **params: object) -> Message:
    """The message of ``code`` with its parameters (``MESSAGES`` holds the templates)."""
    return Message(MESSAGES[code].template, **params)


def _joined(words: Sequence[str], code: str) -> str:
    """``words`` as one message: "a, b, c" (``places``) or "a or b or c" (``type_or``)."""
    joined = words[0]
    for word in words[1:]:
        joined = say(code, first=joined, second=word)
    return joined


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


# File fields: what they may hold. The content is checked by the services that store it.
ATTACHMENT_FORMAT = "attachment"
ATTACHMENT_MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")
DEFAULT_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # a form may lower its cap, never raise it past this


@dataclass(frozen=True)
class AttachmentField:
    """A file field of a form: its property name, title and limits (defaults filled in)."""

    name: str
    title: str
    media_types: tuple[str, ...]
    max_bytes: int
    personal_data: bool
    required: bool


def attachment_fields(schema: dict) -> list[AttachmentField]:
    """The file fields of a form schema (top-level properties only), in their order."""
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    required = set(schema.get("required", [])) if isinstance(schema, dict) else set()
    return [
        AttachmentField(
            name,
            spec.get("title") if isinstance(spec.get("title"), str) else name,
            tuple(spec.get("x-media-types", ATTACHMENT_MEDIA_TYPES)),
            spec.get("x-max-bytes", DEFAULT_ATTACHMENT_BYTES),
            spec.get("x-personal-data", False) is True,
            name in required,
        )
        for name, spec in properties.items()
        if _is_attachment(spec)
    ]


def _is_attachment(spec) -> bool:
    return isinstance(spec, dict) and spec.get("format") == ATTACHMENT_FORMAT


@dataclass(frozen=True)
class FieldError:
    field: str  # e.g. "lines[0].quantity_year"; "" for the whole form
    code: str
    message: str  # an engine.messages.Message, translated where it is shown


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


# --- the jsonschema validator class --------------------------------------------------

_Base = validators.Draft202012Validator
_base_additional = _Base.VALIDATORS["additionalProperties"]
_base_one_of = _Base.VALIDATORS["oneOf"]
_CONST_BRANCH_KEYS = frozenset({"const", "title", "description"})


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _lte_target(subschema) -> str | None:
    other = subschema.get(LTE_KEYWORD) if isinstance(subschema, dict) else None
    return other if isinstance(other, str) else None


def _breaks_lte(instance: dict, name: str, other: str | None) -> bool:
    """``instance[name] > instance[other]``, when both are present and numbers."""
    if other is None or name not in instance or other not in instance:
        return False
    value, limit = instance[name], instance[other]
    return _is_number(value) and _is_number(limit) and value > limit


def _labelled_enum(one_of) -> dict | None:
    """For a ``oneOf`` of ``{"const": "<string>", "title": ...}`` choices (a select box):
    how many branches each value matches. None for any other ``oneOf``."""
    if not isinstance(one_of, list):
        return None
    counts: dict[str, int] = {}
    for branch in one_of:
        if not isinstance(branch, dict) or not branch.keys() <= _CONST_BRANCH_KEYS:
            return None
        const = branch.get("const")
        if not isinstance(const, str):
            return None
        counts[const] = counts.get(const, 0) + 1
    return counts


def _properties(validator, properties, instance, schema):
    yield from _Base.VALIDATORS["properties"](validator, properties, instance, schema)
    if not isinstance(instance, dict):
        return
    for name, subschema in properties.items():
        other = _lte_target(subschema)
        if _breaks_lte(instance, name, other):
            value = instance[name]
            yield ValidationError(
                f"{value!r} is greater than {other!r} ({instance[other]!r})",
                validator=LTE_KEYWORD,
                validator_value=other,
                instance=value,
                schema=subschema,
                path=(name,),
            )


def _required(validator, required, instance, schema):
    # As standard, but the error points at the missing property.
    if not isinstance(instance, dict):
        return
    for name in required:
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property", path=(name,))


def _additional_properties(validator, aP, instance, schema):
    # As standard, but one error per unexpected property, pointing at it.
    if aP is not False or not isinstance(instance, dict):
        yield from _base_additional(validator, aP, instance, schema)
        return
    known = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    for name in instance:
        if name not in known and not any(re.search(p, name) for p in patterns):
            yield ValidationError(f"{name!r} is not allowed", path=(name,))


def _one_of(validator, one_of, instance, schema):
    # A labelled enum is one lookup instead of one sub-validation per choice.
    counts = _labelled_enum(one_of)
    if counts is None:
        yield from _base_one_of(validator, one_of, instance, schema)
    elif not isinstance(instance, str) or counts.get(instance) != 1:
        yield ValidationError(f"{instance!r} is not one of the choices")


_JsonSchemaValidator = validators.extend(
    _Base,
    {
        "properties": _properties,
        "required": _required,
        "additionalProperties": _additional_properties,
        "oneOf": _one_of,
    },
)


# --- the quick check -----------------------------------------------------------------
# jsonschema costs about 10 microseconds for each subschema it descends into (a draft of a
# few lines took about a millisecond). So each form schema is also compiled once into
# closures that answer True (certainly valid), False (certainly invalid) or None (only
# jsonschema can tell). Data is accepted on True alone; otherwise jsonschema runs and
# reports the errors. Keywords jsonschema ignores are annotations; a keyword it knows but
# the quick check does not makes the verdict None.


def _unknown(_value):
    return None


def _combine(verdicts):
    result: bool | None = True
    for verdict in verdicts:
        if verdict is False:
            return False
        if verdict is None:
            result = None
    return result


def _all_of(checks):
    if len(checks) == 1:
        return checks[0]

    def check(value):
        result: bool | None = True
        for each in checks:
            verdict = each(value)
            if verdict is False:
                return False
            if verdict is None:
                result = None
        return result

    return check


_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (
        v.is_integer() if isinstance(v, float) else isinstance(v, int) and not isinstance(v, bool)
    ),
}


def _c_type(expected, _schema):
    tests = [_TYPE_CHECKS[each] for each in (expected if isinstance(expected, list) else [expected])]
    return tests[0] if len(tests) == 1 else (lambda v: any(test(v) for test in tests))


def _c_const(const, _schema):
    def check(value):
        if isinstance(const, (str, bool, type(None))) or isinstance(value, (str, bool, type(None))):
            return type(const) is type(value) and const == value
        if _is_number(const) and _is_number(value):
            return const == value
        return None

    return check


def _c_enum(choices, _schema):
    strings = frozenset(c for c in choices if isinstance(c, str))
    if len(strings) == len(choices):
        return lambda v: isinstance(v, str) and v in strings
    return lambda v: (v in strings) if isinstance(v, str) else None


def _c_one_of(branches, _schema):
    counts = _labelled_enum(branches)
    if counts is None:
        return _unknown
    return lambda v: isinstance(v, str) and counts.get(v) == 1


def _c_if(test_schema, schema):
    test = _compile(test_schema)
    then, else_ = _compile(schema.get("then", True)), _compile(schema.get("else", True))

    def check(value):
        verdict = test(value)
        return None if verdict is None else (then if verdict else else_)(value)

    return check


def _c_properties(properties, _schema):
    compiled = [(name, _compile(sub), _lte_target(sub)) for name, sub in properties.items()]

    def check(value):
        if not isinstance(value, dict):
            return True
        result: bool | None = True
        for name, inner, other in compiled:
            if name in value:
                verdict = inner(value[name])
                if verdict is False or _breaks_lte(value, name, other):
                    return False
                if verdict is None:
                    result = None
        return result

    return check


def _c_additional_properties(allowed, schema):
    if allowed is True:
        return lambda v: True
    if allowed is not False or "patternProperties" in schema:
        return _unknown
    known = frozenset(schema.get("properties", {}))
    return lambda v: not isinstance(v, dict) or v.keys() <= known


def _c_items(items, _schema):
    inner = _compile(items)  # (with "prefixItems" beside it the whole schema is unknown)
    return lambda v: _combine(inner(each) for each in v) if isinstance(v, list) else True


def _c_unique_items(unique, _schema):
    if not unique:
        return lambda v: True

    def check(value):
        if not isinstance(value, list):
            return True
        if not all(isinstance(each, str) for each in value):
            return None
        return len(set(value)) == len(value)

    return check


def _c_format(format_name, _schema):
    return lambda v: FORMAT_CHECKER.conforms(v, format_name)


def _c_pattern(pattern, _schema):
    search = re.compile(pattern).search
    return lambda v: not isinstance(v, str) or search(v) is not None


def _c_required(names, _schema):
    return lambda v: not isinstance(v, dict) or all(name in v for name in names)


def _limit(kind, compare):
    def make(limit, _schema):
        return lambda v: not isinstance(v, kind) or isinstance(v, bool) or compare(v, limit)

    return make


_COMPILERS = {
    "type": _c_type,
    "const": _c_const,
    "enum": _c_enum,
    "oneOf": _c_one_of,
    "allOf": lambda subs, _: _all_of([_compile(sub) for sub in subs]),
    "if": _c_if,
    "properties": _c_properties,
    "required": _c_required,
    "additionalProperties": _c_additional_properties,
    "items": _c_items,
    "uniqueItems": _c_unique_items,
    "format": _c_format,
    "pattern": _c_pattern,
    "minLength": _limit(str, lambda v, n: len(v) >= n),
    "maxLength": _limit(str, lambda v, n: len(v) <= n),
    "minItems": _limit(list, lambda v, n: len(v) >= n),
    "maxItems": _limit(list, lambda v, n: len(v) <= n),
    "minimum": _limit((int, float), lambda v, n: v >= n),
    "maximum": _limit((int, float), lambda v, n: v <= n),
    "exclusiveMinimum": _limit((int, float), lambda v, n: v > n),
    "exclusiveMaximum": _limit((int, float), lambda v, n: v < n),
}


def _compile(schema):
    """A function of a value answering True (valid), False (invalid) or None (ask jsonschema)."""
    if isinstance(schema, bool):
        return lambda _v: schema
    if not isinstance(schema, dict):
        return _unknown
    checks = []
    try:
        for keyword, argument in schema.items():
            if keyword not in _Base.VALIDATORS:
                continue  # an annotation ("title", "then" is read by "if", "x-lte-field"...)
            make = _COMPILERS.get(keyword)
            if make is None:
                return _unknown
            checks.append(make(argument, schema))
    except (KeyError, TypeError, ValueError, re.error):
        return _unknown  # a malformed schema: leave it to jsonschema
    return _all_of(checks) if checks else (lambda _v: True)


# --- validators and their cache ------------------------------------------------------


class FormValidator:
    """Validates data for one form schema; build it once (see :func:`form_validator`)."""

    __slots__ = ("schema", "_jsonschema", "_quick")

    def __init__(self, schema: dict):
        # A private copy: later edits to the caller's dict cannot desynchronise the two checks.
        self.schema = json.loads(json.dumps(schema))
        self._jsonschema = _JsonSchemaValidator(self.schema, format_checker=FORMAT_CHECKER)
        self._quick = _compile(self.schema)

    def validate(self, data) -> list[FieldError]:
        """Every problem with ``data``, sorted by field path; [] if it is acceptable."""
        if not isinstance(data, dict):
            return [FieldError("", "type", say("not_object"))]
        reserved = _reserved_paths(data)
        if not reserved and self._quick(data) is True:
            return []
        found: dict[tuple, None] = {}  # (path, code, message), no duplicates
        for path in reserved:
            found[(path, "reserved_key", _message_for(self.schema, "reserved_key", path))] = None
        errors = []
        for error in self._jsonschema.iter_errors(data):
            path = tuple(error.absolute_path)
            if not any(path[: len(r)] == r for r in reserved):  # else: reported as reserved
                errors.append((path, _code(error), error))
        # A value of the wrong type also fails its choices or limits: report only the type.
        mistyped = {path for path, code, _ in errors if code == "type"}
        for path, code, error in errors:
            if code == "type" or path not in mistyped:
                found[(path, code, _message(self.schema, error, code, path))] = None
        ordered = sorted(found, key=lambda item: (_sort_key(item[0]), item[1], item[2]))
        return [FieldError(format_path(path), code, message) for path, code, message in ordered]


_CACHE: dict[str, FormValidator] = {}
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()
_CACHE_KEY = json.JSONEncoder(sort_keys=True, separators=(",", ":"), check_circular=False).encode


def form_validator(schema: dict) -> FormValidator:
    """The validator for ``schema``, built once per distinct schema content and reused.

    Callers that keep a schema for long (a loaded definition) can keep its validator too
    and pass it to :func:`validate_form_data`, which saves serialising the schema per call.
    """
    key = _CACHE_KEY(schema)
    validator = _CACHE.get(key)
    if validator is None:
        validator = FormValidator(schema)
        with _CACHE_LOCK:
            while len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = validator
    return validator


def validate_form_data(schema: dict, data, *, validator: FormValidator | None = None) -> list[FieldError]:
    """Every problem with ``data`` as a form for ``schema``, sorted by field path.

    ``validator`` may be one already built for this schema with :func:`form_validator`.
    An empty list means the data is acceptable.
    """
    return (validator or form_validator(schema)).validate(data)


# --- error messages ------------------------------------------------------------------


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
    node: object = root
    for part in path:
        if not isinstance(node, dict):
            return None
        if isinstance(part, int):
            node = node.get("items")
        else:
            node = node.get("properties", {}).get(part)
    return node if isinstance(node, dict) else None


def _is_table(array_schema) -> bool:
    """An array of objects is shown as a table: its items are rows ("dòng")."""
    items = array_schema.get("items") if isinstance(array_schema, dict) else None
    return isinstance(items, dict) and items.get("type") == "object"


def _label(root: dict, path, *, by_name: bool = False) -> Message:
    """«Title» of the innermost named field in ``path``, plus its row and item numbers."""
    names = [i for i, part in enumerate(path) if not isinstance(part, int)]
    if not names:
        return say("whole_form")
    node = {} if by_name else _node_schema(root, path[: names[-1] + 1]) or {}
    named = node.get("title")
    title = named if isinstance(named, str) else str(path[names[-1]])
    places = [
        say("row" if _is_table(_node_schema(root, path[:i])) else "item", n=part + 1)
        for i, part in enumerate(path)
        if isinstance(part, int)
    ]
    return (
        say("label_at", title=title, place=_joined(places, "places")) if places else say("label", title=title)
    )


def _message_for(root: dict, code: str, path) -> Message:
    return say(code, label=_label(root, path, by_name=True))


def _message(root: dict, error: ValidationError, code: str, path) -> Message:
    label = _label(root, path)
    value = error.validator_value
    node = _node_schema(root, path) or {}
    if code == "required":
        choice = node.get("type") == "boolean" or "oneOf" in node or "enum" in node
        return say("required_choice" if choice else "required", label=label)
    if code == "type":
        types = value if isinstance(value, list) else [value]
        words = [say(f"type.{t}") if f"type.{t}" in MESSAGES else str(t) for t in types]
        return say("type", label=label, expected=_joined(words, "type_or"))
    if code == "min_length" and value == 1:
        return say("min_length_empty", label=label)
    if code == "max_items" and value == 0:
        return say("max_items_zero", label=label)
    if code in ("min_items", "max_items"):
        return say(code, label=label, limit=value, unit=say("unit.row" if _is_table(node) else "unit.item"))
    if code == "pattern" and isinstance(node.get("examples"), list) and node["examples"]:
        return say("pattern_example", label=label, example=node["examples"][0])
    if code == "format":
        return say(
            f"format.{value}" if f"format.{value}" in MESSAGES else "format", label=label, format=value
        )
    if code == "not_lte_field":
        other = _node_schema(root, list(path[:-1]) + [value]) or {}
        other_title = other.get("title") if isinstance(other.get("title"), str) else value
        return say(code, label=label, other=say("label", title=other_title))
    if code == "unknown_field":
        return _message_for(root, code, path)
    return say(code if code in MESSAGES else "invalid", label=label, limit=value)


def _code(error: ValidationError) -> str:
    keyword = error.validator
    if keyword in ("oneOf", "anyOf") and _labelled_enum(error.validator_value) is not None:
        return "enum"
    return _CODES.get(keyword, "invalid")


def _reserved_paths(data) -> list[tuple]:
    found: list[tuple] = []
    stack: list[tuple[tuple, dict | list]] = [((), data)]
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


# --- schema acceptance ---------------------------------------------------------------

_DATA_CHILDREN = (
    "additionalProperties",
    "items",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_DATA_CHILD_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_BRANCHES = ("if", "then", "else", "not")
_BRANCH_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _is_object_schema(node: dict) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def _walk(node, where: str, problems: list[Message]) -> None:
    if not isinstance(node, dict):
        return
    if _is_object_schema(node) and node.get("additionalProperties") is not False:
        problems.append(Message("%(at)s: an object schema must set additionalProperties: false", at=where))
    properties = node.get("properties")
    if isinstance(properties, dict):
        _check_properties(properties, where, problems)
    for key, sub in _children(node):
        _walk(sub, f"{where}/{key}", problems)


def _check_properties(properties: dict, where: str, problems: list[Message]) -> None:
    for name, sub in properties.items():
        at = f"{where}/properties/{name}"
        if is_reserved_key(name):
            problems.append(Message("%(at)s: property name «%(name)s» is reserved", at=at, name=name))
        if _is_attachment(sub):
            problems += [
                Message("%(at)s: %(problem)s", at=at, problem=p)
                for p in _attachment_problems(sub, where == "#")
            ]
        other = sub.get(LTE_KEYWORD) if isinstance(sub, dict) else None
        if other is not None and (not isinstance(other, str) or other not in properties):
            problems.append(
                Message(
                    "%(at)s: %(keyword)s names «%(other)s», which is not a sibling property",
                    at=at,
                    keyword=LTE_KEYWORD,
                    other=other,
                )
            )


def _attachment_problems(spec: dict, top_level: bool) -> list[Message]:
    """Why a file field cannot be stored as declared (see ``attachment_fields``)."""
    problems = []
    if not top_level:
        problems.append(Message("a file field (format: attachment) must be a property of the form itself"))
    if spec.get("type") != "integer":
        problems.append(
            Message("a file field (format: attachment) must be 'type: integer' (the attachment's id)")
        )
    media_types = spec.get("x-media-types", ATTACHMENT_MEDIA_TYPES)
    if (
        not isinstance(media_types, list | tuple)
        or not media_types
        or any(each not in ATTACHMENT_MEDIA_TYPES for each in media_types)
    ):
        problems.append(
            Message(
                "x-media-types must be a non-empty list of %(types)s", types=", ".join(ATTACHMENT_MEDIA_TYPES)
            )
        )
    cap = spec.get("x-max-bytes", DEFAULT_ATTACHMENT_BYTES)
    if not isinstance(cap, int) or isinstance(cap, bool) or not 0 < cap <= MAX_ATTACHMENT_BYTES:
        problems.append(
            Message(
                "x-max-bytes must be a whole number of bytes, 1 to %(limit)s (20 MB)",
                limit=MAX_ATTACHMENT_BYTES,
            )
        )
    if not isinstance(spec.get("x-personal-data", False), bool):
        problems.append(Message("x-personal-data must be true or false"))
    return problems


def _children(node: dict):
    """(path below the node, sub-schema) of every schema a schema holds."""
    for key in _DATA_CHILDREN + _BRANCHES:
        yield key, node.get(key)
    for key in _DATA_CHILD_MAPS:
        children = node.get(key)
        if isinstance(children, dict):
            yield from ((f"{key}/{name}", sub) for name, sub in children.items())
    for key in _BRANCH_LISTS:
        children = node.get(key)
        if isinstance(children, list):
            yield from ((f"{key}/{i}", sub) for i, sub in enumerate(children))


def check_form_schema(schema: dict) -> list[Message]:
    """Problems that make ``schema`` unacceptable for a task form; [] if none."""
    if not isinstance(schema, dict):
        return [Message("the form schema must be a JSON object")]
    try:
        text = json.dumps(schema, ensure_ascii=False)
    except (TypeError, ValueError):  # not JSON data (a caller's dict): checked as it is
        return _schema_problems(schema)
    return list(_checked_text(text))


@lru_cache(maxsize=1024)
def _checked_text(text: str) -> tuple[Message, ...]:
    """Checking a schema against the Draft 2020-12 meta-schema is most of a publication's
    time, and every publication checks the same forms again: the verdict is kept for each
    schema's text (a small, bounded cache; the text is the whole key)."""
    return tuple(_schema_problems(json.loads(text)))


def _schema_problems(schema: dict) -> list[Message]:
    problems = []
    declared = schema.get("$schema")
    if declared is not None and (not isinstance(declared, str) or declared.rstrip("#") != DRAFT_2020_12):
        problems.append(
            Message(
                "$schema must be %(expected)s, not %(declared)s",
                expected=DRAFT_2020_12,
                declared=repr(declared),
            )
        )
    try:
        _JsonSchemaValidator.check_schema(schema)
    except SchemaError as error:
        # jsonschema's own sentence is English library text: the place and the keyword say enough.
        at = "/".join(str(p) for p in error.absolute_path)
        problems.append(
            Message(
                "not a valid Draft 2020-12 schema at #/%(at)s (the keyword «%(keyword)s»)",
                at=at,
                keyword=error.validator,
            )
        )
        return problems
    if schema.get("type") != "object":
        problems.append(Message("the top level must be 'type: object'"))
    _walk(schema, "#", problems)
    return problems
