"""Process definitions: content-addressed versions, instances pinned to the version they
started on, and validation that reports every problem of a bundle at once."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest
from factories import REPO_ROOT
from factories.bpmn import (
    FORM,
    FORM_FILE,
    KEY,
    boundary_timer,
    probe_bundle,
    process_xml,
    service_task,
    user_task,
)
from factories.campaigns import open_campaign, proposal_of
from sqlalchemy import func, select

from engine.definitions import Bundle, compile_bundle, latest_definition, publish, read_bundle
from engine.errors import DefinitionRejected, FormInvalid
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from services.work import _tasks as tasks

BPMN_DIR = REPO_ROOT / "bpmn"
UNIT = "unit_proposal"
DRAFT_FORM = "draft_proposal.schema.json"
V1_DRAFT_TITLE = "Lập đề xuất nhu cầu"
V2_DRAFT_TITLE = "Lập đề xuất nhu cầu (mẫu 2026)"

# ------------------------------------------------------------------ database helpers


def definition_rows(services) -> list[tuple]:
    with services.db.transaction() as session:
        return list(
            session.execute(
                select(ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.sha256).order_by(
                    ProcessDefinition.key, ProcessDefinition.version
                )
            ).tuples()
        )


def definition_count(services) -> int:
    with services.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProcessDefinition))


def publish_now(services, bundle: Bundle) -> tuple[int, int, bool, str]:
    with services.db.transaction() as session:
        definition, created = publish(session, bundle, services.clock.now())
        return definition.id, definition.version, created, definition.sha256


def rejection(services, bundle: Bundle) -> DefinitionRejected:
    """Publish ``bundle`` expecting a rejection; the transaction is then committed anyway,
    so anything publish() had added before refusing would be stored."""
    before = definition_count(services)
    with services.db.transaction() as session:
        with pytest.raises(DefinitionRejected) as caught:
            publish(session, bundle, services.clock.now())
    assert definition_count(services) == before
    return caught.value


def bundle_dirs() -> list[str]:
    return sorted(path.name for path in BPMN_DIR.iterdir() if path.is_dir())


# ------------------------------------------------------------------ versions


def test_loading_the_same_bpmn_twice_creates_no_new_version(services):
    assert UNIT in bundle_dirs()
    stored = definition_rows(services)
    assert [(key, version) for key, version, _ in stored] == [(key, 1) for key in bundle_dirs()]

    again = services.load_bpmn()

    assert sorted(again) == [(key, 1, False) for key in bundle_dirs()]
    assert definition_rows(services) == stored
    with services.db.transaction() as session:
        for key in bundle_dirs():
            bundle = read_bundle(BPMN_DIR / key)
            definition = latest_definition(session, key)
            assert definition.sha256 == bundle.sha256
            assert len(definition.sha256) == 64
            assert definition.bpmn_xml.encode("utf-8") == bundle.bpmn
            assert (definition.forms, definition.meta) == (bundle.forms, bundle.meta)


def _renamed_draft_task(bundle: Bundle) -> Bundle:
    old = f'name="{V1_DRAFT_TITLE}"'.encode()
    assert bundle.bpmn.count(old) == 1
    return dataclasses.replace(bundle, bpmn=bundle.bpmn.replace(old, f'name="{V2_DRAFT_TITLE}"'.encode()))


def _retitled_draft_form(bundle: Bundle) -> Bundle:
    forms = copy.deepcopy(bundle.forms)
    forms[DRAFT_FORM]["title"] = "Lập đề xuất nhu cầu (sửa đổi)"
    return dataclasses.replace(bundle, forms=forms)


def _new_description(bundle: Bundle) -> Bundle:
    return dataclasses.replace(bundle, meta={**bundle.meta, "description": "Mô tả mới."})


@pytest.mark.parametrize(
    "change",
    [_renamed_draft_task, _retitled_draft_form, _new_description],
    ids=["task-name", "form-title", "process-json"],
)
def test_a_changed_bundle_becomes_the_next_version(services, change):
    original = read_bundle(BPMN_DIR / UNIT)
    changed = change(original)
    assert changed.sha256 != original.sha256
    v1 = definition_rows(services)
    services.clock.advance(days=1)

    definition_id, version, created, sha256 = publish_now(services, changed)

    assert (version, created, sha256) == (2, True, changed.sha256)
    assert publish_now(services, changed) == (definition_id, 2, False, changed.sha256)  # idempotent
    after = definition_rows(services)
    assert set(v1) < set(after) and len(after) == len(v1) + 1  # version 1 is kept, untouched
    with services.db.transaction() as session:
        latest = latest_definition(session, UNIT)
        assert (latest.id, latest.version) == (definition_id, 2)
        assert latest.created_at == services.clock.now()


def _draft_task(services, campaign_id: int, unit: str = "cg_vp") -> tuple[HumanTask, ProcessInstance]:
    instance_id = proposal_of(services, campaign_id, unit).instance_id
    with services.db.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        ready = list(
            session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
            )
        )
        assert len(ready) == 1
        return ready[0], instance


def _complete(services, username: str, task_id: str, data: dict):
    return tasks.complete_task(services.db, services.runtime, username, task_id, data)


def test_running_instances_stay_on_their_version_while_new_ones_use_the_newest(commune):
    services = commune
    first_campaign = open_campaign(services)
    with services.db.transaction() as session:
        v1_id = latest_definition(session, UNIT).id

    # Version 2 renames the draft task and adds a required field to its form.
    v2_bundle = _renamed_draft_task(read_bundle(BPMN_DIR / UNIT))
    forms = copy.deepcopy(v2_bundle.forms)
    forms[DRAFT_FORM]["properties"]["contact_person"] = {
        "title": "Người liên hệ",
        "type": "string",
        "minLength": 1,
    }
    forms[DRAFT_FORM]["required"] = [*forms[DRAFT_FORM]["required"], "contact_person"]
    v2_bundle = dataclasses.replace(v2_bundle, forms=forms)
    services.clock.advance(hours=1)
    v2_id, version, created, _ = publish_now(services, v2_bundle)
    assert (version, created) == (2, True) and v2_id != v1_id
    second_campaign = open_campaign(services)

    old_task, old_instance = _draft_task(services, first_campaign)
    new_task, new_instance = _draft_task(services, second_campaign)
    assert (old_instance.definition_id, new_instance.definition_id) == (v1_id, v2_id)
    assert (old_task.title, new_task.title) == (V1_DRAFT_TITLE, V2_DRAFT_TITLE)

    # The old instance completes its draft on the v1 form (no contact_person) and moves on on v1.
    services.clock.advance(hours=1)
    _complete(services, "cg_vp.canbo", old_task.id, {"no_demand": True})
    next_task, old_instance = _draft_task(services, first_campaign)
    assert next_task.task_name == "approve_proposal"
    assert old_instance.definition_id == v1_id
    _complete(services, "cg_vp.truong", next_task.id, {"head_decision": "submit"})
    with services.db.transaction() as session:
        finished = session.get(ProcessInstance, old_instance.id)
        assert (finished.status, finished.definition_id) == ("completed", v1_id)

    # The new instance is held to the v2 form.
    with pytest.raises(FormInvalid) as caught:
        _complete(services, "cg_vp.canbo", new_task.id, {"no_demand": True})
    assert [error.field for error in caught.value.errors] == ["contact_person"]
    _complete(services, "cg_vp.canbo", new_task.id, {"no_demand": True, "contact_person": "Nguyễn Văn An"})
    next_task, new_instance = _draft_task(services, second_campaign)
    assert next_task.task_name == "approve_proposal"
    assert new_instance.definition_id == v2_id

    # A campaign started earlier that was never touched is still on v1 too.
    other_task, other_instance = _draft_task(services, first_campaign, unit="cg_pkt")
    assert (other_instance.definition_id, other_task.title) == (v1_id, V1_DRAFT_TITLE)


# ------------------------------------------------------------------ validation


def test_the_probe_bundle_itself_is_valid(services):
    # The cases below each break exactly one thing of this bundle.
    compiled = compile_bundle(probe_bundle(), services.clock.now())
    assert set(compiled.user_tasks) == {"task"}
    assert compiled.user_tasks["task"].lane == "clerk"
    _, version, created, _ = publish_now(services, probe_bundle())
    assert (version, created) == (1, True)


def _without_additional_properties_false() -> dict:
    form = copy.deepcopy(FORM)
    del form["additionalProperties"]
    return form


INVALID_BUNDLES = {
    "user-task-without-lane": (
        lambda: probe_bundle(process_xml(lanes=False)),
        ["«Việc task» (user task)", "must sit in a lane"],
    ),
    "user-task-without-form": (
        lambda: probe_bundle(process_xml(user_task("task", form=None))),
        ["«Việc task» (user task)", "needs a form", "formJsonSchemaFilename"],
    ),
    "form-file-missing": (
        lambda: probe_bundle(process_xml(user_task("task", form="absent.schema.json"))),
        ["«Việc task» (user task)", "absent.schema.json is missing from forms/"],
    ),
    "case-file-missing": (
        lambda: probe_bundle(process_xml(user_task("task", caseSchemaFilename="absent.case.json"))),
        ["«Việc task» (user task)", "case absent.case.json is missing from forms/"],
    ),
    "case-allows-additional-properties": (
        lambda: probe_bundle(
            process_xml(user_task("task", caseSchemaFilename="loose.case.json")),
            forms={FORM_FILE: FORM, "loose.case.json": _without_additional_properties_false()},
        ),
        ["«Việc task» (user task)", "case loose.case.json", "additionalProperties: false"],
    ),
    "unquoted-duration": (
        lambda: probe_bundle(process_xml(extra=boundary_timer("task", "timeDuration", "PT1H"))),
        ["task_timer", "'PT1H'", "name 'PT1H' is not defined"],
    ),
    "naive-date-time": (
        lambda: probe_bundle(process_xml(extra=boundary_timer("task", "timeDate", '"2026-01-14T12:00:00"'))),
        ["task_timer", "2026-01-14T12:00:00", "explicit UTC offset"],
    ),
    "service-task": (
        lambda: probe_bundle(process_xml(user_task("task"), service_task("call_api"))),
        ["«call_api» (service task)", "the connector «http/GetRequest» does not exist"],
    ),
    "form-allows-additional-properties": (
        lambda: probe_bundle(forms={FORM_FILE: _without_additional_properties_false()}),
        [FORM_FILE, "additionalProperties: false"],
    ),
    "process-id-differs-from-key": (
        lambda: probe_bundle(process_xml(key="something_else")),
        ["probe.bpmn", "no executable process with id «probe»"],
    ),
}


@pytest.mark.parametrize("case", list(INVALID_BUNDLES))
def test_an_invalid_bundle_is_rejected_and_nothing_is_stored(services, case):
    make, expected = INVALID_BUNDLES[case]
    before = definition_rows(services)

    error = rejection(services, make())

    assert len(error.problems) == 1, error.problems
    for fragment in expected:
        assert fragment in error.problems[0]
        assert fragment in str(error)
    assert definition_rows(services) == before
    with services.db.transaction() as session:
        assert latest_definition(session, KEY) is None


def test_every_problem_of_a_bundle_is_listed_in_one_rejection(services):
    bpmn = process_xml(
        user_task("no_lane"),  # outside every lane
        user_task("no_form", form=None),  # no form property
        user_task("lost_form", form="absent.schema.json"),  # form file not in forms/
        user_task("loose_form", form="loose.schema.json"),  # additionalProperties not false
        service_task("call_api"),  # a connector nobody registered
        outside_lane=("no_lane",),
        extra=boundary_timer("no_form", "timeDuration", "PT1H")
        + boundary_timer("lost_form", "timeDate", '"2026-01-14T12:00:00"'),
    )
    forms = {FORM_FILE: FORM, "loose.schema.json": _without_additional_properties_false()}

    error = rejection(services, probe_bundle(bpmn, forms))

    expected = {
        "no_lane": "must sit in a lane",
        "no_form": "needs a form",
        "lost_form": "absent.schema.json is missing from forms/",
        "loose_form": "additionalProperties: false",
        "call_api": "does not exist",
        "no_form_timer": "name 'PT1H' is not defined",
        "lost_form_timer": "explicit UTC offset",
    }
    assert len(error.problems) == len(expected), error.problems
    for element, fragment in expected.items():
        matching = [p for p in error.problems if p.element == element and fragment in p]
        assert len(matching) == 1, (element, fragment, error.problems)
        assert matching[0] in str(error)
    assert "probe.bpmn was refused" in str(error)


def test_a_rejected_new_version_leaves_the_current_version_current(commune):
    services = commune
    original = read_bundle(BPMN_DIR / UNIT)
    renamed = _renamed_draft_task(original)
    without_lanes, removed = re.subn(rb"<bpmn:laneSet\b.*?</bpmn:laneSet>", b"", renamed.bpmn, flags=re.S)
    assert removed == 1
    broken = dataclasses.replace(renamed, bpmn=without_lanes)
    before = definition_rows(services)

    error = rejection(services, broken)

    assert any("must sit in a lane" in problem for problem in error.problems)
    assert definition_rows(services) == before
    services.clock.advance(minutes=5)
    campaign_id = open_campaign(services)
    task, instance = _draft_task(services, campaign_id)
    with services.db.transaction() as session:
        current = latest_definition(session, UNIT)
        assert (current.version, current.sha256) == (1, original.sha256)
        assert instance.definition_id == current.id
    assert task.title == V1_DRAFT_TITLE
