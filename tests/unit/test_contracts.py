"""The reaction table of the contract between the BPMN and the code (engine/contracts.py,
engine/reactions.py), without a database: a change is dispatched event by event, and a reaction
to an element its contract does not declare never registers. The contracts of the shipped
processes, at publish and at run time: tests/integration/engine/test_bpmn_contracts.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.contracts import ProcessContract, user_task
from engine.reactions import (
    COMPLETED,
    ENDED,
    REACHED,
    Capability,
    CaseSource,
    ReactionTable,
    completed,
    ended,
    reached,
)


def test_a_change_is_dispatched_event_by_event_then_capability_by_capability():
    calls = []

    def record(name):
        return lambda session, change: calls.append(name)

    contract = ProcessContract(
        "p", "test", "Thử", (user_task("t", "a task"), user_task("u", "another")), outcomes={"done": "done"}
    )
    table = ReactionTable()
    table.add(
        Capability(
            "first",
            (contract,),
            (ended("p", "done", record("first ended")), completed("p", "t", record("first completed"))),
        )
    )
    table.add(
        Capability(
            "second",
            (contract,),
            (completed("p", "t", record("second completed")), reached("p", "u", record("second reached"))),
        )
    )
    change = SimpleNamespace(
        instance=SimpleNamespace(process_key="p"),
        events=lambda: [(COMPLETED, "t"), (REACHED, "u"), (ENDED, "done")],
    )
    table.dispatch(None, change)
    assert calls == ["first completed", "second completed", "second reached", "first ended"]


def test_a_reaction_to_an_undeclared_element_does_not_register():
    contract = ProcessContract("p", "test", "Thử", (user_task("t", "a task"),), outcomes={"done": "done"})
    with pytest.raises(ValueError, match="p.other is not in the contract"):
        Capability("bad", (contract,), (completed("p", "other", print),))
    with pytest.raises(ValueError, match="not an outcome"):
        Capability("bad", (contract,), (ended("p", "t", print),))
    with pytest.raises(ValueError, match="a case source needs a user task of the contract"):
        Capability("bad", (contract,), (), case_sources=(CaseSource("p", "other", print),))
    table = ReactionTable()
    table.add(Capability("good", (contract,), ()))
    with pytest.raises(ValueError, match="twice"):
        table.add(Capability("good", (contract,), ()))
