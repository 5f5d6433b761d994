"""The inbox that finds things: search by a word of the title (accents or not), by the
unit's or the process's name, never beyond what the user may see; the process filter as a
list; the tasks I completed ('Đã xử lý'); the same over the API, bad arguments refused."""

import pytest
from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act
from factories.web import web_app

from services import work
from services.identity import _api_tokens as api_tokens, unit_by_code, user_by_username

DRAFT = {"no_demand": False, "lines": [line()], "note": "Đề xuất của đơn vị"}


@pytest.fixture
def opened(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    return commune


def _found(services, username: str, **query) -> list:
    with services.db.read() as session:
        user = user_by_username(session, username)
        page = work.inbox(session, user, work.InboxQuery(**query), services.clock.now())
        return [(task.task_name, task.org_unit_id, task.title) for task in page.tasks]


def _unit_id(services, code: str) -> int:
    with services.db.read() as session:
        return unit_by_code(session, code).id


def test_a_word_of_the_title_finds_the_task_typed_with_or_without_accents(opened):
    [(name, _, title)] = _found(opened, "cg_vp.canbo")
    assert name == "draft_proposal" and "đề xuất" in title.lower(), title
    for typed in ("đề xuất", "de xuat", "ĐỀ XUẤT", "  lập   ĐỀ "):
        assert _found(opened, "cg_vp.canbo", q=typed) == _found(opened, "cg_vp.canbo"), typed
    assert _found(opened, "cg_vp.canbo", q="đề khongcochu") == []  # every word must match
    assert _found(opened, "cg_vp.canbo", q="%") == [] and _found(opened, "cg_vp.canbo", q="_") == []


def test_the_units_name_and_the_process_name_find_it_too(opened):
    mine = _found(opened, "cg_vp.canbo")
    assert _found(opened, "cg_vp.canbo", q="van phong hdnd") == mine  # the unit: Văn phòng HĐND và UBND
    assert _found(opened, "cg_vp.canbo", q="Trường THCS") == []  # another unit's name
    # unit_proposal is "Đề xuất nhu cầu ... của đơn vị": "đơn vị" is in no task title
    assert "don vi" not in mine[0][2].lower()
    assert _found(opened, "cg_vp.canbo", q="đơn vị") == mine


def test_a_search_never_shows_another_units_task(opened):
    vp, pkt = _unit_id(opened, "cg_vp"), _unit_id(opened, "cg_pkt")
    for typed in ("văn phòng", "de xuat", "cẩm giang", ""):
        found = _found(opened, "cg_pkt.canbo", q=typed)
        assert all(unit == pkt for _, unit, _ in found) and not any(unit == vp for _, unit, _ in found)
    assert _found(opened, "cg_pkt.canbo", q="van phong hdnd") == []
    assert len(_found(opened, "cg_pkt.canbo", q="cẩm giang")) == 1  # its own unit's name has it


def test_the_process_filter_takes_several_keys_and_unknown_ones_match_nothing(opened):
    mine = _found(opened, "cg_vp.canbo")
    assert _found(opened, "cg_vp.canbo", process_keys=("unit_proposal",)) == mine
    assert _found(opened, "cg_vp.canbo", process_keys=("commune_campaign", "unit_proposal")) == mine
    assert _found(opened, "cg_vp.canbo", process_keys=("commune_campaign",)) == []
    assert _found(opened, "cg_vp.canbo", process_keys=("no_such_process",)) == []
    with opened.db.read() as session:
        names = work.process_names(session)
    assert names["unit_proposal"].startswith("Đề xuất nhu cầu") and "commune_campaign" in names


def test_done_lists_only_my_completed_tasks_newest_first(opened):
    act(opened, "cg_vp.canbo", "draft_proposal", DRAFT, at=local(2026, 1, 12, 9, 0))
    act(
        opened,
        "cg_vp.truong",
        "approve_proposal",
        {"head_decision": "return", "head_comment": "Bổ sung tiêu chí"},
        at=local(2026, 1, 12, 10, 0),
    )
    act(opened, "cg_vp.canbo", "draft_proposal", DRAFT, at=local(2026, 1, 12, 11, 0))
    act(opened, "cg_pkt.canbo", "draft_proposal", DRAFT, at=local(2026, 1, 12, 11, 30))
    with opened.db.read() as session:
        user = user_by_username(session, "cg_vp.canbo")
        page = work.done(session, user, work.InboxQuery(view="done"))
        assert page.total == 2 and [task.completed_by for task in page.tasks] == [user.id, user.id]
        assert page.tasks[0].completed_at > page.tasks[1].completed_at
        assert work.done(session, user, work.InboxQuery(view="done", q="khongcochu")).total == 0
        assert work.done(session, user, work.InboxQuery(view="done", q="de xuat", per_page=1)).pages == 2
        head = user_by_username(session, "cg_vp.truong")
        assert [task.task_name for task in work.done(session, head, work.InboxQuery()).tasks] == [
            "approve_proposal"
        ]


@pytest.fixture
def api(opened):
    client = web_app(opened).test_client()
    with opened.db.transaction() as session:
        client.tokens = {
            name: {"Authorization": f"Bearer {api_tokens.issue(session, name, 'api', opened.clock.now())}"}
            for name in ("cg_vp.canbo", "cg_pkt.canbo")
        }
    return client


def test_the_api_searches_filters_and_lists_what_i_completed(api, opened):
    me = api.tokens["cg_vp.canbo"]
    assert api.get("/api/v1/tasks?q=de%20xuat", headers=me).get_json()["total"] == 1
    assert api.get("/api/v1/tasks?q=khongcochu", headers=me).get_json()["total"] == 0
    assert api.get("/api/v1/tasks?q=van%20phong", headers=api.tokens["cg_pkt.canbo"]).get_json()["total"] == 0
    both = "/api/v1/tasks?process=commune_campaign&process=unit_proposal"
    assert api.get(both, headers=me).get_json()["total"] == 1
    assert api.get("/api/v1/tasks?process=nope", headers=me).get_json()["total"] == 0
    assert api.get("/api/v1/tasks/done", headers=me).get_json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "pages": 1,
    }
    act(opened, "cg_vp.canbo", "draft_proposal", DRAFT)
    done = api.get("/api/v1/tasks/done?per_page=10", headers=me).get_json()
    assert done["total"] == 1 and done["items"][0]["task_name"] == "draft_proposal"
    assert done["items"][0]["completed_at"].startswith("2026-01-12T02:00")  # 09:00 in Hà Nội
    assert api.get("/api/v1/tasks/done?q=de%20xuat", headers=me).get_json()["total"] == 1
    assert api.get("/api/v1/tasks/done", headers=api.tokens["cg_pkt.canbo"]).get_json()["total"] == 0


@pytest.mark.parametrize(
    "address",
    [
        "/api/v1/tasks?q=" + "a" * 101,
        "/api/v1/tasks?process=",
        "/api/v1/tasks?" + "&".join(f"process=p{i}" for i in range(51)),
        "/api/v1/tasks/done?q=" + "a" * 101,
        "/api/v1/tasks/done?per_page=101",
        "/api/v1/tasks/done?page=0",
        "/api/v1/tasks/done?process=" + "p" * 101,
    ],
)
def test_bad_search_arguments_are_refused_with_a_4xx(api, address):
    answer = api.get(address, headers=api.tokens["cg_vp.canbo"])
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["errors"]
