"""Service tasks through registered connectors (docs/connectors.md).

A connector is a named operation that the capabilities register in Python, with its
parameters and their kinds: ``notify`` a role of a unit, ``generate_document`` from a
template, ``http_request`` to an endpoint the operator allows. A BPMN ``serviceTask`` names
one with SpiffWorkflow's extension (what spiff-arena's editor writes)::

    <spiffworkflow:serviceTaskOperator id="notify" resultVariable="notified">
      <spiffworkflow:parameters>
        <spiffworkflow:parameter id="role" type="str" value="'unit_head'"/>
      </spiffworkflow:parameters>
    </spiffworkflow:serviceTaskOperator>

Each parameter's value is a Python expression on the task's data, evaluated in the sandbox
when the task runs. The task then waits (STARTED) with the call in its internal data; the
runtime records the call (``connector_call``) in the step's transaction and:

- runs an in-process connector at once, in that transaction, and steps the instance on
  with its answer;
- leaves an outbound one (it leaves the product) to the scheduler, which performs it
  outside any transaction, retries it, and delivers the answer (engine.outbox).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

from engine.errors import EngineError
from engine.messages import Message
from engine.sandbox import check_expression

# Where the task spec leaves the evaluated call for the runtime, which takes it out
# before the instance is saved (like a call activity's child inputs).
PENDING_CALL = "connector_call"
# The BPMN error a call that failed for good throws at its service task's boundary events.
FAILED_CODE = "connector_failed"
KINDS = {
    "text": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "list": (list,),
    "object": (dict,),
    "any": (object,),
}


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # one of KINDS
    title: Message
    required: bool = True


@dataclass(frozen=True)
class CallContext:
    """What an in-process connector gets: the step's session and the call."""

    session: Any
    instance_id: int
    call_id: int
    idempotency_key: str
    at: Any  # the operation's instant


@dataclass(frozen=True)
class Connector:
    """A named operation a service task can run.

    ``run(context, params)`` (in-process) answers a JSON-ready dict in the step's
    transaction; an outbound connector has ``perform(params, idempotency_key, timeout)``
    instead, called by the scheduler outside any transaction. ``check(literals)`` says
    what is wrong with the parameters written as literals (an endpoint outside the
    allow-list) at publish time."""

    name: str
    title: Message
    parameters: tuple[Parameter, ...]
    run: Callable[[CallContext, dict], dict | None] | None = None
    perform: Callable[[dict, str, float], dict] | None = None
    check: Callable[[Mapping[str, Any]], list[Message]] = field(default=lambda literals: [])
    # What the case history names as the call's target (a role, a template, a host): never
    # a secret, never personal data.
    target: Callable[[Mapping[str, Any]], str | None] | None = None

    @property
    def outbound(self) -> bool:
        return self.perform is not None


class ConnectorError(EngineError):
    """A connector call that cannot be made or that failed for good."""

    code = "connector_error"


class ConnectorTask(SpiffBpmnTask):
    """Evaluates the parameters, then waits until the runtime completes it with the answer."""

    def __init__(
        self,
        wf_spec,
        bpmn_id,
        connector: str,
        parameters: dict[str, str],
        result_variable: str | None,
        **kwargs,
    ):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.connector = connector
        self.parameters = parameters  # name -> expression
        self.result_variable = result_variable

    def _run_hook(self, my_task):
        evaluate = my_task.workflow.script_engine.environment.evaluate
        params = {
            name: evaluate(expression, dict(my_task.data)) for name, expression in self.parameters.items()
        }
        my_task.internal_data[PENDING_CALL] = {"connector": self.connector, "params": params}
        return None  # STARTED: a wait state until the runtime has the answer


class ConnectorTaskParser(SpiffTaskParser):
    def create_task(self):
        extensions = self.parse_extensions()
        operator = extensions.get("serviceTaskOperator") or {}
        return ConnectorTask(
            self.spec,
            self.bpmn_id,
            connector=(operator.get("name") or "").strip(),
            parameters={name: param["value"] for name, param in (operator.get("parameters") or {}).items()},
            result_variable=(operator.get("resultVariable") or "").strip() or None,
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )


