"""The resolution's targets computed from a talent database of several cohorts
(``factories.targets.COHORTS``, described there), with the figures the database lacks
entered, checked one by one with their status (docs/targets.md)."""

from __future__ import annotations

from datetime import date

import pytest
from factories.dates import local
from factories.targets import COHORTS, build_talents

from services import targets
from services.common.errors import InvalidInput, PermissionDenied
from services.identity import unit_by_code, user_by_username

TODAY = date(2026, 12, 6)


def _scope(services, username: str, org_code: str | None = None) -> targets.Scope:
    with services.db.read() as session:
        user = user_by_username(session, username)
        org = unit_by_code(session, org_code).id if org_code else None
        return targets.scope_for(session, user.id, org)


def _enter(
    services, username: str, scope, measure: str, year: int, value, document="Báo cáo số 12/BC-SNV", **more
):
    services.clock.set(local(2026, 12, 6, 9, 0))
    with services.db.transaction() as session:
        user = user_by_username(session, username)
        return targets.enter_figure(
            session,
            services.clock.now(),
            user.id,
            scope,
            measure=measure,
            year=year,
            value=str(value),
            document=document,
            **more,
        )


def _points(services, scope, year: int) -> dict[str, targets.Point]:
    with services.db.read() as session:
        board = targets.dashboard(session, scope, year, TODAY)
    return {view.target.code: view.current for view in board.targets}


def _is(point, numerator, denominator, value, expected, status):
    assert (point.numerator, point.denominator, point.value, point.expected, point.status) == (
        numerator,
        denominator,
        value,
        expected,
        status,
    )


@pytest.fixture
def database(commune):
    build_talents(commune, COHORTS)
    city = _scope(commune, "ct.thanhpho")
    _enter(commune, "ct.thanhpho", city, "new_recruits", 2026, 20)
    _enter(commune, "snv.canbo", city, "new_recruits", 2025, 25)
    _enter(commune, "snv.canbo", city, "excellent_graduates", 2026, 400)
    _enter(commune, "snv.canbo", city, "student_talents_found", 2026, 18)
    _enter(commune, "snv.giamdoc", city, "dedicated_classes", 2026, 3)
    _enter(commune, "snv.canbo", city, "university_agreements", 2026, 12)
    _enter(commune, "snv.canbo", city, "leadership_appointments", 2026, 40)
    _enter(commune, "snv.canbo", city, "leadership_appointments_by_exam", 2026, 9)
    _enter(commune, "vhxh.canbo", _scope(commune, "vhxh.canbo"), "new_recruits", 2026, 10)
    return commune


def test_every_target_of_the_city_in_2026(database):
    points = _points(database, _scope(database, "ct.thanhpho"), 2026)
    _is(points["kpi_retention_5y"], 8, 10, 80.0, 100.0, "pending")
    # 3 talents of 20 new recruits; 2026 is a fifth of the way from 10% (2025) to 20% (2030).
    _is(points["kpi_talent_share_new_recruits"], 3, 20, 15.0, 12.0, "on_track")
    # On the list on 06/12/2026: 4 + 7 + 2 + 3 = 16; trained: the two of THCS, two of 2021.
    _is(points["kpi_sci_tech_training_share"], 4, 16, 25.0, 36.0, "behind")
    _is(points["kpi_student_talent_share"], 18, 400, 4.5, 5.0, "not_met")
    _is(points["kpi_dedicated_classes"], 3, None, 3.0, 2.0, "met")
    _is(points["kpi_university_network"], 12, None, 12.0, 20.0, "pending")
    _is(points["kpi_competitive_leadership_appointments"], 9, 40, 22.5, 20.0, "met")
    assert len(points) == len(targets.TARGETS)


def test_every_target_of_the_city_in_2025(database):
    points = _points(database, _scope(database, "ct.thanhpho"), 2025)
    _is(points["kpi_retention_5y"], 4, 4, 100.0, 100.0, "met")
    _is(points["kpi_talent_share_new_recruits"], 2, 25, 8.0, 10.0, "not_met")
    # On the list on 31/12/2025: 4 + 8 + 2 = 14 (the one gone in 2026 still there); trained 2.
    _is(points["kpi_sci_tech_training_share"], 2, 14, 14.3, 30.0, "not_met")
    for code in ("kpi_student_talent_share", "kpi_dedicated_classes", "kpi_university_network"):
        assert points[code].status == "no_data"


def test_a_commune_measures_its_own_units(database):
    cam_giang = _points(database, _scope(database, "chutich"), 2026)
    assert set(cam_giang) == {
        "kpi_retention_5y",
        "kpi_talent_share_new_recruits",
        "kpi_sci_tech_training_share",
    }
    _is(cam_giang["kpi_retention_5y"], 5, 6, 83.3, 100.0, "pending")
    _is(cam_giang["kpi_talent_share_new_recruits"], 2, 10, 20.0, 12.0, "on_track")
    # THCS 2 + Văn phòng 2 of 2021 + Phòng Kinh tế 2 + the two of 2026 = 8; trained 3.
    _is(cam_giang["kpi_sci_tech_training_share"], 3, 8, 37.5, 36.0, "on_track")
    le_thanh_nghi = _points(database, _scope(database, "ct.thanhpho", "phuong_le_thanh_nghi_ubnd"), 2026)
    _is(le_thanh_nghi["kpi_retention_5y"], 2, 3, 66.7, 100.0, "pending")
    _is(le_thanh_nghi["kpi_talent_share_new_recruits"], 0, None, None, 12.0, "no_data")


