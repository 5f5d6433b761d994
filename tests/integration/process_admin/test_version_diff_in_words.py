"""The diff between two versions says what changed in an element in words, never as
SpiffWorkflow's attribute codes (docs/languages.md)."""

from factories.bpmn import probe_bundle, process_xml, script_task, user_task
from factories.dates import local
from factories.web import signed_in, web_app

from engine.definitions import publish

T0 = local(2026, 1, 10, 9, 0)


def _publish(services, script: str, name: str) -> None:
    bpmn = process_xml(script_task("score", script, name=name), user_task("review"))
    with services.db.transaction() as session:
        publish(session, probe_bundle(bpmn), T0, services.runtime.helpers)


def test_a_changed_script_and_name_read_as_words(commune):
    _publish(commune, "total = 1", "Tính điểm")
    _publish(commune, "total = 2", "Tính tổng điểm")
    admin = signed_in(web_app(commune), "admin", "vi")

    page = admin.get("/admin/processes/probe/diff?from=1&to=2").get_data(as_text=True)
    changed = page[page.index('<ul class="changed">') :]
    changed = changed[: changed.index("</ul>")]
    assert "<code>score</code>:" in changed
    assert "tên" in changed and "đoạn mã" in changed
    assert "bpmn_name" not in changed and "script" not in changed