class ConnectorTaskConverter(SpiffBpmnTaskConverter):
    """Lets the version diff compare service tasks (engine.versions)."""

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct.update(connector=spec.connector, parameters=spec.parameters, result_variable=spec.result_variable)
        return dct

    def from_dict(self, dct):
        return self.task_spec_from_dict(dct)


def literal(expression: str) -> tuple[bool, Any]:
    """Whether an expression is a literal, and its value: what publishing can check."""
    try:
        return True, ast.literal_eval(expression.strip())
    except (ValueError, SyntaxError):
        return False, None


def task_problems(task_spec: ConnectorTask, connectors: Mapping[str, Connector]) -> list[Message]:
    """What is wrong with a service task, for the person publishing it."""
    if not task_spec.connector:
        return [Message("a service task must name its connector")]
    connector = connectors.get(task_spec.connector)
    if connector is None:
        return [
            Message(
                "the connector «%(name)s» does not exist; the connectors are: %(known)s",
                name=task_spec.connector,
                known=", ".join(sorted(connectors)) or "-",
            )
        ]
    problems: list[Message] = []
    declared = {parameter.name: parameter for parameter in connector.parameters}
    for parameter in connector.parameters:
        if parameter.required and not (task_spec.parameters.get(parameter.name) or "").strip():
            problems.append(
                Message(
                    "the connector «%(name)s» needs the parameter «%(parameter)s»",
                    name=connector.name,
                    parameter=parameter.name,
                )
            )
    literals = {}
    for name, expression in task_spec.parameters.items():
        if name not in declared:
            problems.append(
                Message(
                    "the connector «%(name)s» has no parameter «%(parameter)s»",
                    name=connector.name,
                    parameter=name,
                )
            )
            continue
        try:
            check_expression(expression)
        except EngineError as error:
            problems.append(
                Message("parameter «%(parameter)s»: %(problem)s", parameter=name, problem=error.message)
            )
            continue
        is_literal, value = literal(expression)
        if is_literal:
            if not _of_kind(value, declared[name].kind):
                problems.append(_wrong_kind(declared[name]))
            literals[name] = value
    return problems + connector.check(literals)


KIND_WORDS = {
    "text": Message("a text"),
    "number": Message("a number"),
    "boolean": Message("true or false"),
    "list": Message("a list"),
    "object": Message("an object"),
    "any": Message("a value"),
}


def checked_params(connector: Connector, params: Mapping[str, Any]) -> dict:
    """The evaluated parameters, refused (ConnectorError) when one has the wrong kind."""
    for parameter in connector.parameters:
        value = params.get(parameter.name)
        if value is None:
            if parameter.required:
                raise ConnectorError(
                    Message("the parameter «%(parameter)s» has no value", parameter=parameter.name)
                )
            continue
        if not _of_kind(value, parameter.kind):
            raise ConnectorError(_wrong_kind(parameter))
    return dict(params)


def _of_kind(value, kind: str) -> bool:
    """Whether ``value`` is of the parameter's kind (True is not a number here)."""
    return isinstance(value, KINDS[kind]) and not (kind == "number" and isinstance(value, bool))


def _wrong_kind(parameter: Parameter) -> Message:
    return Message(
        "parameter «%(parameter)s» must be %(kind)s",
        parameter=parameter.name,
        kind=KIND_WORDS[parameter.kind],
    )


def registry(connectors: Iterable[Connector]) -> dict[str, Connector]:
    found: dict[str, Connector] = {}
    for connector in connectors:
        if connector.name in found:
            raise ValueError(f"two connectors named {connector.name!r}")
        if (connector.run is None) == (connector.perform is None):
            raise ValueError(f"connector {connector.name!r} needs exactly one of run and perform")
        found[connector.name] = connector
    return found
