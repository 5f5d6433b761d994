"""A task's JSON Schema as HTML form fields, rendered on the server, and the posted
form back as JSON data.

Input names are the data paths the validator reports errors at (``lines[0].major``),
so each error lands next to its field. What the officer typed is kept as typed: a
number field holding "abc" posts back "abc", fails validation, and shows "abc" again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.forms import ATTACHMENT_FORMAT, ATTACHMENT_MEDIA_TYPES

LONG_TEXT = 300  # a string allowed to be longer than this gets a text area
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg,.jpeg"}


@dataclass
class Field:
    name: str  # the input name: the data path
    label: str
    kind: str  # text | textarea | integer | number | checkbox | select | date | list | group | attachment
    required: bool = False
    help: str = ""
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    rows: list[list["Field"]] = field(default_factory=list)  # a group's rows of sub-fields
    max_length: int | None = None
    accept: str = ""  # a file field's types, for the browser's file chooser
    file: dict | None = None  # a file field's current file: filename, version, url (None once purged)


def fields_of(
    schema: dict, data: dict, errors: dict[str, str], extra_rows: int = 0, files: dict | None = None
) -> list[Field]:
    """Fields for the top-level properties, filled from ``data``, with ``errors`` by path.
    A file field shows its file from ``files`` (by attachment id: those of the task's case)."""
    fields = _object_fields(schema, data or {}, errors, "", extra_rows)
    for made in fields:
        if made.kind == "attachment" and isinstance(made.value, int):
            made.file = (files or {}).get(made.value)
    return fields


def _object_fields(schema: dict, data: dict, errors: dict, prefix: str, extra_rows: int) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        _field(name, spec, data.get(name), errors, f"{prefix}{name}", name in required, extra_rows)
        for name, spec in schema.get("properties", {}).items()
    ]


def _field(name: str, spec: dict, value, errors: dict, path: str, required: bool, extra_rows: int) -> Field:
    made = Field(
        name=path,
        label=spec.get("title", name),
        kind=_kind(spec),
        required=required,
        help=spec.get("description", ""),
        value=value,
        error=errors.get(path),
        max_length=spec.get("maxLength"),
    )
    if made.kind == "select":
        made.options = _options(spec)
    elif made.kind == "attachment":
        types = spec.get("x-media-types", ATTACHMENT_MEDIA_TYPES)
        made.accept = ",".join([*types, *(EXTENSIONS[each] for each in types if each in EXTENSIONS)])
    elif made.kind == "group":
        items = value if isinstance(value, list) else []
        count = max(len(items) + extra_rows, 1)  # an empty row to start from; blank rows are dropped
        made.rows = [
            _object_fields(
                spec["items"],
                items[index] if index < len(items) and isinstance(items[index], dict) else {},
                errors,
                f"{path}[{index}].",
                0,
            )
            for index in range(count)
        ]
    elif made.kind == "list" and isinstance(value, list):
        made.value = "\n".join(str(item) for item in value)
    return made


def _kind(spec: dict) -> str:
    kind = spec.get("type")
    if "oneOf" in spec or "enum" in spec:
        return "select"
    if spec.get("format") == ATTACHMENT_FORMAT:
        return "attachment"  # the value is the attachment's id (web/work/attachments.py)
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return kind
    if kind == "array":
        return "group" if spec.get("items", {}).get("type") == "object" else "list"
    if spec.get("format") == "date":
        return "date"
    return "textarea" if (spec.get("maxLength") or 0) > LONG_TEXT else "text"


def _options(spec: dict) -> list[tuple[str, str]]:
    if "oneOf" in spec:
        return [(str(option["const"]), option.get("title", str(option["const"]))) for option in spec["oneOf"]]
    return [(str(value), str(value)) for value in spec["enum"]]


# -- posted form -> data ----------------------------------------------------------------

_INDEXED = re.compile(r"^(.*?)\[(\d+)\]\.(.*)$")


def data_from(schema: dict, form) -> dict:
    """The JSON data a posted form stands for. Empty optional inputs are left out; a
    value that does not parse is kept as the text typed, for the validator to name."""
    return _object_from(schema, {key: form.getlist(key) for key in form.keys()}, "")


def _object_from(schema: dict, posted: dict, prefix: str) -> dict:
    data = {}
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        kind = _kind(spec)
        if kind == "group":
            rows = _rows_posted(posted, path)
            items = [_object_from(spec["items"], posted, f"{path}[{index}].") for index in rows]
            items = [item for item in items if item]  # a row left blank is no row
            if items or path in posted:
                data[name] = items
            continue
        if kind == "checkbox":
            if path in posted or f"{path}.present" in posted:
                data[name] = path in posted
            continue
        raw = (posted.get(path) or [""])[-1]
        if kind == "list":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                data[name] = items
        elif raw.strip() != "":
            data[name] = _typed(kind, raw.strip())
    return data


def _rows_posted(posted: dict, path: str) -> list[int]:
    indexes = set()
    for key in posted:
        match = _INDEXED.match(key)
        if match and match.group(1) == path:
            indexes.add(int(match.group(2)))
    return sorted(indexes)


def _typed(kind: str, raw: str):
    try:
        if kind in ("integer", "attachment"):
            return int(raw)
        if kind == "number":  # "78,5" is a Vietnamese 78.5; "120" stays 120, as typed
            value = float(raw.replace(",", "."))
            return int(value) if value.is_integer() else value
    except ValueError:
        return raw  # kept as typed; the validator reports the type
    return raw
