"""A deadline is an instant (docs/deadlines.md): noon on the cutoff day is already late. The
working-day calendar, seeded in the database: tests/integration/deadlines/test_working_day_calendar.py."""

from factories.dates import local

from engine.helpers import is_before


def test_noon_on_the_cutoff_day_is_late():
    cutoff = local(2026, 1, 14, 12, 0)
    assert is_before(local(2026, 1, 14, 11, 59, 59), cutoff)
    assert not is_before(local(2026, 1, 14, 12, 0, 0), cutoff)
