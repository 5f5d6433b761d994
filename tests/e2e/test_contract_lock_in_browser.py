"""The BPMN editor locks the elements the code needs (the process's contract,
engine/contracts.py) before the admin touches them. Renaming one anyway is refused when
the draft is saved for publishing: the refusal is shown on the renamed element and
nothing is published; the saved draft, opened again, keeps the lock on it."""

from __future__ import annotations

from sqlalchemy import select
from test_admin_editor_in_browser import _sign_in_as_admin

from engine.models import ProcessDefinition

LOCKED = [
    "draft_proposal",
    "approve_proposal",
    "submitted",
    "submitted_late",
    "declared_no_demand",
    "deemed_no_demand",
]
NEEDED = "Phần tử này được chương trình sử dụng — không đổi mã hay xoá:"


def _lock(page, element_id: str):
    return page.locator(f'.contract-lock[data-locked-element="{element_id}"]')


def _shape(element_id: str) -> str:
    return f'.djs-element[data-element-id="{element_id}"]'


def _wait_until_ready(page):
    page.wait_for_selector('#editor[data-state="ready"]')


def _versions(services) -> list[int]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(ProcessDefinition.version)
                .where(ProcessDefinition.key == "unit_proposal")
                .order_by(ProcessDefinition.version)
            )
        )


def test_contracted_elements_are_locked_and_a_rename_is_refused_on_the_element(
    commune, live_server, browser, artifacts
):
    services = commune
    assert _versions(services) == [1]
    page, errors = _sign_in_as_admin(browser, live_server)

    page.click("nav >> text=Quản trị")
    page.click('a[href$="/admin/processes/unit_proposal"]')
    page.click("#edit-process")
    _wait_until_ready(page)

    # The locks are there before anything is touched, one per contracted element, on it.
    for element_id in LOCKED:
        lock = _lock(page, element_id)
        assert lock.count() == 1, element_id
        title = lock.get_attribute("title")
        assert title.startswith(NEEDED) and "(services/" in title, title
        assert lock.get_attribute("aria-label") == title
        assert lock.get_attribute("role") == "img"
        badge, shape = lock.bounding_box(), page.locator(_shape(element_id)).bounding_box()
        assert badge and shape
        centre_x, centre_y = badge["x"] + badge["width"] / 2, badge["y"] + badge["height"] / 2
        assert shape["x"] <= centre_x <= shape["x"] + shape["width"] + badge["width"], element_id
        assert shape["y"] - badge["height"] <= centre_y <= shape["y"] + shape["height"], element_id
    assert "Đợt đề xuất nhu cầu của xã (services/campaigns)" in _lock(page, "draft_proposal").get_attribute(
        "title"
    )
    assert _lock(page, "has_demand").count() == 0  # not needed by the code: free to change
    assert page.locator(_shape("has_demand")).count() == 1
    page.screenshot(path=artifacts / "locks.png")

    # The side panel says it too, next to the id.
    id_field = page.locator('#panel input[name="id"]')
    note = page.locator("#panel .contract-note")
    page.click(_shape("has_demand"))
    assert id_field.input_value() == "has_demand"
    assert note.is_hidden()
    _lock(page, "submitted").click()  # the lock stands for its element
    assert id_field.input_value() == "submitted"
    assert note.is_visible() and "(services/" in note.inner_text()
    page.click(_shape("draft_proposal"))
    assert id_field.input_value() == "draft_proposal"
    assert note.is_visible()
    assert NEEDED in note.inner_text() and "services/campaigns" in note.inner_text()

    # Renamed anyway: the lock follows the element and says which id to restore.
    id_field.fill("draft_renamed")
    id_field.press("Tab")
    page.wait_for_selector('.contract-lock[data-locked-element="draft_renamed"]')
    assert _lock(page, "draft_proposal").count() == 0
    assert "Hãy đặt lại mã draft_proposal." in _lock(page, "draft_renamed").get_attribute("title")
    assert "Hãy đặt lại mã draft_proposal." in note.inner_text()
    assert "warn" in note.get_attribute("class")
    page.screenshot(path=artifacts / "renamed.png")

    # Publishing saves first: the server's refusal is listed and drawn on the renamed element.
    page.click("#publish")
    problem = page.locator('#problems li[data-element="draft_renamed"]')
    problem.wait_for()
    assert "đổi mã từ draft_proposal thành draft_renamed" in problem.inner_text()
    assert "services/campaigns" in problem.inner_text()
    assert page.locator(f"{_shape('draft_renamed')}.tf-problem").count() == 1
    page.wait_for_function("() => !document.querySelector('#publish').disabled")
    assert page.inner_text("#status").startswith("Chưa xuất bản")
    page.screenshot(path=artifacts / "refused.png", full_page=True)
    assert _versions(services) == [1]

    # The problem leads to the element.
    page.click("#panel-title")  # away from the id field
    problem.locator("button").click()
    assert id_field.input_value() == "draft_renamed"

    # The draft was kept as drawn; opened again, the renamed element is still locked.
    page.reload()
    _wait_until_ready(page)
    assert _lock(page, "draft_renamed").count() == 1
    assert "Hãy đặt lại mã draft_proposal." in _lock(page, "draft_renamed").get_attribute("title")
    assert _lock(page, "submitted").count() == 1
    page.screenshot(path=artifacts / "reopened.png")
    assert _versions(services) == [1]
    assert errors == []
