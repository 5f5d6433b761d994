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
