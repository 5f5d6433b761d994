"""The city's consolidation of the communes' demand (docs/processes.md#city-consolidation),
run by Sở Nội vụ.

When a commune records its dispatch to the city (``commune_campaign`` task
``record_city_submission``), its event ``dispatch_sent`` throws the message
``commune_dispatch``, which starts the city's ``commune_submission`` (its start event
catches it): the submission arrives at the city as a case, a ``CommuneSubmission`` where a
Sở Nội vụ officer registers the incoming dispatch. For a campaign on a version drawn
before that event, the code sends the same message when the dispatch is recorded. The
year's ``CityRound`` (opened with the first submission of that year, with its
``city_consolidation`` instance) consolidates the registered submissions by field and
job position; the city chair approves the targets or returns the consolidation to Sở Nội vụ.

The engine tells this module about every step of those instances (``register``); it keeps
the two tables in step, in the same transaction, and refuses a step that breaks a rule by
raising ``FormInvalid`` (the whole transaction rolls back).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from engine.contracts import Element, ProcessContract, script_task, user_task
from engine.errors import FormInvalid, NotFound
from engine.forms import FieldError
from engine.messages import Message
from engine.models import ProcessDefinition
from engine.reactions import Capability, CaseSource, CycleLink, LaneSource, completed, reached, started
from engine.runtime import InstanceChange, WorkflowRuntime
from engine.store import TaskRecord
from services import records
from services.campaigns import (
    CAMPAIGN_PROCESS,
    COUNTED,
    Campaign,
    ProposalLine,
    UnitProposal,
    dispatch_of,
    field_titles,
)
from services.city._models import CityRound, CommuneSubmission
from services.common import audit
from services.common.display import LOCAL_TZ, local_day, local_time
from services.identity import (
    CITY_CHAIR,
    HOME_AFFAIRS,
    RECORDS_CLERK,
    SNV_OFFICER,
    UNIT_HEAD,
    Membership,
    OrgUnit,
    city_of,
    department_of,
)

CONSOLIDATION_PROCESS = "city_consolidation"
SUBMISSION_PROCESS = "commune_submission"
DEMAND_APPROVED = "demand_approved"
# The message a commune's dispatch is (thrown by commune_campaign's dispatch_sent), and what it carries.
DISPATCH_MESSAGE, DISPATCH_SENT = "commune_dispatch", "dispatch_sent"
# (The dispatch's number and date are the campaign's, given by the commune's register.)
DISPATCH_DATA = ("campaign_id", "year", "commune_name")
# Sở Nội vụ consolidates within 10 working days of the round's opening (the BPMN's due;
# a returned consolidation is redone within 5 working days of the return).
CONSOLIDATE_DAYS = 10
# CityRound.status
COLLECTING, AWAITING_APPROVAL, APPROVED = "collecting", "awaiting_approval", "approved"
# CommuneSubmission.status
RECEIVED, REGISTERED = "received", "registered"


NEEDED_BY = Message("The city's consolidation of demand")
CONTRACTS = (
    ProcessContract(
        CAMPAIGN_PROCESS,
        "services/city",
        NEEDED_BY,
        (
            user_task(
                "record_city_submission",
                "completed, on a version drawn before `dispatch_sent`: the code sends `commune_dispatch` "
                "itself (after services/campaigns recorded the dispatch)",
            ),
            Element(
                DISPATCH_SENT,
                "intermediateThrowEvent",
                f"throws `{DISPATCH_MESSAGE}` with {', '.join(f'`{name}`' for name in DISPATCH_DATA)}: "
                f"it starts the city's `{SUBMISSION_PROCESS}`",
            ),
        ),
    ),
    ProcessContract(
        SUBMISSION_PROCESS,
        "services/city",
        NEEDED_BY,
        (
            Element(
                "submission_received",
                "startEvent",
                f"catches `{DISPATCH_MESSAGE}`: the dispatch arrives at the city, its payload is the "
                "start data; the year's round opens with the first one",
            ),
            user_task(
                "register_submission",
                "Sở Nội vụ's records clerk registers the dispatch: its incoming number from the register of "
                "documents received; only registered submissions enter the city's consolidation",
                "note",
            ),
        ),
        start_data=DISPATCH_DATA,
    ),
    ProcessContract(
        CONSOLIDATION_PROCESS,
        "services/city",
        NEEDED_BY,
        (
            user_task(
                "consolidate_demand",
                "completed: snapshots the consolidation of the registered submissions "
                "(refused while none is registered)",
                "consolidation_note",
            ),
            user_task(
                "approve_demand",
                "the city chair's decision: its data is what `demand_approved` records",
                "decision_number",
                "targets[].field",
                "targets[].quantity_year",
                "chair_comment",
            ),
            script_task(
                "reopen_consolidation",
                "reached when the chair returns the consolidation: the snapshot is "
                "dropped, `consolidate_demand` opens again",
            ),
            Element(
                DEMAND_APPROVED,
                "intermediateThrowEvent",
                "reached: the chair's approval and targets are recorded (the end event of versions "
                "drawn before the year called its selection round)",
            ),
        ),
        start_data=(
            "city_round_id",
            "year",
            "city_name",
            "opened_at",
            "consolidate_from",
            "consolidate_days",
        ),
    ),
)


def register(runtime: WorkflowRuntime) -> None:
    """Reacts to the commune campaign after services.campaigns, which records the
    dispatch first, and to this module's two processes."""
    runtime.register(
        Capability(
            "city_consolidation",
            CONTRACTS,
            (
                completed(
                    CAMPAIGN_PROCESS,
                    "record_city_submission",
                    lambda session, change: _dispatch_recorded(session, runtime, change),
                ),
                started(
                    SUBMISSION_PROCESS, lambda session, change: _dispatch_arrived(session, runtime, change)
                ),
                completed(SUBMISSION_PROCESS, "register_submission", _registered),
                completed(CONSOLIDATION_PROCESS, "consolidate_demand", _consolidated),
                reached(CONSOLIDATION_PROCESS, DEMAND_APPROVED, _approved),
                reached(CONSOLIDATION_PROCESS, "reopen_consolidation", _returned),
            ),
            case_sources=(
                CaseSource(
                    SUBMISSION_PROCESS,
                    "register_submission",
                    lambda session, instance_id, at: _dispatch_case(session, runtime, instance_id),
                ),
                CaseSource(
                    CONSOLIDATION_PROCESS,
                    "approve_demand",
                    lambda session, instance_id, at: _demand_case(session, runtime, instance_id),
                ),
            ),
            lane_sources=(LaneSource(SUBMISSION_PROCESS, _dispatch_lanes),),
            cycle_links=(
                CycleLink(CAMPAIGN_PROCESS, CONSOLIDATION_PROCESS, _year_of_campaign, _campaigns_of_year),
            ),
        )
    )


