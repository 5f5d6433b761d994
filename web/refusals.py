"""POST-redirect-GET for refused forms too: what was wrong and what was typed wait in the
session for the next GET of the same page, so the browser never stays on a POST address
and a refresh never posts again. Only small values travel this way (the session is a
signed cookie); a task's typed data is kept as its draft instead (web/work/task_page.py)."""

from __future__ import annotations

from flask import redirect, request, session

from services.common.errors import InvalidInput
from web.i18n import say

_KEY = "refused_form"


def refuse(url: str, **kept):
    """Redirect to the page at ``url``, which shows ``kept`` (errors, typed values...) once."""
    session[_KEY] = {"url": url, **kept}
    return redirect(url)


def kept() -> dict:
    """What a refused form left for the page being shown, if it was this page; once."""
    stored = session.get(_KEY)
    if not stored or stored.get("url") != request.path:
        return {}
    session.pop(_KEY)
    return {name: value for name, value in stored.items() if name != "url"}


def field_message(invalid: InvalidInput) -> str:
    """The refusal's words in the reader's language, without the field's name: the page
    shows it by the field."""
    return say(invalid.message)
