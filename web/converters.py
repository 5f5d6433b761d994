"""The variable parts of URLs. A number in a path or a query string beyond what an id
column holds names nothing: in a path it matches no route (404, like any unknown id),
in a query string it is ignored; it never reaches the database. A text part (a task
id, a process key) never holds a control character: no id has one, and PostgreSQL
refuses NUL."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from engine.db import MAX_ID


class IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    def to_python(self, value: str) -> str:
        if any(char < " " or char == "\x7f" for char in value):
            raise ValidationError()
        return value


def install(app: Flask) -> None:
    """Before any route is added: routes bind their converters when they are added."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)


def query_number(text: str | None, default: int | None) -> int | None:
    """A number from a query string (a page, the id a list is filtered by), or
    ``default`` when there is none or it is out of range."""
    try:
        number = int(text or "")
    except ValueError:
        return default
    return number if 1 <= number <= MAX_ID else default
