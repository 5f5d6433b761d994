"""User code on a budget: a family of abuses, each stopped by the sandbox before it holds a
worker, while everyday code runs. Through the scheduler, on both databases (named by its
element, the instance in error once and never retried, nobody else held up):
tests/integration/engine/test_budget_in_the_scheduler.py."""

from __future__ import annotations

import pytest
from factories.abusive_scripts import ABUSES

from engine.errors import BudgetExceeded
from engine.sandbox import RestrictedEnvironment


@pytest.mark.parametrize("script, n", ABUSES.values(), ids=ABUSES.keys())
def test_each_abuse_is_stopped_by_the_budget(script, n):
    data = {"n": n}
    with pytest.raises(BudgetExceeded):
        RestrictedEnvironment({}).execute(script, data)
    assert "x" not in data  # nothing the stopped run computed is kept


@pytest.mark.parametrize("expression", ["len('a' * n) > 0", "len(sorted(range(n))) > 0", "sum(range(n)) > 0"])
def test_conditions_and_timer_expressions_are_on_the_same_budget(expression):
    with pytest.raises(BudgetExceeded):
        RestrictedEnvironment({}).evaluate(expression, {"n": 10**9})


def test_everyday_code_runs_within_the_budget():
    data = {"scores": [7.5, 8, 9.25], "name": "Nguyễn Văn A"}
    RestrictedEnvironment({}).execute(
        "total = sum(scores)\naverage = round(total / len(scores), 2)\n"
        "label = f'{name:<20}|{average:>6.2f}'\nparts = ', '.join(str(s) for s in sorted(scores))\n"
        "padded = str(len(scores)).zfill(3)\nsquares = [s ** 2 for s in range(10)]\nbig = 2 ** 64\n"
        "line = '%-10s%5d' % ('units', 10)\nceiling = math.ceil(average)",
        data,
    )
    assert data["average"] == 8.25 and data["padded"] == "003" and data["big"] == 2**64
    assert data["label"] == "Nguyễn Văn A        |  8.25" and data["line"] == "units        10"
