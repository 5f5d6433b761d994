"""Call activities run as linked instances (docs/call-activities.md).

SpiffWorkflow would run a called process, and every multi-instance child, inside the
caller's own serialized workflow: a 5,000-unit fan-out would make every click O(N).
Here a call activity is a wait state: its task spec evaluates the input mappings when
it runs and then waits (STARTED); the engine (engine.linking) starts the called process
as instances of their own and completes the waiting task when they are done.

What the BPMN says, read at parse time into ``CallSettings``:

- ``calledElement``: the key of the called process;
- the extension property ``calledVersion``: a version number to pin, else the newest
  published version when the call starts;
- properties ``in.<name>``: an expression on the calling task's data whose value the
  child starts with as ``<name>``; without any, the child starts with all the data;
- properties ``out.<name>``: an expression on the child's data at its end, whose value
  the caller's task receives as ``<name>``; without any, it receives all of it;
- properties ``lane.<lane>``: an expression on the calling task's data giving the id of
  the organisation unit that acts in that lane of the child (by default, the unit of
  the caller's lane of the same name);
- the property ``businessKey``: an expression giving the child's business key (by
  default, the caller's), what finds one child among many: ``campaign:7/unit:cg_vp``;
- ``multiInstanceLoopCharacteristics`` (parallel or sequential): a ``loopCardinality``
  or a ``loopDataInputRef`` collection with its ``inputDataItem``; a
  ``loopDataOutputRef`` collection gathered from each child's ``outputDataItem``;
  a ``completionCondition``.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

from engine import inner_events
from engine.business_rules import DecisionTask, DecisionTaskParser
from engine.connectors import ConnectorTask, ConnectorTaskParser

VERSION_PROPERTY, BUSINESS_KEY_PROPERTY = "calledVersion", "businessKey"
INPUT_PREFIX, OUTPUT_PREFIX, LANE_PREFIX = "in.", "out.", "lane."
# Where the task spec leaves each child's start data for the engine, which takes it out
# before the caller is saved (it is never part of the caller's stored workflow).
CHILD_INPUTS = "call_inputs"
BUSINESS_KEY_LENGTH = 200  # the column's (process_instance.business_key)
# What each child sees beside its input item, as the BPMN standard names it.
LOOP_COUNTER = "loopCounter"
COUNTERS = ("nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances")


@dataclass(frozen=True)
class Loop:
    """A multi-instance call activity's settings."""

    sequential: bool
    cardinality: str | None  # an expression, or...
    collection: str | None  # ...the name of the input collection
    input_item: str | None
    output_collection: str | None
    output_item: str | None
    condition: str | None  # the completion condition, an expression


@dataclass(frozen=True)
class CallSettings:
    called_key: str
    version: int | None  # pinned; None: the newest published when the call starts
    inputs: dict[str, str]  # child's name -> expression on the calling task's data
    outputs: dict[str, str]  # caller's name -> expression on the child's data at its end
    lanes: dict[str, str]  # child's lane -> expression giving its organisation unit's id
    loop: Loop | None
    business_key: str | None = None  # an expression; None: the caller's business key

    def expressions(self) -> Iterable[str]:
        yield from self.inputs.values()
        yield from self.outputs.values()
        yield from self.lanes.values()
        if self.business_key:
            yield self.business_key
        if self.loop is not None:
            yield from filter(None, (self.loop.cardinality, self.loop.condition))


