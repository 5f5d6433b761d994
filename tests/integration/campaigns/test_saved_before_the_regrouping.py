"""Workflow blobs and rows written before services/ was regrouped by context load with the
code after it, and the half-worked campaign they hold runs to its end
(tests/fixtures/README.md)."""

import pytest
from factories import FIXTURES
from factories.campaigns import campaign_of, statuses
from factories.dates import local
from factories.saved import saved_services
from factories.tasks import act, task_named

from services.identity import user_by_username
from services.work import draft_of

FIXTURE = FIXTURES / "before_regroup.sqlite3"
CAMPAIGN_ID = 1

pytestmark = pytest.mark.database


@pytest.fixture
def saved(tmp_path):
    services = saved_services(FIXTURE, tmp_path, local(2026, 1, 13, 14, 0))
    yield services
    services.db.dispose()


def test_the_campaign_saved_before_the_move_reads_as_it_was_left(saved):
    assert statuses(saved, CAMPAIGN_ID) == {
        "cg_vp": "submitted",
        "cg_th": "declared_no_demand",
        "cg_tyt": "drafting",
        "cg_thcs": "not_started",
        **{
            unit: "not_started"
            for unit in ("xa_cam_giang_vhxh", "cg_pkt", "cg_bxdd", "cg_pvhcc", "cg_mn", "cg_dvsnc")
        },
    }
    draft = task_named(saved, "cg_thcs.canbo", "draft_proposal")
    with saved.db.transaction() as session:
        kept = draft_of(session, user_by_username(session, "cg_thcs.canbo"), draft.id).data
    assert [row["quantity_period"] for row in kept["lines"]] == [3]


def test_the_campaign_saved_before_the_move_runs_to_its_end(saved):
    act(saved, "cg_tyt.truong", "approve_proposal", {"head_decision": "submit"}, local(2026, 1, 13, 15, 0))
    with saved.db.transaction() as session:
        draft = task_named(saved, "cg_thcs.canbo", "draft_proposal")
        kept = draft_of(session, user_by_username(session, "cg_thcs.canbo"), draft.id).data
    act(saved, "cg_thcs.canbo", "draft_proposal", kept, local(2026, 1, 14, 9, 0))
    act(saved, "cg_thcs.truong", "approve_proposal", {"head_decision": "submit"}, local(2026, 1, 14, 9, 30))

    saved.clock.set(local(2026, 1, 14, 12, 0))
    assert saved.fire_timers().fired == 1 + 6  # the campaign and the six silent units
    assert statuses(saved, CAMPAIGN_ID)["cg_mn"] == "deemed_no_demand"

    act(saved, "vhxh.canbo", "aggregate_proposals", {}, local(2026, 1, 14, 14, 0))
    aggregation = campaign_of(saved, CAMPAIGN_ID).aggregation
    assert aggregation["units"]["submitted"] == ["cg_thcs", "cg_tyt", "cg_vp"]
    assert aggregation["totals"] == {"quantity_year": 1 + 1 + 2, "quantity_period": 2 + 1 + 3}
    act(saved, "chutich", "approve_aggregation", {"chair_decision": "approve"}, local(2026, 1, 14, 16, 0))
    act(
        saved,
        "vhxh.canbo",
        "record_city_submission",
        {"dispatch_number": "71/UBND-VHXH", "dispatch_date": "2026-01-14"},
        local(2026, 1, 14, 17, 0),
    )
    assert campaign_of(saved, CAMPAIGN_ID).status == "submitted"
