"""engine.importing: files as other modelers export them become processes of ours."""

from __future__ import annotations

import pytest
from factories import FIXTURES
from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import DefinitionRejected
from engine.importing import BPMN_MODEL, prepare_import

CORPUS = FIXTURES / "modelers"
B = f"{{{BPMN_MODEL}}}"

CAMUNDA = """<?xml version="1.0" encoding="{encoding}"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1" targetNamespace="t">
  <bpmn:process id="Process_0abc" name="{title}" isExecutable="false">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_0gnvuqr" name="Lập đề xuất nhu cầu" camunda:assignee="x">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="Activity_1" name="Lập đề xuất nhu cầu"><bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="Event_0x"><bpmn:incoming>Flow_3</bpmn:incoming><bpmn:incoming>Flow_4</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_0gnvuqr"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_0gnvuqr" targetRef="Activity_1"/>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Activity_0gnvuqr" targetRef="Event_0x"/>
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_1" targetRef="Event_0x"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_0abc">
    <bpmndi:BPMNShape id="Activity_0gnvuqr_di" bpmnElement="Activity_0gnvuqr">
      <dc:Bounds x="100" y="100" width="100" height="80"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def camunda(title="Tuyển dụng", encoding="UTF-8") -> bytes:
    return CAMUNDA.format(title=title, encoding=encoding).encode("utf-8")


def root_of(process):
    return etree.fromstring(process.bpmn)


def ids_of(root) -> set[str]:
    return {element.get("id") for element in root.iter() if isinstance(element.tag, str)} - {None}


def references_resolve(root) -> None:
    ids = ids_of(root)
    for element in root.iter(f"{B}*"):
        for attribute in ("sourceRef", "targetRef", "default", "attachedToRef", "processRef"):
            assert element.get(attribute) in (None, *ids), (element.tag, attribute)
    for element in root.iter(f"{B}incoming", f"{B}outgoing", f"{B}flowNodeRef"):
        assert element.text in ids
    for element in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}*"):
        assert element.get("bpmnElement") in (None, *ids)


def parses(process) -> None:
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.ElementTree(root_of(process)), filename=process.key)
    parser.get_spec(process.key)


def test_generated_ids_become_names_from_labels_and_every_reference_follows():
    plan = prepare_import(camunda(), None, "tuyen dung.bpmn")
    [process] = plan.processes
    assert process.key == "tuyen_dung" and process.title == "Tuyển dụng"
    root = root_of(process)
    assert {"lap_de_xuat_nhu_cau", "lap_de_xuat_nhu_cau_2", "start_event", "end_event"} <= ids_of(root)
    assert "lap_de_xuat_nhu_cau_di" in ids_of(root)
    renamed = {renaming.old: renaming for renaming in plan.renamed}
    assert renamed["Activity_0gnvuqr"].new == "lap_de_xuat_nhu_cau"
    assert renamed["Activity_0gnvuqr"].label == "Lập đề xuất nhu cầu"
    assert renamed["Activity_0gnvuqr"].kind == "userTask"
    # Named after its ends, trimmed to a sensible length.
    assert renamed["Flow_4"].new == "flow_from_lap_de_xuat_nhu_cau_2_to_end"
    references_resolve(root)
    parses(process)


def test_a_given_key_names_the_process_and_a_long_label_is_trimmed():
    plan = prepare_import(camunda(title="x" * 10), "hiring_review", "a.bpmn")
    assert plan.processes[0].key == "hiring_review"
    long = prepare_import(camunda(title="Quy trình " * 20), None, "a.bpmn").processes[0].key
    assert len(long) <= 40 and long.startswith("quy_trinh")
    assert prepare_import(camunda(title="2024 tuyển"), None, "a.bpmn").processes[0].key == "n_2024_tuyen"


def test_a_task_with_several_outgoing_flows_gets_a_gateway_and_the_process_becomes_executable():
    plan = prepare_import(camunda(), None, "a.bpmn")
    root = root_of(plan.processes[0])
    [gateway] = root.iter(f"{B}parallelGateway")
    assert gateway.get("id") == "lap_de_xuat_nhu_cau_split"
    assert root.find(f"{B}process").get("isExecutable") == "true"
    shapes = [s.get("bpmnElement") for s in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")]
    assert "lap_de_xuat_nhu_cau_split" in shapes
    notes = [note.template for note in plan.notes]
    assert any("gateway was added" in note for note in notes)
    assert any("marked executable" in note for note in notes)
    assert root.find(f".//{B}userTask").get("{http://camunda.org/schema/1.0/bpmn}assignee") == "x"


def test_conditional_flows_leaving_a_task_get_an_inclusive_gateway():
    plan = prepare_import(
        (CORPUS / "camunda7_task_with_two_outgoing_flows.bpmn").read_bytes(), None, "a.bpmn"
    )
    root = root_of(plan.processes[0])
    assert len(list(root.iter(f"{B}parallelGateway", f"{B}inclusiveGateway"))) >= 1
    references_resolve(root)
    parses(plan.processes[0])


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("camunda7_three_pools.bpmn", ["ubnd_xa", "so_noi_vu", "ubnd_thanh_pho"]),
        ("signavio_collaboration.bpmn", ["van_phong_ubnd", "phong_noi_vu"]),
        ("spiff_arena_messages.bpmn", ["don_vi_de_nghi", "phong_noi_vu"]),
    ],
)
def test_a_collaboration_becomes_one_process_per_executable_pool(name, keys):
    plan = prepare_import((CORPUS / name).read_bytes(), None, name)
    assert [process.key for process in plan.processes] == keys
    assert plan.collaboration is not None
    for process in plan.processes:
        root = root_of(process)
        assert [p.get("id") for p in root.findall(f"{B}process")] == [process.key]
        assert not list(root.iter(f"{B}messageFlow"))
        for participant in root.iter(f"{B}participant"):
            assert participant.get("processRef") == process.key
        references_resolve(root)
        parses(process)


CORRELATED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:collaboration id="Collaboration_1" name="Hai bên">
    <bpmn:participant id="Participant_1" name="Bên A" processRef="Process_1"/>
    <bpmn:participant id="Participant_2" name="Bên B" processRef="Process_2"/>
    <bpmn:messageFlow id="Flow_m" sourceRef="Event_send" targetRef="Event_receive" messageRef="Message_1"/>
    <bpmn:correlationKey id="CorrelationKey_1" name="ho_so">
      <bpmn:correlationPropertyRef>CorrelationProperty_1</bpmn:correlationPropertyRef>
    </bpmn:correlationKey>
  </bpmn:collaboration>
  <bpmn:message id="Message_1" name="ho_so_gui"/>
  <bpmn:correlationProperty id="CorrelationProperty_1" name="ma ho so">
    <bpmn:correlationPropertyRetrievalExpression messageRef="Message_1">
      <bpmn:formalExpression>ma_ho_so</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:process id="Process_1" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"/>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Event_send"/>
    <bpmn:endEvent id="Event_send">
      <bpmn:messageEventDefinition id="Def_1" messageRef="Message_1"/>
    </bpmn:endEvent>
  </bpmn:process>
  <bpmn:process id="Process_2" isExecutable="true">
    <bpmn:startEvent id="Event_receive"><bpmn:messageEventDefinition id="Def_2" messageRef="Message_1"/>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Event_receive" targetRef="Event_end"/>
    <bpmn:endEvent id="Event_end"/>
  </bpmn:process>
</bpmn:definitions>""".encode("utf-8")


