"""Business-rule tasks: a BPMN ``businessRuleTask`` evaluates one decision table of its
bundle (``decisions/*.dmn``, engine.decision_tables) on the task's data (docs/decision-tables.md).

What the BPMN says, read at parse time:

- the decision: the extension ``spiffworkflow:calledDecisionId`` (what our editor writes),
  or Camunda's ``camunda:decisionRef`` attribute (files drawn in Camunda Modeler);
- where the result goes: the property ``resultVariable`` (or ``camunda:resultVariable``).
  Without one, a single-hit table's outputs become data keys of their own names (each None
  when no rule matches) and a multi-hit table's list (or aggregated number) is kept under
  the decision's id.

The table itself is attached to the task spec when the bundle is compiled, so an instance
always evaluates the table of the version it runs.
"""

from __future__ import annotations

import hashlib

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

from engine.decision_tables import DecisionTable, evaluate, is_single_hit

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
DECISION_EXTENSION = "calledDecisionId"
RESULT_PROPERTY = "resultVariable"


class DecisionTask(SpiffBpmnTask):
    """Evaluates its decision table in the sandbox and puts the result in the task's data."""

    def __init__(self, wf_spec, bpmn_id, decision_id: str | None, result_variable: str | None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision_id = decision_id
        self.result_variable = result_variable
        self.table: DecisionTable | None = None  # attached by engine.definitions.compile_bundle
        self.table_digest: str | None = None  # what the version diff compares

    def attach(self, table: DecisionTable, source: str) -> None:
        self.table = table
        self.table_digest = hashlib.sha256(source.encode("utf-8")).hexdigest()

    def _run_hook(self, my_task):
        assert self.table is not None, "compile_bundle attaches every table"
        helpers = my_task.workflow.script_engine.environment.helpers
        try:
            result = evaluate(self.table, my_task.data, helpers)
        except Exception as error:
            # engine.runtime._failure reads the engine's own message from __context__.
            raise WorkflowTaskException(str(error), task=my_task) from error
        my_task.data.update(result_data(self.table, self.decision_id or "", self.result_variable, result))
        return super()._run_hook(my_task)


def result_data(table: DecisionTable, decision_id: str, result_variable: str | None, result) -> dict:
    """The data keys a result becomes (see the module's docstring)."""
    if result_variable:
        return {result_variable: result}
    if is_single_hit(table):
        return {output.name: (result or {}).get(output.name) for output in table.outputs}
    return {decision_id: result}


class DecisionTaskParser(SpiffTaskParser):
    @staticmethod
    def get_decision_ref(node) -> str | None:
        """The decision a business-rule task names (SpiffWorkflow's parser asks this too)."""
        found = SpiffTaskParser._parse_extensions(node).get(DECISION_EXTENSION) or node.get(
            f"{{{CAMUNDA}}}decisionRef"
        )
        return (found or "").strip() or None

    def create_task(self):
        extensions = self.parse_extensions()
        result = extensions.get("properties", {}).get(RESULT_PROPERTY) or self.node.get(
            f"{{{CAMUNDA}}}resultVariable"
        )
        return DecisionTask(
            self.spec,
            self.bpmn_id,
            decision_id=self.get_decision_ref(self.node),
            result_variable=(result or "").strip() or None,
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )


class DecisionTaskConverter(SpiffBpmnTaskConverter):
    """Lets the version diff see a changed decision or table (engine.versions)."""

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct.update(
            decision_id=spec.decision_id, result_variable=spec.result_variable, table_digest=spec.table_digest
        )
        return dct

    def from_dict(self, dct):
        digest = dct.pop("table_digest", None)
        spec = self.task_spec_from_dict(dct)
        spec.table_digest = digest
        return spec
