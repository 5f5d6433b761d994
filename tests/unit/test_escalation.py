"""A reminder or escalation policy that cannot work is refused when the process is compiled,
with its reason (docs/deadlines.md#reminders-and-escalations). Reminders and escalations in
simulated time: tests/integration/deadlines/test_reminders_and_escalations.py."""

import pytest
from factories.bpmn import probe_bundle, process_xml, user_task

from engine.definitions import compile_bundle
from engine.errors import DefinitionRejected


@pytest.mark.parametrize(
    "policy, problem",
    [
        ({"escalation_action": "ignore"}, "escalation_action «ignore» is not one of"),
        ({"escalation_action": "close"}, "needs an interrupting timer"),
        ({"reminders": "tomorrow"}, "reminder «tomorrow» is neither"),
        ({"escalation": "P1X"}, "escalation delay «P1X» is not an ISO 8601 duration"),
        ({"due": "deadline + 1"}, "due «deadline + 1» does not evaluate"),
        ({"due": "'2026-01-14T12:00:00'"}, "does not evaluate"),  # no UTC offset
    ],
)
def test_a_bad_policy_is_refused_at_publish_with_its_reason(policy, problem):
    bpmn = process_xml(user_task("task", **policy), lane="unit_officer")
    with pytest.raises(DefinitionRejected) as refused:
        compile_bundle(probe_bundle(bpmn))
    assert any(problem in found for found in refused.value.problems)
