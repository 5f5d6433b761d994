"""A save that lost a race is answered 409 in Vietnamese, without the internal id. The races
themselves, on both databases: tests/integration/engine/test_concurrent_timers_and_completions.py."""

from engine.errors import ConcurrencyConflict
from web.api.errors import message_of, status_of


def test_any_other_lost_save_is_a_409_without_the_internal_id():
    # A save that lost to another change of the instance (a timer, a parallel task).
    conflict = ConcurrencyConflict(2)
    assert (status_of(conflict), conflict.code) == (409, "concurrency_conflict")
    assert (
        message_of(conflict) == "Someone else just changed this case; reload and try again."
    )  # outside a request: English
