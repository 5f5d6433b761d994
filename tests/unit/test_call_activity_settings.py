"""What a call activity's BPMN says, read without a database: its settings, the data
names its expressions read, and the order in which bundles that call each other publish."""

from __future__ import annotations

from factories.bpmn import user_task
from factories.calls import bundle, call_activity, loop_xml, process

from engine.call_activity import names_read
from engine.definitions import compile_bundle, publishing_order


def test_the_data_an_expression_reads_leaves_out_what_it_binds_and_the_builtins():
    assert names_read("subject.upper()") == {"subject"}
    assert names_read("[unit['code'] for unit in units if len(unit) > minimum]") == {"units", "minimum"}
    assert names_read("not valid (") == set()


def test_a_call_activity_reads_its_called_process_mappings_and_loop():
    bpmn = process(
        "probe",
        call_activity(
            "ask_all",
            "child_probe",
            {"topic": "unit"},
            {"answer": "result"},
            loop=loop_xml(
                sequential=True,
                collection="units",
                item="unit",
                output_collection="answers",
                output_item="answer",
                condition="answer == 'no'",
            ),
            version=3,
            lanes={"unit_officer": "unit_id"},
        ),
    )
    settings = compile_bundle(bundle("probe", bpmn)).call_settings("ask_all")
    assert (settings.called_key, settings.version) == ("child_probe", 3)
    assert settings.inputs == {"topic": "unit"} and settings.outputs == {"answer": "result"}
    assert settings.lanes == {"unit_officer": "unit_id"}
    loop = settings.loop
    assert loop is not None and loop.sequential and loop.collection == "units" and loop.input_item == "unit"
    assert (loop.output_collection, loop.output_item, loop.condition) == (
        "answers",
        "answer",
        "answer == 'no'",
    )


def test_bundles_publish_after_the_processes_they_call():
    child = bundle("b_child", process("b_child", user_task("work")))
    caller = bundle("a_caller", process("a_caller", call_activity("ask", "b_child")))
    top = bundle("0_top", process("0_top", call_activity("ask", "a_caller")))
    assert [each.key for each in publishing_order([top, caller, child])] == ["b_child", "a_caller", "0_top"]
