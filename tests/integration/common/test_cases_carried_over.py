"""Cases started before the talent cycle was drawn in BPMN, when Python started each next
process, run to their end after the upgrade (README, "Running cases carried over"):
``tests/fixtures/before_cycle.sqlite3`` was written by the code before the change and is
loaded here with today's, which publishes today's versions beside the old ones."""

import pytest
from factories import FIXTURES
from factories.campaigns import campaign_of, line, open_campaign, statuses, submit_proposal
from factories.dates import local
from factories.saved import saved_services
from factories.selection import HA, HUNG, KHOA, decide, record_meeting, score_all
from factories.tasks import act, task_named
from sqlalchemy import func, select

from engine.models import ProcessDefinition, ProcessInstance
from services.campaigns import _campaigns as campaigns
from services.city._models import CommuneSubmission
from services.commitments import Commitment
from services.selection import Candidate

FIXTURE = FIXTURES / "before_cycle.sqlite3"
DATA_KEY = "dGFsZW50Zmxvdy10ZXN0LWZpeHR1cmUta2V5LTAwMDA="  # the fixture's (write_before_cycle.py)
CAMPAIGN_ID = 1

pytestmark = pytest.mark.database


@pytest.fixture
def saved(tmp_path):
    services = saved_services(FIXTURE, tmp_path, local(2027, 1, 12, 14, 0), DATA_KEY)
    yield services
    services.db.dispose()


def _version_of(services, instance_id: int) -> int:
    with services.db.read() as session:
        return session.scalar(
            select(ProcessDefinition.version)
            .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
            .where(ProcessInstance.id == instance_id)
        )


def test_the_campaign_opened_before_runs_to_its_end_beside_one_opened_after(saved):
    old = campaign_of(saved, CAMPAIGN_ID)
    assert _version_of(saved, old.instance_id) == 1  # the campaign that started the units itself
    # Returned before the cutoff: the old unit instance has ended, so the unit answers in a
    # new one, prefilled, as the code did before.
    with saved.db.transaction() as session:
        campaigns.return_proposal(
            session,
            saved.runtime,
            "vhxh.canbo",
            CAMPAIGN_ID,
            "cg_vp",
            "Đề nghị ghi rõ chuyên ngành cần thu hút",
            local(2027, 1, 13, 9, 0),
        )
    assert statuses(saved, CAMPAIGN_ID)["cg_vp"] == "returned"
    submit_proposal(saved, "cg_vp", [line(quantity_period=3)], local(2027, 1, 13, 15, 0))
    act(saved, "cg_tyt.truong", "approve_proposal", {"head_decision": "submit"}, local(2027, 1, 13, 16, 0))

    # A campaign opened after the upgrade, in another year, runs on the drawn fan-out.
    new_id = open_campaign(saved, at=local(2027, 1, 13, 17, 0), target_year=2028)
    assert _version_of(saved, campaign_of(saved, new_id).instance_id) == 2
    assert set(statuses(saved, new_id).values()) == {"not_started"}

    saved.clock.set(local(2027, 1, 14, 12, 0))
    # The old campaign and its seven silent units, and Văn phòng's second round: a new case,
    # on today's unit_proposal, where a proposal received on time waits for the cutoff.
    assert saved.fire_timers().fired == 1 + 7 + 1
    assert saved.deliver_inbox().delivered == 0  # nothing joins: the old campaign had its own timer
    after = statuses(saved, CAMPAIGN_ID)
    assert (after["cg_vp"], after["cg_tyt"], after["cg_th"]) == (
        "submitted",
        "submitted",
        "declared_no_demand",
    )
    assert after["cg_mn"] == "deemed_no_demand"
    act(saved, "vhxh.canbo", "aggregate_proposals", {}, local(2027, 1, 14, 14, 0))
    assert campaign_of(saved, CAMPAIGN_ID).aggregation["units"]["submitted"] == ["cg_tyt", "cg_vp"]
    act(saved, "chutich", "approve_aggregation", {"chair_decision": "approve"}, local(2027, 1, 14, 16, 0))
    act(
        saved,
        "vhxh.canbo",
        "record_city_submission",
        {"dispatch_number": "12/UBND-VHXH", "dispatch_date": "2027-01-14"},
        local(2027, 1, 14, 17, 0),
    )
    assert campaign_of(saved, CAMPAIGN_ID).status == "submitted"
    # Its version throws no dispatch: the code sent the message for it, and the city's case
    # started on today's commune_submission, with Sở Nội vụ's task open.
    with saved.db.read() as session:
        submission = session.scalar(
            select(CommuneSubmission).where(CommuneSubmission.campaign_id == CAMPAIGN_ID)
        )
        assert submission is not None and submission.dispatch_number == "12/UBND-VHXH"
        instance = session.get_one(ProcessInstance, submission.instance_id)
        assert instance.process_key == "commune_submission"
    assert _version_of(saved, submission.instance_id) == 2  # the version whose start catches the message
    assert task_named(saved, "snv.canbo", "register_submission").instance_id == submission.instance_id
    assert set(statuses(saved, new_id).values()) == {"not_started"}  # its cutoff is in 2028


def test_the_selection_round_opened_before_runs_to_its_end(saved):
    with saved.db.read() as session:
        ids = dict(zip((KHOA, HA, HUNG), session.scalars(select(Candidate.id).order_by(Candidate.id))))
    score_all(saved, ids)
    record_meeting(saved)
    decide(saved)
    with saved.db.read() as session:
        opened = session.scalar(select(func.count()).select_from(Commitment))
        round_instance = session.scalar(
            select(ProcessInstance).where(ProcessInstance.process_key == "selection_round")
        )
    assert opened == 2  # C1 and C3 selected, each with a commitment to sign
    assert round_instance.status == "completed"
