"""What a person reads of an ``engine.messages.Message`` in Vietnamese, without the web
app: the vi catalog applied as ``web.i18n.say`` applies it (docs/languages.md)."""

from __future__ import annotations

from babel.support import Translations

from engine.messages import Message
from factories import REPO_ROOT

_VIETNAMESE = Translations.load(str(REPO_ROOT / "web" / "translations"), ["vi"])


def in_vietnamese(text: object) -> str:
    if not isinstance(text, Message):
        return str(text)
    translated = _VIETNAMESE.ugettext(text.template)
    return (
        translated % {name: in_vietnamese(value) for name, value in text.params.items()}
        if text.params
        else translated
    )
