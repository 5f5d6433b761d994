"""The contract between the BPMN and the code (engine/contracts.py, engine/reactions.py):
every name the code reads is declared; renaming or deleting a declared element is refused
at publish with the element named; every other edit publishes and runs; a version
published before the contracts stops, clearly, where the code would not know what to do."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from factories import REPO_ROOT
from factories.bpmn import BUNDLES
from factories.bpmn_edits import add_end_event, delete, move, rename
from factories.campaigns import open_campaign, proposal_of, statuses
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import signed_in, web_app
from factories.words import in_vietnamese
from lxml import etree
from sqlalchemy import select

from engine import definitions
from engine.contracts import END_EVENT, ProcessContract, with_tables
from engine.definitions import Bundle, read_bundle
from engine.errors import DefinitionRejected
from engine.models import ProcessDefinition, ProcessInstance
from engine.reactions import COMPLETED, REACHED
from services.identity import _api_tokens as api_tokens, user_by_username
from services.process_admin import _drafts as process_drafts
from services.work._models import TaskDraft

BPMN_DIR = REPO_ROOT / "bpmn"
# String literals of services/ and web/ that happen to equal a BPMN element id without
# naming that element, each with what it is.
NOT_ELEMENTS = {
    "round_opened": "an audit action (selection round)",
    "campaign_opened": "an audit action (campaign)",
    "removal_decision": "a column of the talent list",
    "head_decision": "a field of the head's form (the gateway after it has the same id)",
}


# What a BPMN file names that is data, not an element: a multi-instance's item is the name
# of a variable (ask_units' `unit`), read by the BPMN's own mappings, never by the code.
DATA_ITEMS = {"inputDataItem", "outputDataItem", "loopDataInputRef", "loopDataOutputRef"}


def _drawn_ids() -> dict[str, str]:
    """Every element id and process key of bpmn/, with the bundle it is in."""
    ids = {}
    for key in BUNDLES:
        ids[key] = key
        for element in etree.parse(str(BPMN_DIR / key / f"{key}.bpmn")).iter():
            if (
                isinstance(element.tag, str)
                and element.get("id")
                and "BPMN/20100524/MODEL" in element.tag
                and etree.QName(element).localname not in DATA_ITEMS
            ):
                ids[element.get("id")] = key
    return ids


def _named_by_contracts(contracts: list[ProcessContract]) -> set[str]:
    """Element ids, outcomes, and the messages the code sends with their correlation properties."""
    messages = {
        name
        for contract in contracts
        for use in contract.messages
        for name in (use.name, use.correlation_key, *use.properties)
    }
    return (
        {contract.key for contract in contracts} | messages | set().union(*(c.element_ids for c in contracts))
    )


def _string_literals(root: Path):
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield path.relative_to(REPO_ROOT), node.lineno, node.value


# -- coverage, both ways ---------------------------------------------------------------


def test_every_name_the_code_reads_is_in_a_contract(services):
    contracts = services.runtime.contracts
    for capability in services.runtime.reactions.capabilities:
        assert list(capability.problems()) == []  # each reaction's element is in its contract
        for reaction in capability.reactions:
            assert reaction.element is None or reaction.element in _named_by_contracts(
                list(capability.contracts)
            )
    named, drawn = _named_by_contracts(contracts), _drawn_ids()
    unnamed = sorted(
        {
            (str(path), line, value)
            for root in (REPO_ROOT / "services", REPO_ROOT / "web")
            for path, line, value in _string_literals(root)
            if value in drawn and value not in named and value not in NOT_ELEMENTS
        }
    )
    assert unnamed == [], f"the code reads BPMN names no contract declares: {unnamed}"
    # ... and every contract names what is drawn in bpmn/ today.
    for contract in contracts:
        for element_id in contract.element_ids:
            assert drawn.get(element_id) == contract.key, f"{contract.key}.{element_id} is not drawn"


def test_the_reactions_run_in_the_declared_order(services):
    names = [capability.name for capability in services.runtime.reactions.capabilities]
    assert names == [
        "campaigns",
        "city_consolidation",
        "candidacy",
        "selection",
        "commitments",
        "evaluations",
        "breaches",
        "plans",
    ]
    rows = {}
    for capability in services.runtime.reactions.capabilities:
        for reaction in capability.reactions:
            rows.setdefault((reaction.process_key, reaction.event, reaction.element), []).append(
                capability.name
            )
    shared = {row: owners for row, owners in rows.items() if len(owners) > 1}
    # The campaign records the dispatch before the city receives it; the round marks the
    # selected before their commitments open.
    assert shared == {
        ("commune_campaign", COMPLETED, "record_city_submission"): ["campaigns", "city_consolidation"],
        ("selection_round", REACHED, "results_decided"): ["selection", "commitments"],
    }


# -- every contracted element, renamed and deleted, through the editor's service --------


def _labels(key: str) -> dict[str, str]:
    root = etree.parse(str(BPMN_DIR / key / f"{key}.bpmn"))
    return {
        element.get("id"): " ".join((element.get("name") or "").split())
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }


def _try_publish(services, key: str, bpmn: str) -> list:
    """Save the edited draft and publish it as the editor does; the problems it was refused with."""
    with services.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        draft = process_drafts.draft_of(session, key)
        try:
            process_drafts.save_draft(
                session, services.runtime, admin, key, bpmn, draft.forms, draft.meta, services.clock.now()
            )
            process_drafts.publish_draft(session, services.runtime, admin, key, services.clock.now())
        except DefinitionRejected as refused:
            session.rollback()
            return list(refused.problems)
    raise AssertionError(f"{key}: the edit was published")


def _versions(services, key: str) -> list[int]:
    with services.db.read() as session:
        return list(session.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == key)))


@pytest.mark.parametrize("key", BUNDLES)
def test_renaming_or_deleting_a_contracted_element_is_refused_naming_it(commune, key):
    services = commune
    contracted = {
        element_id
        for contract in services.runtime.contracts
        if contract.key == key
        for element_id in contract.element_ids
    }
    assert contracted, f"{key} has no contract"
    bpmn, labels = (BPMN_DIR / key / f"{key}.bpmn").read_text(encoding="utf-8"), _labels(key)
    for element_id in sorted(contracted):
        problems = _try_publish(services, key, rename(bpmn, element_id, f"{element_id}_renamed"))
        about = [
            problem for problem in problems if getattr(problem, "element", None) == f"{element_id}_renamed"
        ]
        assert about, f"renaming {key}.{element_id}: {problems}"
        said = in_vietnamese(about[0])
        assert f"từ {element_id} thành {element_id}_renamed" in said and labels[element_id] in said

        problems = _try_publish(services, key, delete(bpmn, element_id))
        assert any(f"«{labels[element_id]}» ({element_id})" in problem for problem in problems), (
            f"deleting {key}.{element_id}: {problems}"
        )
    assert _versions(services, key) == [1]


def test_a_message_the_code_sends_and_its_correlation_stay(commune):
    """Renaming a message the code delivers, or taking a property off the correlation key
    its instances wait on, would leave every such message undelivered (a return for
    clarification, a plan task's event)."""
    uses = [(contract, use) for contract in commune.runtime.contracts for use in contract.messages]
    assert {contract.key for contract, _ in uses} == {"unit_proposal", "plan_task"}
    for contract, use in uses:
        bpmn = (BPMN_DIR / contract.key / f"{contract.key}.bpmn").read_text(encoding="utf-8")
        renamed = bpmn.replace(f'name="{use.name}"', f'name="{use.name}_2"')
        problems = _try_publish(commune, contract.key, renamed)
        assert any(f"«{use.name}»" in problem and contract.capability in problem for problem in problems), (
            problems
        )
        for prop in use.properties:
            dropped = bpmn.replace(f"<bpmn:correlationPropertyRef>{prop}</bpmn:correlationPropertyRef>", "")
            assert dropped != bpmn
            (problem,) = _try_publish(commune, contract.key, dropped)
            assert f"«{use.correlation_key}»" in in_vietnamese(problem)
        assert _versions(commune, contract.key) == [1]


def test_an_end_event_no_outcome_maps_is_refused(commune):
    bpmn = (BPMN_DIR / "unit_proposal" / "unit_proposal.bpmn").read_text(encoding="utf-8")
    edited = add_end_event(
        bpmn,
        "unit_proposal",
        "head_decision",
        "head_decision == 'withdraw'",
        "withdrawn",
        "Đơn vị rút đề xuất",
    )
    problems = _try_publish(commune, "unit_proposal", edited)
    (problem,) = [problem for problem in problems if problem.element == "withdrawn"]
    assert "«Đơn vị rút đề xuất» (withdrawn)" in problem and "services/campaigns" in problem


def test_a_form_field_or_choice_the_code_reads_cannot_go(commune):
    bundle = read_bundle(BPMN_DIR / "talent_evaluation")
    form = bundle.forms["evaluate_talent.schema.json"]
    prospects = form["properties"]["prospects"]
    without_choice = {
        **form,
        "properties": {
            **form["properties"],
            "prospects": {
                **prospects,
                "oneOf": [option for option in prospects["oneOf"] if option["const"] != "no_prospects"],
            },
        },
    }
    without_field = {
        **form,
        "properties": {name: value for name, value in form["properties"].items() if name != "quality_rating"},
        "required": [name for name in form.get("required", []) if name != "quality_rating"],
    }
    for edited, expected in (
        (without_choice, "phải giữ lựa chọn no_prospects"),
        (without_field, "phải giữ trường «quality_rating»"),
    ):
        with pytest.raises(DefinitionRejected) as refused:
            definitions.compile_bundle(
                Bundle(bundle.key, bundle.bpmn, {"evaluate_talent.schema.json": edited}, bundle.meta),
                commune.clock.now(),
                commune.runtime.helpers,
                contracts=commune.runtime.contracts,
            )
        assert any(
            expected in in_vietnamese(problem) and problem.element == "evaluate_talent"
            for problem in refused.value.problems
        )


# -- edits outside the contracts publish and run ------------------------------------------


def _edited_outside_the_contracts(bpmn: str) -> str:
    bpmn = move(bpmn, "has_demand", 40, 30)  # a gateway moved...
    bpmn = rename(bpmn, "has_demand", "demand_stated")  # ...and renamed: not contracted
    # the head's cutoff a working day earlier, reminders two days before, a task added
    bpmn = re.sub(
        r'(<bpmn:boundaryEvent id="approve_cutoff".*?<bpmn:timeDate[^>]*>)unit_deadline',
        r"\1working_days_before(unit_deadline, 1)",
        bpmn,
        flags=re.S,
    )
    bpmn = re.sub(
        r'(<bpmn:userTask id="approve_proposal".*?<spiffworkflow:properties>)',
        r'\1<spiffworkflow:property name="reminders" value="P2D"/>',
        bpmn,
        flags=re.S,
    )
    return bpmn.replace(
        'id="head_submitted" sourceRef="head_decision" targetRef="received_on_time"',
        'id="head_submitted" sourceRef="head_decision" targetRef="note_receipt"',
    ).replace(
        "</bpmn:process>",
        '<bpmn:scriptTask id="note_receipt" name="Ghi nhận đã nhận"><bpmn:script>receipt_noted = True'
        "</bpmn:script></bpmn:scriptTask>"
        '<bpmn:sequenceFlow id="to_received_on_time" sourceRef="note_receipt" targetRef="received_on_time"/>'
        "</bpmn:process>",
        1,
    )


def test_edits_outside_the_contracts_publish_and_run(commune):
    services = commune
    bpmn = (BPMN_DIR / "unit_proposal" / "unit_proposal.bpmn").read_text(encoding="utf-8")
    edited = _edited_outside_the_contracts(bpmn)
    assert "working_days_before(unit_deadline, 1)" in edited and "note_receipt" in edited
    with services.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        draft = process_drafts.draft_of(session, "unit_proposal")
        assert (
            process_drafts.save_draft(
                session,
                services.runtime,
                admin,
                "unit_proposal",
                edited,
                draft.forms,
                draft.meta,
                services.clock.now(),
            )
            == []
        )
        assert (
            process_drafts.publish_draft(
                session, services.runtime, admin, "unit_proposal", services.clock.now()
            ).version
            == 2
        )

    campaign_id = open_campaign(services, at=local(2026, 1, 5, 9, 0))
    act(
        services,
        "cg_vp.canbo",
        "draft_proposal",
        {
            "no_demand": False,
            "lines": [
                {
                    "field": "ict",
                    "major": "Công nghệ thông tin",
                    "criteria": "Tốt nghiệp loại xuất sắc",
                    "target_group": "excellent_graduate",
                    "job_position": "Chuyên viên",
                    "quantity_year": 1,
                    "quantity_period": 2,
                }
            ],
        },
        local(2026, 1, 6, 9, 0),
    )
    assert task_named(services, "cg_vp.truong", "approve_proposal").due_at == local(2026, 1, 13, 8, 0)
    act(services, "cg_vp.truong", "approve_proposal", {"head_decision": "submit"})
    proposal = proposal_of(services, campaign_id, "cg_vp")
    assert (proposal.status, proposal.received_at is not None) == ("submitted", True)
    services.tick(local(2026, 1, 14, 12, 0))
    assert set(statuses(services, campaign_id).values()) == {"submitted", "deemed_no_demand"}


# -- versions published before the contracts -------------------------------------------------


def _publish_unchecked(services, key: str, bpmn: str) -> int:
    """As a version was published before the contracts existed."""
    bundle = read_bundle(BPMN_DIR / key)
    with services.db.transaction() as session:
        return definitions.publish(
            session,
            Bundle(key, bpmn.encode(), bundle.forms, bundle.meta),
            services.clock.now(),
            services.runtime.helpers,
        )[0].version


def test_an_old_version_reaching_an_unknown_end_event_stops_clearly_and_the_scheduler_goes_on(commune):
    services = commune
    bpmn = (BPMN_DIR / "unit_proposal" / "unit_proposal.bpmn").read_text(encoding="utf-8")
    # the end a head's "no demand" reaches, renamed in a version published unchecked
    renamed = rename(bpmn, "declared_no_demand", "sent_on_time")
    assert _publish_unchecked(services, "unit_proposal", renamed) == 2
    campaign_id = open_campaign(services, at=local(2026, 1, 5, 9, 0))
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 6, 9, 0))
    task = task_named(services, "cg_vp.truong", "approve_proposal")
    client = web_app(services).test_client()
    with services.db.transaction() as session:
        token = api_tokens.issue(session, "cg_vp.truong", "api", services.clock.now())
    answer = client.post(
        f"/api/v1/tasks/{task.id}/complete",
        json={"data": {"head_decision": "submit"}},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.status_code == 409
    body = answer.get_json()
    assert body["code"] == "contract_broken" and "sent_on_time" in body["message"]
    assert "Hồ sơ dừng lại" in body["message"]
    with services.db.read() as session:
        instance = session.get(ProcessInstance, task.instance_id)
        assert instance.status == "error" and "sent_on_time" in instance.error_message
        head = user_by_username(session, "cg_vp.truong")
        assert session.get(TaskDraft, (task.id, head.id)).data == {
            "head_decision": "submit"
        }  # nothing typed lost
    assert proposal_of(services, campaign_id, "cg_vp").status == "drafting"  # nothing of the completion saved
    viewer = (
        signed_in(web_app(services), "admin")
        .get(f"/admin/instances/{task.instance_id}")
        .get_data(as_text=True)
    )
    assert 'role="alert"' in viewer and "sent_on_time" in viewer

    run = services.tick(
        local(2026, 1, 14, 12, 0)
    )  # the other units' cutoff: processed, the parked one left alone
    assert run.timers.failed == 0
    assert statuses(services, campaign_id) == {
        **{unit: "deemed_no_demand" for unit in statuses(services, campaign_id) if unit != "cg_vp"},
        "cg_vp": "drafting",
    }
    with services.db.read() as session:
        assert session.get(ProcessInstance, task.instance_id).status == "error"


def test_an_old_version_reaching_a_renamed_step_by_a_timer_is_parked_and_the_others_go_on(commune):
    services = commune
    bpmn = (BPMN_DIR / "unit_proposal" / "unit_proposal.bpmn").read_text(encoding="utf-8")
    _publish_unchecked(services, "unit_proposal", rename(bpmn, "deemed_no_demand", "closed_silently"))
    campaign_id = open_campaign(services, at=local(2026, 1, 5, 9, 0))
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 6, 9, 0))
    act(services, "cg_vp.truong", "approve_proposal", {"head_decision": "submit"})
    run = services.tick(local(2026, 1, 14, 12, 0))
    units = statuses(services, campaign_id)
    assert run.timers.failed == len(units) - 1 and units["cg_vp"] == "declared_no_demand"
    with services.db.read() as session:
        parked = session.scalars(select(ProcessInstance).where(ProcessInstance.status == "error")).all()
    assert len(parked) == len(units) - 1
    assert all("closed_silently" in instance.error_message for instance in parked)
    assert services.tick(local(2026, 1, 14, 12, 5)).timers.failed == 0  # not retried on the next tick


def test_a_contract_lists_each_end_event_once_as_an_outcome(services):
    for contract in services.runtime.contracts:
        kinds = {element.id: element.kind for element in contract.elements}
        assert all(kinds.get(end, END_EVENT) == END_EVENT for end in contract.outcomes or ())


def test_the_readme_tables_are_the_contracts(services):
    readme = (BPMN_DIR / "README.md").read_text(encoding="utf-8")
    assert with_tables(readme, services.runtime.contracts) == readme, "run: talentflow bpmn contracts --write"
