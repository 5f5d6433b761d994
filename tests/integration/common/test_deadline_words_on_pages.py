"""Deadlines on the pages in the law's words, in either language: "trước 12 giờ ngày 14/01/2027"
or "before 12:00 on 14/01/2027". The words themselves: tests/unit/test_display.py."""

from factories.dates import local


def test_the_pages_say_it_in_either_language(commune):
    from web import create_app
    from web.i18n import deadline

    app = create_app(commune)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert deadline(local(2027, 1, 14, 12, 0)) == "before 12:00 on 14/01/2027"
        assert deadline(local(2027, 1, 15, 0, 0)) == "by the end of 14/01/2027"
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert deadline(local(2027, 1, 14, 12, 0)) == "trước 12 giờ ngày 14/01/2027"
        assert deadline(local(2027, 1, 14, 16, 45)) == "trước 16 giờ 45 ngày 14/01/2027"


def test_a_message_may_name_any_parameter_even_text(commune):
    """A parameter is a name of the message's template, whatever it is ("text" included)."""
    from engine.messages import Message
    from web import create_app
    from web.i18n import say

    app = create_app(commune)
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        said = say(Message("the allowed values %(text)s cannot be read.", text="[1, 2"))
    assert said == "không đọc được danh sách giá trị được phép [1, 2."
