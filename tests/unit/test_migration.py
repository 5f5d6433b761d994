"""Versions side by side: what changed between two versions of a process, named by BPMN id,
without a database. Moving running instances to a newer version, on both backends:
tests/integration/engine/test_instance_migration.py."""

from __future__ import annotations

from factories.bpmn import FORM_FILE, probe_bundle, process_xml, user_task
from factories.process_versions import RELABELLED_FORM, T0, timer_wait, v1_bpmn, v2_bpmn

from engine.definitions import compile_bundle
from engine.versions import diff_versions


def compiled(bpmn: bytes, forms: dict | None = None):
    return compile_bundle(probe_bundle(bpmn, forms), T0)


def test_the_diff_names_added_removed_and_changed_elements_by_bpmn_id():
    diff = diff_versions(compiled(v1_bpmn()), compiled(v2_bpmn(), {FORM_FILE: RELABELLED_FORM}))
    assert diff.added == ["review"]
    assert diff.removed == []
    assert {"bpmn_name", "form"} <= set(diff.changed["draft"])
    assert {"event_definition", "timer"} <= set(diff.changed["draft_timer"])
    assert all("." not in element for element in diff.changed)  # no internal spec names

    without_draft = compiled(process_xml(user_task("review")))
    diff = diff_versions(compiled(v1_bpmn()), without_draft)
    assert diff.added == ["review"]
    assert {"draft", "draft_timer", "draft_timer_end"} <= set(diff.removed)


def test_a_form_label_alone_is_a_form_change_spec_diff_cannot_see():
    diff = diff_versions(compiled(v1_bpmn()), compiled(v1_bpmn(), {FORM_FILE: RELABELLED_FORM}))
    assert diff.changed == {"draft": ["form"]}
    assert (diff.added, diff.removed) == ([], [])
    assert diff_versions(compiled(v1_bpmn()), compiled(v1_bpmn())).changed == {}


def test_the_diff_names_lane_and_escalation_policy_changes():
    old = compiled(process_xml(user_task("draft")))
    new = compiled(process_xml(user_task("draft", reminders="PT4H"), lane="head"))
    assert {"lane", "escalation"} <= set(diff_versions(old, new).changed["draft"])


def test_the_diff_names_a_changed_timer_expression():
    old = compiled(process_xml(user_task("draft"), timer_wait("cooling_off", '"PT2H"'), user_task("review")))
    new = compiled(process_xml(user_task("draft"), timer_wait("cooling_off", '"PT3H"'), user_task("review")))
    assert diff_versions(old, new).changed == {"cooling_off": ["event_definition", "timer"]}
