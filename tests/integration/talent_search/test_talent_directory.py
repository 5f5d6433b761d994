"""The talent database as officers search it: who sees whom, accent-free name search, exact
search by citizen ID that never echoes the ID (Sở Nội vụ's officers only, rationed and
audited by digest), the status filter, pages and API masked, birth years for most roles."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from factories.dates import local
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import select

from services.common.errors import InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.identity import unit_by_code, user_by_username
from services.people import TalentListEntry, _talents as talents
from services.people._personal_data import search_digest
from services.talent_search import _search as talent_directory

NOW = local(2026, 6, 1, 9, 0)
KHOA_ID, HA_ID, LAN_ID = "999202000111", "999193000222", "999195000444"


@pytest.fixture
def people(commune):
    """Khoa serves in cg_vp (Cẩm Giang), Hà in cg_pkt (Cẩm Giang, then removed), Lan in ltn_vp
    (phường Lê Thanh Nghị)."""
    ids = {}
    with commune.db.transaction() as session:
        for name, citizen_id, unit, statuses in (
            ("Trần Minh Khoa", KHOA_ID, "cg_vp", ["in_service"]),
            ("Phạm Thị Thu Hà", HA_ID, "cg_pkt", ["in_service", "removed"]),
            ("Đỗ Thị Lan", LAN_ID, "ltn_vp", ["in_service"]),
        ):
            person = talents.register_person(
                session,
                commune.citizen_id_keys,
                NOW,
                None,
                full_name=name,
                citizen_id=citizen_id,
                date_of_birth=date(1995, 1, 1),
            )
            session.add(
                TalentListEntry(
                    person_id=person.id,
                    org_unit_id=unit_by_code(session, unit).id,
                    included_on=date(2026, 3, 16),
                )
            )
            for minutes, status in enumerate(statuses):
                talents.record_status(
                    session,
                    local(2026, 5, 1, 9, minutes),
                    None,
                    person.id,
                    status,
                    reason="Không còn triển vọng phát triển" if status == "removed" else None,
                )
            ids[name] = person.id
    return ids


def names_found(services, username: str, **query) -> list[str]:
    with services.db.transaction() as session:
        user = user_by_username(session, username)
        page = talent_directory.search(
            session, services.citizen_id_keys, user.id, talent_directory.TalentQuery(**query), NOW
        )
    return [person["full_name"] for person in page.people]


def test_each_role_sees_the_people_of_its_reach(commune, people):
    everyone = ["Đỗ Thị Lan", "Phạm Thị Thu Hà", "Trần Minh Khoa"]
    assert names_found(commune, "snv.canbo") == everyone  # the city's dedicated unit
    assert names_found(commune, "ct.thanhpho") == everyone
    assert names_found(commune, "vhxh.canbo") == ["Phạm Thị Thu Hà", "Trần Minh Khoa"]  # Cẩm Giang only
    assert names_found(commune, "chutich") == ["Phạm Thị Thu Hà", "Trần Minh Khoa"]
    assert names_found(commune, "ltn_vhxh.chuyenvien") == ["Đỗ Thị Lan"]
    assert names_found(commune, "cg_vp.truong") == ["Trần Minh Khoa"]  # their own unit
    for outsider in ("cg_vp.canbo", "stc.canbo", "admin"):
        with pytest.raises(PermissionDenied):
            names_found(commune, outsider)


def test_names_match_without_accents_or_case(commune, people):
    assert names_found(commune, "snv.canbo", text="tran minh") == ["Trần Minh Khoa"]
    assert names_found(commune, "snv.canbo", text="PHẠM THỊ") == ["Phạm Thị Thu Hà"]
    assert names_found(commune, "snv.canbo", text="do thi") == ["Đỗ Thị Lan"]  # đ is typed as d
    assert names_found(commune, "snv.canbo", text="100%") == []  # a wildcard is a character


def test_a_whole_citizen_id_finds_its_person_and_nobody_else(commune, people):
    assert names_found(commune, "snv.canbo", text="9991 9300 0222") == ["Phạm Thị Thu Hà"]
    with pytest.raises(InvalidInput) as refused:
        names_found(commune, "snv.canbo", text="99920200")
    assert refused.value.field == "q"


def test_the_status_filter_reads_where_people_stand_now(commune, people):
    assert names_found(commune, "snv.canbo", status="in_service") == ["Đỗ Thị Lan", "Trần Minh Khoa"]
    assert names_found(commune, "snv.canbo", status="removed") == ["Phạm Thị Thu Hà"]


def test_a_record_shows_history_and_is_not_found_outside_the_reach(commune, people):
    from engine.errors import NotFound

    with commune.db.read() as session:
        officer = user_by_username(session, "vhxh.canbo")
        record = talent_directory.person_record(
            session, commune.citizen_id_keys, officer.id, people["Phạm Thị Thu Hà"]
        )
        assert [step["status"] for step in record["history"]] == ["in_service", "removed"]
        assert record["history"][1]["reason"] == "Không còn triển vọng phát triển"
        assert record["citizen_id"] == "********0222"
        assert record["talent_list"][0]["unit"] == "Phòng Kinh tế xã Cẩm Giang"
        with pytest.raises(NotFound):
            talent_directory.person_record(session, commune.citizen_id_keys, officer.id, people["Đỗ Thị Lan"])


def search_page(client, **form):
    return client.post("/talents", data={"csrf_token": csrf_token(client, "/talents"), **form})


def api_search(client, **body):
    return client.post(
        "/api/v1/talents/search", json=body, headers={"X-CSRFToken": csrf_token(client, "/talents")}
    )


def test_pages_and_api_never_show_a_citizen_id_in_clear(commune, people):
    client = signed_in(web_app(commune), "snv.canbo")
    pages = [
        client.get("/talents"),
        search_page(client, q=HA_ID),
        search_page(client, q="tran"),
        client.get(f"/talents/{people['Trần Minh Khoa']}"),
        client.get("/api/v1/talents"),
        api_search(client, q=KHOA_ID),
        client.get(f"/api/v1/talents/{people['Đỗ Thị Lan']}"),
    ]
    assert [page.status_code for page in pages] == [200] * 7
    for page in pages:
        body = page.get_data(as_text=True)
        for citizen_id in (KHOA_ID, HA_ID, LAN_ID):
            assert citizen_id not in body
    assert "********0222" in pages[1].get_data(as_text=True)  # found, masked
    assert pages[6].get_json()["citizen_id"] == "********0444"
    assert [person["full_name"] for person in pages[5].get_json()["people"]] == ["Trần Minh Khoa"]


def test_a_bad_search_answers_in_vietnamese_naming_the_box(commune, people):
    client = signed_in(web_app(commune), "snv.canbo")
    page = search_page(client, q="12345")
    assert page.status_code == 422
    assert "12 chữ số" in page.get_data(as_text=True)
    assert "12345" not in page.get_data(as_text=True)  # what was typed is not written back
    answer = api_search(client, q="12345")
    assert answer.status_code == 422 and "q" in answer.get_json()["errors"]


def test_the_search_list_is_paged_by_status_without_personal_data_in_the_url(commune, people):
    client = signed_in(web_app(commune), "snv.canbo")
    answer = client.get("/api/v1/talents?status=removed")
    assert [person["full_name"] for person in answer.get_json()["people"]] == ["Phạm Thị Thu Hà"]
    assert client.get("/talents?status=removed").status_code == 200


# -- the citizen ID is not an oracle -------------------------------------------------------

NAME_SEARCHERS = ("snv.canbo", "snv.giamdoc", "ct.thanhpho", "vhxh.canbo", "chutich", "cg_vp.truong")
UNKNOWN_ID = "001202000999"  # a possible ID nobody has
IMPOSSIBLE_IDS = ("000202000999", "097202000999")  # no province has these codes
CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]+"')


def lookups(services) -> list[AuditEvent]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_((talent_directory.LOOKUP, talent_directory.LOOKUP_REFUSED)))
                .order_by(AuditEvent.id)
            )
        )


def test_only_so_noi_vu_officers_search_by_citizen_id_and_every_role_still_by_name(commune, people):
    for username in NAME_SEARCHERS:
        client = signed_in(web_app(commune), username)
        assert "Trần Minh Khoa" in search_page(client, q="tran minh").get_data(as_text=True)
        assert [person["full_name"] for person in api_search(client, q="tran minh").get_json()["people"]] == [
            "Trần Minh Khoa"
        ]
        if username == "snv.canbo":
            continue
        page, answer = search_page(client, q=KHOA_ID), api_search(client, q=KHOA_ID)
        assert page.status_code == 422 and answer.status_code == 422, username
        assert "Chỉ cán bộ Sở Nội vụ được tìm theo số định danh cá nhân" in page.get_data(as_text=True)
        assert "Chỉ cán bộ Sở Nội vụ" in answer.get_json()["errors"]["q"][0]
        assert KHOA_ID not in page.get_data(as_text=True) + answer.get_data(as_text=True)
    assert lookups(commune) == []  # refused for the role: nothing was looked up


def test_the_21st_lookup_in_an_hour_is_refused_and_every_one_is_audited_by_digest(commune, people):
    commune.clock.set(NOW)
    client = signed_in(web_app(commune), "snv.canbo")
    typed = [(KHOA_ID, HA_ID, LAN_ID, UNKNOWN_ID)[n % 4] for n in range(20)]
    assert [api_search(client, q=citizen_id).status_code for citizen_id in typed] == [200] * 20
    commune.clock.set(NOW + timedelta(minutes=59))
    refused, refused_page = api_search(client, q=HA_ID), search_page(client, q=HA_ID)
    assert refused.status_code == 429 and refused_page.status_code == 429
    assert "20 lần trong một giờ qua" in refused.get_json()["errors"]["q"][0]
    assert "20 lần trong một giờ qua" in refused_page.get_data(as_text=True)
    assert refused.get_json()["code"] == "too_many_requests"

    with commune.db.read() as session:
        officer = user_by_username(session, "snv.canbo").id
    audited = lookups(commune)
    assert [row.action for row in audited] == [talent_directory.LOOKUP] * 20 + [
        talent_directory.LOOKUP_REFUSED
    ] * 2
    assert {row.actor_id for row in audited} == {officer}
    assert [row.details for row in audited] == [
        {"digest": search_digest(commune.citizen_id_keys, citizen_id)}
        for citizen_id in typed + [HA_ID, HA_ID]
    ]
    with commune.db.read() as session:  # no clear ID anywhere in the audit trail
        trail = " ".join(f"{row.subject} {row.details}" for row in session.scalars(select(AuditEvent)))
    for citizen_id in (KHOA_ID, HA_ID, LAN_ID, UNKNOWN_ID):
        assert citizen_id not in trail

    commune.clock.set(NOW + timedelta(hours=1))  # the first twenty are an hour old
    again = api_search(client, q=HA_ID)
    assert again.status_code == 200
    assert [person["full_name"] for person in again.get_json()["people"]] == ["Phạm Thị Thu Hà"]


def without_csrf_tokens(page) -> tuple[int, str]:
    """A page's status and text, its CSRF tokens aside (they carry the second they were made)."""
    return page.status_code, CSRF_VALUE.sub("", page.get_data(as_text=True))