class LinkedCallActivity(SpiffBpmnTask):
    """Runs the input mappings, then waits until the engine completes it."""

    def __init__(self, wf_spec, bpmn_id, settings: CallSettings, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.settings = settings

    def _run_hook(self, my_task):
        my_task.internal_data[CHILD_INPUTS] = self.child_inputs(my_task)
        return None  # STARTED: a wait state until the children are done

    def child_inputs(self, my_task) -> list[dict]:
        """Each child's start data, lane units and business key (``{"data": ...,
        "lanes": ..., "business_key": ...}``), in order; an expression that fails stops the
        task in error (an administrator retries it once the cause is fixed)."""
        settings, data = self.settings, my_task.data
        evaluate = my_task.workflow.script_engine.environment.evaluate
        items = [None] if settings.loop is None else self._items(my_task, settings.loop, evaluate)
        children = []
        for index, item in enumerate(items):
            scope = dict(data)
            if settings.loop is not None:
                scope[LOOP_COUNTER] = index
                if settings.loop.input_item:
                    scope[settings.loop.input_item] = item
            child = {}
            for name, expression in settings.inputs.items():
                child[name] = self._evaluate(my_task, evaluate, expression, scope)
            if not settings.inputs:
                child = dict(scope)
            elif settings.loop is not None and settings.loop.input_item:
                child[settings.loop.input_item] = item
            lanes = {
                lane: self._unit_id(my_task, evaluate, lane, expression, scope)
                for lane, expression in settings.lanes.items()
            }
            entry: dict = {"data": child, "lanes": lanes}
            if settings.business_key:
                entry["business_key"] = self._business_key(my_task, evaluate, settings.business_key, scope)
            children.append(entry)
        return children

    def _business_key(self, my_task, evaluate, expression: str, scope: dict) -> str:
        key = self._evaluate(my_task, evaluate, expression, scope)
        if not isinstance(key, str) or not 0 < len(key) <= BUSINESS_KEY_LENGTH:
            raise WorkflowTaskException(
                f"{BUSINESS_KEY_PROPERTY}: {expression!r} gave {key!r}, not a text of 1 to "
                f"{BUSINESS_KEY_LENGTH} characters",
                task=my_task,
            )
        return key

    def _items(self, my_task, loop: Loop, evaluate) -> list:
        if loop.cardinality is not None:
            count = self._evaluate(my_task, evaluate, loop.cardinality, dict(my_task.data))
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise WorkflowTaskException(
                    f"the cardinality {loop.cardinality!r} gave {count!r}, not a whole number", task=my_task
                )
            return list(range(count))
        collection = my_task.data.get(loop.collection)
        if isinstance(collection, dict):
            return list(collection.values())
        if not isinstance(collection, list):
            raise WorkflowTaskException(
                f"the input collection {loop.collection!r} is {type(collection).__name__}, not a list",
                task=my_task,
            )
        return collection

    def _unit_id(self, my_task, evaluate, lane: str, expression: str, scope: dict) -> int:
        unit_id = self._evaluate(my_task, evaluate, expression, scope)
        if not isinstance(unit_id, int) or isinstance(unit_id, bool):
            raise WorkflowTaskException(
                f"lane.{lane}: {expression!r} gave {unit_id!r}, not the id of an organisation unit",
                task=my_task,
            )
        return unit_id

    @staticmethod
    def _evaluate(my_task, evaluate, expression: str, scope: dict):
        read = _plain_read(expression)
        if read is not None:
            try:
                return read(scope)
            except (KeyError, TypeError):
                pass  # the sandbox says what is wrong, in its words
        try:
            return evaluate(expression, scope)
        except Exception as error:
            raise WorkflowTaskException(f"{expression!r} failed: {error}", task=my_task) from error


# A mapping is most often a name (``campaign_id``) or an item of one (``unit['code']``):
# read at once, the same value the sandbox would give, without its set-up, which a call
# with 5,000 children and a dozen mappings would pay 60,000 times.
_PLAIN_READ = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\[\s*(?:'([^'\\]*)'|\"([^\"\\]*)\")\s*\])?\s*")


@functools.lru_cache(maxsize=1024)
def _plain_read(expression: str) -> Callable[[dict], object] | None:
    match = _PLAIN_READ.fullmatch(expression)
    if match is None or keyword.iskeyword(match.group(1)):
        return None
    name, key = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
    if key is None:
        return lambda scope: scope[name]
    return lambda scope: scope[name][key]


class LinkedCallActivityParser(SpiffTaskParser):
    def create_task(self):
        extensions = self.parse_extensions()
        properties = extensions.get("properties", {})
        version = properties.get(VERSION_PROPERTY, "").strip()
        settings = CallSettings(
            called_key=self.node.get("calledElement") or "",
            version=int(version) if version.isdigit() else None,
            inputs=_prefixed(properties, INPUT_PREFIX),
            outputs=_prefixed(properties, OUTPUT_PREFIX),
            lanes=_prefixed(properties, LANE_PREFIX),
            loop=self._loop(),
            business_key=properties.get(BUSINESS_KEY_PROPERTY, "").strip() or None,
        )
        if version and not version.isdigit() and version != "latest":
            self.raise_validation_exception(f"{VERSION_PROPERTY} must be a version number or 'latest'")
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            settings=settings,
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )

    def _loop(self) -> Loop | None:
        found = self.xpath("./bpmn:multiInstanceLoopCharacteristics")
        if not found:
            return None
        characteristics = found[0]

        def text(tag: str) -> str | None:
            nodes = self.xpath(f"./bpmn:multiInstanceLoopCharacteristics/bpmn:{tag}")
            value = (nodes[0].text or "").strip() if nodes else ""
            return value or None

        def item(tag: str) -> str | None:
            nodes = self.xpath(f"./bpmn:multiInstanceLoopCharacteristics/bpmn:{tag}")
            return (nodes[0].get("name") or nodes[0].get("id")) if nodes else None

        loop = Loop(
            sequential=characteristics.get("isSequential") == "true",
            cardinality=text("loopCardinality"),
            collection=text("loopDataInputRef"),
            input_item=item("inputDataItem"),
            output_collection=text("loopDataOutputRef"),
            output_item=item("outputDataItem"),
            condition=text("completionCondition"),
        )
        if (loop.cardinality is None) == (loop.collection is None):
            self.raise_validation_exception(
                "a multi-instance call activity needs exactly one of a cardinality or an input collection"
            )
        if (loop.output_collection is None) != (loop.output_item is None):
            self.raise_validation_exception(
                "an output collection and an output item go together on a multi-instance call activity"
            )
        return loop

    def _add_multiinstance_task(self, loop_characteristics):
        """The engine runs the children as instances of their own (see create_task);
        SpiffWorkflow must not wrap the task in its in-memory multi-instance."""


class TalentFlowParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("callActivity"): (LinkedCallActivityParser, LinkedCallActivity),
        full_tag("startEvent"): (inner_events.StartEventParser, StartEvent),
        full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask),
        full_tag("serviceTask"): (ConnectorTaskParser, ConnectorTask),
    }


def _prefixed(properties: dict, prefix: str) -> dict[str, str]:
    return {
        name[len(prefix) :]: value
        for name, value in properties.items()
        if name.startswith(prefix) and name[len(prefix) :]
    }


def names_read(expression: str) -> set[str]:
    """The data names an expression reads (not those it binds itself, as in a comprehension)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return set()
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound - set(dir(builtins))


def script_targets(script: str) -> set[str]:
    """The names a script assigns (what it adds to the data)."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


class LinkedCallActivityConverter(SpiffBpmnTaskConverter):
    """Lets SpiffWorkflow's version diff compare call activities (engine.versions)."""

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["settings"] = dataclasses.asdict(spec.settings)
        return dct

    def from_dict(self, dct):
        settings = dict(dct.pop("settings"))
        loop = settings.pop("loop")
        dct["settings"] = CallSettings(**settings, loop=Loop(**loop) if loop else None)
        return super().from_dict(dct)