def test_correlation_keys_and_messages_of_the_collaboration_are_kept_in_each_process():
    plan = prepare_import(CORRELATED, None, "m.bpmn")
    assert [process.key for process in plan.processes] == ["ben_a", "ben_b"]
    assert plan.collaboration == "Hai bên"
    for process in plan.processes:
        root = root_of(process)
        [key] = root.iter(f"{B}correlationKey")
        assert key.getparent().tag == f"{B}collaboration"
        assert key.find(f"{B}correlationPropertyRef").text == "ma_ho_so"
        assert root.find(f"{B}correlationProperty").get("id") == "ma_ho_so"
        assert root.find(f"{B}message").get("id") == "ho_so_gui"
        assert {d.get("messageRef") for d in root.iter(f"{B}messageEventDefinition")} == {"ho_so_gui"}
        parser = SpiffBpmnParser()
        parser.add_bpmn_xml(etree.ElementTree(root), filename=process.key)
        assert parser.correlations["ma_ho_so"]["retrieval_expressions"]
        parses(process)


def test_a_black_box_pool_is_skipped():
    plan = prepare_import((CORPUS / "camunda7_black_box_pool.bpmn").read_bytes(), None, "b.bpmn")
    assert len(plan.processes) == 1 and plan.collaboration is None


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("iso_8859_1_latin1_bytes.bpmn", "ISO-8859-1"), ("windows_1252_ascii.bpmn", "windows-1252")],
)
def test_an_ascii_compatible_encoding_is_converted_to_utf8(name, encoding):
    plan = prepare_import((CORPUS / name).read_bytes(), None, name)
    data = plan.processes[0].bpmn
    data.decode("utf-8")
    assert b"UTF-8" in data.split(b"?>")[0]
    assert [note.params for note in plan.notes if "UTF-8" in note.template] == [{"encoding": encoding}]


