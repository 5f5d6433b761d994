"""Workflow (de)serialization without the process spec.

SpiffWorkflow embeds the whole process spec in every serialized workflow (17 KB of
a 26 KB unit-proposal blob) and rebuilds it on every load. Our instances are pinned
to an immutable definition version whose spec is parsed once and cached, so the
stored blob holds only the task tree and data, and loading reuses the cached spec.
"""

from __future__ import annotations

import json
import zlib
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    SimpleTaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from engine import inner_events
from engine.errors import EngineError

FORMAT = "talentflow-specless-1"


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _specless_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    # Last, so that a stored conditional event definition restores as ours.
    config[inner_events.ConditionalEventDefinition] = TimerConditionalEventDefinitionConverter
    # Full data per task: ~10% faster both ways than the default delta-to-parent form at
    # the same compressed size, and a task restores without depending on its parent.
    config[Task] = SimpleTaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer = _specless_serializer()


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    """Compressed JSON: level 1 costs ~50 µs and shrinks a unit instance from ~9 KB to
    ~1.5 KB, so a save writes one database page instead of a chain of overflow pages."""
    return zlib.compress(_workflow_json(workflow).encode("utf-8"), 1)


def _workflow_json(workflow: BpmnWorkflow) -> str:
    registry = _serializer.registry
    registry._encoder_mode = True  # the same fast path serialize_json takes
    try:
        dct = registry.convert(workflow)
    finally:
        registry._encoder_mode = False
    dct["format"] = FORMAT
    return json.dumps(dct, cls=_serializer._encoder_cls, ensure_ascii=False, separators=(",", ":"))


def load_workflow(blob: bytes, spec, subprocess_specs: dict) -> BpmnWorkflow:
    dct = json.loads(zlib.decompress(blob))
    if dct.pop("format", None) != FORMAT:
        raise EngineError("stored workflow has an unknown serialization format")
    return _serializer.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
