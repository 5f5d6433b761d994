"""What publishing refuses in a bundle's decision tables and business-rule tasks, each
problem naming the file, decision, rule and column or the task by its label
(docs/decision-tables.md)."""

import dataclasses
from xml.sax.saxutils import escape

import pytest
from factories.bpmn import Node, probe_bundle, process_xml, script_task

from engine.contracts import DecisionUse, ProcessContract
from engine.definitions import compile_bundle
from engine.errors import DefinitionRejected
from services.identity import user_by_username
from services.process_admin import _drafts as process_drafts

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
TASK_LABEL = "Xét điều kiện tuổi"


def dmn(cells=(("< 40", "True"),), policy="UNIQUE", decision="dieu_kien", input_expression="tuoi"):
    """A DMN file with one input «Tuổi» and one output du_dieu_kien «Đủ điều kiện»; each rule
    is the input cell then the output cells."""
    rules = "".join(
        f'<rule id="r{n}">'
        + f"<inputEntry><text>{escape(row[0])}</text></inputEntry>"
        + "".join(f"<outputEntry><text>{escape(c)}</text></outputEntry>" for c in row[1:])
        + "</rule>"
        for n, row in enumerate(cells)
    )
    return (
        f'<?xml version="1.0"?><definitions xmlns="{NS}" id="d" name="Quy tắc" namespace="t">'
        f'<decision id="{decision}" name="Điều kiện tuổi"><decisionTable id="t" hitPolicy="{policy}">'
        f'<input id="i" label="Tuổi"><inputExpression><text>{escape(input_expression)}</text>'
        '</inputExpression></input><output id="o" name="du_dieu_kien" label="Đủ điều kiện"/>'
        f"{rules}</decisionTable></decision></definitions>"
    )


def rule_task(decision: str | None = "dieu_kien", result: str | None = None) -> Node:
    called = (
        f"<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>" if decision else ""
    )
    prop = (
        f'<spiffworkflow:properties><spiffworkflow:property name="resultVariable" value="{result}"/>'
        "</spiffworkflow:properties>"
        if result
        else ""
    )
    return Node(
        "xet_tuoi",
        f'<bpmn:businessRuleTask id="xet_tuoi" name="{TASK_LABEL}"><bpmn:extensionElements>{called}{prop}'
        "</bpmn:extensionElements></bpmn:businessRuleTask>",
    )


def bundle(decisions, task: Node | None = None):
    probe = probe_bundle(process_xml(script_task("tinh_tuoi", "tuoi = 39"), task or rule_task()))
    return dataclasses.replace(probe, decisions=decisions)


def problems(decisions, task: Node | None = None, **options) -> str:
    with pytest.raises(DefinitionRejected) as raised:
        compile_bundle(bundle(decisions, task), **options)
    return "\n".join(str(p) for p in raised.value.problems) + "\n" + str(raised.value)


def test_a_correct_bundle_compiles():
    compiled = compile_bundle(bundle({"dieu_kien.dmn": dmn()}))
    assert set(compiled.decisions) == {"dieu_kien"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("khong phai xml", "decisions/dieu_kien.dmn"),
        (f'<definitions xmlns="{NS}"/>', "no decision table"),
        (dmn(cells=(('date("2026-01-01")', "True"),)), "rule 1, column «Tuổi»"),
        (dmn(cells=(("string length(x) > 3", "True"),)), "FEEL"),
        (dmn(cells=(("< 40",),)), "rule 1: the rule does not have one entry per"),
        (dmn(cells=(("? .__class__", "True"),)), "rule 1, column «Tuổi»"),
        (dmn(cells=(("__import__('os')", "True"),)), "rule 1, column «Tuổi»"),
        (
            dmn().replace("<inputEntry>", '<inputEntry expressionLanguage="javascript">'),
            "rule 1, column «Tuổi»: the cell is written in javascript",
        ),
        (dmn(policy="SOMETIMES"), "unknown hit policy SOMETIMES"),
        (dmn(input_expression="han_muc"), "column «Tuổi»: han_muc is not data known"),
        (dmn(cells=(("< han_muc", "True"),)), "han_muc is not data known"),
        (dmn(cells=(("< 40", "muc_rieng"),)), "muc_rieng is not data known"),
        (dmn(cells=(("[10..1]", "True"),)), "rule 1, column «Tuổi»: the rule can never match ([10..1])"),
    ],
)
def test_each_table_problem_is_refused_and_named(source, expected):
    found = problems({"dieu_kien.dmn": source})
    assert expected in found and "decisions/dieu_kien.dmn" in found, found


def test_a_doctype_refuses_the_bundle_whole():
    with pytest.raises(DefinitionRejected):
        compile_bundle(bundle({"dieu_kien.dmn": '<!DOCTYPE d [<!ENTITY x "y">]>' + dmn()[21:]}))


def test_outputs_outside_their_values_and_unreadable_values():
    values = dmn().replace(
        'label="Đủ điều kiện"/>', 'label="Đủ điều kiện"><outputValues><text>{}</text></outputValues></output>'
    )
    assert "not one of the allowed values" in problems(
        {"d.dmn": values.format('"A","B"').replace("True", '"C"')}
    )
    assert "allowed values" in problems({"d.dmn": values.format('"A", B C')})


def test_aggregation_with_several_outputs_is_refused():
    source = dmn(cells=(("-", "1", "2"),), policy='COLLECT" aggregation="SUM')
    source = source.replace('<output id="o"', '<output id="o2" name="khac" label="Khác"/><output id="o"')
    assert "aggregation" in problems({"d.dmn": source})


def test_two_files_with_one_decision_id():
    found = problems({"a.dmn": dmn(), "b.dmn": dmn()})
    assert "decisions/b.dmn: the decision id «dieu_kien» is already used by another file" in found


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (rule_task(None), "must name the decision table it evaluates"),
        (rule_task("khong_co"), "the decision table «khong_co» is not in the process's decision tables"),
        (rule_task(result="ket qua"), "«ket qua» is not a data name"),
    ],
)
def test_business_rule_task_problems_name_the_task(task, expected):
    found = problems({"dieu_kien.dmn": dmn()}, task)
    assert expected in found and TASK_LABEL in found, found


def test_a_contract_needing_a_missing_table_or_output():
    contract = ProcessContract(
        key="probe",
        needed_by="tests",
        capability="thử",
        decisions=(DecisionUse("khong_co", "bảng thiếu"), DecisionUse("dieu_kien", "tuổi", outputs=("muc",))),
    )
    found = problems({"dieu_kien.dmn": dmn()}, contracts=[contract])
    assert "khong_co" in found and "muc" in found, found


CAMUNDA = (
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">'
    '<bpmn:process id="Process_xet_tuoi" name="Xét tuổi" isExecutable="true">'
    '<bpmn:startEvent id="StartEvent_1"/>'
    f'<bpmn:businessRuleTask id="Activity_1" name="{TASK_LABEL}" camunda:decisionRef="dieu_kien" '
    'camunda:resultVariable="ket_qua"/><bpmn:endEvent id="Event_1"/>'
    '<bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_1"/>'
    '<bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_1" targetRef="Event_1"/>'
    "</bpmn:process></bpmn:definitions>"
)


def test_a_camunda_drawing_becomes_a_draft_missing_its_table(commune):
    with commune.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        result = process_drafts.import_file(
            session, commune.runtime, admin, CAMUNDA.encode(), None, "xet-tuoi.bpmn", commune.clock.now()
        )
    [(_key, _title, found)] = result.drafts
    text = "\n".join(str(p) for p in found)
    assert "«dieu_kien» is not in the process's decision tables" in text, text
