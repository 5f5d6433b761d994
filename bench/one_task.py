"""The process the benchmarks run: one user task in lane unit_officer, its form a
single required note, with extra task properties and boundary events as given."""

from __future__ import annotations

from engine.definitions import Bundle

FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Báo cáo",
    "type": "object",
    "additionalProperties": False,
    "required": ["note"],
    "properties": {"note": {"title": "Nội dung", "type": "string", "minLength": 1, "maxLength": 500}},
}


def bundle(key: str, properties: str = "", boundary: str = "") -> Bundle:
    """``properties``: extra <spiffworkflow:property> elements; ``boundary``: XML attached to the task."""
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="http://talentflow.local/bench">
 <bpmn:process id="{key}" isExecutable="true">
  <bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="unit_officer">
   <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>task</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
  </bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="task" name="Báo cáo định kỳ"><bpmn:extensionElements><spiffworkflow:properties>
   <spiffworkflow:property name="formJsonSchemaFilename" value="form.schema.json"/>{properties}
  </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
  <bpmn:endEvent id="end"/>{boundary}
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
  <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
 </bpmn:process>
</bpmn:definitions>"""
    return Bundle(
        key,
        bpmn.encode(),
        {"form.schema.json": FORM},
        {"start_data_example": {"deadline": "2026-01-14T12:00:00+07:00"}},
    )