def test_the_series_runs_from_the_first_milestone_year(database):
    with database.db.read() as session:
        board = targets.dashboard(session, _scope(database, "ct.thanhpho"), 2026, TODAY)
    retention = next(view for view in board.targets if view.target.code == "kpi_retention_5y")
    assert [(p.year, p.value, p.status) for p in retention.points] == [
        (2025, 100.0, "met"),
        (2026, 80.0, "pending"),
    ]


def test_the_drill_down_names_the_cohort_and_its_communes(database):
    with database.db.read() as session:
        board = targets.dashboard(session, _scope(database, "ct.thanhpho"), 2026, TODAY)
        people, parts = targets.drill_down(session, board, targets.TARGETS["kpi_retention_5y"], TODAY)
    assert len(people) == 10
    gone = {row.full_name: (row.left_on, row.stayed) for row in people if row.left_on}
    assert gone == {
        "Vũ Thị Giang": (date(2024, 3, 1), False),
        "Bùi Thị Hoa": (date(2025, 6, 30), False),
        "Trần Văn Cường": (date(2026, 3, 1), True),
    }
    assert [(part.name, part.numerator, part.denominator) for part in parts] == [
        ("Sở Khoa học và Công nghệ thành phố Hải Phòng", 1, 1),
        ("UBND phường Lê Thanh Nghị", 2, 3),
        ("UBND xã Cẩm Giang", 5, 6),
    ]


def test_who_sees_and_enters_which_dashboard(database):
    city, cam_giang = _scope(database, "ct.thanhpho"), _scope(database, "chutich")
    with database.db.read() as session:
        chair = user_by_username(session, "chutich").id
        assert [scope.name for scope in targets.scopes_for(session, chair)] == ["UBND xã Cẩm Giang"]
        assert not targets.may_enter(session, chair, city)
        head = user_by_username(session, "cg_vp.truong").id
        assert targets.scopes_for(session, head) == [] and not targets.may_see_targets(session, head)
        other = user_by_username(session, "ltn_vhxh.chuyenvien").id
        assert not targets.may_enter(session, other, cam_giang)
    with pytest.raises(PermissionDenied):
        _enter(database, "chutich", city, "new_recruits", 2026, 30, reason="Cập nhật")
    with pytest.raises(PermissionDenied):
        _enter(database, "ltn_vhxh.chuyenvien", cam_giang, "new_recruits", 2026, 30, reason="Cập nhật")
    with pytest.raises(InvalidInput) as refused:  # a city figure is not a commune's
        _enter(database, "chutich", cam_giang, "dedicated_classes", 2026, 2)
    assert refused.value.field == "measure"


def test_a_correction_says_why_and_keeps_the_history(database):
    city = _scope(database, "ct.thanhpho")
    with pytest.raises(InvalidInput) as refused:
        _enter(database, "snv.canbo", city, "new_recruits", 2026, 30)
    assert refused.value.field == "reason" and "(20)" in str(refused.value.message)
    _enter(
        database,
        "snv.canbo",
        city,
        "new_recruits",
        2026,
        30,
        "Báo cáo số 15/BC-SNV",
        reason="Bổ sung khối xã",
    )
    assert _points(database, city, 2026)["kpi_talent_share_new_recruits"].value == 10.0
    with database.db.read() as session:
        history = [
            (row.figure.value, row.figure.document, row.entered_by, row.in_force)
            for row in targets.figure_history(session, city, 2026)
            if row.figure.measure == "new_recruits"
        ]
    assert history == [
        (30, "Báo cáo số 15/BC-SNV", "Hoàng Đức Long", True),
        (20, "Báo cáo số 12/BC-SNV", "Đặng Quốc Thái", False),
    ]


@pytest.mark.parametrize(
    ("measure", "year", "value", "field"),
    [
        ("new_recruits", 2026, "2", "value"),  # fewer than the 3 talents attracted in 2026
        ("leadership_appointments_by_exam", 2026, "41", "value"),  # more than the 40 appointments
        ("new_recruits", 2027, "30", "year"),
        ("new_recruits", 2024, "30", "year"),
        ("new_recruits", 2025, "-1", "value"),
        ("new_recruits", 2025, "ba mươi", "value"),
        ("talents_recruited", 2025, "3", "measure"),  # computed, never entered
    ],
)
def test_a_figure_that_cannot_be_is_refused(database, measure, year, value, field):
    city = _scope(database, "ct.thanhpho")
    with pytest.raises(InvalidInput) as refused:
        _enter(database, "snv.canbo", city, measure, year, value, reason="Sửa số liệu")
    assert refused.value.field == field
    assert _points(database, city, 2026)["kpi_talent_share_new_recruits"].denominator == 20


def test_a_figure_needs_its_document(database):
    with pytest.raises(InvalidInput) as refused:
        _enter(
            database, "snv.canbo", _scope(database, "ct.thanhpho"), "dedicated_classes", 2025, 2, document=" "
        )
    assert refused.value.field == "document"


def test_the_communes_compared_are_their_own_dashboards(database):
    city = _scope(database, "ct.thanhpho")
    with database.db.read() as session:
        compared = targets.compare_communes(session, city, 2026, TODAY)
        own = {commune.name: targets.dashboard(session, commune, 2026, TODAY) for commune, _board in compared}
    assert [commune.name for commune, _board in compared] == [
        "UBND phường Lê Thanh Nghị",
        "UBND xã Cẩm Giang",
    ]
    for commune, board in compared:
        assert [view.points for view in board.targets] == [view.points for view in own[commune.name].targets]
