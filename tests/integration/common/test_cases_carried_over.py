"""Cases started before the talent cycle was drawn in BPMN, when Python started each next
process, run to their end after the upgrade (README, "Running cases carried over"):
``tests/fixtures/before_cycle.sqlite3`` was written by the code before the change and is
loaded here with today's, which publishes today's versions beside the old ones. A round
and an evaluation round started on the versions drawn before (restored from the fixture)
show that the code kept for those versions still starts what they do not call."""

from datetime import date

import pytest
from factories import FIXTURES
from factories.campaigns import campaign_of, line, open_campaign, statuses, submit_proposal
from factories.dates import local
from factories.evaluation import add_talent, run_first_evaluation
from factories.saved import saved_services
from factories.selection import HA, HUNG, KHOA, decide, record_meeting, run_selection, score_all
from factories.tasks import act, task_named
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from engine.definitions import bundle_of, publish
from engine.models import ProcessDefinition, ProcessInstance
from services.campaigns import _campaigns as campaigns
from services.city._models import CommuneSubmission
from services.commitments import Commitment
from services.evaluation._models import Evaluation
from services.identity import RECORDS_CLERK, create_account, grant_role
from services.selection import Candidate, RecruitmentRound

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
    # Upgraded, Sở Nội vụ's records clerk is given their role (docs/records.md#upgrading): the
    # dispatch waits in their inbox, to be registered with the next incoming number.
    with saved.db.transaction() as session:
        create_account(session, "snv.vanthu", "Lê Minh Châu", None)
        grant_role(session, "snv.vanthu", "tp_hai_phong_snv", RECORDS_CLERK)
    assert task_named(saved, "snv.vanthu", "register_submission").instance_id == submission.instance_id
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


def _restore_the_version_before(services, *keys: str) -> None:
    """Publish each process as the fixture's code drew it (its version 1 there) as the
    newest version here: what a case started on that version runs."""
    engine = create_engine(f"sqlite:///{FIXTURE}")
    try:
        with Session(engine) as before, services.db.transaction() as session:
            for key in keys:
                old = before.scalars(
                    select(ProcessDefinition).where(
                        ProcessDefinition.key == key, ProcessDefinition.version == 1
                    )
                ).one()
                publish(session, bundle_of(old), local(2026, 1, 5, 9, 0), services.runtime.helpers)
    finally:
        engine.dispose()


def test_a_round_on_the_version_before_has_the_code_start_its_scorings_and_commitments(commune):
    """The version drawn before the round called its scorings and commitments: the code
    that started them still does, with the same rows (a score per member and candidate,
    a commitment per selected person)."""
    services = commune
    _restore_the_version_before(services, "selection_round")
    selected = run_selection(services)
    with services.db.read() as session:
        round_instance = session.scalar(
            select(ProcessInstance.id).join(
                RecruitmentRound, RecruitmentRound.instance_id == ProcessInstance.id
            )
        )
        started = session.execute(
            select(ProcessInstance.process_key, func.count())
            .where(ProcessInstance.parent_id == round_instance, ProcessInstance.call_id.is_(None))
            .group_by(ProcessInstance.process_key)
            .order_by(ProcessInstance.process_key)
        ).all()
        opened = session.scalar(
            select(func.count()).select_from(Commitment).where(Commitment.instance_id.is_not(None))
        )
    assert _version_of(services, round_instance) == 2  # the one restored, after today's 1
    # 3 dossiers, 9 scorings (5 members, 2 eligible candidates, 1 recusal), by the code.
    assert started == [("candidate_dossier", 3), ("council_scoring", 9)]
    assert opened == 2 and selected["round_id"]


def test_an_evaluation_round_on_the_version_before_has_the_code_start_its_evaluations(commune):
    services = commune
    _restore_the_version_before(services, "evaluation_report")
    add_talent(services, "Lê Văn Hưng", "cg_pkt", date(2020, 3, 1))
    run_first_evaluation(services, 2026)
    with services.db.read() as session:
        evaluations = session.execute(
            select(Evaluation.quality_rating, ProcessInstance.call_id, ProcessInstance.status).join(
                ProcessInstance, ProcessInstance.id == Evaluation.instance_id
            )
        ).all()
    assert evaluations == [("hoan_thanh_tot", None, "completed")]