def _dispatch_case(session: Session, runtime: WorkflowRuntime, instance_id: int) -> dict:
    """The commune's dispatch as Sở Nội vụ registers it: when and what arrived, line by line."""
    submission = session.scalar(select(CommuneSubmission).where(CommuneSubmission.instance_id == instance_id))
    if submission is None:
        return {}
    titles = field_titles(session, runtime)
    campaign = session.get_one(Campaign, submission.campaign_id)
    commune = session.get_one(OrgUnit, submission.commune_id)
    return {
        "commune_name": commune.name,
        "dispatch_number": submission.dispatch_number,
        **_quantities(submission.lines),
        "dispatch_date_shown": f"{campaign.dispatch_date:%d/%m/%Y}" if campaign.dispatch_date else "",
        "received_shown": local_time(submission.received_at),
        "submission_lines": [
            {**line, "field": titles.get(line["field"], line["field"])} for line in submission.lines
        ],
    }


def _demand_case(session: Session, runtime: WorkflowRuntime, instance_id: int) -> dict:
    """The consolidated demand as the city chair decides on it, and the targets prefilled
    at the demand of each field (to lower where the city cannot take them all)."""
    city_round = session.scalar(select(CityRound).where(CityRound.instance_id == instance_id))
    if city_round is None or city_round.consolidation is None:
        return {}
    consolidation, titles = city_round.consolidation, field_titles(session, runtime)
    return {
        "demand_by_field": [
            {**row, "field": titles.get(row["field"], row["field"])} for row in consolidation["by_field"]
        ],
        "demand_communes": consolidation["communes"],
        "demand_totals": consolidation["totals"],
        "targets": [
            {"field": row["field"], "quantity_year": row["quantity_year"]}
            for row in consolidation["by_field"]
        ],
    }


