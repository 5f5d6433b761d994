"""Breach of commitment and refund (docs/processes.md#breach-of-commitment-and-refund), the
arithmetic without a database: the whole months served. The breach cases themselves:
tests/integration/evaluation/test_breach_and_refund.py."""

from datetime import date

from services.evaluation import _breaches as breaches


def test_whole_months_served():
    assert breaches.whole_months(date(2026, 4, 1), date(2028, 9, 1)) == 29
    assert breaches.whole_months(date(2026, 3, 16), date(2028, 9, 15)) == 29
    assert breaches.whole_months(date(2026, 3, 16), date(2028, 9, 16)) == 30
    assert breaches.whole_months(date(2026, 3, 16), date(2026, 3, 16)) == 0