def test_latin1_text_keeps_its_letters():
    plan = prepare_import((CORPUS / "iso_8859_1_latin1_bytes.bpmn").read_bytes(), None, "r.bpmn")
    assert "é" in plan.processes[0].bpmn.decode("utf-8")


@pytest.mark.parametrize(
    "data",
    [
        '<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-16"),
        b'<?xml version="1.0" encoding="UTF-7"?><a/>',
        b'<?xml version="1.0" encoding="US-ASCII"?><a name="\xe9"/>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        b'<?xml version="1.0" encoding="UTF-8"?><a name="\xe9"/>',
    ],
)
def test_other_encodings_and_invalid_bytes_stay_refused(data):
    with pytest.raises(DefinitionRejected):
        prepare_import(data, None, "x.bpmn")


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("bpmnio_link_events.bpmn", ["Sang trang ký", "Trang ký"]),
        ("camunda7_compensation.bpmn", ["Khi phải hoàn", "Hoàn trả"]),
    ],
)
def test_refusals_name_the_file_and_each_element_by_its_label(name, labels):
    with pytest.raises(DefinitionRejected) as caught:
        prepare_import((CORPUS / name).read_bytes(), "some_key", "Quy trình của tôi.bpmn")
    assert "Quy trình của tôi.bpmn" in caught.value.message and "some_key" not in str(caught.value)
    said = [str(problem) for problem in caught.value.problems]
    assert all(problem.unsupported for problem in caught.value.problems)
    for label in labels:
        assert any(f"«{label}»" in text for text in said)


@pytest.mark.parametrize(
    "name", ["not_xml.bpmn", "camunda7_decision_table_not_bpmn.bpmn", "doctype_xxe.bpmn"]
)
def test_what_is_not_bpmn_is_refused_naming_the_file(name):
    with pytest.raises(DefinitionRejected) as caught:
        prepare_import((CORPUS / name).read_bytes(), None, "mine.bpmn")
    assert "mine.bpmn" in str(caught.value)


def test_every_draft_of_the_corpus_has_resolved_references():
    for path in sorted(CORPUS.glob("*.bpmn")):
        try:
            plan = prepare_import(path.read_bytes(), None, path.name)
        except DefinitionRejected:
            continue
        for process in plan.processes:
            references_resolve(root_of(process))
