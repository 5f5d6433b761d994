"""An admin sets up a call activity in the browser editor: the called process chosen among
the published ones (the old, unknown key shown as not found), a pinned version, input,
output and lane mappings, a parallel multi-instance over a collection with an output
collection and a completion condition; a user task made a sequential multi-instance by a
count. The saved draft carries exactly those properties and loop characteristics, in the
shape SpiffWorkflow reads; the loop's data names survive reopening the editor; removing a
row removes its property; the draft then publishes. Both backends."""

from __future__ import annotations

from factories.bpmn import user_task
from factories.calls import bundle, call_activity, process, scored_task
from factories.dates import local
from factories.web import PASSWORD
from lxml import etree

from engine.definitions import publish
from services import process_admin
from services.identity import user_by_username

T0 = local(2026, 1, 10, 9, 0)
CALLER, CHILD = "collect_scores", "score_unit"
LANE = "unit_officer"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
TAG = f"{{{NS['bpmn']}}}"


def _processes(services) -> None:
    """The child, published; the caller published without a call, then a draft whose call
    activity still calls a process that no longer exists, with one old input mapping."""
    child = bundle(CHILD, process(CHILD, scored_task("score_task"), lane=LANE), {"unit_id": 1})
    first = bundle(CALLER, process(CALLER, user_task("review"), lane=LANE), {"units": [{"id": 1}]})
    with services.db.transaction() as session:
        for each in (child, first):
            publish(session, each, T0, services.runtime.helpers)
    draft = process(
        CALLER,
        user_task("review"),
        call_activity("collect", "retired_process", inputs={"old_input": "units"}),
        lane=LANE,
    )
    with services.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        process_admin.import_file(session, services.runtime, admin, draft, None, f"{CALLER}.bpmn", T0)


def _editor(browser, base: str):
    page = browser.new_context(locale="vi-VN", viewport={"width": 1600, "height": 1100}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "warning" else None)
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Đăng nhập")
    page.wait_for_url(f"{base}/inbox")
    page.goto(f"{base}/admin/processes/{CALLER}/edit")
    page.wait_for_selector("#editor[data-state=ready]")
    return page, errors


def _leave(page, selector: str, value: str) -> None:
    """Types ``value`` into the field and leaves it, which writes it to the diagram."""
    page.fill(selector, value)
    page.press(selector, "Tab")


def _add_row(page, table: str, name: str, expression: str) -> None:
    fieldset = f'#panel [data-mapping="{table}"]'
    page.click(f"{fieldset} [data-action=add-mapping]")
    row = f"{fieldset} .mapping-row:last-child"
    _leave(page, f'{row} [name="mapping_name"]', name)
    _leave(page, f'{row} [name="mapping_expression"]', expression)


def _row(page, table: str, name: str) -> str:
    """The selector of the row of ``table`` whose name is ``name``."""
    index = page.eval_on_selector_all(
        f'#panel [data-mapping="{table}"] [name="mapping_name"]',
        "(inputs, name) => inputs.findIndex((input) => input.value === name)",
        name,
    )
    assert index >= 0, f"no row {name} in {table}"
    return f'#panel [data-mapping="{table}"] .mapping-row:nth-child({index + 1})'


def _save(page) -> None:
    page.evaluate("() => { document.querySelector('#status').dataset.kind = ''; }")
    page.click("#save-draft")
    page.wait_for_function("() => ['ok', 'warning'].includes(document.querySelector('#status').dataset.kind)")
    assert page.locator("#status").get_attribute("data-kind") == "ok", page.inner_text("#problems")


def _saved(services, tag: str, element_id: str):
    with services.db.read() as session:
        xml = process_admin.draft_of(session, CALLER).bpmn
    root = etree.fromstring(xml.encode())
    return root.find(f".//bpmn:{tag}[@id='{element_id}']", NS)


def _properties(element) -> dict[str, str]:
    return {
        prop.get("name"): prop.get("value")
        for prop in element.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
    }


def _loop(element) -> list[tuple[str, str | None, dict]]:
    """The multi-instance's children in file order: (tag, text, attributes)."""
    loop = element.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert loop is not None
    return [(child.tag.replace(TAG, ""), child.text, dict(child.attrib)) for child in loop]


