"""The instance viewer shows where a whole cycle stands: from whichever instance of it the
administrator opens (here a unit's proposal), the tree starts at the city's year, goes
down through the communes' campaigns that fed it (in order of arrival, each with its
units' proposals and its dispatch at the city) and through the selection round the year
called (its dossiers and its council's scorings); a process with many instances under
one is counted by status, except the one on the way to the instance opened."""

from __future__ import annotations

from factories.city import city_round_approved
from factories.selection import (
    close_applications,
    form_council,
    open_round,
    register_candidates,
    screen_candidates,
)
from factories.web import signed_in, web_app
from sqlalchemy import select

from engine.models import ProcessInstance
from services.city import CityRound
from services.process_admin import _cycle, cycle


def _tree(node) -> list:
    """(process, feeds, children...) of a node, and its groups as (process, counts)."""
    return [
        node.process_key,
        node.feeds,
        [(group.process_key, group.counts) for group in node.groups],
        [_tree(child) for child in node.children],
    ]


def _year_with_its_council(services) -> tuple[int, int]:
    """The city's year approved and its round's council formed: the year's instance id and
    the instance id of the first unit proposal of xã Cẩm Giang."""
    city_round_id = city_round_approved(services)
    round_id = open_round(services, city_round_id)
    ids = register_candidates(services, round_id)
    screen_candidates(services, ids)
    close_applications(services)
    form_council(services, ids)
    with services.db.read() as session:
        year = session.get_one(CityRound, city_round_id).instance_id
        unit = session.scalars(
            select(ProcessInstance.id)
            .where(ProcessInstance.business_key.like("%/unit:cg_%"))
            .order_by(ProcessInstance.id)
            .limit(1)
        ).one()
    return year, unit


def test_the_viewer_shows_the_cycle_from_the_city_year_down_to_each_step(commune, monkeypatch):
    services = commune
    year, unit = _year_with_its_council(services)
    with services.db.read() as session:
        top = cycle(session, services.runtime, unit)
    assert top is not None and top.id == year and top.process_key == "city_consolidation"
    unit_proposal = ["unit_proposal", False, [], []]
    submission = ["commune_submission", False, [], []]
    assert _tree(top) == [
        "city_consolidation",
        False,
        [],
        [
            # Phường Lê Thanh Nghị's dispatch arrived first (3 units addressed), then xã Cẩm Giang's (10).
            ["commune_campaign", True, [], [*[unit_proposal] * 3, submission]],
            ["commune_campaign", True, [], [*[unit_proposal] * 10, submission]],
            [
                "selection_round",
                False,
                [],
                [*[["candidate_dossier", False, [], []]] * 3, *[["council_scoring", False, [], []]] * 9],
            ],
        ],
    ]
    assert top.children[2].open_tasks == []  # the round waits for its scorings
    assert top.children[2].children[3].open_tasks == ["Chấm điểm ứng viên Trần Minh Khoa"]

    # Beyond a few instances of one process, they are counted; what leads to the unit opened
    # stays shown.
    monkeypatch.setattr(_cycle, "LISTED", 1)
    with services.db.read() as session:
        top = cycle(session, services.runtime, unit)
    assert [(group.process_key, group.counts) for group in top.groups] == [
        ("commune_campaign", {"completed": 2})
    ]
    lê_thanh_nghị, cẩm_giang, selection_round = top.children
    assert [child.process_key for child in lê_thanh_nghị.children] == ["commune_submission"]
    assert [(group.process_key, group.counts) for group in lê_thanh_nghị.groups] == [
        ("unit_proposal", {"completed": 3})
    ]
    assert [child.id for child in cẩm_giang.children if child.process_key == "unit_proposal"] == [unit]
    assert [(group.process_key, group.total) for group in selection_round.groups] == [
        ("candidate_dossier", 3),
        ("council_scoring", 9),
    ]

    admin = signed_in(web_app(services), "admin")
    html = admin.get(f"/admin/instances/{unit}").get_data(as_text=True)
    assert 'id="cycle"' in html and f'data-instance="{year}"' in html
    assert f'data-instance="{unit}" data-process="unit_proposal" class="current"' in html


def test_an_instance_alone_has_no_cycle(commune):
    services = commune
    with services.db.transaction() as session:
        alone = services.runtime.start(
            session,
            "council_scoring",
            {
                "council_name": "Hội đồng",
                "candidate_id": 1,
                "candidate_name": "Trần Minh Khoa",
                "position_title": "Chuyên viên",
                "seat_id": 0,
                "scoring_due": "2026-03-09T17:00:00+07:00",
            },
            lane_orgs={},
        ).instance.id
    with services.db.read() as session:
        assert cycle(session, services.runtime, alone) is None
