"""The instance viewer walks between linked instances: a caller's page shows each call
activity (its name, the called version, its status, the standard counters, its children
counted by status) and a page of its children, filtered by status; a child's page links
back to its parent and says which call started it. Instances that product code started
with a parent (no call activity) are listed and linked too. Bad query parameters give a
clear page. A call with 5,000 children (inserted directly) shows its first page and its
counts without reading every child. Both backends."""

from __future__ import annotations

import re

from factories.bpmn import Node, user_task
from factories.calls import bundle, call_activity, loop_xml, process
from factories.dates import local
from factories.web import signed_in, web_app
from sqlalchemy import event, insert, select, update

from engine.definitions import publish
from engine.models import CallActivity, HumanTask, ProcessDefinition, ProcessInstance
from engine.runtime import StartRequest

T0 = local(2026, 1, 10, 9, 0)
CALL_NAME = "Gửi đề xuất cho các đơn vị"
CHILD = bundle("child_probe", process("child_probe", user_task("work")), {"unit": "u0"})


def _caller() -> bytes:
    ask = call_activity(
        "ask_all", "child_probe", {"unit": "unit"}, loop=loop_xml(collection="units", item="unit")
    )
    named = Node(ask.id, ask.xml.replace('name="Gọi ask_all"', f'name="{CALL_NAME}"'))
    return process("probe", named, user_task("review"))


def _start_caller(services, units: int) -> tuple[int, int, list[int]]:
    """A caller whose multi-instance call activity runs ``units`` children: its id, the
    call's id and its children's ids in their order."""
    with services.db.transaction() as session:
        for each in (CHILD, bundle("probe", _caller(), {"units": ["u0"]})):
            publish(session, each, T0, services.runtime.helpers)
        caller = services.runtime.start(
            session, "probe", {"units": [f"u{i}" for i in range(units)]}, lane_orgs={}, at=T0
        )
    with services.db.read() as session:
        call_id = session.scalar(select(CallActivity.id).where(CallActivity.parent_id == caller.instance.id))
        children = list(
            session.scalars(
                select(ProcessInstance.id)
                .where(ProcessInstance.call_id == call_id)
                .order_by(ProcessInstance.child_index)
            )
        )
    return caller.instance.id, call_id, children


def _steer(services, children: list[int]) -> None:
    """5 children completed, 3 suspended, 1 in error, 2 cancelled; the others run."""
    for child in children[:5]:
        with services.db.transaction() as session:
            task = session.scalar(select(HumanTask).where(HumanTask.instance_id == child))
            services.runtime.complete_task(session, task.id, {"note": "xong"}, user_id=None, at=T0)
    with services.db.transaction() as session:
        for child in children[5:8]:
            services.runtime.suspend(session, child, T0)
        services.runtime.park(session, children[8], "a test's failure")
        for child in children[9:11]:
            services.runtime.cancel(session, child, T0)


def _section(html: str, key) -> str:
    found = re.search(rf'<section class="children" id="children-{key}".*?</section>', html, re.S)
    assert found, f"no list of children {key}"
    return found.group(0)


def _indexes(section: str) -> list[int]:
    return [int(index) for index in re.findall(r'data-index="(\d+)"', section)]


def _counts(section: str) -> dict[str, int]:
    return {
        state: int(count)
        for state, count in re.findall(
            r'data-state="(\w+)".*?<span class="count">(\d+)</span>', section, re.S
        )
    }


def _page(admin, url: str) -> str:
    response = admin.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_a_callers_page_counts_its_children_and_pages_through_them(commune):
    services = commune
    caller_id, call_id, children = _start_caller(services, 120)
    assert len(children) == 120
    _steer(services, children)
    admin = signed_in(web_app(services), "admin")

    html = _page(admin, f"/admin/instances/{caller_id}")
    section = _section(html, call_id)
    assert f"Bước gọi quy trình «{CALL_NAME}»" in section and "<code>ask_all</code>" in section
    assert '<code class="called-process">child_probe</code>' in section and "phiên bản 1" in section
    assert 'data-status="running">Đang chờ các phiên chạy con</strong>' in section
    with services.db.read() as session:
        call = session.get_one(CallActivity, call_id)
        counters = (call.nr_instances, call.nr_active, call.nr_completed)
    assert counters[0] == 120 and counters[2] >= 5  # ended children (the cancelled ones count too)
    for name, value in zip(("nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances"), counters):
        assert f'data-counter="{name}">{value}</td>' in section
    assert "Tổng số phiên chạy con" in section and "Số phiên chạy con đã hoàn thành" in section
    assert _counts(section) == {
        "all": 120,
        "running": 109,
        "suspended": 3,
        "error": 1,
        "completed": 5,
        "cancelled": 2,
    }
    assert _indexes(section) == list(range(50))
    assert "Trang 1/3" in section and 'rel="next"' in section and 'rel="prev"' not in section
    first = re.search(r'<tr data-child="(\d+)" data-status="(\w+)" data-index="0">(.*?)</tr>', section, re.S)
    assert (int(first.group(1)), first.group(2)) == (children[0], "completed")
    assert f'href="/admin/instances/{children[0]}"' in first.group(3) and "10/01/2026 09:00" in first.group(3)
    assert "Đã hoàn thành" in first.group(3) and ">1</td>" in first.group(3)  # numbered from 1

    second = _section(_page(admin, f"/admin/instances/{caller_id}?call={call_id}&page=2"), call_id)
    assert _indexes(second) == list(range(50, 100)) and "Trang 2/3" in second
    last = _section(_page(admin, f"/admin/instances/{caller_id}?call={call_id}&page=3"), call_id)
    assert _indexes(last) == list(range(100, 120)) and 'rel="next"' not in last

    suspended = _section(
        _page(admin, f"/admin/instances/{caller_id}?call={call_id}&state=suspended"), call_id
    )
    assert _indexes(suspended) == [5, 6, 7] and 'class="pages"' not in suspended
    assert re.search(r'class="current" aria-current="true">Đã tạm dừng <span class="count">3<', suspended)
    in_error = _section(_page(admin, f"/admin/instances/{caller_id}?state=error"), call_id)  # the first list
    assert _indexes(in_error) == [8]
    running = _section(
        _page(admin, f"/admin/instances/{caller_id}?call={call_id}&state=running&page=3"), call_id
    )
    assert _indexes(running) == list(range(111, 120)) and "Trang 3/3" in running
    none_yet = _section(_page(admin, f"/admin/instances/{caller_id}?call={call_id}&state=cancelled"), call_id)
    assert _indexes(none_yet) == [9, 10]

    assert 'id="instance-parent"' not in html  # a caller started by hand has no parent


