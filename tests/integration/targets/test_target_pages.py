"""The targets' pages (docs/targets.md): the dashboard with its charts and numbers, the
drill-down to a cohort's people, the communes compared, the figures entered (a bad one
refused in Vietnamese, by its field, what was typed kept), the Excel export with the same
numbers, the leaders' home page; each open only to whom it concerns."""

from __future__ import annotations

import io

import pytest
from factories.dates import local
from factories.targets import COHORTS, build_talents
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from openpyxl import load_workbook
from sqlalchemy import select

from services.identity import unit_by_code
from services.people import Person
from web.targets import pages as target_pages


@pytest.fixture
def app(commune):
    build_talents(commune, COHORTS)
    commune.clock.set(local(2026, 12, 6, 9, 0))
    return web_app(commune)


def _org(services, code: str) -> int:
    with services.db.read() as session:
        return unit_by_code(session, code).id


def _enter(client, org: int, **form):
    return client.post(
        "/targets/figures",
        data={"csrf_token": csrf_token(client, "/targets"), "org": org, "year": 2026, **form},
        follow_redirects=True,
    )


def test_the_city_chair_reads_the_targets_and_their_people(app, commune):
    chair = signed_in(app, "ct.thanhpho")
    page = chair.get("/targets").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 7
    assert "Nhân tài tiếp tục làm việc sau 05 năm được thu hút" in page
    assert "80%" in page and "Chưa đạt, chưa đến mốc" in page
    drill = chair.get("/targets/kpi_retention_5y?year=2026").get_data(as_text=True)
    assert "Vũ Thị Giang" in drill and "Đã nghỉ ngày 01/03/2024, chưa đủ 05 năm" in drill
    assert "UBND phường Lê Thanh Nghị" in drill  # the communes compared
    home = chair.get("/inbox").get_data(as_text=True)
    assert "Chỉ tiêu Nghị quyết năm 2026" in home and "80%" in home


def test_a_figure_entered_moves_the_share_and_a_bad_one_is_refused(app, commune):
    city = _org(commune, "tp_hai_phong_ubnd")
    officer = signed_in(app, "snv.canbo")
    refused = shown_after_refusal(
        _enter(officer, city, measure="new_recruits", value="2", document="Báo cáo 12/BC-SNV"),
        "/targets/figures",
    )
    assert "không thể ít hơn Số nhân tài được thu hút trong năm (3)" in refused
    assert 'value="Báo cáo 12/BC-SNV"' in refused and 'aria-invalid="true"' in refused
    saved = _enter(officer, city, measure="new_recruits", value="15", document="Báo cáo 12/BC-SNV")
    assert "Đã lưu số liệu: 15." in saved.get_data(as_text=True)
    page = officer.get("/targets/kpi_talent_share_new_recruits?year=2026").get_data(as_text=True)
    assert "20%" in page and "Đúng lộ trình" in page  # 3 of 15 against 12% on the path to 20%
    workbook = load_workbook(io.BytesIO(officer.get("/targets.xlsx?year=2026").data))
    rows = {row[0]: row for row in workbook["Chỉ tiêu"].iter_rows(min_row=4, values_only=True)}
    assert rows["kpi_talent_share_new_recruits"][4:10] == (
        3,
        "Tổng số tuyển dụng mới trong năm",
        15,
        20,
        12,
        "Đúng lộ trình",
    )
    assert rows["kpi_retention_5y"][4] == 8 and rows["kpi_retention_5y"][6] == 10
    communes = list(workbook["So sánh các xã"].iter_rows(values_only=True))
    assert communes[1][0] == "UBND phường Lê Thanh Nghị" and communes[1][1] == pytest.approx(66.7)


def test_each_sees_only_their_own(app, commune):
    city, cam_giang = _org(commune, "tp_hai_phong_ubnd"), _org(commune, "xa_cam_giang_ubnd")
    commune_chair = signed_in(app, "chutich")
    assert "UBND xã Cẩm Giang" in commune_chair.get("/targets").get_data(as_text=True)
    assert commune_chair.get(f"/targets?org={city}").status_code == 404
    assert commune_chair.get("/targets/compare").status_code == 404
    assert commune_chair.get("/targets/kpi_dedicated_classes").status_code == 404  # the city's only
    other = signed_in(app, "ltn_vhxh.chuyenvien")
    assert other.get(f"/targets?org={cam_giang}").status_code == 404
    assert other.get(f"/targets/figures?org={cam_giang}").status_code == 404
    head = signed_in(app, "cg_vp.truong")
    assert head.get("/targets").status_code == 404
    assert "Chỉ tiêu Nghị quyết" not in head.get("/inbox").get_data(as_text=True)
    refused = _enter(commune_chair, city, measure="new_recruits", value="5", document="x")
    assert refused.status_code == 404


def test_a_training_recorded_counts_towards_the_training_target(app, commune):
    officer = signed_in(app, "snv.canbo")
    with commune.db.read() as session:
        person_id = session.scalar(select(Person.id).where(Person.full_name == "Hoàng Văn Em"))
    page = f"/talents/{person_id}"
    post = lambda **form: officer.post(  # noqa: E731
        f"{page}/trainings", data={"csrf_token": csrf_token(officer, page), **form}, follow_redirects=True
    )
    refused = shown_after_refusal(
        post(title="Khoa học dữ liệu", sci_tech="1", completed_on="2027-01-10", document="CC 7/2026"), page
    )
    assert "Ngày kết thúc khóa học không thể sau hôm nay." in refused and 'value="CC 7/2026"' in refused
    done = post(title="Khoa học dữ liệu", sci_tech="1", completed_on="2026-11-20", document="CC 7/2026")
    assert "Khoa học dữ liệu" in done.get_data(as_text=True)
    card = officer.get("/targets/kpi_sci_tech_training_share?year=2026").get_data(as_text=True)
    assert "31,2%" in card  # 5 of the 16 on the list, from 4
    chair = signed_in(app, "chutich")  # sees the person, does not keep the records
    assert chair.post(f"{page}/trainings", data={"csrf_token": csrf_token(chair, page)}).status_code == 403


def test_a_long_list_of_people_is_cut_with_a_word(app, monkeypatch):
    monkeypatch.setattr(target_pages, "PEOPLE_SHOWN", 3)
    page = signed_in(app, "ct.thanhpho").get("/targets/kpi_retention_5y?year=2026").get_data(as_text=True)
    assert page.count('<td translate="no">') == 3  # each person's unit
    assert "Hiển thị 3 trong số 10 người" in page