def test_an_admin_sets_up_a_multi_instance_call_activity_in_the_editor(
    commune, live_server, browser, artifacts
):
    services = commune
    _processes(services)
    page, errors = _editor(browser, live_server)

    page.click('[data-element-id="collect"]')
    called = page.locator('#panel select[name="called_element"]')
    assert called.input_value() == "retired_process"
    assert "không tìm thấy" in called.locator("option:checked").inner_text()
    called.select_option(CHILD)
    assert f"Quy trình {CHILD} ({CHILD})" in called.locator("option:checked").inner_text()
    page.select_option('#panel select[name="called_version"]', "1")

    # A name that is not a data name is refused in Vietnamese, and nothing is written.
    inputs_error = '#panel [data-mapping="inputs"] [data-show="mapping-error"]'
    _add_row(page, "inputs", "mã đơn vị", "unit['id']")
    assert "không phải là tên dữ liệu" in page.inner_text(inputs_error)
    _leave(page, f'{_row(page, "inputs", "mã đơn vị")} [name="mapping_name"]', "unit_id")
    assert page.locator(inputs_error).is_hidden()
    _add_row(page, "outputs", "score", "score")
    _add_row(page, "lanes", LANE, "unit['id']")
    page.click(f"{_row(page, 'inputs', 'old_input')} [data-action=remove-mapping]")

    page.select_option('#panel select[name="loop_kind"]', "parallel")
    assert page.locator('#panel select[name="loop_over"]').input_value() == "collection"
    _leave(page, '#panel [name="loop_collection"]', "units")
    _leave(page, '#panel [name="loop_item"]', "review")  # the user task's id
    assert "đã là mã" in page.inner_text('#panel [data-show="loop-error"]')
    _leave(page, '#panel [name="loop_item"]', "unit")
    _leave(page, '#panel [name="loop_output_collection"]', "scores")
    _leave(page, '#panel [name="loop_output_item"]', "score")
    _leave(page, '#panel [name="loop_condition"]', "nrOfCompletedInstances >= 2")
    assert page.locator('#panel [data-show="loop-error"]').is_hidden()
    page.screenshot(path=artifacts / "multi-instance-panel.png")
    page.eval_on_selector("#panel", "panel => { panel.scrollTop = 0; }")
    page.screenshot(path=artifacts / "call-activity-panel.png")

    page.click('[data-element-id="review"]')
    page.select_option('#panel select[name="loop_kind"]', "sequential")
    page.select_option('#panel select[name="loop_over"]', "cardinality")
    _leave(page, '#panel [name="loop_cardinality"]', "3")
    _save(page)

    collect = _saved(services, "callActivity", "collect")
    assert collect.get("calledElement") == CHILD
    assert _properties(collect) == {
        "calledVersion": "1",
        "in.unit_id": "unit['id']",
        "out.score": "score",
        f"lane.{LANE}": "unit['id']",
    }
    loop = collect.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert loop.get("isSequential") is None  # parallel
    assert _loop(collect) == [
        ("loopDataInputRef", "units", {}),
        ("loopDataOutputRef", "scores", {}),
        ("inputDataItem", None, {"id": "unit", "name": "unit"}),
        ("outputDataItem", None, {"id": "score", "name": "score"}),
        ("completionCondition", "nrOfCompletedInstances >= 2", {XSI_TYPE: "bpmn:tFormalExpression"}),
    ]
    review = _saved(services, "userTask", "review")
    assert review.find("bpmn:multiInstanceLoopCharacteristics", NS).get("isSequential") == "true"
    assert _loop(review) == [("loopCardinality", "3", {XSI_TYPE: "bpmn:tFormalExpression"})]

    # Reopened, the loop's data names are read back (they refer to no element of the
    # diagram); removing the lane row removes its property and keeps everything else.
    page.reload()
    page.wait_for_selector("#editor[data-state=ready]")
    page.click('[data-element-id="collect"]')
    assert page.locator('#panel select[name="loop_kind"]').input_value() == "parallel"
    assert page.locator('#panel [name="loop_collection"]').input_value() == "units"
    assert page.locator('#panel [name="loop_output_collection"]').input_value() == "scores"
    assert page.locator('#panel select[name="called_version"]').input_value() == "1"
    page.click(f"{_row(page, 'lanes', LANE)} [data-action=remove-mapping]")
    assert page.locator('#panel [data-mapping="lanes"] .mapping-row').count() == 0
    page.focus("#canvas svg")  # the diagram has the keyboard: undo, then redo
    page.keyboard.press("Control+z")
    assert (
        page.locator(f'{_row(page, "lanes", LANE)} [name="mapping_expression"]').input_value() == "unit['id']"
    )
    page.keyboard.press("Control+y")
    assert page.locator('#panel [data-mapping="lanes"] .mapping-row').count() == 0
    _save(page)

    collect = _saved(services, "callActivity", "collect")
    assert _properties(collect) == {"calledVersion": "1", "in.unit_id": "unit['id']", "out.score": "score"}
    assert [tag for tag, _, _ in _loop(collect)] == [
        "loopDataInputRef",
        "loopDataOutputRef",
        "inputDataItem",
        "outputDataItem",
        "completionCondition",
    ]
    assert _loop(collect)[0][1] == "units"

    page.click("#publish")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('phiên bản 2')")
    with services.db.read() as session:
        published = process_admin.version_of(session, CALLER, 2)
    assert "<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>" in published.bpmn_xml
    assert errors == []