def test_an_impossible_citizen_id_is_answered_as_an_unknown_one(commune, people):
    client = signed_in(web_app(commune), "snv.canbo")
    unknown_page, unknown_answer = search_page(client, q=UNKNOWN_ID), api_search(client, q=UNKNOWN_ID)
    assert unknown_answer.status_code == 200 and unknown_answer.get_json()["people"] == []
    for impossible in IMPOSSIBLE_IDS:
        page, answer = search_page(client, q=impossible), api_search(client, q=impossible)
        assert (answer.status_code, answer.get_data()) == (
            unknown_answer.status_code,
            unknown_answer.get_data(),
        )
        assert without_csrf_tokens(page) == without_csrf_tokens(unknown_page)
    assert len(lookups(commune)) == 2 + 2 * len(IMPOSSIBLE_IDS)  # counted and audited alike


def test_the_audit_of_lookups_goes_after_the_retention_period(commune, people):
    commune.clock.set(NOW)
    api_search(signed_in(web_app(commune), "snv.canbo"), q=KHOA_ID)
    retention = timedelta(days=commune.config.retention_days)
    commune.purge_personal_data(NOW + retention - timedelta(minutes=1))
    assert len(lookups(commune)) == 1
    commune.purge_personal_data(NOW + retention + timedelta(minutes=1))
    assert lookups(commune) == []
    with commune.db.read() as session:  # the rest of the audit trail stays
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "person.registered")) is not None


def test_a_unit_head_sees_the_birth_year_and_so_noi_vu_the_date(commune, people):
    khoa = people["Trần Minh Khoa"]
    head = signed_in(web_app(commune), "cg_vp.truong")
    listed = head.get("/api/v1/talents").get_json()["people"][0]
    record = head.get(f"/api/v1/talents/{khoa}").get_json()
    for seen in (listed, record):
        assert seen["birth_year"] == 1995 and "date_of_birth" not in seen
    for page in (search_page(head, q="tran"), head.get(f"/talents/{khoa}")):
        body = page.get_data(as_text=True)
        assert "Năm sinh" in body and "1995" in body and "01/01/1995" not in body and "Ngày sinh" not in body

    officer = signed_in(web_app(commune), "snv.canbo")
    assert officer.get(f"/api/v1/talents/{khoa}").get_json()["date_of_birth"] == "1995-01-01"
    assert "01/01/1995" in officer.get(f"/talents/{khoa}").get_data(as_text=True)