def _year_of_campaign(session: Session, instance_id: int) -> int | None:
    """The city's year a commune's campaign fed, through its dispatch."""
    return session.scalar(
        select(CityRound.instance_id)
        .join(CommuneSubmission, CommuneSubmission.city_round_id == CityRound.id)
        .join(Campaign, Campaign.id == CommuneSubmission.campaign_id)
        .where(Campaign.instance_id == instance_id)
    )


def _campaigns_of_year(session: Session, instance_id: int) -> list[int]:
    """The communes' campaigns whose dispatches the city's year received, in order of arrival."""
    return [
        campaign_instance
        for campaign_instance in session.scalars(
            select(Campaign.instance_id)
            .join(CommuneSubmission, CommuneSubmission.campaign_id == Campaign.id)
            .join(CityRound, CityRound.id == CommuneSubmission.city_round_id)
            .where(CityRound.instance_id == instance_id)
            .order_by(CommuneSubmission.received_at, CommuneSubmission.id)
        )
        if campaign_instance is not None
    ]


# -- a commune's submission arrives ----------------------------------------------------


def _completion(change: InstanceChange) -> tuple[TaskRecord, dict]:
    """The task whose completion a reaction is about, and the data it was completed with."""
    done = change.completed_task
    assert done is not None and done.completed_data is not None, "a reaction to a completed task"
    return done, done.completed_data


