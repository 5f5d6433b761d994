"""Business-rule tasks in running instances: where the result goes, a gateway on it, evaluation
errors stopping the instance with the task named, version pinning, the version diff and
runtime.decide (docs/decision-tables.md). Both backends."""

from __future__ import annotations

import dataclasses
from xml.sax.saxutils import escape

import pytest
from factories.bpmn import Node, probe_bundle, process_xml, user_task
from factories.linked_runs import publish_all, start

from engine.errors import NotFound
from engine.models import ProcessInstance
from engine.serializer import load_workflow
from engine.versions import diff_versions
from engine.workflow_tasks import newest_data

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
TASK_LABEL = "Xét điều kiện tuổi"


def dmn(rules, policy="UNIQUE", outputs=("muc",)) -> str:
    """Decision «dieu_kien»: input «Tuổi» (tuoi), then one column per output."""
    columns = "".join(f'<output id="o_{name}" name="{name}" label="Cột {name}"/>' for name in outputs)
    body = "".join(
        f'<rule id="r{n}">'
        + f"<inputEntry><text>{escape(row[0])}</text></inputEntry>"
        + "".join(f"<outputEntry><text>{escape(cell)}</text></outputEntry>" for cell in row[1:])
        + "</rule>"
        for n, row in enumerate(rules)
    )
    return (
        f'<?xml version="1.0"?><definitions xmlns="{NS}" id="d" name="Quy tắc" namespace="t">'
        f'<decision id="dieu_kien" name="Điều kiện tuổi"><decisionTable id="t" hitPolicy="{policy}">'
        '<input id="i" label="Tuổi"><inputExpression><text>tuoi</text></inputExpression></input>'
        f"{columns}{body}</decisionTable></decision></definitions>"
    )


def rule_task(result: str | None = None) -> Node:
    prop = (
        f'<spiffworkflow:properties><spiffworkflow:property name="resultVariable" value="{result}"/>'
        "</spiffworkflow:properties>"
        if result
        else ""
    )
    return Node(
        "xet_tuoi",
        f'<bpmn:businessRuleTask id="xet_tuoi" name="{TASK_LABEL}"><bpmn:extensionElements>'
        f"<spiffworkflow:calledDecisionId>dieu_kien</spiffworkflow:calledDecisionId>{prop}"
        "</bpmn:extensionElements></bpmn:businessRuleTask>",
    )


def bundle(source: str, result: str | None = None, bpmn: bytes | None = None):
    probe = probe_bundle(bpmn or process_xml(rule_task(result), user_task("task")))
    meta = probe.meta | {"start_data_example": {"tuoi": 30}}
    return dataclasses.replace(probe, meta=meta, decisions={"dieu_kien.dmn": source})


def run(services, source: str, tuoi, result: str | None = None) -> ProcessInstance:
    publish_all(services, bundle(source, result))
    instance_id = start(services, "probe", {"tuoi": tuoi})
    with services.db.read() as session:
        return session.get(ProcessInstance, instance_id)


def data(services, row: ProcessInstance) -> dict:
    with services.db.read() as session:
        compiled = services.runtime.specs.by_id(session, row.definition_id)
    return newest_data(load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs))


AGE_RULES = [["< 40", '"tre"'], [">= 40", '"lon"']]


def test_single_hit_outputs_go_under_their_names(services):
    row = run(services, dmn(AGE_RULES), 39)
    assert row.status == "running"
    assert data(services, row)["muc"] == "tre"


def test_no_match_gives_none(services):
    row = run(services, dmn([["< 40", '"tre"']]), 40)
    assert row.status == "running" and data(services, row)["muc"] is None


def test_multi_hit_list_goes_under_the_decision_id(services):
    row = run(services, dmn([["-", '"a"'], ["< 40", '"b"']], policy="COLLECT"), 39)
    assert data(services, row)["dieu_kien"] == [{"muc": "a"}, {"muc": "b"}]


def test_aggregation_gives_a_number(services):
    row = run(services, dmn([["-", "2"], ["< 40", "3"]], policy='COLLECT" aggregation="SUM'), 39)
    assert data(services, row)["dieu_kien"] == 5


