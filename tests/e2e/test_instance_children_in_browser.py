"""An administrator walks between linked instances in the browser: from a caller's page to
the next page of its call's children, a status filter, a child, and back to the parent
on the page of its list that shows that child. Both backends."""

from __future__ import annotations

from factories.bpmn import Node, user_task
from factories.calls import bundle, call_activity, loop_xml, process
from factories.dates import local
from factories.web import browser_signed_in
from sqlalchemy import select

from engine.definitions import publish
from engine.models import ProcessInstance

T0 = local(2026, 1, 10, 9, 0)
CALL_NAME = "Gửi đề xuất cho các đơn vị"


def _caller_with_children(services, units: int) -> tuple[int, list[int]]:
    ask = call_activity(
        "ask_all", "child_probe", {"unit": "unit"}, loop=loop_xml(collection="units", item="unit")
    )
    caller = process("probe", Node(ask.id, ask.xml.replace('name="Gọi ask_all"', f'name="{CALL_NAME}"')))
    with services.db.transaction() as session:
        for each in (
            bundle("child_probe", process("child_probe", user_task("work")), {"unit": "u0"}),
            bundle("probe", caller, {"units": ["u0"]}),
        ):
            publish(session, each, T0, services.runtime.helpers)
        started = services.runtime.start(
            session, "probe", {"units": [f"u{i}" for i in range(units)]}, lane_orgs={}, at=T0
        )
    with services.db.transaction() as session:
        children = list(
            session.scalars(
                select(ProcessInstance.id)
                .where(ProcessInstance.parent_id == started.instance.id)
                .order_by(ProcessInstance.child_index)
            )
        )
        services.runtime.suspend(session, children[57], T0)
    return started.instance.id, children


def test_an_administrator_walks_from_a_caller_to_its_children_and_back(live_server, browser, commune):
    caller_id, children = _caller_with_children(commune, 60)
    page = browser_signed_in(browser, live_server, "admin")
    page.goto(f"{live_server}/admin/instances/{caller_id}")
    section = page.locator("section.children")
    assert f"Bước gọi quy trình «{CALL_NAME}»" in section.locator("h2").inner_text()
    assert section.locator("tr[data-child]").count() == 50
    assert section.locator("[data-state=all] .count").inner_text() == "60"
    assert section.locator("[data-state=suspended] .count").inner_text() == "1"

    section.locator("a[rel=next]").click()
    page.wait_for_url("**page=2**")
    assert page.locator("section.children tr[data-child]").count() == 10
    assert page.locator("section.children .page-of").inner_text() == "Trang 2/2"

    page.locator("section.children [data-state=suspended]").click()
    page.wait_for_url("**state=suspended**")
    (row,) = page.locator("section.children tr[data-child]").all()
    assert row.get_attribute("data-child") == str(children[57])
    row.locator("a").click()
    page.wait_for_url(f"**/admin/instances/{children[57]}")
    assert f"Con thứ 58 của «{CALL_NAME}»" in page.locator("#instance-parent").inner_text()

    page.locator("#instance-parent a").click()
    page.wait_for_url(f"**/admin/instances/{caller_id}?**page=2**")
    assert page.locator(f'section.children tr[data-child="{children[57]}"]').count() == 1
