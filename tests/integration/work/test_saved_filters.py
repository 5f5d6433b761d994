"""Saved inbox filters: a user's own, or shared with one of their units (seen by its
members only); names required, at most 100 characters, unique per owner; only the owner
deletes; each listed with its count; through the inbox page with CSRF and a refused name
coming back by its field."""

import pytest
from factories.campaigns import open_campaign
from factories.dates import local
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import func, select

from engine.errors import NotFound
from services import work
from services.common.display import in_language
from services.common.errors import InvalidInput
from services.identity import AppUser, grant_role, unit_by_code, user_by_username
from services.work._models import SavedFilter


@pytest.fixture
def opened(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    with commune.db.transaction() as session:  # a colleague in the same queue
        session.add(AppUser(username="cg_vp.dongnghiep", full_name="Đồng nghiệp", active=True))
        session.flush()
        grant_role(session, "cg_vp.dongnghiep", "cg_vp", "unit_officer")
    return commune


def _save(services, username: str, name: str, unit: str | None = None, **query) -> int:
    with services.db.transaction() as session:
        shared = unit_by_code(session, unit).id if unit else None
        user = user_by_username(session, username)
        return work.save_filter(
            session, user, name, work.InboxQuery(**query), services.clock.now(), shared
        ).id


def _unit_id(services, code: str) -> int:
    with services.db.read() as session:
        return unit_by_code(session, code).id


def _listed(services, username: str) -> dict:
    with services.db.read() as session:
        listed = work.saved_filters(session, user_by_username(session, username), services.clock.now())
        return {saved.name: (saved.count, saved.shared, saved.mine) for saved in listed}


def test_a_filter_is_mine_or_shared_with_my_unit_and_counts_what_it_finds(opened):
    _save(opened, "cg_vp.canbo", "Đề xuất", q="de xuat")
    _save(opened, "cg_vp.canbo", "Không có gì", q="khongcochu")
    _save(opened, "cg_vp.canbo", "Của văn phòng", unit="cg_vp", process_keys=("unit_proposal",))
    assert _listed(opened, "cg_vp.canbo") == {
        "Của văn phòng": (1, True, True),
        "Không có gì": (0, False, True),
        "Đề xuất": (1, False, True),
    }
    # a colleague of the unit sees the shared one, counted over what they may see
    assert _listed(opened, "cg_vp.dongnghiep") == {"Của văn phòng": (1, True, False)}
    assert _listed(opened, "cg_vp.truong") == {"Của văn phòng": (0, True, False)}  # not a head's task
    assert _listed(opened, "cg_pkt.canbo") == {}  # another unit


def test_names_are_required_short_and_unique_per_owner(opened):
    _save(opened, "cg_vp.canbo", "Việc gấp")
    for name, words in (
        ("   ", "Vui lòng nhập Tên bộ lọc"),
        ("x" * 101, "không được dài quá 100"),
        (" việc  GẤP ", "đã được dùng"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _save(opened, "cg_vp.canbo", name)
        assert refused.value.field == "name" and words in in_language(refused.value.message, "vi")
    _save(opened, "cg_pkt.canbo", "Việc gấp")  # another owner may use the name
    with pytest.raises(InvalidInput) as refused:
        _save(opened, "cg_vp.canbo", "Chia sẻ", unit="cg_pkt")  # not my unit
    assert refused.value.field == "shared_unit_id"
    with opened.db.read() as session:
        assert session.execute(select(func.count()).select_from(SavedFilter)).scalar_one() == 2


def test_only_the_owner_deletes_and_an_old_filter_falls_back(opened):
    shared = _save(opened, "cg_vp.canbo", "Chung", unit="cg_vp")
    for stranger in ("cg_vp.dongnghiep", "cg_pkt.canbo"):
        with opened.db.transaction() as session, pytest.raises(NotFound):
            work.delete_filter(session, user_by_username(session, stranger), shared)
    with opened.db.transaction() as session:
        session.get(SavedFilter, shared).query = {"queue": "nobody", "process": "unit_proposal", "view": 3}
    with opened.db.read() as session:
        query = work.saved_filter(session, user_by_username(session, "cg_vp.dongnghiep"), shared)
        assert (query.queue, query.process_keys, query.view) == ("all", ("unit_proposal",), "open")
        with pytest.raises(NotFound):
            work.saved_filter(session, user_by_username(session, "cg_pkt.canbo"), shared)
    with opened.db.transaction() as session:
        work.delete_filter(session, user_by_username(session, "cg_vp.canbo"), shared)
    assert _listed(opened, "cg_vp.canbo") == {}


def test_the_inbox_page_saves_lists_applies_and_deletes_a_filter(opened):
    app = web_app(opened)
    officer = signed_in(app, "cg_vp.canbo")
    saved = officer.post(
        "/inbox/filters",
        data={
            "csrf_token": csrf_token(officer, "/inbox"),
            "name": "Tìm đề xuất",
            "q": "de xuat",
            "share": "1",
            "shared_unit_id": _unit_id(opened, "cg_vp"),
        },
    )
    assert saved.status_code == 302 and saved.location.endswith("/inbox?q=de+xuat")
    page = officer.get("/inbox").get_data(as_text=True)
    assert 'href="/inbox?q=de+xuat">Tìm đề xuất</a> <span class="count">1</span>' in page
    assert "Lập đề xuất" in officer.get("/inbox?q=de+xuat").get_data(as_text=True)
    colleague = signed_in(app, "cg_vp.dongnghiep").get("/inbox").get_data(as_text=True)
    assert "Tìm đề xuất" in colleague and "/delete" not in colleague  # shared, not theirs to delete
    refused = officer.post(
        "/inbox/filters",
        data={"csrf_token": csrf_token(officer, "/inbox"), "name": "tìm đề xuất", "view": "done"},
        follow_redirects=True,
    )
    text = shown_after_refusal(refused, "/inbox")
    assert "đã được dùng" in text and 'value="tìm đề xuất"' in text and 'aria-invalid="true"' in text
    assert officer.post("/inbox/filters", data={"name": "Không CSRF"}).status_code == 400
    with opened.db.read() as session:
        [filter_id] = session.scalars(select(SavedFilter.id))
    stranger = signed_in(app, "cg_vp.dongnghiep")
    token = csrf_token(stranger, "/inbox")
    assert stranger.post(f"/inbox/filters/{filter_id}/delete", data={"csrf_token": token}).status_code == 404
    deleted = officer.post(
        f"/inbox/filters/{filter_id}/delete", data={"csrf_token": csrf_token(officer, "/inbox")}
    )
    assert deleted.status_code == 302 and "Tìm đề xuất" not in officer.get("/inbox").get_data(as_text=True)


def test_odd_inbox_addresses_fall_back_never_fail(opened):
    officer = signed_in(web_app(opened), "cg_vp.canbo")
    for address in (
        "/inbox?q=" + "đ" * 500,
        "/inbox?process=&process=" + "p" * 300,
        "/inbox?view=nothing&queue=x&due=y&campaign=abc&page=-3",
        "/inbox?view=done&q=%25_%5C",
    ):
        assert officer.get(address).status_code == 200, address