def test_a_childs_page_links_back_to_its_parent_and_its_call(commune):
    services = commune
    caller_id, call_id, children = _start_caller(services, 60)
    admin = signed_in(web_app(services), "admin")

    html = _page(admin, f"/admin/instances/{children[11]}")
    parent = re.search(r'<p class="meta" id="instance-parent">(.*?)</p>', html, re.S).group(1)
    assert f"Con thứ 12 của «{CALL_NAME}»" in parent
    assert f'href="/admin/instances/{caller_id}?call={call_id}&amp;page=1#children-{call_id}"' in parent
    assert "<code>probe</code>" in parent
    assert 'class="children"' not in html  # a child that calls nothing has no list

    later = _page(admin, f"/admin/instances/{children[55]}")
    assert (
        f"Con thứ 56 của «{CALL_NAME}»" in later and f"call={call_id}&amp;page=2#children-{call_id}" in later
    )
    # the link lands on the page of the parent's list that shows the child
    back = _section(_page(admin, f"/admin/instances/{caller_id}?call={call_id}&page=2"), call_id)
    assert f'data-child="{children[55]}"' in back


def test_children_started_by_code_are_listed_and_link_back(commune):
    """Code that started instances with a parent but no call (a campaign opened before its
    fan-out was drawn started its units so)."""
    services = commune
    with services.db.transaction() as session:
        for each in (CHILD, bundle("parent_probe", process("parent_probe", user_task("wait")))):
            publish(session, each, T0, services.runtime.helpers)
        parent = services.runtime.start(
            session, "parent_probe", {}, lane_orgs={}, business_key="campaign:1", at=T0
        )
        requests = [StartRequest({"unit": f"u{i}"}, {}, f"campaign:1/unit:u{i}") for i in range(10)]
        started = services.runtime.start_many(
            session, "child_probe", requests, parent_id=parent.instance.id, at=T0
        )
    campaign = parent.instance
    units = [change.instance.id for change in started]
    admin = signed_in(web_app(services), "admin")
    assert len(units) == 10

    html = _page(admin, f"/admin/instances/{campaign.id}")
    section = _section(html, "direct")
    assert "Phiên chạy con do ứng dụng hoặc thông điệp khởi tạo" in section
    assert "Bước gọi quy trình" not in section
    assert _counts(section) == {
        "all": 10,
        "running": 10,
        "suspended": 0,
        "error": 0,
        "completed": 0,
        "cancelled": 0,
    }
    assert re.findall(r'data-child="(\d+)"', section) == [str(unit) for unit in units]
    assert "<code>child_probe</code>" in section and "data-index" not in section
    assert "campaign:" in section  # business keys

    child = _page(admin, f"/admin/instances/{units[3]}")
    parent = re.search(r'<p class="meta" id="instance-parent">(.*?)</p>', child, re.S).group(1)
    assert f'href="/admin/instances/{campaign.id}?call=direct&amp;page=1#children-direct"' in parent
    assert "do ứng dụng hoặc một thông điệp khởi tạo, không qua bước gọi quy trình" in parent
    filtered = _section(_page(admin, f"/admin/instances/{campaign.id}?call=direct&state=completed"), "direct")
    assert "Không có phiên chạy con nào ở trạng thái này." in filtered


