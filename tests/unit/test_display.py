"""Deadlines read in the law's words, whatever the year: "trước 12 giờ ngày 14/01/2027",
and an instant at 00:00 local is the end of the day before ("hết ngày 14/01/2027")."""

import pytest
from factories.dates import local

from services.common.display import deadline_words


@pytest.mark.parametrize(
    "instant, words",
    [
        (local(2027, 1, 14, 12, 0), "trước 12 giờ ngày 14/01/2027"),
        (local(2027, 1, 15, 0, 0), "hết ngày 14/01/2027"),
        (local(2031, 3, 1, 0, 0), "hết ngày 28/02/2031"),
        (local(2032, 3, 1, 0, 0), "hết ngày 29/02/2032"),  # a leap year
        (local(2028, 1, 1, 0, 0), "hết ngày 31/12/2027"),
        (local(2026, 11, 30, 16, 30), "trước 16 giờ 30 ngày 30/11/2026"),
        (local(2029, 6, 5, 7, 5), "trước 7 giờ 05 ngày 05/06/2029"),
    ],
)
def test_deadlines_in_the_laws_words(instant, words):
    assert deadline_words(instant) == words
