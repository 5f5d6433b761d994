"""Languages (Vietnamese by default, English selectable) and how times read.

Times are stored in UTC and always shown in Asia/Ho_Chi_Minh as dd/mm/yyyy HH:MM;
deadlines in the law's words ("trước 12 giờ ngày 14/01/2027", "hết ngày 14/01/2027")."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import Babel, get_translations

from engine.messages import Message
from services.common.display import deadline_parts, largest_units, local_time

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
# The pseudo-locale (docs/languages.md): every text of its catalog is marked, so that a page
# shown in it reveals any text that escaped the catalogs. Babel knows no pseudo-locale (no
# en_XA) and Flask-Babel needs a locale Babel knows: Esperanto is a real one this app will
# never offer, and its plural rule is English's, the rule of the catalog it is built from.
PSEUDO_LOCALE = "eo"


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    # The pseudo-locale is in no switcher: only a browser asking for it gets it.
    offered = [*LANGUAGES, *current_app.config["PSEUDO_LOCALES"]]
    return request.accept_languages.best_match(offered, default="vi")


def init_i18n(app: Flask, clock) -> None:
    pseudo_dir = app.extensions["talentflow"].config.pseudo_locale_dir  # set by create_app
    app.config["PSEUDO_LOCALES"] = [PSEUDO_LOCALE] if pseudo_dir else []
    if pseudo_dir:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"translations;{pseudo_dir}"
    Babel(app, locale_selector=select_locale)
    # Flask-Babel's own callables look the translations up through several context
    # proxies on every call; a page such as the inbox makes hundreds of calls.
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["deadline"] = deadline
    app.jinja_env.filters["say"] = say
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, time_left=lambda due: time_left(due, clock.now()), current_locale=select_locale
    )


def _translations():
    """The request's translations, looked up once per request (outside one, the default)."""
    if not has_app_context():
        return get_translations()
    found = g.get("translations")
    if found is None:
        found = g.translations = get_translations()
    return found


def gettext(text: str, /, **params) -> str:
    translated = _translations().ugettext(text)
    return translated % params if params else translated


def ngettext(singular: str, plural: str, num: int, /, **params) -> str:
    return _translations().ungettext(singular, plural, num) % {"num": num, **params}


def say(text: object) -> str:
    """What the engine or a service said (an ``engine.messages.Message``), in the reader's
    language; any other value is data and is shown as it is. See docs/languages.md."""
    if not isinstance(text, Message):
        return "" if text is None else str(text)
    if not text.params:
        return gettext(text.template)
    params = {
        name: say(value) if isinstance(value, Message) else value for name, value in text.params.items()
    }
    return gettext(text.template, **params)


def deadline(instant: datetime | None) -> str:
    """A deadline as the law words it (services.display.deadline_parts): "before 12:00 on
    14/01/2027" / "trước 12 giờ ngày 14/01/2027"; 00:00 is "by the end of" the day before."""
    if instant is None:
        return ""
    day, at = deadline_parts(instant)
    if at is None:
        return gettext("by the end of %(day)s", day=f"{day:%d/%m/%Y}")
    hour = (
        gettext("%(hour)d:00", hour=at.hour)
        if not at.minute
        else gettext("%(hour)d:%(minute)02d", hour=at.hour, minute=at.minute)
    )
    return gettext("before %(hour)s on %(day)s", hour=hour, day=f"{day:%d/%m/%Y}")


def time_left(due: datetime | None, at: datetime) -> str:
    """ "còn 2 ngày 3 giờ" / "2 days 3 hours left"; "quá hạn 5 giờ" / "overdue 5 hours"."""
    if due is None:
        return ""
    seconds = int((due - at).total_seconds())
    amount = " ".join(_UNITS[unit](count) for unit, count in largest_units(seconds)) or _UNITS["minute"](0)
    return (
        gettext("%(amount)s left", amount=amount)
        if seconds > 0
        else gettext("overdue %(amount)s", amount=amount)
    )


_UNITS = {
    "day": lambda n: ngettext("%(num)d day", "%(num)d days", n),
    "hour": lambda n: ngettext("%(num)d hour", "%(num)d hours", n),
    "minute": lambda n: ngettext("%(num)d minute", "%(num)d minutes", n),
}
