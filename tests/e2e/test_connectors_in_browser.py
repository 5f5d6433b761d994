"""An admin edits a service task in the BPMN editor: the panel lists the connectors the code
registers, shows the chosen one's parameters, and writes what is typed into the task's
operator (docs/connectors.md); the saved draft can be published."""

from __future__ import annotations

from dataclasses import replace

from factories.bpmn import user_task
from factories.calls import bundle, process
from factories.connectors import service_task
from factories.dates import local
from factories.web import browser_signed_in
from lxml import etree
from sqlalchemy import select

from engine.contracts import SPIFF
from engine.definitions import publish
from engine.diagram import ensure_diagram
from services.process_admin._models import ProcessDraft


def test_the_panel_edits_a_service_tasks_connector_and_parameters(commune, live_server, browser, artifacts):
    services = commune
    drawn = process(
        "telling_heads",
        service_task("tell_head", "notify", "told", role="'unit_head'", subject="'Có hồ sơ mới'"),
        user_task("next"),
        lane="unit_officer",
    )
    with services.db.transaction() as session:
        publish(
            session,
            replace(bundle("telling_heads", drawn), bpmn=ensure_diagram(drawn)),
            local(2026, 1, 10, 9, 0),
            services.runtime.helpers,
            connectors=services.runtime.connectors,
        )

    page = browser_signed_in(browser, live_server, "admin")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/admin/processes/telling_heads/edit")
    page.wait_for_selector("#editor[data-state=ready]")
    page.click('[data-element-id="tell_head"]')
    connector = page.locator('#panel select[name="connector"]')
    assert connector.input_value() == "notify"
    assert {"notify", "generate_document", "http_request"} <= set(
        connector.locator("option").evaluate_all("options => options.map(o => o.value)")
    )
    subject = page.locator("#panel-parameter-subject")
    assert subject.input_value() == "'Có hồ sơ mới'"
    assert page.locator("#panel-parameter-body").input_value() == ""
    subject.fill("'Hồ sơ của ' + unit_name")
    subject.press("Tab")
    page.screenshot(path=artifacts / "service-task.png")
    page.click("#save-draft")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes(':')")
    assert errors == []
    with services.db.read() as session:
        saved = session.scalar(select(ProcessDraft.bpmn_xml).where(ProcessDraft.key == "telling_heads"))
    tree = etree.fromstring(saved.encode())
    [operator] = tree.iter(f"{{{SPIFF}}}serviceTaskOperator")
    assert (operator.get("id"), operator.get("resultVariable")) == ("notify", "told")
    assert {p.get("id"): p.get("value") for p in operator.iter(f"{{{SPIFF}}}parameter")} == {
        "role": "'unit_head'",
        "subject": "'Hồ sơ của ' + unit_name",
    }
    assert 'serviceTaskOperator id="notify" resultVariable="told"' in saved
