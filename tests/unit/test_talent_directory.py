"""The talent database as officers search it: who sees whom, accent-free name search, exact
search by citizen ID that never echoes the ID, the status filter, pages and API masked."""
from __future__ import annotations

from datetime import date

import pytest

from services import talent_directory, talents
from services.directory import unit_by_code, user_by_username
from services.errors import InvalidInput, PermissionDenied
from services.models import TalentListEntry
from support import local
from web_client import csrf_token, signed_in, web_app

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
                ("Đỗ Thị Lan", LAN_ID, "ltn_vp", ["in_service"])):
            person = talents.register_person(session, commune.citizen_id_keys, NOW, None, full_name=name,
                                             citizen_id=citizen_id, date_of_birth=date(1995, 1, 1))
            session.add(TalentListEntry(person_id=person.id, org_unit_id=unit_by_code(session, unit).id,
                                        included_on=date(2026, 3, 16)))
            for minutes, status in enumerate(statuses):
                talents.record_status(session, local(2026, 5, 1, 9, minutes), None, person.id, status,
                                      reason="Không còn triển vọng phát triển" if status == "removed" else None)
            ids[name] = person.id
    return ids


def names_found(services, username: str, **query) -> list[str]:
    with services.db.read() as session:
        user = user_by_username(session, username)
        page = talent_directory.search(session, services.citizen_id_keys, user.id,
                                       talent_directory.TalentQuery(**query))
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
    assert names_found(commune, "ltn_vhxh.chuyenvien", text=HA_ID) == []  # outside their commune
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
        record = talent_directory.person_record(session, commune.citizen_id_keys, officer.id,
                                                people["Phạm Thị Thu Hà"])
        assert [step["status"] for step in record["history"]] == ["in_service", "removed"]
        assert record["history"][1]["reason"] == "Không còn triển vọng phát triển"
        assert record["citizen_id"] == "********0222"
        assert record["talent_list"][0]["unit"] == "Phòng Kinh tế xã Cẩm Giang"
        with pytest.raises(NotFound):
            talent_directory.person_record(session, commune.citizen_id_keys, officer.id, people["Đỗ Thị Lan"])


def search_page(client, **form):
    return client.post("/talents", data={"csrf_token": csrf_token(client, "/talents"), **form})


def api_search(client, **body):
    return client.post("/api/v1/talents/search", json=body,
                       headers={"X-CSRFToken": csrf_token(client, "/talents")})


def test_pages_and_api_never_show_a_citizen_id_in_clear(commune, people):
    client = signed_in(web_app(commune), "snv.canbo")
    pages = [client.get("/talents"), search_page(client, q=HA_ID), search_page(client, q="tran"),
             client.get(f"/talents/{people['Trần Minh Khoa']}"), client.get("/api/v1/talents"),
             api_search(client, q=KHOA_ID), client.get(f"/api/v1/talents/{people['Đỗ Thị Lan']}")]
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
