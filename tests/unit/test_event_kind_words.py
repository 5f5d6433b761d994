"""The words that name event elements in refusals and problems: a word for each kind an
admin can draw, in both languages, never SpiffWorkflow's class name."""

from __future__ import annotations

from factories.bpmn import user_task
from factories.calls import escalation_catch, timer
from factories.dates import local
from factories.events import catch, conditional, event, events_bundle, flows, gateway, process, sub_process
from factories.words import in_vietnamese

from engine.contracts import ELEMENT, kind_word
from engine.definitions import all_task_specs, compile_bundle, spec_kind

EVENT_KINDS = (
    "eventSubProcess",
    "eventBasedGateway",
    "intermediateThrowEvent",
    "sendTask",
    "receiveTask",
    "conditionalEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "timerEventDefinition",
    "terminateEventDefinition",
    "compensateEventDefinition",
    "linkEventDefinition",
    "cancelEventDefinition",
)


def test_every_event_kind_has_a_word_in_both_languages():
    for kind in EVENT_KINDS:
        word = kind_word(kind)
        assert word != ELEMENT, kind
        assert in_vietnamese(word) != word.template, kind


def test_the_specs_of_event_elements_are_named_in_words():
    compiled = compile_bundle(
        events_bundle(
            process(
                "probe",
                event("start", kind="startEvent"),
                gateway("wait"),
                catch("late", timer("PT2H")),
                catch("low", conditional("score < 50")),
                user_task("chase"),
                event("chased"),
                event("redone"),
                sub_process(
                    "notify", user_task("inform"), start=escalation_catch("SLOW"), interrupting=False
                ),
                paths=flows("start", "wait", "late", "chase", "chased") + flows("wait", "low", "redone"),
                codes=("SLOW",),
            )
        ),
        local(2026, 1, 10, 9, 0),
    )
    words = {spec.bpmn_id: spec_kind(spec) for spec in all_task_specs(compiled) if spec.bpmn_id}

    assert words["wait"] == kind_word("eventBasedGateway")
    assert words["notify"] == kind_word("eventSubProcess")
    for element, word in words.items():
        assert word != ELEMENT and word == word.lower(), (element, word)  # a word, not a class name