def _dispatch_recorded(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    """A campaign on a version drawn before ``dispatch_sent``: the code sends its dispatch
    as that event would have. (On today's versions the event sends it, just after.)"""
    definition = session.get_one(ProcessDefinition, change.instance.definition_id)
    if runtime.draws(definition, DISPATCH_SENT):
        return
    campaign = session.scalar(select(Campaign).where(Campaign.instance_id == change.instance.id))
    if campaign is not None and not _received(session, campaign.id):
        payload = {
            "campaign_id": campaign.id,
            "year": campaign.target_year,
            **{name: change.data.get(name) for name in ("commune_name", "dispatch_number", "dispatch_date")},
        }
        runtime.send_message(session, DISPATCH_MESSAGE, payload, {}, change.at)


def _received(session: Session, campaign_id: int) -> bool:
    return session.scalar(select(exists().where(CommuneSubmission.campaign_id == campaign_id))) or False


def _home_affairs(session: Session, commune: OrgUnit) -> tuple[OrgUnit, OrgUnit]:
    """The commune's city and its Department of Home Affairs; a gap in the directory refuses
    the dispatch on its task page rather than lose it."""
    try:
        city = city_of(session, commune)
        return city, department_of(session, city, HOME_AFFAIRS)
    except NotFound:
        raise FormInvalid(
            [
                FieldError(
                    "",
                    "no_home_affairs_department",
                    Message(
                        "The city's Department of Home Affairs is not in the directory of organisations yet, "
                        "so this cannot be sent. Please contact the system administrator."
                    ),
                )
            ]
        ) from None


def _dispatch_campaign(session: Session, payload: dict) -> Campaign | None:
    campaign_id = payload.get("campaign_id")
    return session.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None


def _dispatch_lanes(session: Session, payload: dict) -> dict[str, int]:
    """The case a dispatch starts is Sở Nội vụ's: the department of the commune's city.
    (A dispatch of no campaign, a dry run's example, keeps the sender's lanes.)"""
    campaign = _dispatch_campaign(session, payload)
    if campaign is None:
        return {}
    _, home_affairs = _home_affairs(session, session.get_one(OrgUnit, campaign.commune_id))
    return {RECORDS_CLERK: home_affairs.id, SNV_OFFICER: home_affairs.id}


def _dispatch_arrived(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    """The dispatch is a case at the city: its year's round (opened now if it is the
    first of the year) and a submission for Sở Nội vụ to register."""
    campaign = _dispatch_campaign(session, change.data)
    if campaign is None:
        return
    if _received(session, campaign.id):
        raise FormInvalid(
            [
                FieldError(
                    "",
                    "dispatch_already_received",
                    Message("This commune's dispatch for the campaign has already reached the city."),
                )
            ]
        )
    commune = session.get_one(OrgUnit, campaign.commune_id)
    city, home_affairs = _home_affairs(session, commune)
    at = change.at
    city_round = city_round_for_year(session, campaign.target_year) or _open_round(
        session, runtime, campaign.target_year, city, home_affairs, at
    )
    lines = submission_lines(session, campaign, commune)
    submission = CommuneSubmission(
        city_round_id=city_round.id,
        campaign_id=campaign.id,
        commune_id=commune.id,
        status=RECEIVED,
        dispatch_number=change.data.get("dispatch_number") or campaign.dispatch_number,
        lines=lines,
        received_at=at,
        instance_id=change.instance.saved_id,
    )
    session.add(submission)
    session.flush()
    audit.record(
        session,
        at,
        None,
        "commune_submission_received",
        f"commune_submission:{submission.id}",
        campaign_id=campaign.id,
        commune=commune.code,
        city_round_id=city_round.id,
        dispatch_number=submission.dispatch_number,
        after_approval=city_round.status == APPROVED,
        **_quantities(lines),
    )


def _open_round(
    session: Session,
    runtime: WorkflowRuntime,
    year: int,
    city: OrgUnit,
    home_affairs: OrgUnit,
    at: datetime,
) -> CityRound:
    city_round = CityRound(year=year, city_id=city.id, status=COLLECTING, opened_at=at)
    session.add(city_round)
    session.flush()
    data = {
        "city_round_id": city_round.id,
        "year": year,
        "city_name": city.name,
        "opened_at": _local_iso(at),
        "consolidate_from": _local_iso(at),
        "consolidate_days": CONSOLIDATE_DAYS,
    }
    city_round.instance_id = runtime.start(
        session,
        CONSOLIDATION_PROCESS,
        data,
        lane_orgs={SNV_OFFICER: home_affairs.id, CITY_CHAIR: city.id},
        business_key=f"city_round:{year}",
        at=at,
    ).instance.id
    audit.record(session, at, None, "city_round_opened", f"city_round:{city_round.id}", year=year)
    return city_round


def submission_lines(session: Session, campaign: Campaign, commune: OrgUnit) -> list[dict]:
    """The counted proposal lines of the campaign, one dict per line: the commune's
    aggregation is by field and unit, the city's list is by field and job position."""
    rows = session.execute(
        select(
            OrgUnit.code,
            OrgUnit.name,
            ProposalLine.field,
            ProposalLine.major,
            ProposalLine.job_position,
            ProposalLine.target_group,
            ProposalLine.quantity_year,
            ProposalLine.quantity_period,
        )
        .join(UnitProposal, UnitProposal.id == ProposalLine.proposal_id)
        .join(OrgUnit, OrgUnit.id == UnitProposal.org_unit_id)
        .where(UnitProposal.campaign_id == campaign.id, UnitProposal.status.in_(COUNTED))
        .order_by(OrgUnit.code, ProposalLine.position)
    ).all()
    return [
        {
            "commune_code": commune.code,
            "commune_name": commune.name,
            "unit_code": unit_code,
            "unit_name": unit_name,
            "field": field,
            "major": major,
            "job_position": job_position.strip(),
            "target_group": target_group,
            "quantity_year": quantity_year,
            "quantity_period": quantity_period,
        }
        for (
            unit_code,
            unit_name,
            field,
            major,
            job_position,
            target_group,
            quantity_year,
            quantity_period,
        ) in rows
    ]


def _quantities(lines: list[dict]) -> dict:
    return {
        "quantity_year": sum(line["quantity_year"] for line in lines),
        "quantity_period": sum(line["quantity_period"] for line in lines),
    }


def _local_iso(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).isoformat()


# -- Sở Nội vụ registers the dispatch ---------------------------------------------------


def _registered(session: Session, change: InstanceChange) -> None:
    submission = session.scalar(
        select(CommuneSubmission).where(CommuneSubmission.instance_id == change.instance.id)
    )
    if submission is None:
        return
    done, data = _completion(change)
    submission.status, submission.registered_at, submission.registered_by = (
        REGISTERED,
        change.at,
        done.completed_by,
    )
    if "incoming_number" in data:  # a version drawn before the records office: typed
        submission.incoming_number = data["incoming_number"].strip()
    else:
        submission.incoming_number = str(
            _register_received(session, submission, done.completed_by, change.at)
        )
    audit.record(
        session,
        change.at,
        done.completed_by,
        "commune_submission_registered",
        f"commune_submission:{submission.id}",
        city_round_id=submission.city_round_id,
        incoming_number=submission.incoming_number,
        note=data.get("note"),
    )


def _register_received(
    session: Session, submission: CommuneSubmission, clerk_id: int | None, at: datetime
) -> int:
    """The dispatch in Sở Nội vụ's register of documents received: the Công văn the commune
    issued, or (a campaign whose number was typed) what the campaign recorded of it."""
    campaign = session.get_one(Campaign, submission.campaign_id)
    commune = session.get_one(OrgUnit, submission.commune_id)
    _, home_affairs = _home_affairs(session, commune)
    document = dispatch_of(session, campaign)
    if document is not None and document.status == records.ISSUED:
        received = records.receive_issued(
            session,
            at,
            clerk_id,
            org_unit_id=home_affairs.id,
            outgoing_id=document.id,
            sender_name=commune.name,
        )
    else:
        received = records.receive(
            session,
            at,
            clerk_id,
            org_unit_id=home_affairs.id,
            sender_name=commune.name,
            sender_code=campaign.dispatch_number or "",
            sender_issued_on=campaign.dispatch_date or local_day(at),
            subject=campaign.title,
            case_subject=f"campaign:{campaign.id}",
        )
    return received.number


# -- consolidation and approval -----------------------------------------------------------


def _city_round(session: Session, change: InstanceChange) -> CityRound | None:
    return session.scalar(select(CityRound).where(CityRound.instance_id == change.instance.id))


def _consolidated(session: Session, change: InstanceChange) -> None:
    city_round = _city_round(session, change)
    if city_round is None:
        return
    consolidation = consolidate(session, city_round)
    if not consolidation["communes"]:
        raise FormInvalid(
            [
                FieldError(
                    "",
                    "no_registered_submission",
                    Message(
                        "No proposal dispatch of a commune or ward is registered yet: the city's needs "
                        "cannot be consolidated."
                    ),
                )
            ]
        )
    done, data = _completion(change)
    city_round.consolidation, city_round.consolidated_at = consolidation, change.at
    city_round.status = AWAITING_APPROVAL
    audit.record(
        session,
        change.at,
        done.completed_by,
        "city_demand_consolidated",
        f"city_round:{city_round.id}",
        communes=[commune["code"] for commune in consolidation["communes"]],
        totals=consolidation["totals"],
        note=data.get("consolidation_note"),
    )


def _approved(session: Session, change: InstanceChange) -> None:
    city_round = _city_round(session, change)
    if city_round is None:
        return
    done, data = _completion(change)
    assert city_round.consolidation is not None, "the chair approves a consolidation"
    targets = approved_targets(city_round.consolidation, data.get("targets"))
    city_round.targets, city_round.decision_number = targets, data["decision_number"]
    city_round.approved_at, city_round.approved_by, city_round.status = change.at, done.completed_by, APPROVED
    audit.record(
        session,
        change.at,
        done.completed_by,
        "city_demand_approved",
        f"city_round:{city_round.id}",
        decision_number=city_round.decision_number,
        targets=targets,
        comment=data.get("chair_comment"),
    )


def _returned(session: Session, change: InstanceChange) -> None:
    """Back to Sở Nội vụ: the snapshot no longer stands (the list is computed live again
    until the next consolidation); what was returned stays in the audit."""
    city_round = _city_round(session, change)
    if city_round is None:
        return
    done, data = _completion(change)
    audit.record(
        session,
        change.at,
        done.completed_by,
        "city_demand_returned",
        f"city_round:{city_round.id}",
        comment=data.get("chair_comment"),
        returned_totals=(city_round.consolidation or {}).get("totals"),
    )
    city_round.consolidation = city_round.consolidated_at = None
    city_round.status = COLLECTING


def approved_targets(consolidation: dict, targets: list[dict] | None) -> dict[str, int]:
    """The approved quantity for the plan year per field ({field: quantity_year}). The
    chair's ``targets`` adjust fields of the consolidated list; a field not listed is
    approved as consolidated. A target above the consolidated demand, for a field not
    in the list, or listed twice is refused."""
    demand = {row["field"]: row["quantity_year"] for row in consolidation["by_field"]}
    approved, errors, seen = dict(demand), [], set()
    for index, target in enumerate(targets or []):
        field, quantity = target["field"], target["quantity_year"]
        if field not in demand:
            errors.append(
                FieldError(
                    f"targets[{index}].field",
                    "not_in_demand",
                    Message("This field is not in the city's consolidated needs."),
                )
            )
        elif field in seen:
            errors.append(
                FieldError(
                    f"targets[{index}].field",
                    "duplicate",
                    Message("This field is already on another target line."),
                )
            )
        elif quantity > demand[field]:
            errors.append(
                FieldError(
                    f"targets[{index}].quantity_year",
                    "above_demand",
                    Message(
                        "The target may not be above the consolidated need (%(demand)s).",
                        demand=demand[field],
                    ),
                )
            )
        else:
            approved[field] = quantity
        seen.add(field)
    if errors:
        raise FormInvalid(errors)
    return approved


def consolidate(session: Session, city_round: CityRound) -> dict:
    """The consolidated list of the registered submissions as it stands:

    - ``rows``: by (field, job position), with ``by_commune`` {commune code:
      {quantity_year, quantity_period}}, the target groups asked for, and totals;
    - ``by_field``: totals per field (what the chair's targets adjust);
    - ``communes``: the submissions included, in order of arrival;
    - ``totals``.
    Job positions written differently only in case or spacing count as one."""
    submissions = session.execute(
        select(CommuneSubmission, OrgUnit)
        .join(OrgUnit, OrgUnit.id == CommuneSubmission.commune_id)
        .where(CommuneSubmission.city_round_id == city_round.id, CommuneSubmission.status == REGISTERED)
        .order_by(CommuneSubmission.received_at, CommuneSubmission.id)
    ).all()
    rows: dict[tuple[str, str], dict] = {}
    by_field: dict[str, dict] = {}
    for submission, commune in submissions:
        for line in submission.lines:
            row = rows.setdefault(
                (line["field"], _position_key(line["job_position"])),
                {
                    "field": line["field"],
                    "job_position": " ".join(line["job_position"].split()),
                    "target_groups": [],
                    "by_commune": {},
                    "quantity_year": 0,
                    "quantity_period": 0,
                },
            )
            cell = row["by_commune"].setdefault(commune.code, {"quantity_year": 0, "quantity_period": 0})
            field_total = by_field.setdefault(
                line["field"], {"field": line["field"], "quantity_year": 0, "quantity_period": 0}
            )
            for total in (row, cell, field_total):
                total["quantity_year"] += line["quantity_year"]
                total["quantity_period"] += line["quantity_period"]
            if line["target_group"] not in row["target_groups"]:
                row["target_groups"].append(line["target_group"])
    communes = [
        {
            "code": commune.code,
            "name": commune.name,
            "submission_id": submission.id,
            "dispatch_number": submission.dispatch_number,
            "incoming_number": submission.incoming_number,
            **_quantities(submission.lines),
        }
        for submission, commune in submissions
    ]
    return {
        "rows": [rows[key] for key in sorted(rows)],
        "by_field": [by_field[field] for field in sorted(by_field)],
        "communes": communes,
        "totals": {
            "quantity_year": sum(row["quantity_year"] for row in by_field.values()),
            "quantity_period": sum(row["quantity_period"] for row in by_field.values()),
        },
    }


def _position_key(job_position: str) -> str:
    return " ".join(job_position.split()).casefold()


# -- reading ------------------------------------------------------------------------------


def city_round_for_year(session: Session, year: int) -> CityRound | None:
    return session.scalar(select(CityRound).where(CityRound.year == year))


def submissions_of(session: Session, round_id: int) -> list[dict]:
    """The round's cases, in order of arrival."""
    rows = session.execute(
        select(CommuneSubmission, OrgUnit.code, OrgUnit.name, Campaign.dispatch_date)
        .join(OrgUnit, OrgUnit.id == CommuneSubmission.commune_id)
        .join(Campaign, Campaign.id == CommuneSubmission.campaign_id)
        .where(CommuneSubmission.city_round_id == round_id)
        .order_by(CommuneSubmission.received_at, CommuneSubmission.id)
    ).all()
    return [
        {
            "id": submission.id,
            "campaign_id": submission.campaign_id,
            "commune_code": code,
            "commune_name": name,
            "dispatch_number": submission.dispatch_number,
            "dispatch_date": dispatch_date,
            "received_at": submission.received_at,
            "registered_at": submission.registered_at,
            "incoming_number": submission.incoming_number,
            "status": submission.status,
            "instance_id": submission.instance_id,
            **_quantities(submission.lines),
        }
        for submission, code, name, dispatch_date in rows
    ]


def approved_lines(session: Session, city_round: CityRound) -> list[dict]:
    """The registered submissions' lines within the approved targets, in order of arrival:
    each field's lines until its target is reached (the last one cut to fit)."""
    left = dict(city_round.targets or {})
    lines = []
    for (submission,) in session.execute(
        select(CommuneSubmission)
        .where(CommuneSubmission.city_round_id == city_round.id, CommuneSubmission.status == REGISTERED)
        .order_by(CommuneSubmission.received_at, CommuneSubmission.id)
    ):
        for line in submission.lines:
            quantity = min(line["quantity_year"], left.get(line["field"], 0))
            if quantity > 0:
                left[line["field"]] -= quantity
                lines.append({**line, "quantity_year": quantity})
    return lines


def consolidated_list(session: Session, city_round: CityRound) -> dict:
    """The snapshot taken when Sở Nội vụ consolidated, else the list as it stands."""
    return city_round.consolidation or consolidate(session, city_round)


def may_see_city_round(session: Session, user_id: int) -> bool:
    """Sở Nội vụ (its officers and its head) and the city chair see the city's rounds."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Membership.user_id == user_id,
                    Membership.org_unit_id == OrgUnit.id,
                    or_(
                        and_(
                            Membership.role_code.in_((SNV_OFFICER, UNIT_HEAD)), OrgUnit.kind == HOME_AFFAIRS
                        ),
                        and_(Membership.role_code == CITY_CHAIR, OrgUnit.level == "province"),
                    ),
                )
            )
        )
    )


def city_round_for_board(session: Session, user_id: int, round_id: int) -> CityRound:
    """A round the user may see; to anyone else it does not exist."""
    city_round = session.get(CityRound, round_id)
    if city_round is None or not may_see_city_round(session, user_id):
        raise NotFound(f"no city round {round_id}")
    return city_round


def rounds_for(session: Session, user_id: int) -> list[CityRound]:
    """The rounds the user may see, newest year first."""
    if not may_see_city_round(session, user_id):
        return []
    return list(session.scalars(select(CityRound).order_by(CityRound.year.desc())))
