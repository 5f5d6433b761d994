"""A task's case in words: the values its case schema names (see the README, "Officers
decide with the case in front of them"), each under its title, choices in their words,
lists of records as tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _


@dataclass
class Entry:
    title: str
    text: str = ""  # a single value, in words
    columns: list[str] = field(default_factory=list)  # a table's headers...
    rows: list[list[str]] = field(default_factory=list)  # ...and its rows


def entries(schema: dict, data: dict, prefix: str = "") -> list[Entry]:
    shown = []
    for name, spec in schema.get("properties", {}).items():
        if name not in data:
            continue
        value, title = data[name], prefix + spec.get("title", name)
        items = spec.get("items", {})
        if spec.get("type") == "array" and items.get("type") == "object":
            columns = [
                (key, sub)
                for key, sub in items.get("properties", {}).items()
                if any(isinstance(row, dict) and row.get(key) not in (None, "", []) for row in value)
            ]
            shown.append(
                Entry(
                    title,
                    columns=[sub.get("title", key) for key, sub in columns],
                    rows=[[words(row.get(key), sub) for key, sub in columns] for row in value],
                )
            )
        elif spec.get("type") == "object" and isinstance(value, dict):
            shown += entries(spec, value, prefix=f"{title} — ")
        else:
            shown.append(Entry(title, text=words(value, spec)))
    return shown


def words(value, spec: dict) -> str:
    """A value as the form would name it: a choice by its title, yes or no, a list joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(words(item, spec.get("items", {})) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    choices = {
        option["const"]: option.get("title", option["const"])
        for option in spec.get("oneOf", [])
        if "const" in option
    }
    return str(choices.get(value, value))