def test_result_variable_takes_the_whole_result(services):
    row = run(services, dmn(AGE_RULES), 45, result="ket_qua")
    found = data(services, row)
    assert found["ket_qua"] == {"muc": "lon"} and "muc" not in found


@pytest.mark.parametrize(
    ("source", "tuoi"),
    [
        (dmn([["< 40", '"a"'], ["< 50", '"b"']]), 39),  # UNIQUE, rules 1 and 2 both match
        (dmn([["len([i for i in range(10**9)]) > ?", '"a"']]), 39),  # over the sandbox budget
    ],
)
def test_an_evaluation_error_stops_the_instance_naming_the_task(services, source, tuoi):
    row = run(services, source, tuoi)
    assert row.status == "error"
    assert TASK_LABEL in row.error_message or "xet_tuoi" in row.error_message, row.error_message
    assert "muc" not in data(services, row)


GATEWAY = (
    '<bpmn:exclusiveGateway id="chon" default="f_lon"/>'
    '<bpmn:scriptTask id="tre"><bpmn:script>nhanh = "tre"</bpmn:script></bpmn:scriptTask>'
    '<bpmn:scriptTask id="lon"><bpmn:script>nhanh = "lon"</bpmn:script></bpmn:scriptTask>'
    '<bpmn:endEvent id="end2"/>'
    '<bpmn:sequenceFlow id="f_tre" sourceRef="chon" targetRef="tre">'
    '<bpmn:conditionExpression>muc == "tre"</bpmn:conditionExpression></bpmn:sequenceFlow>'
    '<bpmn:sequenceFlow id="f_lon" sourceRef="chon" targetRef="lon"/>'
    '<bpmn:sequenceFlow id="f_tre_end" sourceRef="tre" targetRef="end2"/>'
    '<bpmn:sequenceFlow id="f_lon_end" sourceRef="lon" targetRef="end2"/>'
)


def test_a_gateway_branches_on_the_result(services):
    bpmn = process_xml(rule_task(), lanes=False, extra=GATEWAY).replace(
        b'sourceRef="xet_tuoi" targetRef="end"', b'sourceRef="xet_tuoi" targetRef="chon"'
    )
    publish_all(services, bundle(dmn(AGE_RULES), bpmn=bpmn))
    reached = {}
    for tuoi in (39, 40):
        instance_id = start(services, "probe", {"tuoi": tuoi})
        with services.db.read() as session:
            reached[tuoi] = data(services, session.get(ProcessInstance, instance_id))["nhanh"]
    assert reached == {39: "tre", 40: "lon"}


def test_missing_data_in_a_cell_stops_the_instance(services):
    row = run(services, dmn(AGE_RULES), None)
    assert row.status == "error" and "Tuổi" in row.error_message
    assert "muc" not in data(services, row)


def test_decide_uses_the_newest_version_and_refuses_a_missing_decision(services):
    publish_all(services, bundle(dmn(AGE_RULES)))
    publish_all(services, bundle(dmn([["< 30", '"tre"'], [">= 30", '"lon"']])))
    with services.db.read() as session:
        assert services.runtime.decide(session, "probe", "dieu_kien", {"tuoi": 35}) == {"muc": "lon"}
        with pytest.raises(NotFound):
            services.runtime.decide(session, "probe", "khong_co", {"tuoi": 35})


def test_instances_keep_their_version_and_the_diff_names_the_task(services):
    publish_all(services, bundle(dmn(AGE_RULES)))
    old = start(services, "probe", {"tuoi": 35})
    publish_all(services, bundle(dmn([["< 30", '"tre"'], [">= 30", '"lon"']])))
    new = start(services, "probe", {"tuoi": 35})
    with services.db.read() as session:
        rows = {i: session.get(ProcessInstance, i) for i in (old, new)}
    assert data(services, rows[old])["muc"] == "tre"
    assert data(services, rows[new])["muc"] == "lon"
    with services.db.read() as session:
        specs = [services.runtime.specs.by_id(session, rows[i].definition_id) for i in (old, new)]
    assert "xet_tuoi" in diff_versions(*specs).changed