def test_an_instance_without_children_and_bad_parameters_give_clear_pages(commune):
    services = commune
    caller_id, call_id, children = _start_caller(services, 70)
    admin = signed_in(web_app(services), "admin")

    lonely = _page(admin, f"/admin/instances/{children[0]}?call=1&state=error&page=4")
    assert 'class="children"' not in lonely
    assert "Phiên chạy này không có danh sách phiên chạy con «1»" in lonely

    def notices(url: str) -> tuple[list[str], str]:
        html = _page(admin, url)
        return re.findall(r'<p class="error notice" role="alert">(.*?)</p>', html), _section(html, call_id)

    shown, section = notices(f"/admin/instances/{caller_id}?call={call_id}&page=-1")
    assert shown == ["«-1» không phải là số trang: đang hiện trang đầu."] and _indexes(section) == list(
        range(50)
    )
    shown, section = notices(f"/admin/instances/{caller_id}?call={call_id}&page=abc")
    assert shown == ["«abc» không phải là số trang: đang hiện trang đầu."] and "Trang 1/2" in section
    shown, section = notices(f"/admin/instances/{caller_id}?call={call_id}&page=0")
    assert shown == ["«0» không phải là số trang: đang hiện trang đầu."]
    shown, section = notices(f"/admin/instances/{caller_id}?call={call_id}&page=99999999999999999999")
    assert shown == ["Không có trang 99999999999999999999: đang hiện trang cuối."]
    assert _indexes(section) == list(range(50, 70)) and "Trang 2/2" in section
    shown, section = notices(f"/admin/instances/{caller_id}?call={call_id}&state=nonsense&page=2")
    assert shown == ["«nonsense» không phải là một trạng thái: đang hiện phiên chạy con ở mọi trạng thái."]
    assert _indexes(section) == list(range(50, 70))
    shown, section = notices(f"/admin/instances/{caller_id}?call=999999&state=error&page=2")
    assert shown == [
        "Phiên chạy này không có danh sách phiên chạy con «999999»: mỗi danh sách hiện trang đầu."
    ]
    assert _indexes(section) == list(range(50))
    shown, section = notices(f"/admin/instances/{caller_id}?call=%3Cb%3E&state=%3Cscript%3E")
    assert "«&lt;b&gt;»" in shown[0] and "«&lt;script&gt;»" in shown[1]  # what was typed, escaped
    shown, section = notices(f"/admin/instances/{caller_id}?call={call_id}&state=&page=")
    assert shown == [] and _indexes(section) == list(range(50))

    english = signed_in(web_app(services), "admin", language="en")
    html = english.get(f"/admin/instances/{caller_id}?call={call_id}&page=x").get_data(as_text=True)
    assert "«x» is not a page number: the first page is shown." in html
    assert f"Call activity «{CALL_NAME}»" in html and "Waiting for its children" in html
    assert admin.get("/admin/instances/999999?page=-1").status_code == 404


def test_a_call_with_5000_children_shows_a_page_and_its_counts_without_reading_them_all(commune):
    services = commune
    caller_id, call_id, children = _start_caller(services, 2)
    total, states = 5000, ("running", "completed", "error", "suspended", "cancelled", "running")
    with services.db.transaction() as session:
        child_definition = session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.key == "child_probe")
        )
        session.execute(
            insert(ProcessInstance.__table__),
            [
                {
                    "definition_id": child_definition,
                    "process_key": "child_probe",
                    "business_key": f"unit:{index}",
                    "parent_id": caller_id,
                    "lane_orgs": {},
                    "status": states[index % len(states)],
                    "serialization": b"not a workflow",
                    "created_at": T0,
                    "updated_at": T0,
                    "lock_version": 1,
                    "call_id": call_id,
                    "child_index": index,
                }
                for index in range(2, total)
            ],
        )
        session.execute(
            update(CallActivity)
            .where(CallActivity.id == call_id)
            .values(nr_instances=total, nr_started=total)
        )
    expected = {state: 0 for state in states}
    for index in range(total):
        expected[states[index % len(states)] if index >= 2 else "running"] += 1
    admin = signed_in(web_app(services), "admin")

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = services.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        html = _page(admin, f"/admin/instances/{caller_id}")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    section = _section(html, call_id)
    assert _indexes(section) == list(range(50)) and "Trang 1/100" in section
    assert _counts(section) == {"all": total, **expected}
    assert 'data-counter="nrOfInstances">5000</td>' in section
    # No child's workflow is read: the only rows read with their workflow are the caller's.
    wheres = [statement.partition("WHERE")[2] for statement in statements if "serialization" in statement]
    assert wheres and all(re.fullmatch(r"\s*process_instance\.id = \S+\s*", where) for where in wheres), (
        wheres
    )
    assert len(statements) < 60, statements  # a page's worth, whatever the number of children

    deep = _section(_page(admin, f"/admin/instances/{caller_id}?call={call_id}&page=100"), call_id)
    assert _indexes(deep) == list(range(4950, 5000))
    in_error = _section(
        _page(admin, f"/admin/instances/{caller_id}?call={call_id}&state=error&page=10"), call_id
    )
    errors = [index for index in range(2, total) if states[index % len(states)] == "error"]
    assert _indexes(in_error) == errors[450:500] and f"Trang 10/{-(-len(errors) // 50)}" in in_error
    back = _page(admin, f"/admin/instances/{children[1]}")
    assert f"Con thứ 2 của «{CALL_NAME}»" in back
