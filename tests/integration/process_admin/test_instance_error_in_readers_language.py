"""An instance parked in error tells the administrator why in their language, on the page
and over the API (docs/languages.md): the error is stored as its wording, not as text."""

import pytest
from factories.bpmn import probe_bundle, process_xml, script_task, user_task
from factories.dates import local
from factories.web import signed_in, web_app
from sqlalchemy import update

from engine.definitions import publish
from engine.models import ProcessInstance

T0 = local(2026, 1, 10, 9, 0)


@pytest.fixture
def parked(commune) -> int:
    """An instance whose script went over its budget: an integer far too large."""
    bpmn = process_xml(script_task("score", "total = 10 ** digits", name="Tính điểm"), user_task("review"))
    with commune.db.transaction() as session:
        publish(session, probe_bundle(bpmn), T0, commune.runtime.helpers)
    with commune.db.transaction() as session:
        change = commune.runtime.start(session, "probe", {"digits": 10**7}, lane_orgs={}, at=T0)
        return change.instance.saved_id


def _error_on_the_page(commune, instance_id: int, language: str) -> str:
    page = signed_in(web_app(commune), "admin", language).get(f"/admin/instances/{instance_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    start = text.index('class="error" role="alert">')
    return text[start : text.index("</p>", start)]


def test_the_error_reads_in_vietnamese_and_in_english(commune, parked):
    vietnamese = _error_on_the_page(commune, parked, "vi")
    assert (
        "«Tính điểm» (score): bị dừng do vượt giới hạn tài nguyên: đoạn mã đã dùng một số nguyên quá"
        in vietnamese
    )
    assert "stopped" not in vietnamese

    english = _error_on_the_page(commune, parked, "en")
    assert "«Tính điểm» (score): stopped, over its budget: the code used an integer of more than" in english


def test_the_api_gives_the_error_in_the_readers_language(commune, parked):
    browser = signed_in(web_app(commune), "admin", "vi")
    answer = browser.get(f"/api/v1/instances/{parked}").get_json()
    assert answer["error_message"].startswith("«Tính điểm» (score): bị dừng do vượt giới hạn tài nguyên")


def test_an_error_stored_before_its_wording_was_kept_shows_as_written(commune, parked):
    with commune.db.transaction() as session:
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == parked)
            .values(error_message="Lỗi ghi từ trước", error_wording=None)
        )
    assert "Lỗi ghi từ trước" in _error_on_the_page(commune, parked, "en")
