"""Admins edit a process's decision tables in its draft and try them before publishing
(docs/decision-tables.md): the REST API the decision editor uses, with its refusals."""

import pytest
from factories.dates import local
from factories.web import api_client

from services import process_admin

TABLE = "/api/v1/admin/processes/candidate_dossier/decisions/dossier_checklist.dmn"


@pytest.fixture
def api(commune):
    commune.clock.set(local(2026, 12, 1, 9, 0))
    return api_client(commune, "vhxh.canbo", "admin")


def test_the_admin_reads_tries_and_saves_a_table_into_the_draft(api, commune):
    admin = api.tokens["admin"]
    table = api.get(TABLE, headers=admin).get_json()
    assert table["names"] == ["procedure"]
    dmn = table["dmn"].replace("<text>6</text>", "<text>3</text>")
    tried = api.post(
        "/api/v1/admin/decision-test", json={"dmn": dmn, "data": {"procedure": "tiep_nhan"}}, headers=admin
    )
    assert tried.status_code == 200 and tried.get_json()["error"] is None
    health = [row for row in tried.get_json()["result"] if row["item"] == "giay_chung_nhan_suc_khoe"]
    assert [row["max_age_months"] for row in health] == [3]
    saved = api.put(TABLE, json={"dmn": dmn}, headers=admin)
    assert saved.status_code == 200 and saved.get_json()["problems"] == []
    assert api.get(TABLE, headers=admin).get_json()["dmn"] == dmn
    assert (
        api.post("/api/v1/admin/processes/candidate_dossier/draft/publish", headers=admin).status_code == 201
    )
    with commune.db.read() as session:
        tables = process_admin.decision_file_diff(session, "candidate_dossier", 1, 2)
    assert tables == {"added": [], "removed": [], "changed": ["dossier_checklist.dmn"]}


def test_bad_names_unsafe_xml_and_bad_inputs_are_refused_clearly(api):
    admin = api.tokens["admin"]
    bad_name = api.put(
        "/api/v1/admin/processes/candidate_dossier/decisions/Bảng.xml",
        json={"dmn": "<definitions/>"},
        headers=admin,
    )
    assert bad_name.status_code == 422
    assert ".dmn" in str(bad_name.get_json())
    unsafe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><definitions/>'
    tried = api.post("/api/v1/admin/decision-test", json={"dmn": unsafe, "data": {}}, headers=admin)
    assert tried.status_code == 200 and tried.get_json()["error"]
    not_a_dict = api.post(
        "/api/v1/admin/decision-test", json={"dmn": "<definitions/>", "data": [1]}, headers=admin
    )
    assert not_a_dict.status_code in (400, 422)


def test_only_admins_edit_tables(api):
    officer = api.tokens["vhxh.canbo"]
    assert api.get(TABLE, headers=officer).status_code == 403
    assert api.put(TABLE, json={"dmn": "<definitions/>"}, headers=officer).status_code == 403
