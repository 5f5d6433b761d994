"""Text for people, translated at the edge (docs/languages.md).

The engine and the services never choose a language: what they say to a person is a
:class:`Message`, an English template (the message catalogs' msgid, which is also the
message's stable code) and its parameters. ``str()`` of a message is its English text, for
logs, the CLI and the tests; the web layer translates it into the reader's language
(``web.i18n.say``). A parameter may itself be a message (the word for an element kind),
translated with it; any other parameter is data (a BPMN label, a unit's name, a number)
and is shown as it is.

``pybabel extract`` finds the templates by the keyword ``Message`` (see the Makefile).
"""

from __future__ import annotations


class Message(str):
    """An English text with its template and parameters kept for translation."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, /, **params: object) -> Message:
        text = super().__new__(cls, template % params if params else template)
        text.template, text.params = template, params
        return text

    def __reduce__(self):
        # Pickling (the session, a multiprocessing pool) keeps what translation needs.
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


def to_json(text: object) -> object:
    """A text as JSON, to be stored: a message as its template and parameters (each in
    turn); any other value as it is."""
    if not isinstance(text, Message):
        return text
    return {
        "template": text.template,
        "params": {name: to_json(value) for name, value in text.params.items()},
    }


def from_json(stored: dict) -> Message:
    """The message ``to_json`` stored, to be translated for its reader."""
    params = {
        name: from_json(value) if isinstance(value, dict) else value
        for name, value in stored["params"].items()
    }
    return Message(stored["template"], **params)


def wording_of(text: str | None) -> dict | None:
    """What to store beside a text so that each reader reads it in their language: a
    message's template and parameters; None for a text that is data."""
    return to_json(text) if isinstance(text, Message) else None  # type: ignore[return-value]


def stored_text(wording: object, text: str | None) -> str | None:
    """A stored text for its reader: the message its wording keeps, else (a row written
    before its wording was kept) the text as written."""
    return from_json(wording) if isinstance(wording, dict) else text
